import { NeedsAttentionError } from '../engine/errors.js';
import type { AttentionAnswer, AttentionRequest } from '../engine/run-context.js';
import { isPromptClosed, promptContext } from './prompts.js';
import { argsSummary } from './render/checkpoint.js';
import { oneLine } from './render/event-line.js';
import { styleFor } from './render/style.js';
import { terminalSafe } from './render/terminal-text.js';

/**
 * Asks at the terminal what to do with an uncertain effect or a call awaiting approval: the tool, its arguments and
 * its idempotency key, then a choice. Closing the prompt (Esc, Ctrl-C) leaves the question open: the task stops as
 * needs-attention, exactly as it would have without a terminal.
 */
export async function askPerson(request: AttentionRequest, signal?: AbortSignal): Promise<AttentionAnswer> {
  const style = await styleFor(process.stderr);
  const width = Math.max(40, (process.stderr.columns ?? 100) - 14);
  const heading =
    request.kind === 'approval'
      ? `${style.bold(request.tool)} needs your approval before it runs.`
      : `The run was cut off while ${style.bold(request.tool)} was in flight, and agentrun cannot tell whether it happened.`;
  const details = [
    `  ${style.dim('tool')}       ${request.tool}`,
    `  ${style.dim('arguments')}  ${oneLine(argsSummary(request.args), width)}`,
    `  ${style.dim('key')}        ${request.key} ${style.dim(`(task ${request.taskId}, step ${request.step})`)}`,
  ];
  process.stderr.write(terminalSafe(`\n${style.yellow('!')} ${heading}\n${details.join('\n')}\n`));

  const { select } = await import('@inquirer/prompts');
  const choices: { name: string; value: AttentionAnswer; description: string }[] =
    request.kind === 'approval'
      ? [
          { name: 'approve', value: 'retry', description: 'run it now' },
          { name: 'deny', value: 'skip', description: 'do not run it; the LLM is told it was denied' },
          { name: 'abort', value: 'abort', description: 'cancel the task' },
        ]
      : [
          { name: 'retry', value: 'retry', description: 'it did not happen: run it again' },
          { name: 'mark done', value: 'done', description: 'it happened: record it as done, do not run it again' },
          { name: 'skip', value: 'skip', description: 'leave it undone; the LLM is told it was skipped' },
          { name: 'abort', value: 'abort', description: 'cancel the task' },
        ];
  try {
    return await select<AttentionAnswer>({ message: request.kind === 'approval' ? 'Run it?' : 'What happened?', choices }, promptContext(signal));
  } catch (error) {
    if (!isPromptClosed(error)) throw error;
    const what =
      request.kind === 'approval'
        ? `${request.tool} needs approval before it runs (effect ${request.key})`
        : `${request.tool} may or may not have happened before the crash, and no one decided at the prompt (effect ${request.key})`;
    throw new NeedsAttentionError(what, request.key, request.kind === 'approval' ? 'approval' : 'effect');
  }
}
