import { LeaseLostError } from '../../errors.js';
import type { LeaseFence } from '../types.js';
import { NOW_MS, type SqlParams } from './sql-params.js';

/**
 * The fence of a journal write as SQL: a condition on the task row (our lease, still) and the assignments that renew
 * the lease, to be merged into the one UPDATE of `tasks` the statement makes. Without a fence: always true, nothing set.
 */
export function fenceSql(fence: LeaseFence | undefined, p: SqlParams): { holds: string; renew: string } {
  if (!fence) return { holds: 'true', renew: '' };
  return {
    holds: `lease_owner = ${p.add(fence.owner)}`,
    renew: `, lease_expires_at = ${NOW_MS} + ${p.add(fence.ttlMs)}, heartbeat_at = ${NOW_MS}`,
  };
}

/** After a fenced statement that reports `held` (rows of the fenced UPDATE): nothing was written when it is 0. */
export function assertHeld(fence: LeaseFence | undefined, held: number): void {
  if (fence && held === 0) throw new LeaseLostError(fence.taskId);
}
