import { setTimeout as sleep } from 'node:timers/promises';
import { TaskNotFoundError, UsageError } from '../errors.js';
import { FINISHED_STATUSES, RESUMABLE_STATUSES, type LeaseFence, type Store, type TaskGuard, type TaskRecord } from '../store/types.js';
import { isDeadLocalOwner } from './lease.js';
import { hasLiveLease } from './task-state.js';

/**
 * Every change of a task's status, each one conditional write: a run's transitions are fenced by its lease (a runner
 * that was taken over changes nothing and gets LeaseLostError); the ones made from outside a run (cancel, gc, a
 * person's decision) are guarded, in the same transaction, by "nobody runs it now" and what the caller saw.
 */

/** A finished task's times: when it finished, and until when its journals are kept (its own `retention`). */
function finishing(task: Pick<TaskRecord, 'definition'>, now = Date.now()): { finishedAt: number; expiresAt: number } {
  return { finishedAt: now, expiresAt: now + task.definition.retention };
}

/**
 * The run finished every step and compiled its result — unless a cancel was requested meanwhile (during the last
 * step or the final-result call): then the write is refused (CancelRequestedError) and the run ends cancelled.
 */
export async function completeTask(store: Store, fence: LeaseFence, task: TaskRecord, result: string): Promise<void> {
  await store.updateTask(task.id, { status: 'completed', result, currentStep: null, ...finishing(task) }, { fence, refuseIfCancelled: true });
}

/** A step failed (its command, or out of turns): the step and the task, together. */
export async function failTaskAtStep(store: Store, fence: LeaseFence, task: TaskRecord, step: number, message: string): Promise<void> {
  await store.failStep(task.id, step, message, finishing(task), fence);
}

/** The task failed outside a step (budget, plan, LLM refusal): `reason` says which. */
export async function failTask(store: Store, fence: LeaseFence, task: TaskRecord, message: string, reason: string): Promise<void> {
  await store.updateTask(task.id, { status: 'failed', error: message, reason, ...finishing(task) }, { fence });
}

/** The run stopped on a cancel (by `agentrun cancel`, or a person's abort). */
export async function cancelRun(store: Store, fence: LeaseFence, task: TaskRecord, message: string): Promise<void> {
  await store.updateTask(task.id, { status: 'cancelled', error: message, reason: 'cancelled', ...finishing(task) }, { fence });
}

/** The run stopped before finishing: a person must decide (needs-attention), or it can simply be resumed (interrupted). */
export async function pauseTask(
  store: Store,
  fence: LeaseFence,
  task: TaskRecord,
  status: 'needs-attention' | 'interrupted',
  message: string,
  reason: string | null,
): Promise<void> {
  await store.updateTask(task.id, { status, error: message, reason }, { fence });
}

/** "Nobody runs the task now", as a guard: no lease, an expired one, or one held by a process known to be dead. */
export function idle(task: TaskRecord): TaskGuard {
  return { idle: true, deadOwner: task.leaseOwner !== null && isDeadLocalOwner(task.leaseOwner) ? task.leaseOwner : null };
}

export type CancelOutcome =
  /** It was marked cancelled (nobody ran it), or its runner stopped and marked it cancelled. */
  | { cancelled: true }
  /** It did not stop: its runner finished it first (status says how), or it is still running after the wait. */
  | { cancelled: false; status: TaskRecord['status']; owner: string | null };

/**
 * Cancels a task. Nobody runs it: it is marked cancelled in one transaction that checks exactly that (and takes it
 * from a runner whose lease lapsed, so a paused one that wakes up cannot carry on). A runner holds it: the runner is
 * asked to stop — it learns at its next step or effect at the latest, in the very transaction that would start it,
 * or at its next heartbeat — and we wait up to `waitMs` to report what actually happened: never "cancelled" for a
 * task that then completes.
 */
export async function cancelTask(store: Store, taskId: string, waitMs: number): Promise<CancelOutcome> {
  const first = await store.getTask(taskId);
  if (!first) throw new TaskNotFoundError(taskId);
  if (first.status === 'completed' || first.status === 'cancelled') throw new UsageError(`task ${taskId} is already ${first.status}`);
  const deadline = Date.now() + waitMs;
  let requested = false;
  for (let task = first; ; task = (await store.getTask(taskId))!) {
    if (task.status === 'cancelled') return { cancelled: true };
    if (task.status === 'completed') return { cancelled: false, status: task.status, owner: null };
    const now = Date.now();
    const patch = { status: 'cancelled' as const, reason: 'cancelled', error: 'cancelled by `agentrun cancel`', ...finishing(task, now) };
    if (await store.updateTask(taskId, patch, { guard: { ...idle(task), statusIn: RESUMABLE_STATUSES } })) return { cancelled: true };
    // Someone runs it: ask the runner to stop (unless it finished meanwhile: the next round reports that).
    if (!requested) requested = await store.updateTask(taskId, { cancelRequested: true }, { guard: { statusIn: RESUMABLE_STATUSES } });
    if (Date.now() >= deadline) return { cancelled: false, status: task.status, owner: hasLiveLease(task) ? task.leaseOwner : null };
    await sleep(50);
  }
}

/** A needs-attention task whose question was answered becomes resumable (unless a runner is asking it right now). */
export async function reopenTask(store: Store, taskId: string): Promise<void> {
  const task = await store.getTask(taskId);
  if (task?.status !== 'needs-attention') return;
  await store.updateTask(taskId, { status: 'interrupted', error: null, reason: null }, { guard: { ...idle(task), statusIn: ['needs-attention'] } });
}

/**
 * Removes a finished task's journals, if it is still the task `gc` selected: still finished, nobody running it, and
 * not resumed since (its lease epoch unchanged). One transaction; false when the task moved on.
 */
export async function pruneTask(store: Store, selected: TaskRecord): Promise<boolean> {
  return store.pruneTask(selected.id, { ...idle(selected), statusIn: FINISHED_STATUSES, epoch: selected.leaseEpoch });
}

/**
 * A person's answer to an effect (resolve, approve) is recorded only while nobody runs the task: a runner deciding
 * about that very effect must not be overruled behind its back.
 */
export async function settleEffectByPerson(store: Store, task: TaskRecord, key: string, status: 'approved' | 'done' | 'skipped', output: string | null): Promise<void> {
  if (!(await store.settleEffect(key, status, output, { guard: idle(task) }))) {
    const now = await store.getTask(task.id);
    throw new UsageError(`task ${task.id} is being run by ${now?.leaseOwner ?? 'another runner'}; answer there, or wait until it stops`);
  }
}
