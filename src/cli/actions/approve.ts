import { TaskNotFoundError, UsageError } from '../../errors.js';
import { output } from '../output.js';
import { withStore } from '../with-store.js';
import { pendingEffect, reopenTask } from './resolve.js';
import type { ApproveOptions } from '../commands/approve.js';

/** Approves (or with --deny, skips) calls awaiting approval: one by key, or all of the task's. */
export async function run(options: ApproveOptions): Promise<number> {
  return withStore(options.db, async (store) => {
    const task = await store.getTask(options.taskId);
    if (!task) throw new TaskNotFoundError(options.taskId);
    const effects = options.key
      ? [await pendingEffect(store, options.taskId, options.key, ['awaiting-approval'])]
      : (await store.getEffects(options.taskId)).filter((e) => e.status === 'awaiting-approval');
    if (effects.length === 0) throw new UsageError(`task ${options.taskId} has no call awaiting approval`);
    for (const effect of effects) {
      if (options.deny) await store.settleEffect(effect.key, 'skipped', 'denied by a person: it did not run');
      else await store.settleEffect(effect.key, 'approved', null);
      output.result(`${options.deny ? 'denied' : 'approved'} ${effect.tool} ${effect.args} [${effect.key}]`);
    }
    await reopenTask(store, options.taskId);
    output.info(`continue with: agentrun resume ${options.taskId}`);
    return 0;
  });
}
