import { z } from 'zod';
import { LIMITS } from '../input/limits.js';
import { McpServersSchema } from '../mcp/config.js';
import { duration, parseDuration, timerDuration } from './duration.js';

/** Text with a length limit that says what the limit is (docs/task-files.md lists them). */
const text = (max: number = LIMITS.fieldChars) => z.string().max(max, `longer than the limit of ${max} characters`);
const count = (max: number) => z.number().int().max(max, `at most ${max}`);

/**
 * When a task must be done by: a duration from its creation (as above: `2h`, `90m`) or an absolute time
 * (`2026-11-25T06:00:00Z`, an ISO date-time). Stored as `{ afterMs }` or `{ at }` (ms since the epoch).
 */
export const deadline = z.union([z.number(), z.string()]).transform((value, ctx): { afterMs: number } | { at: number } => {
  if (typeof value === 'string' && /^\d{4}-\d\d-\d\d/.test(value.trim())) {
    const at = Date.parse(value);
    if (Number.isNaN(at)) {
      ctx.addIssue({ code: 'custom', message: `expected an ISO date-time like "2026-11-25T06:00:00Z", got ${JSON.stringify(value)}` });
      return z.NEVER;
    }
    return { at };
  }
  const afterMs = parseDuration(value);
  if (afterMs === undefined) {
    ctx.addIssue({ code: 'custom', message: `expected a duration like "2h" or "90m", or a date-time like "2026-11-25T06:00:00Z", got ${JSON.stringify(value)}` });
    return z.NEVER;
  }
  return { afterMs };
});

export { HOOK_EVENTS, type HookEvent } from './hook-events.js';
export const HooksSchema = z.strictObject({
  completed: text().min(1).optional(),
  failed: text().min(1).optional(),
  'needs-attention': text().min(1).optional(),
});

const name = z.string().regex(/^[A-Za-z_][A-Za-z0-9_-]{0,63}$/, 'use letters, digits, "_" and "-" (max 64)');

export const BUILTIN_TOOLS = ['read_file', 'list_files', 'write_file', 'shell', 'http_get'] as const;
export type BuiltinToolName = (typeof BUILTIN_TOOLS)[number];

/** A tool the task defines as a command: arguments arrive as JSON on stdin. */
export const CommandToolSchema = z.strictObject({
  name,
  description: text().min(1),
  parameters: z.record(z.string(), z.unknown()).default({ type: 'object', properties: {} }),
  command: text().min(1),
  idempotent: z.boolean().default(false),
  check: text().min(1).optional(),
  approve: z.boolean().default(false),
  timeout: timerDuration.default(60_000),
});
export type CommandToolDefinition = z.infer<typeof CommandToolSchema>;

/** A built-in tool by name, or as `{ builtin: shell, approve: true }` to require a person's approval per call. */
const BuiltinToolEntrySchema = z.strictObject({ builtin: z.enum(BUILTIN_TOOLS), approve: z.boolean().default(false) });
const ToolEntrySchema = z.union([z.enum(BUILTIN_TOOLS), BuiltinToolEntrySchema, CommandToolSchema]);
export type ToolEntry = z.infer<typeof ToolEntrySchema>;

/** A step of a fixed plan: an LLM step (default) or a `run:` command step. */
export const StepSchema = z.strictObject({
  name: text(200).min(1),
  description: text().default(''),
  doneWhen: text().optional(),
  run: text().min(1).optional(),
  cwd: text().optional(),
  env: z.record(text(200), text()).optional(),
  timeout: timerDuration.optional(),
  /** A `run:` step is re-run after a crash unless this says it must not be; then `check` or a person decides. */
  idempotent: z.boolean().default(true),
  check: text().min(1).optional(),
});
export type StepDefinition = z.infer<typeof StepSchema>;

export const LimitsSchema = z.strictObject({
  maxSteps: count(LIMITS.planSteps).positive().default(20),
  maxTokens: z.number().int().positive().optional(),
  maxTurnsPerStep: count(1000).positive().default(12),
  stepTimeout: timerDuration.default(600_000),
  llmTimeout: timerDuration.default(120_000),
  toolOutputBytes: count(LIMITS.toolOutputBytes).positive().default(8192),
  /** Past it the task stops as failed, reason `deadline`. */
  deadline: deadline.optional(),
});

export const RetrySchema = z.strictObject({
  maxAttempts: count(100).min(1).default(5),
  initialDelay: timerDuration.default(1000),
  maxDelay: timerDuration.default(30_000),
});

export const MemorySchema = z.strictObject({
  write: z.boolean().default(true),
  recall: z.boolean().default(true),
  k: count(100).min(0).default(5),
  tokenBudget: count(100_000).positive().default(800),
});

export const TaskFileSchema = z.strictObject({
  goal: text(LIMITS.goalChars).min(1),
  agent: text(200).min(1).default('agentrun'),
  namespace: text(200).min(1).default('default'),
  model: text(200).min(1).optional(),
  instructions: text(LIMITS.instructionsChars).optional(),
  workspace: text(4096).optional(),
  plan: z.array(StepSchema).min(1).max(LIMITS.planSteps, `more than ${LIMITS.planSteps} steps`).optional(),
  tools: z.array(ToolEntrySchema).max(LIMITS.tools, `more than ${LIMITS.tools} tools`).default([]),
  /** MCP servers whose tools the task's LLM steps may call (docs/mcp.md). Stored unexpanded: ${VAR}s stay out of the database. */
  mcp: McpServersSchema.optional(),
  limits: LimitsSchema.default(LimitsSchema.parse({})),
  retry: RetrySchema.default(RetrySchema.parse({})),
  durability: z.enum(['full', 'normal']).default('full'),
  memory: MemorySchema.default(MemorySchema.parse({})),
  retention: duration.default(7 * 86_400_000),
  on: HooksSchema.optional(),
}).check((ctx) => {
  const { plan, limits } = ctx.value;
  if (plan && plan.length > limits.maxSteps) {
    ctx.issues.push({ code: 'custom', input: plan, path: ['plan'], message: `the plan has ${plan.length} steps, more than limits.maxSteps (${limits.maxSteps})` });
  }
});

/** What a task file says, validated and with defaults filled in. Stored with the task so resume needs no file. */
export type TaskDefinition = z.infer<typeof TaskFileSchema>;
