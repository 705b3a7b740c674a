import type { ChildProcess } from 'node:child_process';
import { copyFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { resumeContext } from '../../src/engine/context.js';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { startOpenAIServer, type RecordedRequest, type Reply } from '../../test/support/openai-server.js';
import { formatProfile, profileNode } from '../support/cpu-profile.js';
import { buildInterruptedCommandTask, buildInterruptedTask } from '../support/fixtures.js';
import { fileURLToPath } from 'node:url';
import { CLI } from '../support/paths.js';
import { timeNode, timeNodeOk, type TimedRun } from '../support/spawn.js';
import { nowMs, round, summarize } from '../support/stats.js';
import { atMost, type Benchmark } from '../support/types.js';

const TASK = 'bench-resume';
const COMPLETED = 1000;
const RUNS = 20;
const WARMUP = 2;
const GOAL_MS = 150;
const PROBE = fileURLToPath(new URL('../support/startup-probe.js', import.meta.url));
/** The event line the CLI prints once step `n` is committed: the resume's first durable progress. */
const STEP_COMMITTED = (n: number) => new RegExp(`step ${n}/${n} done`);

/**
 * Time from `agentrun resume` being spawned to the LLM server receiving its first chat request, for a task with
 * 1,000 completed LLM steps and one pending: process start, module loading, opening the database, taking the lease,
 * reading the factual state and building the resume context all happen before that request.
 */
interface Probe {
  resumeModulesMs: number;
  openaiSdkMs: number;
  firstChatMs: number;
  secondChatMs: number;
}

const benchmark: Benchmark = {
  name: '3 resume',
  description: 'spawn `agentrun resume` of a task with 1,000 completed steps -> first chat request at the server',
  async run({ dir, log }) {
    const template = path.join(dir, 'template.db');
    log(`  building a task with ${COMPLETED} completed LLM steps and 1 pending`);
    await buildInterruptedTask(template, TASK, COMPLETED, 1, dir);

    let firstAt: number | undefined;
    let firstRequest: RecordedRequest | undefined;
    /** Set for the profiled run: called at the first request, which is then held (the child is stopped). */
    let onFirst: (() => void) | undefined;
    const server = await startOpenAIServer((request): Reply => {
      if (firstAt === undefined) {
        firstAt = nowMs();
        firstRequest = request;
        if (onFirst) {
          onFirst();
          return { delayMs: 10_000, then: { content: 'too late' } };
        }
      }
      return { content: 'Step 1001 done.' };
    });
    const env = { OPENAI_BASE_URL: server.url, OPENAI_API_KEY: 'bench' };
    const db = path.join(dir, 'run.db');
    const resumeOnce = async (): Promise<{ ms: number; run: TimedRun }> => {
      rmSync(`${db}-wal`, { force: true });
      rmSync(`${db}-shm`, { force: true });
      copyFileSync(template, db);
      firstAt = undefined;
      firstRequest = undefined;
      const start = nowMs();
      const run = await timeNode([CLI, 'resume', TASK, '--db', db], { env, cwd: dir, firstMatch: STEP_COMMITTED(COMPLETED + 1) });
      if (run.code !== 0 || firstAt === undefined || run.matchedMs === undefined) {
        throw new Error(`bench: resume exited ${run.code} (first request: ${firstAt !== undefined})\n${run.stderr}`);
      }
      return { ms: firstAt - start, run };
    };
    // The same, for a task whose next step is a `run:` command: no LLM, so nothing of the SDK should be loaded.
    const commandTemplate = path.join(dir, 'command-template.db');
    await buildInterruptedCommandTask(commandTemplate, TASK, COMPLETED, 1, dir);
    const commandDb = path.join(dir, 'command.db');
    const resumeCommandOnce = async (): Promise<number> => {
      rmSync(`${commandDb}-wal`, { force: true });
      rmSync(`${commandDb}-shm`, { force: true });
      copyFileSync(commandTemplate, commandDb);
      const run = await timeNode([CLI, 'resume', TASK, '--db', commandDb], { cwd: dir, firstMatch: STEP_COMMITTED(COMPLETED + 1) });
      if (run.code !== 0 || run.matchedMs === undefined) throw new Error(`bench: resume of the command task exited ${run.code}\n${run.stderr}`);
      return run.matchedMs;
    };

    const toFirst: number[] = [];
    const toProgress: number[] = [];
    const toCommandProgress: number[] = [];
    const whole: number[] = [];
    const bare: number[] = [];
    const version: number[] = [];
    const probes: Probe[] = [];
    try {
      log(`  ${RUNS} resumes (+${WARMUP} warm-up), interleaved with node -e 0, agentrun --version and a start-up probe`);
      for (let i = 0; i < WARMUP + RUNS; i++) {
        const { ms, run } = await resumeOnce();
        const commandMs = await resumeCommandOnce();
        const node = await timeNodeOk(['-e', '0']);
        const cli = await timeNodeOk([CLI, '--version']);
        const probe = await timeNodeOk([PROBE], { env });
        if (i >= WARMUP) {
          toFirst.push(ms);
          toProgress.push(run.matchedMs!);
          toCommandProgress.push(commandMs);
          whole.push(run.ms);
          bare.push(node.ms);
          version.push(cli.ms);
          probes.push(JSON.parse(probe.stdout.trim().split('\n').at(-1)!));
        }
      }
      const context = String(firstRequest?.body?.messages?.[1]?.content ?? '');
      if (!context.includes('Continue from step 1001') || !context.includes(`Step ${COMPLETED} (step ${COMPLETED})`)) {
        throw new Error('bench: the first request does not carry the resume context');
      }
      const first = summarize(toFirst);
      const progress = summarize(toProgress);
      const commandProgress = summarize(toCommandProgress);
      const total = summarize(whole);
      const inProcess = await inProcessPhases(template, dir);
      const node = summarize(bare);
      const cli = summarize(version);
      const probe = (key: keyof Probe) => round(summarize(probes.map((p) => p[key])).median, 1);
      const setup = round(probe('firstChatMs') - probe('secondChatMs'), 1);
      const database = round(inProcess.open + inProcess.read + inProcess.context, 1);
      const parts: [number, string][] = [
        [node.median, 'node itself (node -e 0)'],
        [round(cli.median - node.median, 1), 'CLI entry: commander, main (agentrun --version minus node -e 0)'],
        [probe('resumeModulesMs'), 'importing the rest of the resume command: engine, memory, tools, store'],
        [probe('openaiSdkMs'), 'importing the openai SDK (createLlmClient)'],
        [setup, `first HTTP request set-up: Node's fetch (undici) initialisation (first chat ${probe('firstChatMs')} ms minus second ${probe('secondChatMs')} ms)`],
        [database, `database: open ${inProcess.open} + read task/steps/notes ${inProcess.read} + build context ${inProcess.context} (${inProcess.contextBytes} B)`],
      ];
      const accounted = parts.reduce((sum, [ms]) => sum + ms, 0);
      parts.push([round(first.median - accounted, 1), 'the rest: lease, memory recall, journal look-up, event output, HTTP round trip, scheduling']);
      const breakdown = [
        `Breakdown of spawn -> first request, ${round(first.median, 1)} ms (medians of ${RUNS} interleaved runs; module costs from a probe process loading them in CLI order):`,
        ...parts.map(([ms, what]) => `  ${ms.toFixed(1).padStart(6)} ms  ${what}`),
      ].join('\n');
      let profile: string | undefined;
      if (first.median > GOAL_MS) {
        // Profile one resume up to its first request: SIGINT it as the request arrives, so the profile (written at
        // exit) holds the start-up and only a short, orderly stop after it.
        rmSync(`${db}-wal`, { force: true });
        rmSync(`${db}-shm`, { force: true });
        copyFileSync(template, db);
        firstAt = undefined;
        let child: ChildProcess | undefined;
        onFirst = () => child?.kill('SIGINT');
        const p = await profileNode([CLI, 'resume', TASK, '--db', db], path.join(dir, 'profile'), { env, cwd: dir, onSpawn: (c) => (child = c) });
        onFirst = undefined;
        profile = `${breakdown}\n${formatProfile(`cpu profile of one resume, from start to its first LLM request (SIGINT then; ${round(p.wallMs, 1)} ms wall to exit)`, p.summary)}`;
      }
      return {
        metrics: [
          { metric: 'spawn -> first LLM request median', value: first.median, unit: 'ms', goal: atMost(GOAL_MS, `< ${GOAL_MS} ms`) },
          { metric: 'spawn -> first LLM request p99', value: first.p99, unit: 'ms' },
          { metric: 'spawn -> first durable progress (LLM step committed) median', value: progress.median, unit: 'ms' },
          { metric: 'spawn -> first durable progress (LLM step committed) p99', value: progress.p99, unit: 'ms' },
          { metric: 'spawn -> first durable progress (run: step committed) median', value: commandProgress.median, unit: 'ms' },
          { metric: 'spawn -> first durable progress (run: step committed) p99', value: commandProgress.p99, unit: 'ms' },
          { metric: 'whole resume run (to exit) median', value: total.median, unit: 'ms' },
        ],
        details: { completedSteps: COMPLETED, runs: RUNS, warmup: WARMUP, toFirstRequestMs: first, toFirstProgressMs: progress, toFirstCommandProgressMs: commandProgress, wholeRunMs: total, contextBytes: context.length, inProcess, nodeMs: node, versionMs: cli, probe: Object.fromEntries((['resumeModulesMs', 'openaiSdkMs', 'firstChatMs', 'secondChatMs'] as const).map((k) => [k, probe(k)])), breakdown },
        profile,
        notes: profile ? [] : [breakdown],
      };
    } finally {
      await server.close();
    }
  },
};

/** The database part of a resume, in this process: what it costs to read the state and build the context. */
async function inProcessPhases(template: string, dir: string) {
  const file = path.join(dir, 'phases.db');
  const open: number[] = [];
  const read: number[] = [];
  const context: number[] = [];
  let contextBytes = 0;
  for (let i = 0; i < 10; i++) {
    copyFileSync(template, file);
    let t = nowMs();
    const store = await SqliteStore.open(file);
    open.push(nowMs() - t);
    t = nowMs();
    const task = (await store.getTask(TASK))!;
    const [steps, notes] = await Promise.all([store.getSteps(TASK), store.getNotes(TASK)]);
    read.push(nowMs() - t);
    t = nowMs();
    contextBytes = resumeContext({ task, steps, notes, memories: [] }, COMPLETED + 1).length;
    context.push(nowMs() - t);
    await store.close();
  }
  return { open: summarize(open).median, read: summarize(read).median, context: summarize(context).median, contextBytes };
}

export default benchmark;
