import { UsageError } from '../errors.js';
import type { BuiltinToolName, ToolEntry } from '../task/schema.js';
import { createCommandTool } from './command-tool.js';
import { httpGetTool } from './http-get.js';
import { recordDecisionTool, recordDiscoveryTool } from './notes.js';
import { shellTool } from './shell.js';
import type { Tool } from './types.js';
import { listFilesTool, readFileTool, writeFileTool } from './workspace-files.js';

const BUILTINS: Record<BuiltinToolName, Tool> = {
  read_file: readFileTool,
  list_files: listFilesTool,
  write_file: writeFileTool,
  shell: shellTool,
  http_get: httpGetTool,
};

/** The engine builds checkpoints from these, so every task has them whatever its tool list says. */
const ALWAYS_AVAILABLE = [recordDecisionTool, recordDiscoveryTool];

/** The tools a task may call, by name: the task file's entries plus the record_* tools. */
export function createToolRegistry(entries: ToolEntry[]): Map<string, Tool> {
  const registry = new Map<string, Tool>();
  for (const tool of [...ALWAYS_AVAILABLE, ...entries.map(toolFor)]) {
    if (registry.has(tool.name)) {
      const reserved = ALWAYS_AVAILABLE.some((always) => always.name === tool.name);
      throw new UsageError(
        `tool "${tool.name}" appears more than once in the task's tools` +
          (reserved ? ` (${ALWAYS_AVAILABLE.map((t) => t.name).join(' and ')} are always available)` : ''),
      );
    }
    registry.set(tool.name, tool);
  }
  return registry;
}

function toolFor(entry: ToolEntry): Tool {
  if (typeof entry === 'string') return { ...BUILTINS[entry], approve: false };
  if ('builtin' in entry) return { ...BUILTINS[entry.builtin], approve: entry.approve };
  return createCommandTool(entry);
}
