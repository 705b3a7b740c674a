import { approveEffects } from '../../engine/decisions.js';
import { output } from '../output.js';
import { withStore } from '../with-store.js';
import type { ApproveOptions } from '../commands/approve.js';

/** Approves (or with --deny, skips) calls awaiting approval: one by key, or all of the task's. */
export async function run(options: ApproveOptions): Promise<number> {
  return withStore(options.db, async (store) => {
    const effects = await approveEffects(store, options.taskId, { key: options.key, deny: options.deny });
    for (const effect of effects) output.result(`${options.deny ? 'denied' : 'approved'} ${effect.tool} ${effect.args} [${effect.key}]`);
    output.info(`continue with: agentrun resume ${options.taskId}`);
    return 0;
  });
}
