import { FINISHED_STATUSES, type Store, type TaskRecord } from '../store/types.js';
import { pruneTask } from './transitions.js';

export interface GcSelection {
  /** Prune tasks finished longer ago than this (ms), instead of those past their own `expires_at`. */
  olderThanMs?: number;
  now?: number;
}

/** Finished tasks past their retention (or finished longer ago than `olderThanMs`): what `gc` would prune. */
export async function expiredTasks(store: Store, options: GcSelection = {}): Promise<TaskRecord[]> {
  const now = options.now ?? Date.now();
  const finished = await store.listTasks({ statuses: FINISHED_STATUSES });
  return finished.filter((t) =>
    options.olderThanMs !== undefined ? (t.finishedAt ?? t.updatedAt) <= now - options.olderThanMs : t.expiresAt !== null && t.expiresAt <= now,
  );
}

/**
 * Deletes the steps, notes and journals of the selected tasks, keeping each one's summary row (goal, status,
 * result, tokens) for `status --all`; what they learned is already in long-term memory. A task that was resumed
 * (or is running) since it was selected is left alone: each prune re-checks that in its own transaction.
 * Returns the tasks pruned.
 */
export async function pruneSelected(store: Store, selected: readonly TaskRecord[]): Promise<TaskRecord[]> {
  const pruned: TaskRecord[] = [];
  for (const task of selected) if (await pruneTask(store, task)) pruned.push(task);
  return pruned;
}
