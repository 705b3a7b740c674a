import { ExitCode } from '../errors.js';
import { runTask } from '../engine/runner.js';
import type { Store, TaskRecord } from '../store/types.js';
import { output } from './output.js';
import { eventLine } from './render/event-line.js';

export interface TerminalRunOptions {
  json?: boolean;
  force?: boolean;
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
  if (exitCode === ExitCode.interrupted || exitCode === ExitCode.needsAttention || task.status === 'failed') {
    output.info(`task ${task.id} is ${task.status}${task.error ? `: ${task.error}` : ''}`);
    output.info(`continue with: agentrun resume ${task.id}`);
  }
}
