import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { PostgresStore } from '../../src/store/postgres/postgres-store.js';
import type { Store } from '../../src/store/types.js';
import { loadTaskFile } from '../../src/task/load.js';
import { startOpenAIServer } from '../../test/support/openai-server.js';
import { CLI } from '../support/paths.js';
import { childEnv } from '../support/spawn.js';
import { percentile, round } from '../support/stats.js';
import { atMost, type Benchmark, type Metric } from '../support/types.js';

const SERVER = process.env.AGENTRUN_BENCH_PG ?? 'postgres://postgres@127.0.0.1:5432/test';
const TASKS = 40;
const LATENCY_SAMPLES = 30;
/** The first tasks a fresh worker runs also load the runner's modules: not part of a claim. */
const LATENCY_WARMUP = 3;
const FLEETS = [1, 2, 4];

/**
 * Workers on one PostgreSQL queue, as a user runs them (`agentrun worker` processes), against a scripted LLM server
 * that answers at once: tasks per second with 1, 2 and 4 workers (each task: two LLM steps and the final result),
 * and claim latency — from the moment a task is queued to its first step starting, with a worker idle.
 */
const benchmark: Benchmark = {
  name: '9 worker fleet',
  description: 'tasks/s with 1, 2 and 4 workers on one PostgreSQL queue; claim latency from queueing to the first step, worker idle',
  async run({ dir, log }) {
    const llm = await startOpenAIServer(() => ({ content: 'done: 42 records checked' }));
    const schema = `bench_fleet_${process.pid}`;
    const url = `${SERVER}?schema=${schema}`;
    const file = path.join(dir, 'task.yaml');
    writeFileSync(file, 'goal: check the records\nplan:\n  - name: read\n    description: read the records\n  - name: check\n    description: check them\n');
    const definition = loadTaskFile(file);
    const store = await PostgresStore.open(url);
    const env = { OPENAI_BASE_URL: llm.url, OPENAI_API_KEY: 'k', AGENTRUN_PG_POOL: '2' };
    let next = 0;
    const queue = async (name: string) => {
      const id = `t${++next}`;
      await store.createTask({ id, agentId: 'agentrun', goal: definition.goal, definition, workspace: dir, namespace: 'default', model: 'm', createdAt: Date.now(), queue: name });
      return id;
    };
    const metrics: Metric[] = [];
    const throughput: Record<number, number> = {};
    try {
      for (const size of FLEETS) {
        log(`  ${size} ${size === 1 ? 'worker' : 'workers'}, ${TASKS} tasks`);
        const name = `fleet${size}`;
        const workers = Array.from({ length: size }, () => startWorker(name, url, env, dir));
        await until(async () => (await store.listWorkers(60_000)).filter((w) => w.queue === name).length === size);
        const t0 = Date.now();
        for (let i = 0; i < TASKS; i++) await queue(name);
        await until(async () => (await store.listTasks({ statuses: ['completed'] })).filter((t) => t.queue === name).length === TASKS);
        throughput[size] = round(TASKS / ((Date.now() - t0) / 1000), 1);
        metrics.push({ metric: `tasks/s, ${size} ${size === 1 ? 'worker' : 'workers'}`, value: throughput[size]!, unit: 'tasks/s' });
        await stopAll(workers);
      }

      log(`  claim latency: ${LATENCY_SAMPLES} tasks queued one at a time, one idle worker`);
      const worker = startWorker('latency', url, env, dir);
      await until(async () => (await store.listWorkers(60_000)).some((w) => w.queue === 'latency'));
      const latencies: number[] = [];
      for (let i = 0; i < LATENCY_WARMUP + LATENCY_SAMPLES; i++) {
        const id = await queue('latency');
        const task = (await store.getTask(id))!;
        await until(async () => (await store.getTask(id))?.status === 'completed');
        if (i >= LATENCY_WARMUP) latencies.push((await firstStepStart(store, id)) - task.createdAt);
      }
      await stopAll([worker]);
      metrics.push(
        { metric: 'claim latency p50 (queued -> step 1 started)', value: percentile(latencies, 50), unit: 'ms' },
        { metric: 'claim latency p99', value: percentile(latencies, 99), unit: 'ms', goal: atMost(100, '< 100 ms') },
      );
      return { metrics, details: { tasks: TASKS, throughput, latenciesMs: latencies } };
    } finally {
      await store.close();
      await llm.close();
      const admin = new pg.Client({ connectionString: SERVER });
      await admin.connect();
      await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`).catch(() => {});
      await admin.end();
    }
  },
};
export default benchmark;

function startWorker(queue: string, db: string, env: Record<string, string>, cwd: string): ChildProcess {
  return spawn(process.execPath, [CLI, 'worker', '--queue', queue, '--db', db], { cwd, env: childEnv(env), stdio: 'ignore' });
}

async function stopAll(workers: ChildProcess[]): Promise<void> {
  await Promise.all(workers.map((w) => new Promise((resolve) => (w.once('exit', resolve), w.kill('SIGTERM')))));
}

async function firstStepStart(store: Store, id: string): Promise<number> {
  const [first] = await store.getSteps(id);
  return first!.startedAt!;
}

async function until(predicate: () => Promise<boolean>, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await predicate())) {
    if (Date.now() > deadline) throw new Error('bench: timed out waiting for the fleet');
    await new Promise((r) => setTimeout(r, 10));
  }
}
