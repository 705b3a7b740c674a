import { z } from 'zod';
import { unusableAnswer } from '../llm/answer.js';
import { StepSchema, type StepDefinition } from '../task/schema.js';
import { createToolRegistry } from '../tools/registry.js';
import type { RecalledMemory } from './context.js';
import { PlanInvalidError } from './errors.js';
import { attemptBase, journaledChat } from './llm-turns.js';
import type { RunContext } from './run-context.js';

export interface Plan {
  steps: StepDefinition[];
  byLlm: boolean;
}

const PLAN_JSON_SCHEMA = {
  type: 'object',
  properties: {
    steps: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          name: { type: 'string', description: 'short imperative name' },
          description: { type: 'string', description: 'what to do in this step' },
          doneWhen: { type: 'string', description: 'how to tell the step is done' },
        },
        required: ['name', 'description'],
        additionalProperties: false,
      },
    },
  },
  required: ['steps'],
  additionalProperties: false,
} as const;

/**
 * A plan as models really write it: keys in any casing (`done_when`, `DoneWhen`, `done-when`), `doneWhen` left out
 * (it is optional in a step), a bare array of steps. What matters — names and descriptions — is still checked.
 */
function planSchema(maxSteps: number) {
  const step = z.preprocess(
    canonicalKeys,
    z.object({ name: z.string().min(1), description: z.string().min(1), doneWhen: z.string().min(1).optional() }),
  );
  return z.preprocess(
    (data) => (Array.isArray(data) ? { steps: data } : canonicalKeys(data)),
    z.object({ steps: z.array(step).min(1).max(maxSteps) }),
  );
}

const CANONICAL_KEYS = new Map(['name', 'description', 'doneWhen', 'steps'].map((key) => [squash(key), key]));

function canonicalKeys(value: unknown): unknown {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return value;
  return Object.fromEntries(Object.entries(value).map(([key, v]) => [CANONICAL_KEYS.get(squash(key)) ?? key, v]));
}

function squash(key: string): string {
  return key.toLowerCase().replace(/[\s_-]/g, '');
}

/** The task file's fixed plan if it has one; otherwise a plan from the LLM, which sees the memories recalled for it. */
export async function planTask(ctx: RunContext, memories: () => Promise<RecalledMemory[]>): Promise<Plan> {
  const fixed = ctx.task.definition.plan;
  if (fixed) return { steps: fixed, byLlm: false };
  return { steps: await planWithLlm(ctx, await memories()), byLlm: true };
}

/**
 * Asks for a plan as structured output (degrading to JSON mode or a plain prompt on servers that refuse it, see
 * src/llm/endpoint.ts). Servers that ignore `response_format` often answer with JSON anyway, sometimes fenced or
 * after their reasoning: all accepted. An invalid, empty or cut-off plan is sent back once with what was wrong.
 */
async function planWithLlm(ctx: RunContext, memories: RecalledMemory[]): Promise<StepDefinition[]> {
  const { task } = ctx;
  const maxSteps = task.definition.limits.maxSteps;
  const tools = [...createToolRegistry(task.definition.tools).values()].map((tool) => `- ${tool.name}: ${tool.description}`);
  const remembered = memories.length > 0 ? `\n\nRelevant memories from earlier tasks:\n${memories.map((m) => `- ${m.text}`).join('\n')}` : '';
  const messages: { role: 'system' | 'user' | 'assistant'; content: string }[] = [
    {
      role: 'system',
      content:
        `You are agentrun's planner. Break the user's goal into at most ${maxSteps} ordered steps that an agent with these tools can carry out:\n` +
        `${tools.join('\n')}\nReply with only JSON of the form ` +
        `{"steps":[{"name":"…","description":"…","doneWhen":"…"}]}.`,
    },
    { role: 'user', content: `Goal: ${task.goal}${remembered}` },
  ];
  const schema = planSchema(maxSteps);
  let problems = '';
  const base = await attemptBase(ctx, 'plan', 2);
  for (let turn = 1; turn <= 2; turn++) {
    const at = { phase: 'plan' as const, step: 0, turn: base + turn };
    const response = await journaledChat(ctx, at, { messages, jsonSchema: { name: 'plan', schema: PLAN_JSON_SCHEMA } });
    const reply = response.content ?? '';
    const unusable = unusableAnswer(response);
    if (response.finishReason === 'content_filter') throw new PlanInvalidError(`the LLM did not produce a plan: ${unusable}`);
    const parsed = unusable ? { ok: false as const, problems: unusable } : parsePlanReply(reply, schema);
    if (parsed.ok) return parsed.steps.map((step) => StepSchema.parse(step));
    problems = parsed.problems;
    ctx.emit({ type: 'llm-answer-rejected', taskId: task.id, ...at, reason: `the plan is not usable: ${problems}`, action: turn < 2 ? 'sent back for repair' : 'giving up' });
    messages.push(
      { role: 'assistant', content: reply },
      { role: 'user', content: `That plan is not valid: ${problems}. Reply again with only the corrected JSON.` },
    );
  }
  throw new PlanInvalidError(`the LLM did not produce a valid plan after 2 attempts: ${problems}`);
}

type ParsedPlan = { ok: true; steps: z.infer<ReturnType<typeof planSchema>>['steps'] } | { ok: false; problems: string };

export function parsePlanReply(reply: string, schema: ReturnType<typeof planSchema>): ParsedPlan {
  const json = extractJson(reply);
  let data: unknown;
  try {
    data = JSON.parse(json);
  } catch (error) {
    return { ok: false, problems: `the reply is not JSON (${(error as Error).message}): ${quote(reply)}` };
  }
  const result = schema.safeParse(data);
  if (result.success) return { ok: true, steps: result.data.steps };
  return {
    ok: false,
    problems: result.error.issues.map((i) => `${i.path.length ? i.path.join('.') : '(top level)'}: ${i.message}`).join('; '),
  };
}

/** Takes the JSON out of a ```json fence, or from the first { to the last } of a chatty reply. */
function extractJson(reply: string): string {
  const fenced = /```(?:json)?\s*\n?([\s\S]*?)```/.exec(reply);
  if (fenced?.[1]) return fenced[1].trim();
  const start = reply.indexOf('{');
  const end = reply.lastIndexOf('}');
  return start >= 0 && end > start ? reply.slice(start, end + 1) : reply.trim();
}

function quote(text: string): string {
  const oneLine = text.replace(/\s+/g, ' ').trim();
  return JSON.stringify(oneLine.length > 200 ? `${oneLine.slice(0, 200)}…` : oneLine);
}
