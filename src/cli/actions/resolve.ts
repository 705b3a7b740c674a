import { resolveEffect } from '../../engine/decisions.js';
import { UsageError } from '../../errors.js';
import { output } from '../output.js';
import { withStore } from '../with-store.js';
import type { ResolveOptions } from '../commands/resolve.js';

/**
 * Settles an effect whose outcome a crash left unknown, for scripts and cron: --retry runs it again on resume,
 * --done records that it happened, --skip leaves it undone. The task becomes resumable.
 */
export async function run(options: ResolveOptions): Promise<number> {
  const chosen = (['retry', 'done', 'skip'] as const).filter((c) => options[c]);
  if (chosen.length !== 1) throw new UsageError('say what happened: exactly one of --retry, --done, --skip');
  const decision = chosen[0]!;
  return withStore(options.db, async (store) => {
    const effect = await resolveEffect(store, options.taskId, options.key, decision);
    output.result(`effect ${effect.key} (${effect.tool}): ${decision}`);
    output.info(`continue with: agentrun resume ${options.taskId}`);
    return 0;
  });
}
