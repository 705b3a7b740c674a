import path from 'node:path';
import { UsageError } from '../../errors.js';
import { loadMcpConfigFile } from '../../mcp/config-file.js';
import type { McpServers } from '../../mcp/config.js';
import { McpPool } from '../../mcp/server-pool.js';
import { listMcpTools, type McpToolSpec } from '../../mcp/tool-list.js';
import { loadTaskFile } from '../../task/load.js';
import { output } from '../output.js';
import { renderTable } from '../render/table.js';
import type { McpListOptions } from '../commands/mcp.js';


/**
 * Starts the configured servers, lists the tools a task would get and what agentrun does with each call after a
 * crash — so a person can check before a cron job runs. Nothing is written to the database.
 */
export async function list(options: McpListOptions): Promise<number> {
  if (Boolean(options.task) === Boolean(options.mcpConfig)) throw new UsageError('give either --task FILE or --mcp-config FILE');
  const definition = options.task ? loadTaskFile(options.task) : undefined;
  const servers: McpServers = definition ? (definition.mcp ?? {}) : loadMcpConfigFile(options.mcpConfig!);
  if (Object.keys(servers).length === 0) throw new UsageError(`${options.task ?? options.mcpConfig} has no mcp: servers`);
  // Where a run would start them: the task's workspace, resolved as `start` resolves it.
  const pool = new McpPool(servers, { workspace: path.resolve(definition?.workspace ?? '.') });
  let tools: McpToolSpec[];
  try {
    tools = await listMcpTools(pool);
  } finally {
    await pool.close();
  }
  if (options.json) {
    output.json(tools.map(({ name, server, tool, idempotent, approve, check, semantics }) => ({ name, server, tool, idempotent, approve, check: check ?? null, semantics })));
    return 0;
  }
  const rows = tools.map((t) => [t.name, t.server, t.semantics]);
  output.result(renderTable(['TOOL (as the model sees it)', 'SERVER', 'AFTER A CRASH'], rows, { width: process.stdout.columns ?? 160 }));
  return 0;
}
