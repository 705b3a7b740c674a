import { TaskNotFoundError, UsageError } from '../errors.js';
import type { Store } from '../store/types.js';
import { hasLiveLease } from './task-state.js';

/**
 * Cancels a task. A task with a live runner is asked to stop at its next safe point (the runner marks it
 * cancelled); a stopped one is marked cancelled now. Cancelled tasks are never resumed.
 */
export async function cancelTask(store: Store, taskId: string): Promise<'requested' | 'cancelled'> {
  const task = await store.getTask(taskId);
  if (!task) throw new TaskNotFoundError(taskId);
  if (task.status === 'completed' || task.status === 'cancelled') throw new UsageError(`task ${taskId} is already ${task.status}`);
  if (hasLiveLease(task)) {
    await store.updateTask(taskId, { cancelRequested: true });
    return 'requested';
  }
  const now = Date.now();
  await store.updateTask(taskId, { status: 'cancelled', reason: 'cancelled', error: 'cancelled by `agentrun cancel`', finishedAt: now, expiresAt: now + task.definition.retention });
  return 'cancelled';
}
