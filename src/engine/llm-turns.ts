import { DEFAULT_ENDPOINT_PROFILE, type ChatRequest, type ChatResponse, type EndpointProfile } from '../llm/types.js';
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
    const replayed = recorded.response as ChatResponse;
    if (replayed.endpoint) ctx.endpoint = replayed.endpoint;
    return replayed;
  }
  throwIfStopped(ctx);
  assertWithinBudget(ctx);
  const llm = await ctx.llm();
  const response = await llm.chat({ ...request, model: ctx.task.model ?? '', endpoint: ctx.endpoint, signal: ctx.signal });
  if (response.endpoint) ctx.endpoint = response.endpoint;
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
    ...(response.usage.estimated ? { estimated: true } : {}),
  });
  assertWithinBudget(ctx);
  return response;
}

function assertWithinBudget(ctx: RunContext): void {
  const limit = ctx.task.definition.limits.maxTokens;
  const used = ctx.usage.promptTokens + ctx.usage.completionTokens;
  if (limit !== undefined && used >= limit) throw new BudgetExceededError(used, limit);
}

/**
 * What the endpoint was found to accept, from the task's most recent journaled response: a resumed task goes on as
 * it was going, without probing the server again.
 */
export async function journaledEndpoint(store: RunContext['store'], taskId: string): Promise<EndpointProfile> {
  // Every response journaled since endpoints were learned carries the profile: the latest turn is enough, and a
  // long task's whole journal is not read on every resume.
  const latest = await store.getLatestTurn(taskId);
  return (latest?.response as ChatResponse | undefined)?.endpoint ?? DEFAULT_ENDPOINT_PROFILE;
}

/**
 * Where this run's attempt at a phase of a fixed number of turns (the plan, the final result) starts. When the task
 * failed after an attempt used all its turns (an invalid plan, no usable final result), resuming it makes a fresh
 * attempt — the spent turns stay in the journal, unreplayed — so a fixed cause (another model, a server back to
 * normal) can succeed. Otherwise the latest attempt replays from the journal, as after a crash.
 */
export async function attemptBase(ctx: RunContext, phase: 'plan' | 'final', turnsPerAttempt: number): Promise<number> {
  const journaled = (await ctx.store.getTurns(ctx.task.id, phase, 0, 1)).length;
  if (journaled === 0) return 0;
  if (ctx.task.status === 'failed' && journaled % turnsPerAttempt === 0) return journaled;
  return turnsPerAttempt * Math.floor((journaled - 1) / turnsPerAttempt);
}
