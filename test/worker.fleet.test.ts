import { hostname } from 'node:os';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DatabaseUnavailableError } from '../src/errors.js';
import { PostgresStore } from '../src/store/postgres/postgres-store.js';
import { expectEveryChargeOnce, ledger, ledgerScript, queueLedgerTasks } from './support/ledger-task.js';
import { startOpenAIServer, type FakeOpenAI } from './support/openai-server.js';
import { adminQuery, dropSchema, pgUrl, schemaName } from './support/postgres.js';
import { seededRandom } from './support/seeded-random.js';
import { tempDir } from './support/temp-dir.js';
import { spawnWorker, type WorkerProcess } from './support/worker-fleet.js';

/**
 * A fleet on one PostgreSQL queue: 30 LLM tasks, each charging its orders through a non-idempotent command tool
 * (with a check), run by worker processes that are killed with -9 and replaced at seeded random moments, and whose
 * database connections are all terminated by the server now and then. Every task completes, every charge happens
 * exactly once, and no step is committed twice.
 */
const TASKS = 30;
const STEPS = 3;
const WORKERS = 3;
const TERMINATIONS = 2;
const MIN_KILLS = 6;
const LEASES = { AGENTRUN_LEASE_MS: '2500', AGENTRUN_HEARTBEAT_MS: '250' };

const schema = schemaName('fleet');
const db = pgUrl(schema);
let server: FakeOpenAI;
let store: PostgresStore;
const live: WorkerProcess[] = [];

beforeAll(async () => {
  server = await startOpenAIServer(ledgerScript(STEPS));
  store = await PostgresStore.open(db);
});
afterEach(async () => {
  for (const worker of live.splice(0)) worker.child.kill('SIGKILL');
});
afterAll(async () => {
  await store.close();
  await server.close();
  await dropSchema(schema);
});

function startWorker(cwd: string): WorkerProcess {
  const worker = spawnWorker(['--queue', 'fleet', '--concurrency', '2', '--retry-after', '100', '--db', db], {
    cwd,
    env: { ...LEASES, OPENAI_BASE_URL: server.url, OPENAI_API_KEY: 'k' },
  });
  live.push(worker);
  return worker;
}

describe('a fleet of workers on one PostgreSQL queue', () => {
  it(`runs ${TASKS} LLM tasks through ${MIN_KILLS}+ kill -9s and dropped connections, every effect exactly once`, async () => {
    const root = tempDir();
    const dirs = await queueLedgerTasks(store, { root, queue: 'fleet', count: TASKS, steps: STEPS });
    for (let i = 0; i < WORKERS; i++) startWorker(root);

    const random = seededRandom(14);
    // The test reads through a connection of its own, which the terminations below drop too: read again, as any client would.
    const completed = async (): Promise<number> => {
      try {
        return (await store.listTasks({ statuses: ['completed'] })).length;
      } catch (error) {
        if (!(error instanceof DatabaseUnavailableError)) throw error;
        return completed();
      }
    };
    let kills = 0;
    let terminations = 0;
    while ((await completed()) < TASKS) {
      await new Promise((r) => setTimeout(r, 300 + Math.floor(random() * 700)));
      const terminate = terminations < TERMINATIONS && (kills >= MIN_KILLS || random() < 0.25);
      if (terminate) {
        // The server drops every connection of this fleet (a restart or failover looks the same to a client); only
        // this schema's, so the other test files on the same server are not disturbed.
        await adminQuery(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE starts_with(application_name, $1) AND pid <> pg_backend_pid()`, [`agentrun:${schema}`]);
        terminations += 1;
      } else if (kills < MIN_KILLS) {
        const victim = live.splice(Math.floor(random() * live.length), 1)[0]!;
        victim.child.kill('SIGKILL');
        await victim.done;
        kills += 1;
        startWorker(root);
      }
      if (kills + terminations > 200) throw new Error('the fleet made no progress');
    }
    expect(kills).toBeGreaterThanOrEqual(MIN_KILLS);
    expect(terminations).toBe(TERMINATIONS);

    await expectEveryChargeOnce(store, dirs, STEPS);
    // Each charge under its own task's key.
    for (const [i, dir] of dirs.entries()) for (const entry of ledger(dir)) expect(entry.startsWith(`fleet-${i}:`)).toBe(true);

    // The survivors drain and exit 0 on SIGTERM, and take themselves out of the workers table.
    const survivors = live.splice(0);
    for (const worker of survivors) worker.child.kill('SIGTERM');
    for (const worker of survivors) expect((await worker.done).code, worker.log()).toBe(0);
    const listed = (await store.listWorkers(60_000)).map((w) => w.id);
    for (const worker of survivors) expect(listed).not.toContain(`${hostname()}:${worker.child.pid}`);
  });
});
