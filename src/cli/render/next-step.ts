import type { TaskRecord } from '../../store/types.js';
import { isResumable } from '../../engine/task-state.js';

/**
 * What a person runs next to move a stopped task on, or undefined when there is nothing to do. `effectKey` is the
 * effect waiting for a decision, for a task that needs a person.
 */
export function nextStepHint(task: Pick<TaskRecord, 'id' | 'status' | 'reason' | 'error' | 'leaseOwner' | 'leaseExpiresAt' | 'prunedAt'>, effectKey?: string): string | undefined {
  if (task.status === 'needs-attention') {
    const key = effectKey ?? '<effect-key>';
    return task.reason === 'approval'
      ? `approve with: agentrun approve ${task.id} ${key}   (or --deny), then: agentrun resume ${task.id}`
      : `decide with: agentrun resolve ${task.id} ${key} --retry|--done|--skip, then: agentrun resume ${task.id}`;
  }
  // Past its deadline a resume would only fail again: there is nothing to run.
  if (task.status === 'failed' && task.reason === 'deadline') return undefined;
  if (isResumable(task)) return `continue with: agentrun resume ${task.id}`;
  return undefined;
}
