import { FINISHED_STATUSES, type Store, type TaskRecord } from '../store/types.js';

export interface GcOptions {
  /** Prune tasks finished longer ago than this (ms), instead of those past their own `expires_at`. */
  olderThanMs?: number;
  dryRun: boolean;
  now?: number;
}

/**
 * Deletes the steps, notes and journals of finished tasks past their retention, keeping each one's summary row
 * (goal, status, result, tokens) for `status --all`. What they learned is already in long-term memory.
 */
export async function collectGarbage(store: Store, options: GcOptions): Promise<TaskRecord[]> {
  const now = options.now ?? Date.now();
  const finished = await store.listTasks({ statuses: FINISHED_STATUSES });
  const expired = finished.filter((t) =>
    options.olderThanMs !== undefined ? (t.finishedAt ?? t.updatedAt) <= now - options.olderThanMs : t.expiresAt !== null && t.expiresAt <= now,
  );
  if (!options.dryRun) for (const task of expired) await store.pruneTask(task.id);
  return expired;
}
