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
  const found = await currentVersion(pool);
  if (found > LATEST_PG_SCHEMA_VERSION) throw new DatabaseTooNewError(redacted, found, LATEST_PG_SCHEMA_VERSION);
  if (found === LATEST_PG_SCHEMA_VERSION) return;
  await pool.transaction(async (client) => {
    await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`agentrun migrate ${schema}`]);
    await client.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
    await client.query('CREATE TABLE IF NOT EXISTS schema_version (version INTEGER PRIMARY KEY, applied_at BIGINT NOT NULL)');
    const { rows } = await client.query<{ v: number | null }>('SELECT MAX(version) AS v FROM schema_version');
    const now = rows[0]!.v ?? 0;
    if (now > LATEST_PG_SCHEMA_VERSION) throw new DatabaseTooNewError(redacted, now, LATEST_PG_SCHEMA_VERSION);
    for (const migration of MIGRATIONS) {
      if (migration.version <= now) continue;
      await client.query(migration.sql);
      await client.query('INSERT INTO schema_version (version, applied_at) VALUES ($1, (extract(epoch from now()) * 1000)::bigint)', [migration.version]);
    }
  });
}

async function currentVersion(pool: PgPool): Promise<number> {
  try {
    const { rows } = await pool.query<{ v: number | null }>('SELECT MAX(version) AS v FROM schema_version');
    return rows[0]!.v ?? 0;
  } catch (error) {
    // 42P01: no schema_version table (in this schema) yet.
    if ((error as { code?: string }).code === '42P01') return 0;
    throw error;
  }
}
