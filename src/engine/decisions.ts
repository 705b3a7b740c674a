import { TaskNotFoundError, UsageError } from '../errors.js';
import type { EffectRecord, EffectStatus, Store } from '../store/types.js';
import { reopenTask, settleEffectByPerson } from './transitions.js';

/** Finds an effect of the task that is waiting for a decision; anything else is a usage error. */
async function pendingEffect(store: Store, taskId: string, key: string, waiting: EffectStatus[]): Promise<EffectRecord> {
  const effect = await store.getEffect(key);
  if (!effect || effect.taskId !== taskId) throw new UsageError(`task ${taskId} has no effect "${key}" (see \`agentrun inspect ${taskId}\`)`);
  if (!waiting.includes(effect.status)) throw new UsageError(`effect ${key} is ${effect.status}: there is nothing to decide`);
  return effect;
}

export type Resolution = 'retry' | 'done' | 'skip';

/**
 * A person settles an effect whose outcome a crash left unknown: retry runs it again on resume, done records that
 * it happened, skip leaves it undone. The task becomes resumable.
 */
export async function resolveEffect(store: Store, taskId: string, key: string, decision: Resolution): Promise<EffectRecord> {
  const task = await store.getTask(taskId);
  if (!task) throw new TaskNotFoundError(taskId);
  const effect = await pendingEffect(store, taskId, key, ['uncertain', 'intent', 'awaiting-approval']);
  const next: Record<Resolution, ['approved' | 'done' | 'skipped', string | null]> = {
    retry: ['approved', null],
    done: ['done', 'marked done by a person'],
    skip: ['skipped', 'skipped by a person: it did not run'],
  };
  await settleEffectByPerson(store, task, effect.key, ...next[decision]);
  await reopenTask(store, taskId);
  return effect;
}

/** Approves (or denies: skipped) calls awaiting approval — one by key, or all of the task's — and reopens the task. */
export async function approveEffects(store: Store, taskId: string, options: { key?: string; deny?: boolean }): Promise<EffectRecord[]> {
  const task = await store.getTask(taskId);
  if (!task) throw new TaskNotFoundError(taskId);
  const effects = options.key
    ? [await pendingEffect(store, taskId, options.key, ['awaiting-approval'])]
    : (await store.getEffects(taskId)).filter((e) => e.status === 'awaiting-approval');
  if (effects.length === 0) throw new UsageError(`task ${taskId} has no call awaiting approval`);
  for (const effect of effects) {
    if (options.deny) await settleEffectByPerson(store, task, effect.key, 'skipped', 'denied by a person: it did not run');
    else await settleEffectByPerson(store, task, effect.key, 'approved', null);
  }
  await reopenTask(store, taskId);
  return effects;
}
