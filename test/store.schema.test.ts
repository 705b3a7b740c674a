import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { PostgresStore } from '../src/store/postgres/postgres-store.js';
import { SqliteStore } from '../src/store/sqlite/sqlite-store.js';
import { adminQuery, dropSchema, pgUrl, schemaName } from './support/postgres.js';
import { tempDir } from './support/temp-dir.js';

/**
 * The schema every store ends up with after all its migrations, compared with a snapshot kept in the repository
 * (as graphile-worker does): a migration that changes the schema changes the snapshot in the same commit, on
 * purpose, and an edit to a released migration file shows up as a difference here.
 */
const schema = schemaName('snapshot');
afterAll(() => dropSchema(schema));

describe('schema snapshots', () => {
  it('SQLite: tables, indexes and triggers after every migration', async () => {
    const file = path.join(tempDir(), 'agentrun.db');
    await (await SqliteStore.open(file)).close();
    const db = new Database(file, { readonly: true });
    const objects = db.prepare(`SELECT type, name, sql FROM sqlite_master WHERE sql IS NOT NULL ORDER BY type, name`).all() as { type: string; name: string; sql: string }[];
    const versions = db.prepare('SELECT version FROM schema_version ORDER BY version').all() as { version: number }[];
    db.close();
    const dump = [`-- versions: ${versions.map((v) => v.version).join(', ')}`, ...objects.map((o) => `-- ${o.type} ${o.name}\n${o.sql};`)].join('\n\n');
    await expect(`${dump}\n`).toMatchFileSnapshot('./snapshots/sqlite-schema.sql');
  });

  it('PostgreSQL: columns, constraints and indexes after every migration', async () => {
    await (await PostgresStore.open(pgUrl(schema))).close();
    const columns = await adminQuery<{ table_name: string; column_name: string; data_type: string; is_nullable: string; column_default: string | null; generation_expression: string | null }>(
      `SELECT table_name, column_name, data_type, is_nullable, column_default, generation_expression FROM information_schema.columns
       WHERE table_schema = $1 ORDER BY table_name, ordinal_position`,
      [schema],
    );
    const constraints = await adminQuery<{ table_name: string; name: string; def: string }>(
      `SELECT c.conrelid::regclass::text AS table_name, c.conname AS name, pg_get_constraintdef(c.oid) AS def FROM pg_constraint c
       JOIN pg_namespace n ON n.oid = c.connamespace WHERE n.nspname = $1 ORDER BY 1, 2`,
      [schema],
    );
    const indexes = await adminQuery<{ indexdef: string }>('SELECT indexdef FROM pg_indexes WHERE schemaname = $1 ORDER BY tablename, indexname', [schema]);
    const versions = await adminQuery<{ version: number }>(`SELECT version FROM ${schema}.schema_version ORDER BY version`);
    const unschema = (text: string) => text.replaceAll(`${schema}.`, '');
    const dump = [
      `-- versions: ${versions.map((v) => v.version).join(', ')}`,
      ...columns.map((c) => `${c.table_name}.${c.column_name} ${c.data_type}${c.is_nullable === 'NO' ? ' NOT NULL' : ''}${c.column_default ? ` DEFAULT ${unschema(c.column_default)}` : ''}${c.generation_expression ? ` GENERATED ${c.generation_expression}` : ''}`),
      ...constraints.map((c) => `${unschema(c.table_name)} ${c.name}: ${unschema(c.def)}`),
      ...indexes.map((i) => unschema(i.indexdef)),
    ].join('\n');
    await expect(`${dump}\n`).toMatchFileSnapshot('./snapshots/postgres-schema.sql');
  });
});
