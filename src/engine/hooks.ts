import type { RunRecord, Store, TaskRecord } from '../store/types.js';
import { HOOK_EVENTS, type HookEvent } from '../task/hook-events.js';
import { describeExit, outputExcerpt, runCommand } from '../tools/command.js';
import type { EventListener } from './events.js';

/** How long a hook may take before it is stopped (and counted as failed). */
const HOOK_TIMEOUT_MS = 60_000;
/** How much of what a hook printed is kept. */
const HOOK_OUTPUT_BYTES = 2000;

/** The command the task file names for a run's ending, if the ending is a hook event and the task names one. */
export function hookCommandFor(task: TaskRecord, ending: string): string | null {
  if (!(HOOK_EVENTS as readonly string[]).includes(ending)) return null;
  return task.definition.on?.[ending as HookEvent] ?? null;
}

/**
 * Runs the task's pending hooks, each once: it is claimed (pending → running) in one write before it starts, so two
 * processes cannot both run it, and a hook whose process died while it ran is not run again. A failing hook is
 * reported (an event, and its exit and output in the run history); it never changes the task's outcome.
 */
export async function deliverHooks(store: Store, task: TaskRecord, emit: EventListener): Promise<void> {
  for (const run of await store.getRuns(task.id)) {
    if (run.hook?.status !== 'pending' || !(await store.claimHook(task.id, run.seq))) continue;
    await runHook(store, task, run, emit);
  }
}

async function runHook(store: Store, task: TaskRecord, run: RunRecord, emit: EventListener): Promise<void> {
  const event = run.ending as HookEvent;
  const command = run.hook!.command;
  let status: 'done' | 'failed' = 'failed';
  let exitCode: number | null = null;
  let output = '';
  try {
    const result = await runCommand({ command, cwd: task.workspace, env: hookEnv(store, task, run), timeoutMs: HOOK_TIMEOUT_MS, outputLimit: 64 * 1024 });
    exitCode = result.exitCode;
    status = result.exitCode === 0 ? 'done' : 'failed';
    output = result.exitCode === 0 ? outputExcerpt(result, HOOK_OUTPUT_BYTES) : `${describeExit(result, HOOK_TIMEOUT_MS)}${outputExcerpt(result) ? `: ${outputExcerpt(result, HOOK_OUTPUT_BYTES)}` : ''}`;
  } catch (error) {
    // It could not even start (the workspace is gone, …): a failed hook, reported like any other.
    output = `could not run: ${(error as Error).message}`;
  }
  await store.finishHook(task.id, run.seq, { status, exitCode, output, finishedAt: Date.now() });
  emit({ type: 'hook', taskId: task.id, event, command, ok: status === 'done', exitCode, output });
}

/** What a hook is told: the task, how it ended, why, and where to look; plus the environment agentrun has. */
function hookEnv(store: Store, task: TaskRecord, run: RunRecord): Record<string, string> {
  const env: Record<string, string> = {
    AGENTRUN_TASK_ID: task.id,
    AGENTRUN_STATUS: run.ending ?? task.status,
    AGENTRUN_REASON: task.reason ?? '',
    AGENTRUN_ERROR: task.error ?? '',
    AGENTRUN_HINT: `agentrun inspect ${task.id}`,
    AGENTRUN_RUN: String(run.seq),
    // The same for every attempt to deliver this hook: a hook that must never act twice can deduplicate by it.
    AGENTRUN_HOOK_KEY: `${task.id}:run-${run.seq}:${run.ending}`,
  };
  // So that `agentrun inspect` in the hook reads the same database (a PostgreSQL URL is redacted: not passed on).
  if (!/^postgres(ql)?:/.test(store.location)) env.AGENTRUN_DB = store.location;
  return env;
}
