import { TaskFileInvalidError, UsageError } from '../errors.js';
import { LIMITS } from '../input/limits.js';
import { readTextFile } from '../input/read-text.js';
import { describeIssue } from '../task/load.js';
import { McpConfigFileSchema, type McpServers } from './config.js';

/** Reads a `.mcp.json` (Claude Code / Cursor shape: `{ "mcpServers": { … } }`); every problem is one line naming its field. */
export function loadMcpConfigFile(file: string): McpServers {
  // Bounded and checked like a task file: a FIFO, /dev/zero or a binary file gets one line, not a hang.
  const text = readTextFile(file, LIMITS.taskFileBytes, 'MCP config');
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
