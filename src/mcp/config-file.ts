import { readFileSync } from 'node:fs';
import { TaskFileInvalidError, UsageError } from '../errors.js';
import { describeIssue } from '../task/load.js';
import { McpConfigFileSchema, type McpServers } from './config.js';

/** Reads a `.mcp.json` (Claude Code / Cursor shape: `{ "mcpServers": { … } }`); every problem is one line naming its field. */
export function loadMcpConfigFile(file: string): McpServers {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new UsageError(`cannot read MCP config ${file}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw new TaskFileInvalidError(file, [`invalid JSON: ${(error as Error).message}`]);
  }
  const parsed = McpConfigFileSchema.safeParse(data);
  if (!parsed.success) throw new TaskFileInvalidError(file, parsed.error.issues.flatMap((issue) => describeIssue(issue)));
  return parsed.data.mcpServers;
}

/** The task's servers plus those of a config file; a server named in both is a usage error, not a silent choice. */
export function mergeMcpServers(own: McpServers | undefined, added: McpServers, file: string): McpServers {
  for (const name of Object.keys(added)) {
    if (own?.[name]) throw new UsageError(`MCP server "${name}" is configured both in the task and in ${file}`);
  }
  return { ...own, ...added };
}
