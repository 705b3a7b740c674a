import type { StepRecord } from '../store/types.js';
import { journaledChat } from './llm-turns.js';
import type { RunContext } from './run-context.js';

/**
 * The task's result. With an LLM in the task, one journaled call compiles it from the step results; a task of
 * `run:` steps only needs no LLM, and its result is what its last step printed.
 */
export async function compileFinalResult(ctx: RunContext, steps: StepRecord[], usesLlm: boolean): Promise<string> {
  if (!usesLlm) return steps.at(-1)?.result ?? '';
  const results = steps.map((s) => `Step ${s.n} (${s.name}):\n${s.result ?? ''}`).join('\n\n');
  const response = await journaledChat(
    ctx,
    { phase: 'final', step: 0, turn: 1 },
    {
      messages: [
        { role: 'system', content: 'You write the final result of a finished task for the person who asked for it: complete, concise, no preamble.' },
        { role: 'user', content: `Goal: ${ctx.task.goal}\n\nResults of each step:\n\n${results}\n\nWrite the final result.` },
      ],
    },
  );
  return (response.content ?? '').trim();
}
