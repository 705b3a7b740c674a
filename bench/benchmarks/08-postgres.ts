import path from 'node:path';
import pg from 'pg';
import { PostgresStore } from '../../src/store/postgres/postgres-store.js';
import type { LeaseFence, Store } from '../../src/store/types.js';
import { validateTaskDefinition } from '../../src/task/load.js';
import { fixedPlanDefinition, openRawDatabase, resultText, stepNotes, storeWithPlannedTask, takeLease } from '../support/fixtures.js';
import { median, nowMs, round, summarize, timeInterleaved } from '../support/stats.js';
import { atMost, type Benchmark, type Metric } from '../support/types.js';

/** The server the PostgreSQL figures are taken on (AGENTRUN_BENCH_PG overrides); each run uses a schema of its own. */
const SERVER = process.env.AGENTRUN_BENCH_PG ?? 'postgres://postgres@127.0.0.1:5432/test';
const RESULT_BYTES = 10 * 1024;
const WARMUP = 100;
const SAMPLES = 1000;
const GROWTH_STEPS = 10_000;
const GROWTH_WINDOW = 100;
const TASK = 'bench-pg';

/**
 * The PostgreSQL store against the physical limit of the same server: a raw single-row INSERT of the same 10 KB,
 * on a connection of its own, interleaved with the store's writes (alternating which goes first) so drift hits both.
 * The store runs on one pooled connection (AGENTRUN_PG_POOL=1), synchronous_commit on. Also: the runner's whole
 * per-step cycle (one fenced completeStep that also starts the next step) against that insert, on both stores; and growth — time and
 * WAL bytes per commit from step 10 to step 10,000 of one task.
 */
const benchmark: Benchmark = {
  name: '8 postgres store',
  description: 'PostgreSQL step commit and per-step cycle vs a raw 10 KB INSERT; growth to 10,000 steps; the per-step cycle on SQLite too',
  async run({ dir, log }) {
    process.env.AGENTRUN_PG_POOL = '1';
    const schema = `bench_${process.pid}`;
    const admin = new pg.Client({ connectionString: SERVER });
    await admin.connect();
    try {
      log(`  PostgreSQL: ${WARMUP} + ${SAMPLES} step commits and raw inserts, interleaved`);
      const commit = await withPgStore(schema, admin, (store, fence) => pgLoop(store, fence, admin, schema, 'commit'));
      log(`  PostgreSQL: ${WARMUP} + ${SAMPLES} per-step cycles (completeStep starting the next step) and raw inserts`);
      const cycle = await withPgStore(schema, admin, (store, fence) => pgLoop(store, fence, admin, schema, 'cycle'));
      log(`  PostgreSQL: growth, ${GROWTH_STEPS} steps of one task`);
      const growth = await withPgStore(schema, admin, (store, fence) => pgGrowth(store, fence, admin), GROWTH_STEPS);
      log(`  SQLite: ${WARMUP} + ${SAMPLES} per-step cycles and raw inserts`);
      const sqlite = await sqliteCycle(dir);

      const ratio = (a: number[], b: number[]) => round(median(a) / median(b), 2);
      const p99Ratio = (a: number[], b: number[]) => round(summarize(a).p99 / summarize(b).p99, 2);
      const first = growth[0]!;
      const last = growth.at(-1)!;
      const metrics: Metric[] = [
        { metric: 'PG completeStep median', value: summarize(commit.storeMs).median, unit: 'ms' },
        { metric: 'PG raw 10 KB INSERT median', value: summarize(commit.rawMs).median, unit: 'ms' },
        { metric: 'PG step commit / raw (median)', value: ratio(commit.storeMs, commit.rawMs), unit: 'x', goal: atMost(1.5, '<= 1.5x raw') },
        { metric: 'PG step commit / raw (p99)', value: p99Ratio(commit.storeMs, commit.rawMs), unit: 'x', goal: atMost(1.5, '<= 1.5x raw') },
        { metric: 'PG per-step cycle median', value: summarize(cycle.storeMs).median, unit: 'ms' },
        { metric: 'PG per-step cycle / raw (median)', value: ratio(cycle.storeMs, cycle.rawMs), unit: 'x', goal: atMost(1.5, '<= 1.5x raw') },
        { metric: 'SQLite per-step cycle median', value: summarize(sqlite.storeMs).median, unit: 'ms' },
        { metric: 'SQLite per-step cycle / raw (median)', value: ratio(sqlite.storeMs, sqlite.rawMs), unit: 'x', goal: atMost(1.2, '<= 1.2x raw') },
        { metric: `PG commit median, step ${first.from}-${first.to}`, value: first.ms, unit: 'ms' },
        { metric: `PG commit median, step ${last.from}-${last.to}`, value: last.ms, unit: 'ms' },
        { metric: `PG WAL bytes/commit, step ${first.from}-${first.to}`, value: first.walBytes, unit: 'B' },
        { metric: `PG WAL bytes/commit, step ${last.from}-${last.to}`, value: last.walBytes, unit: 'B' },
        { metric: 'PG commit growth, step 10k / step 10 (median)', value: round(last.ms / first.ms, 2), unit: 'x', goal: atMost(1.5, '<= 1.5x (flat)') },
      ];
      return {
        metrics,
        details: {
          server: SERVER.replace(/:[^:@/]*@/, ':***@'),
          samples: SAMPLES,
          resultBytes: RESULT_BYTES,
          postgres: { commit: { store: summarize(commit.storeMs), raw: summarize(commit.rawMs) }, cycle: { store: summarize(cycle.storeMs), raw: summarize(cycle.rawMs) } },
          sqlite: { cycle: { store: summarize(sqlite.storeMs), raw: summarize(sqlite.rawMs) } },
          growth,
        },
        notes: [
          'The per-step cycle is what the runner writes per step: one durable commit (completeStep, which also marks the next step running); the raw baseline is one durable insert.',
          'WAL bytes are pg_current_wal_lsn() differences over each window: the whole server, so other sessions on a shared server add to them.',
        ],
      };
    } finally {
      await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`).catch(() => {});
      await admin.end();
    }
  },
};
export default benchmark;

/** A fresh schema with a planned task of `steps` steps, leased; dropped afterwards. */
async function withPgStore<T>(schema: string, admin: pg.Client, work: (store: Store, fence: LeaseFence) => Promise<T>, steps = WARMUP + SAMPLES): Promise<T> {
  await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  const store = await PostgresStore.open(`${SERVER}?schema=${schema}`);
  try {
    const planned = fixedPlanDefinition(steps);
    const definition = validateTaskDefinition({ goal: planned.goal }, 'bench');
    await store.createTask({ id: TASK, agentId: 'agentrun', goal: definition.goal, definition, workspace: '/tmp', namespace: 'default', model: 'm', createdAt: Date.now() });
    const fence = await takeLease(store, TASK);
    await store.savePlan(TASK, planned.plan!, fence);
    await admin.query(`CREATE TABLE ${schema}.raw_results (id BIGSERIAL PRIMARY KEY, task_id TEXT NOT NULL, n INTEGER NOT NULL, result TEXT NOT NULL)`);
    return await work(store, fence);
  } finally {
    await store.close();
  }
}

async function pgLoop(store: Store, fence: LeaseFence, admin: pg.Client, schema: string, what: 'commit' | 'cycle') {
  const storeMs: number[] = [];
  const rawMs: number[] = [];
  for (let n = 1; n <= WARMUP + SAMPLES; n++) {
    const result = resultText(RESULT_BYTES, n);
    const notes = stepNotes(n);
    // `commit`: completeStep alone, its step started (untimed) on its own. `cycle`: the runner's one write per step,
    // completing this step and starting the next.
    if (what === 'commit' || n === 1) await store.startStep(TASK, n, { attempts: 1, firstTurn: 1 }, fence);
    const next = what === 'cycle' ? { n: n + 1, attempts: 1, firstTurn: 1 } : undefined;
    const [s, r] = await timeInterleaved(
      n,
      () => store.completeStep(TASK, n, { result, notes }, fence, next),
      () => admin.query(`INSERT INTO ${schema}.raw_results (task_id, n, result) VALUES ($1, $2, $3)`, [TASK, n, result]),
    );
    if (n > WARMUP) {
      storeMs.push(s);
      rawMs.push(r);
    }
  }
  return { storeMs, rawMs };
}

async function pgGrowth(store: Store, fence: LeaseFence, admin: pg.Client) {
  const windows = [10, 1_000, 5_000, GROWTH_STEPS - GROWTH_WINDOW];
  const out: { from: number; to: number; ms: number; walBytes: number }[] = [];
  let window: { from: number; lsn: string; ms: number[] } | undefined;
  for (let n = 1; n <= GROWTH_STEPS; n++) {
    if (windows.includes(n)) window = { from: n, lsn: await lsn(admin), ms: [] };
    if (n === 1) await store.startStep(TASK, n, { attempts: 1, firstTurn: 1 }, fence);
    const t = nowMs();
    await store.completeStep(TASK, n, { result: resultText(RESULT_BYTES, n), notes: stepNotes(n) }, fence, { n: n + 1, attempts: 1, firstTurn: 1 });
    window?.ms.push(nowMs() - t);
    if (window && window.ms.length === GROWTH_WINDOW) {
      const bytes = Number((await admin.query<{ d: string }>('SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), $1) AS d', [window.lsn])).rows[0]!.d);
      out.push({ from: window.from, to: n, ms: round(median(window.ms)), walBytes: Math.round(bytes / GROWTH_WINDOW) });
      window = undefined;
    }
  }
  return out;
}

async function lsn(client: pg.Client): Promise<string> {
  return (await client.query<{ l: string }>('SELECT pg_current_wal_lsn()::text AS l')).rows[0]!.l;
}

/** The runner's per-step store work on SQLite (one fenced completeStep starting the next step) vs a raw durable 10 KB insert. */
async function sqliteCycle(dir: string) {
  const { store, fence } = await storeWithPlannedTask(path.join(dir, 'cycle.db'), TASK, WARMUP + SAMPLES, dir);
  const raw = openRawDatabase(path.join(dir, 'raw.db'));
  raw.exec('CREATE TABLE results (id INTEGER PRIMARY KEY, task_id TEXT NOT NULL, n INTEGER NOT NULL, result TEXT NOT NULL)');
  const insert = raw.prepare('INSERT INTO results (task_id, n, result) VALUES (?, ?, ?)');
  const storeMs: number[] = [];
  const rawMs: number[] = [];
  try {
    for (let n = 1; n <= WARMUP + SAMPLES; n++) {
      const result = resultText(RESULT_BYTES, n);
      const notes = stepNotes(n);
      if (n === 1) await store.startStep(TASK, n, { attempts: 1, firstTurn: 1 }, fence);
      const [s, r] = await timeInterleaved(
        n,
        () => store.completeStep(TASK, n, { result, notes }, fence, { n: n + 1, attempts: 1, firstTurn: 1 }),
        () => insert.run(TASK, n, result),
      );
      if (n > WARMUP) {
        storeMs.push(s);
        rawMs.push(r);
      }
    }
  } finally {
    await store.close();
    raw.close();
  }
  return { storeMs, rawMs };
}
