import { DatabaseTooNewError } from '../../errors.js';
import { readMigrations } from '../migration-files.js';
import type { PgPool } from './pool.js';

const MIGRATIONS = readMigrations('postgres');
export const LATEST_PG_SCHEMA_VERSION = Math.max(...MIGRATIONS.map((m) => m.version));

/**
 * Brings the store's schema up to date. Usually one statement: the schema is current. Otherwise, in one
 * transaction holding an advisory lock (so two workers starting together cannot both migrate): create the schema,
 * apply each missing migration with its `schema_version` row. A schema newer than this code is refused untouched.
 */
export async function migrate(pool: PgPool): Promise<void> {
  const { schema, redacted } = pool.target;
  const found = await appliedVersions(pool);
  const newest = Math.max(0, ...found);
  if (newest > LATEST_PG_SCHEMA_VERSION) throw new DatabaseTooNewError(redacted, newest, LATEST_PG_SCHEMA_VERSION);
  if (MIGRATIONS.every((m) => found.has(m.version))) return;
  await pool.transaction(async (client) => {
    await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`agentrun migrate ${schema}`]);
    await client.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
    await client.query('CREATE TABLE IF NOT EXISTS schema_version (version INTEGER PRIMARY KEY, applied_at BIGINT NOT NULL)');
    // Read again under the lock: another process may have migrated meanwhile. By set, as SQLite does: numbers may skip.
    const { rows } = await client.query<{ version: number }>('SELECT version FROM schema_version');
    const done = new Set(rows.map((r) => r.version));
    const now = Math.max(0, ...done);
    if (now > LATEST_PG_SCHEMA_VERSION) throw new DatabaseTooNewError(redacted, now, LATEST_PG_SCHEMA_VERSION);
    for (const migration of MIGRATIONS) {
      if (done.has(migration.version)) continue;
      await client.query(migration.sql);
      await client.query('INSERT INTO schema_version (version, applied_at) VALUES ($1, (extract(epoch from now()) * 1000)::bigint)', [migration.version]);
    }
  });
}

async function appliedVersions(pool: PgPool): Promise<Set<number>> {
  try {
    const { rows } = await pool.query<{ version: number }>('SELECT version FROM schema_version');
    return new Set(rows.map((r) => r.version));
  } catch (error) {
    // 42P01: no schema_version table (in this schema) yet.
    if ((error as { code?: string }).code === '42P01') return new Set();
    throw error;
  }
}
