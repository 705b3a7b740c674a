import { statSync } from 'node:fs';
import path from 'node:path';
import { UsageError } from '../errors.js';
import { excerpt } from '../input/excerpt.js';
import { BUILTIN_TOOLS, type BuiltinToolName, type TaskDefinition } from './schema.js';

/**
 * The workspace file tools a bare goal gets: without them `start "write … to SUMMARY.md"` would plan, "complete",
 * and write nothing. They are confined to the workspace; `shell` and `http_get` stay opt-in.
 */
const DEFAULT_GOAL_TOOLS: BuiltinToolName[] = ['read_file', 'list_files', 'write_file'];

/** What `start` was told about tools and the workspace: `tools` is a list, `false` for --no-tools, or unset. */
export interface ToolChoice {
  tools?: string | false;
  workspace?: string;
}

/**
 * The definition a task starts with: a bare goal gets the default file tools; `--tools a,b,c` replaces the tool list
 * (of a goal or a task file) with those built-in tools, `--no-tools` empties it, `--workspace DIR` sets where file
 * tools and commands work. Checked before anything is written.
 */
export function applyToolChoice(definition: TaskDefinition, choice: ToolChoice, options: { bareGoal: boolean; cwd: string }): TaskDefinition {
  const tools = choice.tools === false ? [] : choice.tools !== undefined ? parseToolList(choice.tools) : options.bareGoal ? DEFAULT_GOAL_TOOLS : definition.tools;
  const workspace = choice.workspace === undefined ? definition.workspace : existingDirectory(choice.workspace, options.cwd);
  return { ...definition, tools, ...(workspace === undefined ? {} : { workspace }) };
}

function parseToolList(list: string): BuiltinToolName[] {
  const names = list.split(',').map((name) => name.trim()).filter(Boolean);
  if (names.length === 0) throw new UsageError('--tools needs at least one tool name (for a task with no tools, use --no-tools)');
  const unknown = names.filter((name) => !(BUILTIN_TOOLS as readonly string[]).includes(name));
  if (unknown.length > 0) {
    throw new UsageError(`--tools: unknown tool ${unknown.map((n) => excerpt(n)).join(', ')}; the built-in tools are ${BUILTIN_TOOLS.join(', ')} (command tools are declared in a task file)`);
  }
  return [...new Set(names)] as BuiltinToolName[];
}

function existingDirectory(dir: string, cwd: string): string {
  const absolute = path.resolve(cwd, dir);
  let isDirectory = false;
  try {
    isDirectory = statSync(absolute).isDirectory();
  } catch {
    // Reported below, as for a file that is not a directory.
  }
  if (!isDirectory) throw new UsageError(`--workspace ${excerpt(dir)}: no such directory`);
  return absolute;
}
