import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PostgresStore } from '../src/store/postgres/postgres-store.js';
import { LATEST_PG_SCHEMA_VERSION } from '../src/store/postgres/migrate.js';
import { runCli } from './support/cli.js';
import { adminQuery, dropSchema, PG_SERVER, pgUrl, schemaName } from './support/postgres.js';
import { ROLE, startPrivatePostgres, type PrivatePostgres } from './support/private-postgres.js';
import { tempDir } from './support/temp-dir.js';

const PASSWORD = 'pw-s3cret-Zq9';
/** The test server's URL with a user, password, port, database or schema changed. */
function url(parts: { user?: string; port?: string; database?: string; schema?: string; host?: string }): string {
  const u = new URL(PG_SERVER);
  u.username = parts.user ?? u.username;
  u.password = PASSWORD;
  if (parts.host) u.hostname = parts.host;
  if (parts.port) u.port = parts.port;
  if (parts.database) u.pathname = `/${parts.database}`;
  if (parts.schema) u.searchParams.set('schema', parts.schema);
  return u.href;
}

const schema = schemaName('cli_errors');
const optionsSchema = schemaName('cli_options');
const timeoutSchema = schemaName('cli_timeout');
afterAll(async () => {
  for (const name of [schema, optionsSchema, timeoutSchema]) await dropSchema(name);
});

/** One line on stderr, the exit code, no stack trace, and never the password. */
async function expectOneLine(db: string, code: number, message: RegExp, env?: Record<string, string | undefined>): Promise<void> {
  const result = await runCli(['status', '--db', db], { cwd: tempDir(), env });
  const lines = result.stderr.trim().split('\n');
  expect(lines, result.stderr).toHaveLength(1);
  expect(lines[0]).toMatch(/^agentrun: /);
  expect(lines[0]).toMatch(message);
  expect(result.code).toBe(code);
  expect(result.stdout + result.stderr).not.toContain(PASSWORD);
}

describe('PostgreSQL connection problems: one line, an exit code, no password', () => {
  it('a URL that cannot be read is bad input (exit 2)', async () => {
    await expectOneLine(`postgres://someone:${PASSWORD}@`, 2, /not a valid PostgreSQL URL: postgres:\/\/someone:\*\*\*@ /);
    await expectOneLine(`postgresql://someone:${PASSWORD}@db.example:99999/x`, 2, /not a valid PostgreSQL URL/);
    await expectOneLine(url({ schema: 'Not-A-Name' }), 2, /schema "Not-A-Name" is not a plain lowercase name/);
  });

  it('a server that is not listening is worth trying again later (exit 3)', async () => {
    await expectOneLine(url({ port: '1' }), 3, /cannot reach postgres:\/\/.*:\*\*\*@127\.0\.0\.1:1\/.*: connection refused \(is the server running\?\)/);
  });

  it('a missing database, an unknown role or an unknown host needs a person (exit 2)', async () => {
    await expectOneLine(url({ database: 'agentrun_no_such_database' }), 2, /cannot use .*agentrun_no_such_database: the database does not exist/);
    await expectOneLine(url({ user: 'agentrun_no_such_role' }), 2, /cannot use postgres:\/\/agentrun_no_such_role:\*\*\*@.*: not allowed to connect/);
    await expectOneLine(url({ host: 'no-such-host.invalid' }), 2, /cannot connect to .*no-such-host\.invalid.*: unknown host/);
  });

  it('TLS asked of a server without it: one line, exit 2, and no driver warning about sslmode', async () => {
    await expectOneLine(`${url({})}?sslmode=require`, 2, /the server does not accept TLS connections \(the URL asks for them: sslmode or ssl\)/);
    await expectOneLine(`${url({})}?ssl=true`, 2, /the server does not accept TLS connections/);
  });

  it("the URL's own options keep the store in its schema, and a statement_timeout that cancels its work is one line, exit 3", async () => {
    const withOptions = new URL(url({ schema: optionsSchema }));
    withOptions.searchParams.set('options', '-c work_mem=64MB');
    const dir = tempDir();
    const queued = await runCli(['start', 'check the records', '--queue', 'q', '--db', withOptions.href], { cwd: dir });
    expect(queued.code, queued.stderr).toBe(0);
    const rows = await adminQuery<{ id: string }>(`SELECT id FROM ${optionsSchema}.tasks`);
    expect(rows.map((r) => r.id)).toEqual([queued.stdout.trim()]);

    const timeout = new URL(url({ schema: timeoutSchema }));
    timeout.searchParams.set('options', '-c statement_timeout=1');
    await expectOneLine(timeout.href, 3, /the server cancelled a statement \(a statement_timeout, or pg_cancel_backend\); nothing committed is lost/);
  });

  it('a schema written by a newer agentrun is refused and left as it was (exit 2)', async () => {
    await (await PostgresStore.open(pgUrl(schema))).close();
    await adminQuery(`INSERT INTO ${schema}.schema_version (version, applied_at) VALUES (99, 0)`);
    await expectOneLine(url({ schema }), 2, new RegExp(`written by a newer agentrun \\(schema version 99; this agentrun knows up to ${LATEST_PG_SCHEMA_VERSION}\\)`));
    const versions = await adminQuery<{ version: number }>(`SELECT version FROM ${schema}.schema_version ORDER BY version`);
    expect(versions.map((v) => v.version)).toEqual([...Array.from({ length: LATEST_PG_SCHEMA_VERSION }, (_, i) => i + 1), 99]);
  });
});

describe('a server that asks for a password (a private cluster: scram-sha-256 on 127.0.0.1)', () => {
  let server: PrivatePostgres;
  beforeAll(async () => {
    server = await startPrivatePostgres();
  });
  afterAll(() => server?.destroy());

  it('a wrong password, or a role the server does not admit to, needs a person (exit 2)', async () => {
    await expectOneLine(
      server.url({ password: PASSWORD }),
      2,
      new RegExp(`^agentrun: cannot use postgres://${ROLE}:\\*\\*\\*@127\\.0\\.0\\.1:${server.port}/agentrun: password authentication failed for user "${ROLE}" \\(a wrong password, or no such role\\)$`),
    );
    // The server answers an unknown role exactly as a wrong password (28P01), so as not to tell which roles exist.
    await expectOneLine(server.url({ user: 'agentrun_no_such_role', password: PASSWORD }), 2, /password authentication failed for user "agentrun_no_such_role"/);
  });

  it('a URL without the password the server asks for: exit 2 at once, not after the server gives up on the login', async () => {
    const started = Date.now();
    // Neither the environment nor a ~/.pgpass of the person running the tests may supply one.
    const noPassword = { PGPASSWORD: undefined, PGPASSFILE: '/nonexistent/pgpass' };
    await expectOneLine(server.url({ password: '' }), 2, /cannot use postgres:\/\/agentrun_app@.*: the server asks for a password and none was given/, noPassword);
    // The server waits 60 s (authentication_timeout) for the rest of a login: a socket left open would hold the CLI that long.
    expect(Date.now() - started).toBeLessThan(15_000);
  }, 90_000);
});
