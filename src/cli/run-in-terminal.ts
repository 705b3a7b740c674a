import { ExitCode } from '../errors.js';
import { runTask } from '../engine/runner.js';
import { createMemoryHooks } from '../memory/recall.js';
import type { Store, TaskRecord } from '../store/types.js';
import { askPerson } from './ask-person.js';
import { isInteractive } from './interactive.js';
import { output } from './output.js';
import { nextStepHint } from './render/next-step.js';
import { plainProgress, spinnerProgress, type ProgressView } from './render/progress.js';
import { paintStatus, plain, styleFor, type Style } from './render/style.js';

export interface TerminalRunOptions {
  json?: boolean;
  force?: boolean;
  /** false with --no-input: never prompt, even on a terminal. */
  input?: boolean;
  yes?: boolean;
  /** Aborted by the entry point on SIGINT/SIGTERM. */
  signal: AbortSignal;
}

/**
 * Runs a task with progress on stderr and its result on stdout; returns the exit code. With a person at a terminal
 * progress is a spinner view and uncertain effects are asked about; otherwise one plain line per event.
 */
export async function runInTerminal(store: Store, taskId: string, options: TerminalRunOptions): Promise<number> {
  const interactive = isInteractive(options);
  const style = await styleFor(process.stderr, options);
  const view = interactive && process.env.TERM !== 'dumb' ? await spinnerView(store, taskId, style) : plainProgress();
  try {
    const outcome = await runTask({
      store,
      taskId,
      signal: options.signal,
      force: options.force,
      ask: interactive
        ? async (request) => {
            view.pause();
            try {
              return await askPerson(request, options.signal);
            } finally {
              view.resume();
            }
          }
        : undefined,
      memory: createMemoryHooks(store),
      onEvent: (event) => view.onEvent(event),
    });
    view.stop();
    // Stopped because another runner took the task over (--force): that runner moves it on, not `resume`. The
    // outcome carries the task as the runner found it then, with its new holder.
    const runningElsewhere = outcome.leaseLost ? (outcome.task.leaseOwner ?? undefined) : undefined;
    reportOutcome(outcome.task, outcome.exitCode, options.json, style, outcome.waitingEffect, runningElsewhere);
    return outcome.exitCode;
  } finally {
    view.stop();
  }
}

async function spinnerView(store: Store, taskId: string, style: Style): Promise<ProgressView> {
  const task = await store.getTask(taskId);
  const steps = task ? await store.getSteps(taskId) : [];
  return spinnerProgress({
    style,
    tokensBefore: task ? task.usage.promptTokens + task.usage.completionTokens : 0,
    doneBefore: steps.filter((s) => s.status === 'completed').map((s) => ({ n: s.n, total: steps.length, name: s.name, result: s.result })),
  });
}

/**
 * The outcome: the result (or JSON) on stdout; for a task that stopped, why and what to run next on stderr.
 * `runningElsewhere` is the runner that holds the task now, when this one was displaced.
 */
export function reportOutcome(task: TaskRecord, exitCode: number, json: boolean | undefined, style: Style = plain, waitingEffect?: string, runningElsewhere?: string): void {
  if (json) {
    output.json({
      task_id: task.id,
      status: task.status,
      exit_code: exitCode,
      result: task.result,
      error: task.error,
      usage: { prompt_tokens: task.usage.promptTokens, completion_tokens: task.usage.completionTokens, requests: task.usage.requests },
    });
    return;
  }
  if (task.status === 'completed') {
    output.result(task.result ?? '');
    return;
  }
  if (task.status === 'cancelled') {
    // Cancelled now (exit 1) or earlier (exit 0: a resume that has nothing to do): either way, say so.
    output.info(`task ${task.id} is ${paintStatus(style, task.status)}${task.error ? `: ${task.error}` : ''}${exitCode === ExitCode.ok ? '; there is nothing to resume' : ''}`);
    return;
  }
  output.info(`task ${task.id} is ${paintStatus(style, task.status)}${task.error ? `: ${task.error}` : ''}`);
  const hint =
    exitCode === ExitCode.needsAttention
      ? nextStepHint({ ...task, status: 'needs-attention' }, waitingEffect)
      : runningElsewhere
        ? `${runningElsewhere} is running it now; follow it with: agentrun logs ${task.id} --follow`
        : nextStepHint(task);
  if (hint) output.info(style.bold(hint));
}
