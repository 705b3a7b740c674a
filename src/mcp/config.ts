import { z } from 'zod';
import { LIMITS } from '../input/limits.js';
import { timerDuration } from '../task/duration.js';

/** Bounded like every other text of a task file (src/input/limits.ts). */
const text = z.string().max(LIMITS.fieldChars, `longer than the limit of ${LIMITS.fieldChars} characters`);
const strings = z.record(z.string().max(200), text);
/** More servers than this is a configuration error, not a task. */
const MAX_SERVERS = 64;

/**
 * The `mcp:` section of a task file: servers by name, in the shape of the `mcpServers` of a Claude Code / Cursor
 * `.mcp.json` (stdio: command, args, env, cwd; streamable HTTP: url, headers), plus agentrun's own keys: whether the
 * server is trusted, which of its tools the task may use, and per-tool effect overrides.
 */

/** How to decide, after a crash, whether a call already happened: a shell command, or a call of another tool of the same server. */
const CheckSchema = z.union([
  text.min(1),
  z.strictObject({ tool: text.min(1), arguments: z.record(z.string(), z.unknown()).optional() }),
]);
export type McpCheck = z.infer<typeof CheckSchema>;

/** The task file's word on one tool; it wins over anything the server says about the tool. */
const EffectOverrideSchema = z.strictObject({
  idempotent: z.boolean().optional(),
  check: CheckSchema.optional(),
  approve: z.boolean().optional(),
});
export type McpEffectOverride = z.infer<typeof EffectOverrideSchema>;

const agentrunKeys = {
  /** Only a trusted server's readOnlyHint / idempotentHint annotations may make a tool safe to repeat. */
  trusted: z.boolean().default(false),
  /** The tools the task may use (the server's own names); all of them when left out. */
  tools: z.array(text.min(1)).min(1).max(LIMITS.tools).optional(),
  /** Per-tool overrides of the effect semantics, by the server's tool name. */
  effects: z.record(z.string(), EffectOverrideSchema).default({}),
  /** How long starting the server (spawn + initialize + tools/list) may take. */
  startupTimeout: timerDuration.default(30_000),
  /** How long one tool call may take before its outcome counts as unknown. */
  timeout: timerDuration.default(60_000),
};

const StdioServerSchema = z.strictObject({
  type: z.literal('stdio').optional(),
  command: text.min(1),
  args: z.array(text).max(1000).default([]),
  env: strings.default({}),
  cwd: text.min(1).optional(),
  ...agentrunKeys,
});

const HttpServerSchema = z.strictObject({
  type: z.enum(['http', 'streamable-http']).optional(),
  url: text.min(1),
  headers: strings.default({}),
  ...agentrunKeys,
});

const serverName = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,31}$/, 'a server name uses letters, digits, ".", "_" and "-" (max 32)');

export const McpServersSchema = z
  .record(serverName, z.union([StdioServerSchema, HttpServerSchema]))
  .refine((servers) => Object.keys(servers).length <= MAX_SERVERS, { message: `more than ${MAX_SERVERS} servers` });
export type McpServerConfig = z.infer<typeof StdioServerSchema> | z.infer<typeof HttpServerSchema>;
export type McpServers = z.infer<typeof McpServersSchema>;

/** A `.mcp.json` as Claude Code and Cursor write it. */
export const McpConfigFileSchema = z.looseObject({ mcpServers: McpServersSchema });

export function isStdio(config: McpServerConfig): config is z.infer<typeof StdioServerSchema> {
  return 'command' in config;
}
