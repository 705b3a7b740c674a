import { performEffect } from '../engine/effects.js';
import type { RunContext } from '../engine/run-context.js';
import type { StepRecord } from '../store/types.js';
import type { Tool } from '../tools/types.js';
import { McpToolRejectedError } from './errors.js';
import { mcpTool } from './mcp-tool.js';
import type { McpPool } from './server-pool.js';
import { listMcpTools, MCP_TOOL_LIST, type McpToolSpec } from './tool-list.js';

/**
 * The tools of one LLM step: the task's own plus its MCP servers' as listed when the step (attempt) started. The
 * list is journaled like an idempotent effect under `<task>:<step>:<first turn>:0`, so a resumed step replays with
 * the tools and semantics its recorded turns had — whatever the servers list now — and only a live call starts one.
 */
export async function stepToolsWithMcp(ctx: RunContext, step: StepRecord, base: Map<string, Tool>, pool: McpPool): Promise<Map<string, Tool>> {
  let listed: McpToolSpec[] | undefined;
  const outcome = await performEffect(ctx, {
    key: `${ctx.task.id}:${step.n}:${step.firstTurn}:0`,
    step: step.n,
    turn: step.firstTurn,
    call: 0,
    tool: MCP_TOOL_LIST,
    args: JSON.stringify(Object.keys(pool.servers)),
    idempotent: true,
    approve: false,
    // Listing starts the servers; a server that cannot start stops the run before anything is journaled.
    prepare: async () => {
      listed = await listMcpTools(pool);
    },
    run: async () => JSON.stringify(listed),
  });
  const specs = JSON.parse(outcome.output) as McpToolSpec[];
  const tools = new Map(base);
  for (const spec of specs) {
    if (tools.has(spec.name)) throw new McpToolRejectedError(spec.server, spec.tool, `its name ${spec.name} is already a tool of the task`);
    tools.set(spec.name, mcpTool(spec, pool));
  }
  return tools;
}
