import { existsSync, readFileSync } from 'node:fs';
import { UsageError } from '../errors.js';
import type { Store, TaskRecord } from '../store/types.js';
import { buildCheckpoint, CheckpointSchema, fromDocument, type CheckpointDocument } from './checkpoint.js';
import { isValidTaskId } from './ids.js';
import { excerpt } from '../input/excerpt.js';

/** The checkpoint document of a task, to move it to another machine. */
export function exportTask(store: Store, taskId: string): Promise<CheckpointDocument> {
  return buildCheckpoint(store, taskId);
}

export interface ImportOptions {
  /** Import under a new id (required when the id exists here). */
  as?: string;
  /** Where its commands and file tools work here; default: the exported workspace if it exists, else `cwd`. */
  workspace?: string;
  cwd: string;
}

/** Reads an exported document back, validated, refusing a duplicate id. The task is resumable here. */
export async function importTask(store: Store, file: string, options: ImportOptions): Promise<TaskRecord> {
  const doc = readDocument(file);
  const id = options.as ?? doc.task_id;
  if (!isValidTaskId(id)) throw new UsageError(`invalid task id ${excerpt(id)}`);
  const workspace = options.workspace ?? (existsSync(doc.workspace) ? doc.workspace : options.cwd);
  const created = await store.insertTaskBundle(fromDocument(doc, id, workspace));
  if (!created) throw new UsageError(`a task with id "${id}" already exists here; import it under another id with --as NEW_ID`);
  return (await store.getTask(id))!;
}

function readDocument(file: string): CheckpointDocument {
  let data: unknown;
  try {
    data = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new UsageError(`cannot read ${file}: ${code ?? (error as Error).message}`);
  }
  const parsed = CheckpointSchema.safeParse(data);
  if (!parsed.success) {
    const first = parsed.error.issues[0]!;
    const more = parsed.error.issues.length > 1 ? ` (and ${parsed.error.issues.length - 1} more problems)` : '';
    throw new UsageError(`${file} is not an agentrun checkpoint: ${first.path.join('.') || '(top level)'}: ${first.message}${more}`);
  }
  return parsed.data;
}
