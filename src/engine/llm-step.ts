import type { ChatCompletionMessageParam } from 'openai/resources/chat/completions';
import type { ChatResponse, ToolSpec } from '../llm/client.js';
import type { NewNote, StepRecord } from '../store/types.js';
import type { Tool } from '../tools/types.js';
import { truncateOutput } from '../tools/truncate.js';
import { resumeContext, stepSystemPrompt, type FactualState } from './context.js';
import { performEffect } from './effects.js';
import { StepFailedError } from './errors.js';
import { journaledChat } from './llm-turns.js';
import type { RunContext } from './run-context.js';

export interface StepOutput {
  result: string;
  notes: NewNote[];
}

/**
 * An LLM step: a bounded tool-calling loop. It starts from the resume context (factual state), and every turn is
 * journaled, so after a crash the recorded turns replay — same tool calls, same keys — and the loop goes live
 * where the journal ends.
 */
export async function runLlmStep(ctx: RunContext, step: StepRecord, state: FactualState, tools: Map<string, Tool>): Promise<StepOutput> {
  const { task } = ctx;
  const messages: ChatCompletionMessageParam[] = [
    { role: 'system', content: stepSystemPrompt(task) },
    { role: 'user', content: resumeContext(state, step.n) },
  ];
  const toolSpecs: ToolSpec[] = [...tools.values()].map((t) => ({ name: t.name, description: t.description, parameters: t.parameters }));
  const stepNotes: NewNote[] = [];
  const maxTurns = task.definition.limits.maxTurnsPerStep;

  for (let i = 0; i < maxTurns; i++) {
    const turn = step.firstTurn + i;
    ctx.setProgress(`step ${step.n}: LLM turn ${i + 1}`);
    const response = await journaledChat(ctx, { phase: 'step', step: step.n, turn }, { messages, tools: toolSpecs });
    messages.push(assistantMessage(response));
    if (response.toolCalls.length === 0) return { result: (response.content ?? '').trim(), notes: stepNotes };

    for (const [index, call] of response.toolCalls.entries()) {
      const key = `${task.id}:${step.n}:${turn}:${index + 1}`;
      const output = await callTool(ctx, { key, step: step.n, turn, call: index + 1 }, call.name, call.arguments, tools, stepNotes);
      messages.push({ role: 'tool', tool_call_id: call.id, content: output });
    }
  }
  throw new StepFailedError(step.n, `step ${step.n} "${step.name}" used all ${maxTurns} turns (limits.maxTurnsPerStep) without a final answer`);
}

async function callTool(
  ctx: RunContext,
  at: { key: string; step: number; turn: number; call: number },
  name: string,
  rawArgs: string,
  tools: Map<string, Tool>,
  notes: NewNote[],
): Promise<string> {
  const tool = tools.get(name);
  const limit = ctx.task.definition.limits.toolOutputBytes;
  if (!tool) return `error: there is no tool named "${name}"; available: ${[...tools.keys()].join(', ')}`;
  let args: Record<string, unknown>;
  try {
    const parsed: unknown = JSON.parse(rawArgs || '{}');
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error('not an object');
    args = parsed as Record<string, unknown>;
  } catch {
    return `error: the arguments of ${name} must be a JSON object`;
  }
  // Notes come from the call's arguments, so a replayed step rebuilds them exactly.
  const note = noteFromCall(name, args, at.step);
  if (note) notes.push(note);

  const toolContext = { workspace: ctx.task.workspace, taskId: ctx.task.id, step: at.step, idempotencyKey: at.key, signal: ctx.signal, outputLimit: limit };
  const outcome = await performEffect(ctx, {
    ...at,
    tool: name,
    args: JSON.stringify(args),
    idempotent: tool.idempotent,
    approve: tool.approve,
    run: (onSpawn) => tool.run(args, { ...toolContext, onSpawn }),
    check: tool.check ? () => tool.check!(args, toolContext) : undefined,
  });
  ctx.emit({ type: 'tool-call', taskId: ctx.task.id, step: at.step, key: at.key, tool: name, outcome: outcome.replayed ? `${outcome.status} (journal)` : outcome.status });
  return truncateOutput(outcome.status === 'failed' ? `error: ${outcome.output}` : outcome.output, limit);
}

function noteFromCall(tool: string, args: Record<string, unknown>, step: number): NewNote | undefined {
  if (tool === 'record_decision' && typeof args.decision === 'string') {
    return { kind: 'decision', text: args.decision, reasoning: typeof args.reasoning === 'string' ? args.reasoning : null, step };
  }
  if (tool === 'record_discovery' && typeof args.fact === 'string') return { kind: 'discovery', text: args.fact, reasoning: null, step };
  return undefined;
}

function assistantMessage(response: ChatResponse): ChatCompletionMessageParam {
  if (response.toolCalls.length === 0) return { role: 'assistant', content: response.content ?? '' };
  return {
    role: 'assistant',
    content: response.content,
    tool_calls: response.toolCalls.map((c) => ({ id: c.id, type: 'function' as const, function: { name: c.name, arguments: c.arguments } })),
  };
}
