import { unusableAnswer } from '../llm/answer.js';
import type { ChatMessage } from '../llm/types.js';
import type { StepRecord } from '../store/types.js';
import { FinalResultError } from './errors.js';
import { attemptBase, journaledChat } from './llm-turns.js';
import type { RunContext } from './run-context.js';

/**
 * The task's result. With an LLM in the task, a journaled call compiles it from the step results; a task of
 * `run:` steps only needs no LLM, and its result is what its last step printed. An empty or cut-off answer is asked
 * for once more; a second one (or a filtered one) fails the task rather than complete it with no result, and
 * resuming it makes a fresh attempt.
 */
export async function compileFinalResult(ctx: RunContext, steps: StepRecord[], usesLlm: boolean): Promise<string> {
  if (!usesLlm) return steps.at(-1)?.result ?? '';
  const results = steps.map((s) => `Step ${s.n} (${s.name}):\n${s.result ?? ''}`).join('\n\n');
  const messages: ChatMessage[] = [
    { role: 'system', content: 'You write the final result of a finished task for the person who asked for it: complete, concise, no preamble.' },
    { role: 'user', content: `Goal: ${ctx.task.goal}\n\nResults of each step:\n\n${results}\n\nWrite the final result.` },
  ];
  let problem = '';
  const base = await attemptBase(ctx, 'final', 2);
  for (let turn = 1; turn <= 2; turn++) {
    const at = { phase: 'final' as const, step: 0, turn: base + turn };
    const response = await journaledChat(ctx, at, { messages });
    const unusable = unusableAnswer(response);
    if (!unusable) return response.content!.trim();
    problem = unusable;
    if (response.finishReason === 'content_filter') break;
    ctx.emit({ type: 'llm-answer-rejected', taskId: ctx.task.id, ...at, reason: unusable, action: turn < 2 ? 'asked again' : 'giving up' });
    messages.push(
      { role: 'assistant', content: response.content ?? '' },
      { role: 'user', content: `${unusable}: that is not a result. ${response.finishReason === 'length' ? 'Write a shorter final result.' : 'Write the final result as plain text.'}` },
    );
  }
  throw new FinalResultError(problem);
}
