import { cancelTask } from '../../engine/cancel.js';
import { TaskNotFoundError } from '../../errors.js';
import { output } from '../output.js';
import { confirm } from '../prompts.js';
import { withStore } from '../with-store.js';
import type { CancelOptions } from '../commands/cancel.js';

/** Cancels a task: a running one stops at its next safe point, a stopped one is marked cancelled now. */
export async function run(options: CancelOptions): Promise<number> {
  return withStore(options.db, async (store) => {
    const task = await store.getTask(options.taskId);
    if (!task) throw new TaskNotFoundError(options.taskId);
    if (!(await confirm(`Cancel task ${task.id} (${task.status}, ${task.completedCount}/${task.stepCount} steps)?`, options))) return 0;
    const outcome = await cancelTask(store, options.taskId);
    output.result(
      outcome === 'requested'
        ? `task ${task.id} is running elsewhere (${task.leaseOwner}); it will stop at its next safe point and be marked cancelled`
        : `task ${task.id} cancelled`,
    );
    return 0;
  });
}
