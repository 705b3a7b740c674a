import { TaskNotFoundError, UsageError } from '../../errors.js';
import type { EffectRecord, EffectStatus, Store } from '../../store/types.js';
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
    const effect = await pendingEffect(store, options.taskId, options.key, ['uncertain', 'intent', 'awaiting-approval']);
    const next: Record<typeof decision, [EffectStatus, string | null]> = {
      retry: ['approved', null],
      done: ['done', 'marked done by a person'],
      skip: ['skipped', 'skipped by a person: it did not run'],
    };
    await store.settleEffect(effect.key, ...next[decision]);
    await reopenTask(store, options.taskId);
    output.result(`effect ${effect.key} (${effect.tool}): ${decision}`);
    output.info(`continue with: agentrun resume ${options.taskId}`);
    return 0;
  });
}

/** Finds an effect of the task that is waiting for a decision; anything else is a usage error. */
export async function pendingEffect(store: Store, taskId: string, key: string, waiting: EffectRecord['status'][]): Promise<EffectRecord> {
  const task = await store.getTask(taskId);
  if (!task) throw new TaskNotFoundError(taskId);
  const effect = await store.getEffect(key);
  if (!effect || effect.taskId !== taskId) throw new UsageError(`task ${taskId} has no effect "${key}" (see \`agentrun inspect ${taskId}\`)`);
  if (!waiting.includes(effect.status)) throw new UsageError(`effect ${key} is ${effect.status}: there is nothing to decide`);
  return effect;
}

/** A needs-attention task whose question was answered can be resumed. */
export async function reopenTask(store: Store, taskId: string): Promise<void> {
  const task = await store.getTask(taskId);
  if (task?.status === 'needs-attention') await store.updateTask(taskId, { status: 'interrupted', error: null, reason: null });
}
