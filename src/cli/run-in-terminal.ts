import { ExitCode } from '../errors.js';
import { runTask } from '../engine/runner.js';
import { createMemoryHooks } from '../memory/recall.js';
import type { Store, TaskRecord } from '../store/types.js';
import { askPerson } from './ask-person.js';
import { isInteractive } from './interactive.js';
import { output } from './output.js';
import { eventLine } from './render/event-line.js';

export interface TerminalRunOptions {
  json?: boolean;
  force?: boolean;
  /** false with --no-input: never prompt, even on a terminal. */
  input?: boolean;
  yes?: boolean;
  /** Aborted by the entry point on SIGINT/SIGTERM. */
  signal: AbortSignal;
}

/** Runs a task with progress on stderr and its result on stdout; returns the exit code. */
export async function runInTerminal(store: Store, taskId: string, options: TerminalRunOptions): Promise<number> {
  const outcome = await runTask({
    store,
    taskId,
    signal: options.signal,
    force: options.force,
    ask: isInteractive(options) ? askPerson : undefined,
    memory: createMemoryHooks(store),
    onEvent: (event) => {
      const line = eventLine(event);
      if (line) output.info(line);
    },
  });
  reportOutcome(outcome.task, outcome.exitCode, options.json);
  return outcome.exitCode;
}

export function reportOutcome(task: TaskRecord, exitCode: number, json: boolean | undefined): void {
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
  if (task.status === 'cancelled') return;
  output.info(`task ${task.id} is ${task.status}${task.error ? `: ${task.error}` : ''}`);
  if (exitCode === ExitCode.needsAttention) {
    const key = /effect (\S+)\)/.exec(task.error ?? '')?.[1] ?? '<effect-key>';
    output.info(
      task.reason === 'approval'
        ? `approve with: agentrun approve ${task.id} ${key}   (or --deny), then: agentrun resume ${task.id}`
        : `decide with: agentrun resolve ${task.id} ${key} --retry|--done|--skip, then: agentrun resume ${task.id}`,
    );
  } else {
    output.info(`continue with: agentrun resume ${task.id}`);
  }
}
