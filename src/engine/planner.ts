import { z } from 'zod';
import { StepSchema, type StepDefinition, type ToolEntry } from '../task/schema.js';
import { PlanInvalidError } from './errors.js';
import { journaledChat } from './llm-turns.js';
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
        required: ['name', 'description', 'doneWhen'],
        additionalProperties: false,
      },
    },
  },
  required: ['steps'],
  additionalProperties: false,
} as const;

function planSchema(maxSteps: number) {
  return z.object({
    steps: z
      .array(z.object({ name: z.string().min(1), description: z.string().min(1), doneWhen: z.string().min(1) }))
      .min(1)
      .max(maxSteps),
  });
}

/** The task file's fixed plan if it has one; otherwise a plan from the LLM. */
export async function planTask(ctx: RunContext): Promise<Plan> {
  const fixed = ctx.task.definition.plan;
  if (fixed) return { steps: fixed, byLlm: false };
  return { steps: await planWithLlm(ctx), byLlm: true };
}

/**
 * Asks for a plan as structured output. Servers that ignore `response_format` often answer with JSON anyway,
 * sometimes fenced: both are accepted. An invalid plan is sent back once with what was wrong.
 */
async function planWithLlm(ctx: RunContext): Promise<StepDefinition[]> {
  const { task } = ctx;
  const maxSteps = task.definition.limits.maxSteps;
  const tools = [...task.definition.tools.map(toolName), 'record_decision', 'record_discovery'];
  const messages: { role: 'system' | 'user' | 'assistant'; content: string }[] = [
    {
      role: 'system',
      content:
        `You are agentrun's planner. Break the user's goal into at most ${maxSteps} ordered steps that an agent with these tools can carry out: ` +
        `${[...new Set(tools)].join(', ')}. Reply with only JSON of the form ` +
        `{"steps":[{"name":"…","description":"…","doneWhen":"…"}]}.`,
    },
    { role: 'user', content: `Goal: ${task.goal}` },
  ];
  const schema = planSchema(maxSteps);
  let problems = '';
  for (let turn = 1; turn <= 2; turn++) {
    const response = await journaledChat(ctx, { phase: 'plan', step: 0, turn }, { messages, jsonSchema: { name: 'plan', schema: PLAN_JSON_SCHEMA } });
    const reply = response.content ?? '';
    const parsed = parsePlanReply(reply, schema);
    if (parsed.ok) return parsed.steps.map((step) => StepSchema.parse(step));
    problems = parsed.problems;
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

function toolName(entry: ToolEntry): string {
  if (typeof entry === 'string') return entry;
  return 'builtin' in entry ? entry.builtin : entry.name;
}
