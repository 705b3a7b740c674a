import { unusableAnswer } from '../llm/answer.js';
import type { ChatMessage, ChatResponse, ToolSpec } from '../llm/client.js';
import type { NewNote, StepRecord } from '../store/types.js';
import type { Tool } from '../tools/types.js';
import { truncateOutput } from '../tools/truncate.js';
import { resumeContext, stepSystemPrompt, type FactualState } from './context.js';
import { performEffect } from './effects.js';
import { StepFailedError } from './errors.js';
import { journaledChat } from './llm-turns.js';
import type { RunContext } from './run-context.js';
import { NOTE_TOOLS } from '../tools/notes.js';

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
  const messages: ChatMessage[] = [
    { role: 'system', content: stepSystemPrompt(task, { toolCalls: ctx.endpoint.tools }) },
    { role: 'user', content: resumeContext(state, step.n) },
  ];
  const toolSpecs: ToolSpec[] = [...tools.values()].map((t) => ({ name: t.name, description: t.description, parameters: t.parameters }));
  const stepNotes: NewNote[] = [];
  const maxTurns = task.definition.limits.maxTurnsPerStep;
  let lastProblem: string | undefined;

  for (let i = 0; i < maxTurns; i++) {
    const turn = step.firstTurn + i;
    const at = { phase: 'step' as const, step: step.n, turn };
    assertToolsAvailable(ctx, step, tools);
    ctx.setProgress(`step ${step.n}: LLM turn ${i + 1}`);
    const response = await journaledChat(ctx, at, { messages, tools: toolSpecs });
    // The server refused tools on this very request: act on nothing the model said without them.
    assertToolsAvailable(ctx, step, tools);
    messages.push(assistantMessage(response));
    if (response.toolCalls.length === 0) {
      const problem = unusableAnswer(response);
      if (!problem) return finalAnswer(ctx, step, response.content!, stepNotes);
      if (response.finishReason === 'content_filter') throw new StepFailedError(step.n, `step ${step.n} "${step.name}": ${problem}`);
      // Empty or cut off: not a result. Asked again, within the step's turns.
      lastProblem = problem;
      ctx.emit({ type: 'llm-answer-rejected', taskId: task.id, ...at, reason: problem, action: 'asked again' });
      messages.push({ role: 'user', content: `${problem}: that is not a result. ${response.finishReason === 'length' ? 'Reply with a shorter result.' : 'Reply with the result of the step as plain text.'}` });
      continue;
    }

    for (const [index, call] of response.toolCalls.entries()) {
      const key = `${task.id}:${step.n}:${turn}:${index + 1}`;
      // A call that cannot run (no function, unreadable arguments) is answered as a tool error, never executed.
      const output = call.problem
        ? `error: ${call.problem}`
        : await callTool(ctx, { key, step: step.n, turn, call: index + 1 }, call.name, call.arguments, tools, stepNotes);
      messages.push({ role: 'tool', tool_call_id: call.id, content: output });
    }
  }
  const last = lastProblem ? ` (the last answer: ${lastProblem})` : '';
  throw new StepFailedError(step.n, `step ${step.n} "${step.name}" used all ${maxTurns} turns (limits.maxTurnsPerStep) without a final answer${last}`);
}

/** Built-in tools every task has; a task "needs tools" when it has any other. */

function assertToolsAvailable(ctx: RunContext, step: StepRecord, tools: Map<string, Tool>): void {
  if (ctx.endpoint.tools) return;
  const needed = [...tools.keys()].filter((name) => !NOTE_TOOLS.has(name));
  if (needed.length === 0) return;
  throw new StepFailedError(
    step.n,
    `the model "${ctx.task.model ?? '(server default)'}" cannot call tools on this server, and this task needs ${needed.join(', ')}: ` +
      'use a model with tool support (set --model / AGENTRUN_MODEL), or give the task no tools (start --no-tools)',
  );
}

/**
 * The step's result. Without tool calls (a server that refused tools), decisions and discoveries come as lines of
 * the documented plain-text form — `DECISION: … (because: …)` and `DISCOVERY: …` — taken out of the result.
 */
function finalAnswer(ctx: RunContext, step: StepRecord, content: string, notes: NewNote[]): StepOutput {
  if (ctx.endpoint.tools) return { result: content.trim(), notes };
  const kept: string[] = [];
  for (const line of content.split('\n')) {
    const decision = /^\s*DECISION:\s*(.+?)(?:\s*\(because:\s*(.+)\))?\s*$/i.exec(line);
    const discovery = /^\s*DISCOVERY:\s*(.+?)\s*$/i.exec(line);
    if (decision) notes.push({ kind: 'decision', text: decision[1]!, reasoning: decision[2] ?? null, step: step.n });
    else if (discovery) notes.push({ kind: 'discovery', text: discovery[1]!, reasoning: null, step: step.n });
    else kept.push(line);
  }
  return { result: kept.join('\n').trim(), notes };
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
    prepare: tool.prepare && (() => tool.prepare!()),
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

/**
 * The model's turn as it goes back in the history: with our call ids and clean arguments, content as a string
 * (Groq refuses a null content on an assistant message, https://github.com/tidyverse/ellmer/issues/162), and the
 * reasoning, which the client sends back only to endpoints that demand it.
 */
function assistantMessage(response: ChatResponse): ChatMessage {
  const reasoning = response.reasoning ? { reasoning: response.reasoning } : {};
  if (response.toolCalls.length === 0) return { role: 'assistant', content: response.content ?? '', ...reasoning };
  return {
    role: 'assistant',
    content: response.content ?? '',
    tool_calls: response.toolCalls.map((c) => ({ id: c.id, type: 'function' as const, function: { name: c.name, arguments: c.arguments } })),
    ...reasoning,
  };
}
