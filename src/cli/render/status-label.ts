import { isStale, type TaskState } from '../../engine/task-state.js';

/** The status as a person should read it: "running (stale)" for a running task nobody is running. */
export function statusLabel(task: TaskState, now = Date.now()): string {
  return isStale(task, now) ? `${task.status} (stale)` : task.status;
}
