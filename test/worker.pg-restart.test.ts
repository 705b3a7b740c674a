import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DatabaseUnavailableError } from '../src/errors.js';
import { PostgresStore } from '../src/store/postgres/postgres-store.js';
import { runCli, waitFor } from './support/cli.js';
import { expectEveryChargeOnce, ledger, ledgerScript, queueLedgerTasks } from './support/ledger-task.js';
import { startOpenAIServer, type FakeOpenAI } from './support/openai-server.js';
import { PASSWORD, startPrivatePostgres, type PrivatePostgres } from './support/private-postgres.js';
import { tempDir } from './support/temp-dir.js';
import { spawnWorker, type WorkerProcess } from './support/worker-fleet.js';

/**
 * The PostgreSQL server itself goes down while workers run: restarted cleanly (`pg_ctl restart -m fast`: every
 * session is ended) and crashed (`-m immediate`: killed, then recovered from its WAL). The server is a private cluster
 * of this file's own, with password authentication, so the other test files on the shared server are not disturbed.
 */
const TASKS = 10;
const STEPS = 3;
const LEASES = { AGENTRUN_LEASE_MS: '2500', AGENTRUN_HEARTBEAT_MS: '250' };
/** When the server goes down — after this many of the TASKS × STEPS charges — and how. */
const OUTAGES: Array<{ afterCharges: number; mode: 'fast' | 'immediate' }> = [
  { afterCharges: 3, mode: 'fast' },
  { afterCharges: 12, mode: 'immediate' },
  { afterCharges: 21, mode: 'fast' },
];

let server: PrivatePostgres;
let llm: FakeOpenAI;
const stores: PostgresStore[] = [];
const live: WorkerProcess[] = [];

beforeAll(async () => {
  server = await startPrivatePostgres();
  console.info(`private PostgreSQL cluster: initdb, start, role and database in ${server.startupMs} ms`);
  llm = await startOpenAIServer(ledgerScript(STEPS));
});
afterEach(async () => {
  for (const worker of live.splice(0)) worker.child.kill('SIGKILL');
  for (const store of stores.splice(0)) await store.close();
});
afterAll(async () => {
  await llm?.close();
  await server?.destroy();
});

function startWorker(args: string[], cwd: string): WorkerProcess {
  const worker = spawnWorker(args, { cwd, env: { ...LEASES, OPENAI_BASE_URL: llm.url, OPENAI_API_KEY: 'k' } });
  live.push(worker);
  return worker;
}

async function openStore(url: string): Promise<PostgresStore> {
  const store = await PostgresStore.open(url);
  stores.push(store);
  return store;
}

describe('workers while the PostgreSQL server restarts', () => {
  it(`run ${TASKS} LLM tasks through two restarts and a crash of the server: every charge once, the workers carry on`, async () => {
    const db = server.url({ schema: 'restarts' });
    const store = await openStore(db);
    const root = tempDir();
    const dirs = await queueLedgerTasks(store, { root, queue: 'restarts', count: TASKS, steps: STEPS });
    const workers = [0, 1].map(() => startWorker(['--queue', 'restarts', '--concurrency', '2', '--retry-after', '100', '--db', db], root));

    const charges = () => dirs.reduce((n, dir) => n + ledger(dir).length, 0);
    for (const outage of OUTAGES) {
      await waitFor(() => charges() >= outage.afterCharges, `${outage.afterCharges} charges`, 60_000);
      await server.restart(outage.mode);
    }
    // The test's own store lost its connections too: it reads again, as any client would.
    const completed = async () => {
      try {
        return (await store.listTasks({ statuses: ['completed'] })).length;
      } catch (error) {
        if (error instanceof DatabaseUnavailableError) return -1;
        throw error;
      }
    };
    await waitFor(async () => (await completed()) === TASKS, 'every task to complete', 60_000);

    // The outages cut runs short (exit 3: resumable), and other runs took the tasks up again.
    const logs = workers.map((w) => w.log()).join('');
    expect(logs.match(/ released \S+ \(exit 3\)/g)?.length ?? 0, logs).toBeGreaterThanOrEqual(OUTAGES.length);
    expect(logs).toMatch(/lost the connection to postgres:\/\/agentrun_app:\*\*\*@127\.0\.0\.1:\d+\/agentrun\?schema=restarts: /);

    await expectEveryChargeOnce(store, dirs, STEPS);

    // The same workers, never restarted, are alive; the password is in none of what agentrun printed or stored.
    for (const worker of workers) expect(worker.child.exitCode, worker.log()).toBeNull();
    const shown = [logs];
    for (const args of [['status', '--all'], ['status', '--json'], ['inspect', 'restarts-0', '--json'], ['export', 'restarts-0'], ['workers', '--json'], ['logs', 'restarts-0']]) {
      const result = await runCli([...args, '--db', db], { cwd: root });
      expect(result.code, `${args.join(' ')}: ${result.stderr}`).toBe(0);
      shown.push(result.stdout, result.stderr);
    }
    for (const text of shown) expect(text).not.toContain(PASSWORD);

    for (const worker of workers) worker.child.kill('SIGTERM');
    for (const worker of workers) expect((await worker.done).code, worker.log()).toBe(0);
  });

  it('an idle worker is woken by NOTIFY again after each restart: its LISTEN connection comes back by itself', async () => {
    const schema = 'wakeups';
    const db = server.url({ schema });
    const dir = tempDir();
    writeFileSync(path.join(dir, 'task.yaml'), 'goal: say hello\nplan:\n  - name: hello\n    run: echo hello >> hello.log\n');
    // It polls once in ten minutes: within this test, only a notification (or its reconnect) can make it claim.
    const worker = startWorker(['--queue', 'wake', '--poll', '600000', '--db', db], dir);
    const listening = async () => {
      const rows = await server.adminQuery(
        `SELECT 1 FROM pg_stat_activity WHERE application_name = $1 AND state = 'idle' AND starts_with(query, 'LISTEN')`,
        [`agentrun:${schema}:listener`],
      );
      return rows.length === 1;
    };
    await waitFor(listening, 'the worker to LISTEN');
    for (const [round, mode] of (['fast', 'immediate'] as const).entries()) {
      await server.restart(mode);
      await waitFor(listening, `the worker to LISTEN again after restart -m ${mode}`);
      const queued = await runCli(['start', '--task', 'task.yaml', '--queue', 'wake', '--id', `wake-${round}`, '--db', db], { cwd: dir });
      expect(queued.code, queued.stderr).toBe(0);
      await waitFor(() => worker.log().includes(`released wake-${round} (exit 0)`), `the worker to run wake-${round}`);
    }
    expect(readFileSync(path.join(dir, 'hello.log'), 'utf8')).toBe('hello\nhello\n');
    worker.child.kill('SIGTERM');
    expect((await worker.done).code, worker.log()).toBe(0);
  });
});
