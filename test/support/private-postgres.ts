import { execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { appendFileSync, chmodSync, chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';

const run = promisify(execFile);

/**
 * A throwaway PostgreSQL cluster of a test file's own: a real server the test may restart, crash or give a wrong
 * password to without disturbing the shared server (127.0.0.1:5432) that the other test files use in parallel.
 *
 * TCP on 127.0.0.1 asks for a password (scram-sha-256), so `ROLE` logs in only with `PASSWORD`; the Unix socket, in
 * the cluster's own directory, trusts (the test's own admin connection). `fsync` stays on, so a crash
 * (`restart('immediate')`) loses nothing committed.
 */
export interface PrivatePostgres {
  port: number;
  /** How long initdb, the first start and creating the role and database took, in ms. */
  startupMs: number;
  /** A URL on 127.0.0.1 for the role that owns the database `agentrun`, with its password unless told otherwise. */
  url(options?: { user?: string; password?: string; database?: string; schema?: string }): string;
  /** Statements in the database `agentrun` as the superuser (over the socket: no password), outside any store. */
  adminQuery<R extends pg.QueryResultRow = Record<string, unknown>>(text: string, params?: unknown[]): Promise<R[]>;
  /** `pg_ctl restart`: `fast` ends every session cleanly; `immediate` kills the server, as a crash, and it recovers from WAL. */
  restart(mode: 'fast' | 'immediate'): Promise<void>;
  /** Stops the server and removes its directory. */
  destroy(): Promise<void>;
}

/** The role that owns the database, and its password: recognisable, so a test can assert it never appears in output. */
export const ROLE = 'agentrun_app';
export const PASSWORD = 'Pr1vate-pw-7Kq2';
const DATABASE = 'agentrun';

export async function startPrivatePostgres(): Promise<PrivatePostgres> {
  const started = Date.now();
  const bin = binDir();
  const dir = mkdtempSync(path.join(os.tmpdir(), 'agentrun-pg-'));
  const data = path.join(dir, 'data');
  const log = path.join(dir, 'server.log');
  // initdb refuses to run as root, and CI runs the tests as root: then the cluster belongs to the `postgres` user.
  const owner = process.getuid?.() === 0 ? userIds('postgres') : undefined;
  if (owner) chownSync(dir, owner.uid, owner.gid);
  chmodSync(dir, 0o700);
  let port = 0;

  // Should this process die before `destroy` (a test run killed), the server is stopped and its files removed anyway.
  const asOwner = owner ? 'runuser -u postgres -- ' : '';
  const watchdog = spawn(
    'sh',
    ['-c', `while [ -d /proc/$1 ]; do sleep 1; done; ${asOwner}"$2" -D "$3" -m immediate stop; rm -rf "$4"`, 'sh', String(process.pid), path.join(bin, 'pg_ctl'), data, dir],
    { detached: true, stdio: 'ignore' },
  );
  watchdog.unref();

  const tool = async (name: string, args: string[]) => {
    const [command, argv] = owner ? ['runuser', ['-u', 'postgres', '--', path.join(bin, name), ...args]] : [path.join(bin, name), args];
    try {
      await run(command, argv, { cwd: dir, timeout: 60_000 });
    } catch (error) {
      const serverLog = existsSync(log) ? readFileSync(log, 'utf8').split('\n').slice(-15).join('\n') : '';
      throw new Error(`${name} ${args.join(' ')} failed: ${(error as Error).message}\n${serverLog}`);
    }
  };
  const pgCtl = (args: string[]) => tool('pg_ctl', ['-D', data, '-l', log, '-w', '-t', '60', ...args]);
  const superuserQuery = async <R extends pg.QueryResultRow>(database: string, text: string, params: unknown[] = []): Promise<R[]> => {
    const client = new pg.Client({ host: dir, port, user: 'postgres', database });
    await client.connect();
    try {
      return (await client.query<R>(text, params)).rows;
    } finally {
      await client.end();
    }
  };
  const destroy = async () => {
    watchdog.kill();
    if (existsSync(path.join(data, 'postmaster.pid'))) await pgCtl(['stop', '-m', 'immediate']);
    rmSync(dir, { recursive: true, force: true });
  };

  try {
    // Password authentication on TCP needs a superuser password; nobody uses it (the socket trusts).
    const pwfile = path.join(dir, 'superuser-password');
    writeFileSync(pwfile, `${randomBytes(12).toString('hex')}\n`, { mode: 0o600 });
    if (owner) chownSync(pwfile, owner.uid, owner.gid);
    await tool('initdb', ['-D', data, '-U', 'postgres', '--pwfile', pwfile, '--auth-local=trust', '--auth-host=scram-sha-256', '-E', 'UTF8', '--no-locale', '--no-instructions']);
    rmSync(pwfile);
    port = await freePort();
    appendFileSync(
      path.join(data, 'postgresql.conf'),
      `\n# agentrun test cluster\nport = ${port}\nlisten_addresses = '127.0.0.1'\nunix_socket_directories = '${dir}'\nfsync = on\n`,
    );
    await pgCtl(['start']);
    await superuserQuery('postgres', `CREATE ROLE ${ROLE} LOGIN PASSWORD '${PASSWORD}'`);
    await superuserQuery('postgres', `CREATE DATABASE ${DATABASE} OWNER ${ROLE}`);
  } catch (error) {
    await destroy().catch(() => {});
    throw error;
  }

  return {
    port,
    startupMs: Date.now() - started,
    url(options = {}) {
      const url = new URL(`postgres://127.0.0.1:${port}/${options.database ?? DATABASE}`);
      url.username = options.user ?? ROLE;
      url.password = options.password ?? PASSWORD;
      if (options.schema) url.searchParams.set('schema', options.schema);
      return url.href;
    },
    adminQuery: (text, params) => superuserQuery(DATABASE, text, params),
    restart: (mode) => pgCtl(['restart', '-m', mode]),
    destroy,
  };
}

/** The newest installed server's binaries (Debian: /usr/lib/postgresql/<major>/bin). */
function binDir(): string {
  const root = '/usr/lib/postgresql';
  const majors = existsSync(root) ? readdirSync(root).filter((major) => existsSync(path.join(root, major, 'bin/initdb'))) : [];
  if (majors.length === 0) throw new Error(`no PostgreSQL server binaries under ${root} (Debian's postgresql package installs them)`);
  return path.join(root, majors.sort((a, b) => Number(b) - Number(a))[0]!, 'bin');
}

/** A port nobody listens on now: the kernel picks it, and it is given back for the server to take. */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

function userIds(name: string): { uid: number; gid: number } {
  const entry = readFileSync('/etc/passwd', 'utf8')
    .split('\n')
    .find((line) => line.startsWith(`${name}:`));
  if (!entry) throw new Error(`no user ${name} (Debian's postgresql package creates it)`);
  const [, , uid, gid] = entry.split(':');
  return { uid: Number(uid), gid: Number(gid) };
}
