import type { TaskRecord } from '../store/types.js';
import { LIMITS } from '../input/limits.js';

/** When the task must be done by (ms since the epoch), from its `limits.deadline`; undefined without one. */
export function deadlineAt(task: Pick<TaskRecord, 'createdAt' | 'definition'>): number | undefined {
  const deadline = task.definition.limits.deadline;
  if (!deadline) return undefined;
  return 'at' in deadline ? deadline.at : task.createdAt + deadline.afterMs;
}

/**
 * Calls `onPassed` once the deadline has passed (at once if it already has); returns the function that cancels the
 * watch. Unref'd: it never keeps the process alive by itself.
 */
export function watchDeadline(at: number, onPassed: () => void): () => void {
  let timer: NodeJS.Timeout | undefined;
  const arm = () => {
    const left = at - Date.now();
    if (left <= 0) return onPassed();
    // Node's longest timer: a later deadline re-arms when this one fires.
    timer = setTimeout(arm, Math.min(left, LIMITS.timerMs));
    timer.unref();
  };
  arm();
  return () => clearTimeout(timer);
}
