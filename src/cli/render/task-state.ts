import { isDeadLocalOwner } from '../../engine/lease.js';
import type { TaskRecord } from '../../store/types.js';

/** What these judgements read of a task. */
export type TaskState = Pick<TaskRecord, 'status' | 'leaseOwner' | 'leaseExpiresAt' | 'prunedAt'>;

/**
 * A `running` (or `planning`) task whose runner is gone: its lease expired, it never had one, or its holder is a
 * process on this host that no longer exists (kill -9, reboot). Nothing will move it on until someone resumes it.
 */
export function isStale(task: TaskState, now = Date.now()): boolean {
  if (task.status !== 'running' && task.status !== 'planning') return false;
  if (task.leaseOwner === null || (task.leaseExpiresAt ?? 0) <= now) return true;
  return isDeadLocalOwner(task.leaseOwner);
}

/** Tasks `agentrun resume <id>` can move on: stopped ones, failed ones (their failed step runs again), stale ones; not gc'd ones. */
export function isResumable(task: TaskState, now = Date.now()): boolean {
  // `gc` removed its journals: there is nothing left to resume from.
  if (task.prunedAt !== null) return false;
  if (task.status === 'interrupted' || task.status === 'needs-attention' || task.status === 'failed') return true;
  return isStale(task, now);
}

/** Tasks `agentrun resume --all` picks up by itself: interrupted and stale ones (a person decides the rest). */
export function isSweepable(task: TaskState, now = Date.now()): boolean {
  return task.status === 'interrupted' || isStale(task, now);
}

/** The status as a person should read it: "running (stale)" for a running task nobody is running. */
export function statusLabel(task: TaskState, now = Date.now()): string {
  return isStale(task, now) ? `${task.status} (stale)` : task.status;
}
