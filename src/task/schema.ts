import { z } from 'zod';
import { parseDuration } from './duration.js';

/** A duration written as seconds (number) or "30s" / "5m" / "7d"; parsed to milliseconds. */
const duration = z
  .union([z.number(), z.string()])
  .transform((value, ctx) => {
    const ms = parseDuration(value);
    if (ms === undefined) {
      ctx.addIssue({ code: 'custom', message: `expected a duration like 30, "30s", "5m" or "7d", got ${JSON.stringify(value)}` });
      return z.NEVER;
    }
    return ms;
  });

const name = z.string().regex(/^[A-Za-z_][A-Za-z0-9_-]{0,63}$/, 'use letters, digits, "_" and "-" (max 64)');

export const BUILTIN_TOOLS = ['read_file', 'list_files', 'write_file', 'shell', 'http_get'] as const;
export type BuiltinToolName = (typeof BUILTIN_TOOLS)[number];

/** A tool the task defines as a command: arguments arrive as JSON on stdin. */
export const CommandToolSchema = z.strictObject({
  name,
  description: z.string().min(1),
  parameters: z.record(z.string(), z.unknown()).default({ type: 'object', properties: {} }),
  command: z.string().min(1),
  idempotent: z.boolean().default(false),
  check: z.string().min(1).optional(),
  approve: z.boolean().default(false),
  timeout: duration.default(60_000),
});
export type CommandToolDefinition = z.infer<typeof CommandToolSchema>;

/** A built-in tool by name, or as `{ builtin: shell, approve: true }` to require a person's approval per call. */
const BuiltinToolEntrySchema = z.strictObject({ builtin: z.enum(BUILTIN_TOOLS), approve: z.boolean().default(false) });
const ToolEntrySchema = z.union([z.enum(BUILTIN_TOOLS), BuiltinToolEntrySchema, CommandToolSchema]);
export type ToolEntry = z.infer<typeof ToolEntrySchema>;

/** A step of a fixed plan: an LLM step (default) or a `run:` command step. */
export const StepSchema = z.strictObject({
  name: z.string().min(1),
  description: z.string().default(''),
  doneWhen: z.string().optional(),
  run: z.string().min(1).optional(),
  cwd: z.string().optional(),
  env: z.record(z.string(), z.string()).optional(),
  timeout: duration.optional(),
  /** A `run:` step is re-run after a crash unless this says it must not be; then `check` or a person decides. */
  idempotent: z.boolean().default(true),
  check: z.string().min(1).optional(),
});
export type StepDefinition = z.infer<typeof StepSchema>;

export const LimitsSchema = z.strictObject({
  maxSteps: z.number().int().positive().default(20),
  maxTokens: z.number().int().positive().optional(),
  maxTurnsPerStep: z.number().int().positive().default(12),
  stepTimeout: duration.default(600_000),
  llmTimeout: duration.default(120_000),
  toolOutputBytes: z.number().int().positive().default(8192),
});

export const RetrySchema = z.strictObject({
  maxAttempts: z.number().int().min(1).default(5),
  initialDelay: duration.default(1000),
  maxDelay: duration.default(30_000),
});

export const MemorySchema = z.strictObject({
  write: z.boolean().default(true),
  recall: z.boolean().default(true),
  k: z.number().int().min(0).default(5),
  tokenBudget: z.number().int().positive().default(800),
});

export const TaskFileSchema = z.strictObject({
  goal: z.string().min(1),
  agent: z.string().min(1).default('agentrun'),
  namespace: z.string().min(1).default('default'),
  model: z.string().min(1).optional(),
  instructions: z.string().optional(),
  workspace: z.string().optional(),
  plan: z.array(StepSchema).min(1).optional(),
  tools: z.array(ToolEntrySchema).default([]),
  limits: LimitsSchema.default(LimitsSchema.parse({})),
  retry: RetrySchema.default(RetrySchema.parse({})),
  durability: z.enum(['full', 'normal']).default('full'),
  memory: MemorySchema.default(MemorySchema.parse({})),
  retention: duration.default(7 * 86_400_000),
}).check((ctx) => {
  const { plan, limits } = ctx.value;
  if (plan && plan.length > limits.maxSteps) {
    ctx.issues.push({ code: 'custom', input: plan, path: ['plan'], message: `the plan has ${plan.length} steps, more than limits.maxSteps (${limits.maxSteps})` });
  }
});

/** What a task file says, validated and with defaults filled in. Stored with the task so resume needs no file. */
export type TaskDefinition = z.infer<typeof TaskFileSchema>;
