import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { createTask } from '../../src/engine/create-task.js';
import type { RunEvent } from '../../src/engine/events.js';
import { runTask } from '../../src/engine/runner.js';
import { createLlmClient, type LlmClient } from '../../src/llm/client.js';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import type { Store } from '../../src/store/types.js';
import { setOpenAIEnv } from '../../test/support/openai-server.js';
import { formatProfile, profileInProcess } from '../support/cpu-profile.js';
import { buildInterruptedTask, fixedPlanDefinition } from '../support/fixtures.js';
import { median, nowMs, round, summarize } from '../support/stats.js';
import { atLeast, type Benchmark } from '../support/types.js';

const STEPS = 200;
const RUNS = 5;
const GOAL = 200;
/** The long-task probe: a task resumed after this many completed steps, for this many more. */
const LATE_FROM = 1000;
const LATE_STEPS = 21;

/**
 * Everything agentrun adds per step: a 200-step task (fixed plan of LLM steps; each step one chat turn answered
 * directly, then the final-result call) run in process by runTask with the durable default, against the scripted
 * server answering at once from a worker thread. Each run is a fresh task in a fresh database.
 */
const benchmark: Benchmark = {
  name: '6 end-to-end',
  description: 'steps per second of a 200-step task via runTask (durable) against an instantly answering LLM server',
  async run({ dir, log }) {
    const worker = new Worker(new URL('../support/server-worker.js', import.meta.url));
    const { url } = await new Promise<{ url: string }>((resolve, reject) => {
      worker.once('message', resolve);
      worker.once('error', reject);
    });
    const restoreEnv = setOpenAIEnv({ baseUrl: url, apiKey: 'bench' });
    try {
      log(`  ${RUNS} runs of a ${STEPS}-step task`);
      const runs: { seconds: number; stepsPerSecond: number; stepMs: number[] }[] = [];
      for (let i = 0; i < RUNS + 1; i++) {
        const run = await runOnce(dir, `run-${i}`);
        if (i > 0) runs.push(run); // the first run warms up the JIT and the SDK import
      }
      const rate = median(runs.map((r) => r.stepsPerSecond));
      const best = Math.max(...runs.map((r) => r.stepsPerSecond));
      const stepMs = runs.flatMap((r) => r.stepMs);
      const early = summarize(runs.flatMap((r) => r.stepMs.slice(0, 20)));
      const late = summarize(runs.flatMap((r) => r.stepMs.slice(-20)));

      log('  one more run with every store call and LLM call timed');
      const phases = await phaseBreakdown(dir);
      log(`  per-step time after ${LATE_FROM.toLocaleString('en-US')} completed steps: resuming such a task for ${LATE_STEPS} more`);
      const lateInLongTask = await perStepInLongTask(dir);
      const breakdown = [
        `Runs: ${runs.map((r) => round(r.stepsPerSecond, 0)).join(', ')} steps/s (median ${round(rate, 0)}, best ${round(best, 0)}).`,
        `Per step (medians over ${RUNS} runs): ${round(summarize(stepMs).median, 3)} ms; steps 1-20 ${early.median} ms, steps ${STEPS - 19}-${STEPS} ${late.median} ms`,
        `Per step in a long task, steps ${LATE_FROM + 2}-${LATE_FROM + LATE_STEPS} of ${LATE_FROM + LATE_STEPS}: ${lateInLongTask.median} ms median (the runner re-reads every step and note and rebuilds the whole context at each step)`,
        `Where a task's time goes (one instrumented run, ${round(phases.totalMs, 1)} ms for ${STEPS} steps, per step):`,
        ...phases.parts.map((p) => `  ${(p.ms / STEPS).toFixed(3).padStart(7)} ms  ${p.part}${p.calls ? ` (${round(p.calls / STEPS, 2)} calls)` : ''}`),
      ].join('\n');
      let profile: string | undefined;
      if (rate < GOAL) {
        const summary = await profileInProcess(async () => {
          await runOnce(dir, 'profiled');
        });
        profile = `${breakdown}\n${formatProfile('cpu profile of one whole run (main thread)', summary)}`;
      }
      return {
        metrics: [
          { metric: `steps/s (${STEPS}-step task, durable)`, value: round(rate, 1), unit: 'steps/s', goal: atLeast(GOAL, `>= ${GOAL} steps/s`) },
          { metric: 'task wall time median', value: round(median(runs.map((r) => r.seconds)) * 1000, 1), unit: 'ms' },
          { metric: 'per step: steps 1-20 median', value: early.median, unit: 'ms' },
          { metric: `per step: steps ${STEPS - 19}-${STEPS} median`, value: late.median, unit: 'ms' },
          { metric: `per step: steps ${LATE_FROM + 2}-${LATE_FROM + LATE_STEPS} median`, value: lateInLongTask.median, unit: 'ms' },
        ],
        details: { steps: STEPS, perStepInLongTaskMs: lateInLongTask, runs: runs.map((r) => ({ seconds: round(r.seconds, 3), stepsPerSecond: round(r.stepsPerSecond, 1) })), perStepMs: summarize(stepMs), phases, breakdown },
        profile,
        notes: profile ? [] : [breakdown],
      };
    } finally {
      restoreEnv();
      worker.postMessage('close');
      await worker.terminate();
    }
  },
};

async function runOnce(dir: string, label: string, instrument?: { store?: (s: Store) => Store; llm?: () => Promise<LlmClient> }) {
  const file = path.join(dir, `${label}.db`);
  const opened = await SqliteStore.open(file);
  const store = instrument?.store ? instrument.store(opened) : opened;
  const { task } = await createTask(store, { id: `e2e-${label}`, definition: fixedPlanDefinition(STEPS), cwd: dir, model: 'fake-model' });
  const started = new Map<number, number>();
  const stepMs: number[] = [];
  const onEvent = (event: RunEvent) => {
    if (event.type === 'step-started') started.set(event.n, nowMs());
    if (event.type === 'step-completed') stepMs.push(nowMs() - started.get(event.n)!);
  };
  const t = nowMs();
  const outcome = await runTask({ store, taskId: task.id, onEvent, llm: instrument?.llm });
  const seconds = (nowMs() - t) / 1000;
  await opened.close();
  if (outcome.task.status !== 'completed' || outcome.task.completedCount !== STEPS) {
    throw new Error(`bench: the task ended ${outcome.task.status} with ${outcome.task.completedCount}/${STEPS} steps: ${outcome.task.error}`);
  }
  return { seconds, stepsPerSecond: STEPS / seconds, stepMs };
}

/** Per-step time at steps 1,002-1,021 of a long task (1,000 steps completed before; the first resumed step is left out). */
async function perStepInLongTask(dir: string) {
  const file = path.join(dir, 'long.db');
  await buildInterruptedTask(file, 'long', LATE_FROM, LATE_STEPS, dir);
  const store = await SqliteStore.open(file);
  const started = new Map<number, number>();
  const stepMs: number[] = [];
  const onEvent = (event: RunEvent) => {
    if (event.type === 'step-started') started.set(event.n, nowMs());
    if (event.type === 'step-completed' && event.n > LATE_FROM + 1) stepMs.push(nowMs() - started.get(event.n)!);
  };
  const outcome = await runTask({ store, taskId: 'long', onEvent });
  await store.close();
  if (outcome.task.status !== 'completed') throw new Error(`bench: the long task ended ${outcome.task.status}: ${outcome.task.error}`);
  return summarize(stepMs);
}

/** Runs one task with every Store method and every LLM chat timed, and attributes the rest to the engine. */
async function phaseBreakdown(dir: string) {
  const time = new Map<string, { ms: number; calls: number }>();
  const add = (key: string, ms: number) => {
    const entry = time.get(key) ?? { ms: 0, calls: 0 };
    entry.ms += ms;
    entry.calls += 1;
    time.set(key, entry);
  };
  const timedStore = (store: Store): Store =>
    new Proxy(store, {
      get(target, property, receiver) {
        const value = Reflect.get(target, property, receiver) as unknown;
        if (typeof value !== 'function') return value;
        return async (...args: unknown[]) => {
          const t = nowMs();
          try {
            return await (value as (...a: unknown[]) => Promise<unknown>).apply(target, args);
          } finally {
            add(`store.${String(property)}`, nowMs() - t);
          }
        };
      },
    });
  const definition = fixedPlanDefinition(STEPS);
  const llm = async (): Promise<LlmClient> => {
    const client = await createLlmClient({ retry: definition.retry, timeoutMs: definition.limits.llmTimeout });
    return {
      chat: async (request) => {
        const t = nowMs();
        try {
          return await client.chat(request);
        } finally {
          add('LLM chat (openai SDK + HTTP round trip to the fake server)', nowMs() - t);
        }
      },
      embed: (...args) => client.embed(...args),
    };
  };
  const t = nowMs();
  await runOnce(dir, 'instrumented', { store: timedStore, llm });
  const totalMs = nowMs() - t;
  const parts = [...time.entries()].map(([part, v]) => ({ part, ms: round(v.ms, 3), calls: v.calls })).sort((a, b) => b.ms - a.ms);
  const accounted = parts.reduce((sum, p) => sum + p.ms, 0);
  parts.push({ part: 'engine (context building, events, tool registry, the rest)', ms: round(totalMs - accounted, 3), calls: 0 });
  return { totalMs: round(totalMs, 3), parts };
}

export default benchmark;
