import { TaskNotFoundError, TaskRunningError } from '../errors.js';
import type { Store, TaskRecord } from '../store/types.js';
import { idle } from './transitions.js';

/**
 * Deletes a task and all of it, in one transaction that checks nobody runs it (no lease, an expired one, or a dead
 * holder's): a task a live runner holds is refused — cancel it first.
 */
export async function deleteTask(store: Store, task: TaskRecord): Promise<void> {
  if (await store.deleteTask(task.id, idle(task))) return;
  const now = await store.getTask(task.id);
  if (!now) throw new TaskNotFoundError(task.id);
  throw new TaskRunningError(task.id, now.leaseOwner ?? 'another runner');
}
