import type { LeaseFence, Store } from '../../src/store/types.js';

/** Takes a task's lease as a runner does (every write of a run is fenced by it) and returns the fence. */
export async function takeLease(store: Store, taskId: string, owner = 'test-host:1', ttlMs = 60_000): Promise<LeaseFence> {
  const lease = await store.acquireLease(taskId, owner, ttlMs);
  if (!lease.acquired) throw new Error(`task ${taskId} is leased by ${lease.owner}`);
  return { taskId, owner, epoch: lease.epoch, ttlMs };
}
