import type { LlmClient } from '../llm/client.js';
import type { Store, TaskRecord } from '../store/types.js';
import { embedMissing } from './embeddings.js';
import type { NewMemory } from '../store/memory-types.js';

/** A task's result is kept whole up to this many characters, so one memory cannot eat the whole recall budget. */
export const MAX_RESULT_CHARS = 1500;

export interface RememberOptions {
  /** Embed new memories with this model (AGENTRUN_EMBEDDINGS_MODEL); none when undefined. */
  embeddingsModel?: string;
  llm?: () => Promise<LlmClient>;
}

/** What a finished task leaves in long-term memory: its final result, its discoveries and its decisions. */
export async function memoriesOf(store: Store, task: TaskRecord): Promise<NewMemory[]> {
  const base = { namespace: task.namespace, taskId: task.id };
  const items: NewMemory[] = [];
  const result = task.result?.trim();
  if (result) items.push({ ...base, kind: 'result', text: `Result of "${flat(task.goal, 200)}": ${clip(result, MAX_RESULT_CHARS)}` });
  for (const note of await store.getNotes(task.id)) {
    if (!note.text.trim()) continue;
    if (note.kind === 'discovery') items.push({ ...base, kind: 'discovery', text: note.text });
    else items.push({ ...base, kind: 'decision', text: note.reasoning ? `${note.text} (because: ${note.reasoning})` : note.text });
  }
  return items;
}

/**
 * Called when a task completes: writes what it learned to memory in its namespace with the task as source (a fact
 * already known gains this task as a second source instead of a duplicate), then credits the memories the task had
 * recalled as useful. Safe to call twice: sources and credits are recorded once per task. With `memory.write: false`
 * the task leaves no trace (the runner does not call this then; the check here covers other callers).
 */
export async function rememberTask(store: Store, task: TaskRecord, options: RememberOptions = {}): Promise<void> {
  if (!task.definition.memory.write) return;
  for (const memory of await memoriesOf(store, task)) await store.memories.add(memory);
  if (options.embeddingsModel && options.llm) await embedMissing(store.memories, task.namespace, options.embeddingsModel, options.llm);
  await store.memories.creditTask(task.id);
}

function flat(text: string, max: number): string {
  return clip(text.replace(/\s+/g, ' ').trim(), max);
}

function clip(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}
