import { existsSync, realpathSync } from 'node:fs';
import path from 'node:path';
import { UsageError } from '../errors.js';
import { excerpt } from '../input/excerpt.js';
import { LIMITS } from '../input/limits.js';
import { readTextFile } from '../input/read-text.js';
import type { Store, TaskRecord } from '../store/types.js';
import { isStdio } from '../mcp/config.js';
import { StepSchema, type TaskDefinition } from '../task/schema.js';
import { validateTaskDefinition } from '../task/load.js';
import { buildCheckpoint, CheckpointSchema, fromDocument, type CheckpointDocument } from './checkpoint.js';
import { isValidTaskId } from './ids.js';

/** The checkpoint document of a task, to move it to another machine. */
export function exportTask(store: Store, taskId: string): Promise<CheckpointDocument> {
  return buildCheckpoint(store, taskId);
}

export interface ImportOptions {
  /** Import under a new id (required when the id exists here). */
  as?: string;
  /** Where its commands and file tools work here; default: the exported workspace if it is inside `cwd`, else `cwd`. */
  workspace?: string;
  cwd: string;
}

/**
 * An import, read and validated but not yet written: what the task will run here, so a person can see it first.
 * A checkpoint is a program — its plan's `run:` commands, its command tools and its workspace are what `resume`
 * executes — and it may come from anyone.
 */
export interface ImportPreview {
  doc: CheckpointDocument;
  id: string;
  workspace: string;
  /** The exported workspace, when it was not adopted because it is outside the current directory. */
  exportedWorkspace?: string;
  /** Every command the task can still run: `run:` and `check:` of steps not completed, and its command tools. */
  commands: string[];
  /** The tools its LLM steps may call. */
  tools: string[];
}

/** Reads and validates an exported document, and says what importing it would run. Writes nothing. */
export function previewImport(file: string, options: ImportOptions): ImportPreview {
  const doc = readDocument(file);
  const id = options.as ?? doc.task_id;
  if (!isValidTaskId(id)) throw new UsageError(`invalid task id ${excerpt(id)}`);
  // The definition and each step are held to the same schema and limits as a task file.
  const definition = validateTaskDefinition(doc.definition, `${file}: definition`);
  if (doc.goal.length > LIMITS.goalChars) throw new UsageError(`${file}: goal: longer than the limit of ${LIMITS.goalChars} characters`);
  const steps = doc.plan.map((step, i) => {
    const parsed = StepSchema.safeParse(step.spec);
    if (!parsed.success) throw new UsageError(`${file} is not an agentrun checkpoint: plan.${i}.spec: ${parsed.error.issues[0]!.message}`);
    return { ...step, spec: parsed.data };
  });
  const adopted = adoptableWorkspace(doc.workspace, options);
  return {
    doc: { ...doc, definition: definition as unknown as CheckpointDocument['definition'], plan: steps },
    id,
    workspace: adopted.workspace,
    exportedWorkspace: adopted.refused,
    commands: commandsOf(definition, steps),
    tools: definition.tools.map((tool) => (typeof tool === 'string' ? tool : 'builtin' in tool ? tool.builtin : `${tool.name} (command)`)),
  };
}

/** Writes a previewed import; refuses a duplicate id. The task is resumable here. */
export async function importTask(store: Store, preview: ImportPreview): Promise<TaskRecord> {
  const created = await store.insertTaskBundle(fromDocument(preview.doc, preview.id, preview.workspace));
  if (!created) throw new UsageError(`a task with id ${excerpt(preview.id)} already exists here; import it under another id with --as NEW_ID`);
  return (await store.getTask(preview.id))!;
}

/**
 * `--workspace` if given; else the exported workspace only if it exists and is inside the current directory (a
 * checkpoint must not point the task's commands and file tools at `/` or a home directory); else the current one.
 */
function adoptableWorkspace(exported: string, options: ImportOptions): { workspace: string; refused?: string } {
  if (options.workspace) return { workspace: path.resolve(options.cwd, options.workspace) };
  const cwd = realpathSync(options.cwd);
  if (!path.isAbsolute(exported) || !existsSync(exported)) return { workspace: cwd };
  const real = realpathSync(exported);
  const relative = path.relative(cwd, real);
  const inside = relative === '' || (!relative.startsWith('..') && !path.isAbsolute(relative));
  return inside ? { workspace: real } : { workspace: cwd, refused: exported };
}

function commandsOf(definition: TaskDefinition, steps: { step: number; status: string; spec: { run?: string; check?: string; cwd?: string } }[]): string[] {
  const commands: string[] = [];
  for (const step of steps) {
    if (step.status === 'completed') continue;
    if (step.spec.run) commands.push(`step ${step.step} runs: ${step.spec.run}${step.spec.cwd ? ` (in ${step.spec.cwd})` : ''}`);
    if (step.spec.check) commands.push(`step ${step.step} checks with: ${step.spec.check}`);
  }
  for (const tool of definition.tools) {
    if (typeof tool === 'string' || 'builtin' in tool) continue;
    commands.push(`tool ${tool.name} runs: ${tool.command}`);
    if (tool.check) commands.push(`tool ${tool.name} checks with: ${tool.check}`);
  }
  // An MCP server is a program too: a stdio server is started as a command, an HTTP one is sent the task's calls.
  for (const [name, server] of Object.entries(definition.mcp ?? {})) {
    commands.push(isStdio(server) ? `MCP server ${name} runs: ${[server.command, ...server.args].join(' ')}` : `MCP server ${name} is called at: ${server.url}`);
    for (const [tool, override] of Object.entries(server.effects)) {
      if (typeof override.check === 'string') commands.push(`MCP tool ${name}__${tool} checks with: ${override.check}`);
    }
  }
  // A hook runs when the task reaches its transition, whoever runs it: part of what importing lets it run.
  for (const [event, command] of Object.entries(definition.on ?? {})) if (command) commands.push(`on ${event} runs: ${command}`);
  return commands;
}

function readDocument(file: string): CheckpointDocument {
  const text = readTextFile(file, LIMITS.checkpointBytes, 'checkpoint');
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw new UsageError(`${file} is not an agentrun checkpoint: invalid JSON: ${(error as Error).message.replace(/, ".*" is not valid JSON$/s, '')}`);
  }
  const parsed = CheckpointSchema.safeParse(data);
  if (!parsed.success) {
    const first = parsed.error.issues[0]!;
    const more = parsed.error.issues.length > 1 ? ` (and ${parsed.error.issues.length - 1} more problems)` : '';
    throw new UsageError(`${file} is not an agentrun checkpoint: ${first.path.join('.') || '(top level)'}: ${first.message}${more}`);
  }
  return parsed.data;
}
