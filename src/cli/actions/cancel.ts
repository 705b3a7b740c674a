import { leaseTimingFromEnv } from '../../engine/lease.js';
import { cancelTask } from '../../engine/transitions.js';
import { ExitCode, TaskNotFoundError } from '../../errors.js';
import { output } from '../output.js';
import { confirm } from '../prompts.js';
import { withStore } from '../with-store.js';
import type { CancelOptions } from '../commands/cancel.js';

/**
 * Cancels a task: a stopped one is marked cancelled now; a running one is asked to stop, and we wait (up to a lease's
 * length) to say what happened — cancelled (0), finished by its runner first (1), or still running (3).
 */
export async function run(options: CancelOptions): Promise<number> {
  return withStore(options.db, async (store) => {
    const task = await store.getTask(options.taskId);
    if (!task) throw new TaskNotFoundError(options.taskId);
    if (!(await confirm(`Cancel task ${task.id} (${task.status}, ${task.completedCount}/${task.stepCount} steps)?`, options))) return 0;
    const outcome = await cancelTask(store, options.taskId, leaseTimingFromEnv().ttlMs);
    if (outcome.cancelled) {
      output.result(`task ${task.id} cancelled`);
      return ExitCode.ok;
    }
    if (outcome.owner !== null) {
      output.result(`task ${task.id} is still running on ${outcome.owner}: asked to stop, it will be marked cancelled at its next step or effect`);
      return ExitCode.interrupted;
    }
    output.result(`task ${task.id} was not cancelled: its runner finished it first (${outcome.status})`);
    return ExitCode.failed;
  });
}
