import { randomBytes } from 'node:crypto';
import pg from 'pg';

/** The test server: trust auth on 127.0.0.1:5432, database `test` (AGENTRUN_TEST_PG overrides). */
export const PG_SERVER = process.env.AGENTRUN_TEST_PG ?? 'postgres://postgres@127.0.0.1:5432/test';

/** A fresh schema name, so every test file (and test) works in its own and drops it afterwards. */
export function schemaName(prefix = 't'): string {
  return `${prefix}_${randomBytes(6).toString('hex')}`;
}

export function pgUrl(schema: string): string {
  return `${PG_SERVER}?schema=${schema}`;
}

/** Runs statements directly on the test server, outside any store. */
export async function adminQuery<R extends pg.QueryResultRow = Record<string, unknown>>(text: string, params: unknown[] = []): Promise<R[]> {
  const client = new pg.Client({ connectionString: PG_SERVER });
  await client.connect();
  try {
    return (await client.query<R>(text, params)).rows;
  } finally {
    await client.end();
  }
}

export async function dropSchema(schema: string): Promise<void> {
  await adminQuery(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
}
