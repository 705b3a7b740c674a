import type { TaskRecord } from '../store/types.js';
import { isDeadLocalOwner } from './lease.js';

/** What these judgements read of a task. */
export type TaskState = Pick<TaskRecord, 'status' | 'leaseOwner' | 'leaseExpiresAt' | 'prunedAt'>;

/** Someone is running the task: a lease that has not expired, held by a process not known to be dead. */
export function hasLiveLease(task: TaskState, now = Date.now()): boolean {
  return task.leaseOwner !== null && (task.leaseExpiresAt ?? 0) > now && !isDeadLocalOwner(task.leaseOwner);
}

/**
 * A `running` (or `planning`) task whose runner is gone: its lease expired, it never had one, or its holder is a
 * process on this host that no longer exists (kill -9, reboot). Nothing will move it on until someone resumes it.
 */
export function isStale(task: TaskState, now = Date.now()): boolean {
  return (task.status === 'running' || task.status === 'planning') && !hasLiveLease(task, now);
}

/** Tasks `agentrun resume <id>` can move on: stopped ones, failed ones (their failed step runs again), stale ones; not gc'd ones. */
export function isResumable(task: TaskState, now = Date.now()): boolean {
  // `gc` removed its journals: there is nothing left to resume from.
  if (task.prunedAt !== null) return false;
  if (task.status === 'interrupted' || task.status === 'needs-attention' || task.status === 'failed') return true;
  return isStale(task, now);
}

/** Tasks `agentrun resume --all` picks up by itself: interrupted and stale ones nobody runs (a person decides the rest). */
export function isSweepable(task: TaskState, now = Date.now()): boolean {
  return task.prunedAt === null && (task.status === 'interrupted' || isStale(task, now)) && !hasLiveLease(task, now);
}
