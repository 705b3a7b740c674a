import type { ChatRequest, ChatResponse } from '../llm/client.js';
import type { TurnPhase } from '../store/types.js';
import { BudgetExceededError } from './errors.js';
import { failpoint } from './failpoints.js';
import { throwIfStopped, type RunContext } from './run-context.js';

export interface TurnPosition {
  phase: TurnPhase;
  step: number;
  turn: number;
}

/**
 * One LLM turn, journaled: a turn already recorded is replayed from the journal (no request, no tokens paid twice);
 * otherwise the request goes out and the response is committed before anyone acts on it.
 */
export async function journaledChat(ctx: RunContext, at: TurnPosition, request: Omit<ChatRequest, 'model' | 'signal'>): Promise<ChatResponse> {
  const [recorded] = await ctx.store.getTurns(ctx.task.id, at.phase, at.step, at.turn);
  if (recorded && recorded.turn === at.turn) {
    ctx.emit({ type: 'llm-request', taskId: ctx.task.id, phase: at.phase, step: at.step, turn: at.turn, replayed: true, tokens: 0 });
    return recorded.response as ChatResponse;
  }
  throwIfStopped(ctx);
  assertWithinBudget(ctx);
  const llm = await ctx.llm();
  const response = await llm.chat({ ...request, model: ctx.task.model ?? '', signal: ctx.signal });
  failpoint('before-llm-journal');
  await ctx.store.recordTurn({
    taskId: ctx.task.id,
    phase: at.phase,
    step: at.step,
    turn: at.turn,
    response,
    promptTokens: response.usage.promptTokens,
    completionTokens: response.usage.completionTokens,
  }, ctx.lease.fence());
  failpoint('after-llm-response');
  ctx.usage.promptTokens += response.usage.promptTokens;
  ctx.usage.completionTokens += response.usage.completionTokens;
  ctx.usage.requests += 1;
  ctx.emit({
    type: 'llm-request',
    taskId: ctx.task.id,
    phase: at.phase,
    step: at.step,
    turn: at.turn,
    replayed: false,
    tokens: response.usage.promptTokens + response.usage.completionTokens,
  });
  assertWithinBudget(ctx);
  return response;
}

function assertWithinBudget(ctx: RunContext): void {
  const limit = ctx.task.definition.limits.maxTokens;
  const used = ctx.usage.promptTokens + ctx.usage.completionTokens;
  if (limit !== undefined && used >= limit) throw new BudgetExceededError(used, limit);
}
