import type { AttentionAnswer, AttentionRequest } from '../engine/run-context.js';

/** Asks at the terminal what to do with an uncertain effect or a call awaiting approval. */
export async function askPerson(request: AttentionRequest): Promise<AttentionAnswer> {
  const { select } = await import('@inquirer/prompts');
  const details = `  tool: ${request.tool}\n  arguments: ${request.args}\n  key: ${request.key} (step ${request.step})`;
  if (request.kind === 'approval') {
    return select<AttentionAnswer>({
      message: `Approve this call?\n${details}\n`,
      choices: [
        { name: 'approve: run it', value: 'retry' },
        { name: 'skip: do not run it, tell the LLM', value: 'skip' },
        { name: 'abort: cancel the task', value: 'abort' },
      ],
    });
  }
  return select<AttentionAnswer>({
    message: `The run was cut off while this call was in flight, and it has no check. Did it happen?\n${details}\n`,
    choices: [
      { name: 'retry: it did not happen, run it again', value: 'retry' },
      { name: 'mark done: it happened, do not run it again', value: 'done' },
      { name: 'skip: leave it undone and go on', value: 'skip' },
      { name: 'abort: cancel the task', value: 'abort' },
    ],
  });
}
