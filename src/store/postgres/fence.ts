import { CancelRequestedError, LeaseLostError } from '../../errors.js';
import type { LeaseFence, TaskGuard } from '../types.js';
import type { PgPool } from './pool.js';
import { NOW_MS, type SqlParams } from './sql-params.js';

/**
 * The fence of a run's write as SQL: a condition on the task row (our lease: owner and epoch, still) and the
 * assignments that renew the lease, to be merged into the one UPDATE of `tasks` the statement makes. With
 * `refuseIfCancelled`, a cancel request also fails the condition.
 */
export function fenceSql(fence: LeaseFence, p: SqlParams, options: { refuseIfCancelled?: boolean } = {}): { holds: string; renew: string } {
  return {
    holds: `lease_owner = ${p.add(fence.owner)} AND lease_epoch = ${p.add(fence.epoch)}${options.refuseIfCancelled ? ' AND NOT cancel_requested' : ''}`,
    renew: `, lease_expires_at = ${NOW_MS} + ${p.add(fence.ttlMs)}, heartbeat_at = ${NOW_MS}`,
  };
}

/**
 * After a fenced statement that reports `held` (rows of the fenced UPDATE): nothing was written when it is 0; say
 * why — a cancel request (only where the write refuses one), otherwise another runner holding the task now.
 */
export async function assertHeld(pool: PgPool, fence: LeaseFence, held: number, options: { refuseIfCancelled?: boolean } = {}): Promise<void> {
  if (held > 0) return;
  if (options.refuseIfCancelled) {
    const { rowCount } = await pool.query('SELECT 1 FROM tasks WHERE id = $1 AND lease_owner = $2 AND lease_epoch = $3 AND cancel_requested', [
      fence.taskId,
      fence.owner,
      fence.epoch,
    ]);
    if (rowCount) throw new CancelRequestedError(fence.taskId);
  }
  throw new LeaseLostError(fence.taskId);
}

/**
 * A guard on the task row for a write from outside a run, and what the write then also sets: when it requires that
 * nobody runs the task, it takes the task from a lapsed holder (a new epoch), so a paused runner cannot write later.
 */
export function guardSql(guard: TaskGuard, p: SqlParams): { holds: string; take: string } {
  const clauses = ['true'];
  if (guard.idle) clauses.push(`(lease_owner IS NULL OR lease_expires_at IS NULL OR lease_expires_at <= ${NOW_MS} OR lease_owner = ${p.add(guard.deadOwner ?? null)})`);
  if (guard.statusIn) clauses.push(`status = ANY(${p.add(guard.statusIn)})`);
  if (guard.epoch !== undefined) clauses.push(`lease_epoch = ${p.add(guard.epoch)}`);
  return {
    holds: clauses.join(' AND '),
    take: guard.idle ? ', lease_owner = NULL, lease_expires_at = NULL, lease_epoch = lease_epoch + 1' : '',
  };
}
