import { deleteTask } from '../../engine/delete-task.js';
import { TaskNotFoundError } from '../../errors.js';
import type { DeleteOptions } from '../commands/delete.js';
import { output } from '../output.js';
import { confirm } from '../prompts.js';
import { withStore } from '../with-store.js';

/** Deletes a task for good: asks on a terminal, needs --yes elsewhere, refuses a task a live runner holds. */
export async function run(options: DeleteOptions): Promise<number> {
  return withStore(options.db, async (store) => {
    const task = await store.getTask(options.taskId);
    if (!task) throw new TaskNotFoundError(options.taskId);
    if (!(await confirm(`Delete task ${task.id} (${task.status}, ${task.completedCount}/${task.stepCount} steps) and all its journals?`, options))) return 0;
    await deleteTask(store, task);
    output.result(`deleted task ${task.id}`);
    return 0;
  });
}
