import { UsageError } from '../errors.js';
import type { MemoryLanding } from '../store/memory-types.js';
import type { Store, TaskBundle, TaskRecord } from '../store/types.js';
import { failpoint } from './failpoints.js';
import { hasLiveLease } from './task-state.js';

export interface MoveResult {
  /** Tasks written to the target by this run. */
  moved: number;
  /** Tasks an earlier, interrupted move had already written there (found identical, and now removed from the source). */
  alreadyMoved: number;
  /** Moved tasks by status. */
  byStatus: Record<string, number>;
  /** Memories written to the target by this run: new there, or merged into its memory with the same text. */
  memories: number;
  /** Of those, the ones merged into a memory the target had. */
  memoriesMerged: number;
  /** Memories the target held whole already (an earlier, interrupted move), now removed from the source. */
  memoriesAlreadyMoved: number;
  /** Memories that changed in the source while they moved (a task wrote or recalled one): kept there, so the change is not lost. */
  memoriesKept: number;
  /** Queue limits copied to the target (queues it had no limit for). */
  queueLimits: number;
}

/**
 * Moves every task of one store into another — SQLite to PostgreSQL or back — with its steps, notes, effects, LLM
 * turns and run history, and the store's long-term memory with them (sources, tags, recall records, counters,
 * embeddings). All of it is written to the target in one transaction, so the target gets everything or nothing; a
 * memory whose text the target's namespace already holds is merged into it (`mergeMemory`). Only then are the tasks
 * deleted from the source, each in its own transaction, and the memories. Should that be cut short, everything is
 * whole in both stores, and running the move again finds the tasks already moved and the memories already merged
 * (adding nothing, counting nothing twice) and finishes removing them. Queue limits are copied (the source keeps
 * its own). Refuses (nothing written) while any task is
 * running, or when an id in the target belongs to another task.
 */
export async function moveAllTasks(from: Store, to: Store): Promise<MoveResult> {
  if (from.location === to.location) throw new UsageError(`the source and the target are the same database (${from.location})`);
  const tasks = await from.listTasks({ includePruned: true });
  const now = Date.now();
  const running = tasks.filter((t) => hasLiveLease(t, now));
  if (running.length > 0) {
    const [first] = running;
    throw new UsageError(
      `${running.length} ${running.length === 1 ? 'task is' : 'tasks are'} running (${first!.id}, held by ${first!.leaseOwner}); stop ${running.length === 1 ? 'it' : 'them'} or wait, then run transfer again; nothing was moved`,
    );
  }
  const fresh: TaskRecord[] = [];
  const already: TaskRecord[] = [];
  // One read of the target, not one round trip per task.
  const inTarget = new Map((await to.listTasks({ includePruned: true })).map((t) => [t.id, t]));
  for (const task of tasks) {
    const there = inTarget.get(task.id);
    if (!there) fresh.push(task);
    else if (there.createdAt === task.createdAt && there.updatedAt === task.updatedAt && there.status === task.status) already.push(task);
    else throw new UsageError(`task ${task.id} exists in ${to.location} and is not the same task; nothing was moved (export it and import it with --as NEW_ID)`);
  }
  const bundles: TaskBundle[] = [];
  for (const task of fresh) bundles.push(await readBundle(from, task));
  const memories = await from.memories.listBundles();
  // Queue limits are settings of a database: copied, before the tasks land, so the target's workers never run a
  // limited queue's tasks unbounded; a limit the target already has is its own and stays. Idempotent on a rerun.
  const limitsThere = new Set((await to.listQueues()).filter((q) => q.maxRunning !== null).map((q) => q.name));
  const limits = (await from.listQueues()).filter((q) => q.maxRunning !== null && !limitsThere.has(q.name));
  for (const queue of limits) await to.setQueueLimit(queue.name, queue.maxRunning);
  const landed = await to.insertStoreBundle({ tasks: bundles, memories });
  if (landed === false) throw new UsageError(`a task with the same id appeared in ${to.location} meanwhile; nothing was moved, run transfer again`);
  failpoint('after-transfer-commit');
  for (const task of [...fresh, ...already]) {
    // Guarded: a task someone started meanwhile (in the source) is left there, whole, and not counted as gone.
    await from.deleteTask(task.id, { idle: true, epoch: task.leaseEpoch });
  }
  const kept = await from.memories.removeMoved(memories);
  const byStatus: Record<string, number> = {};
  for (const task of fresh) byStatus[task.status] = (byStatus[task.status] ?? 0) + 1;
  const count = (landing: MemoryLanding) => landed.filter((l) => l === landing).length;
  return {
    moved: fresh.length,
    alreadyMoved: already.length,
    byStatus,
    memories: count('created') + count('merged'),
    memoriesMerged: count('merged'),
    memoriesAlreadyMoved: count('unchanged'),
    memoriesKept: kept,
    queueLimits: limits.length,
  };
}

async function readBundle(store: Store, task: TaskRecord): Promise<TaskBundle> {
  const [steps, notes, effects, turns, runs] = await Promise.all([
    store.getSteps(task.id),
    store.getNotes(task.id),
    store.getEffects(task.id),
    store.getAllTurns(task.id),
    store.getRuns(task.id),
  ]);
  return { task, steps, notes, effects, turns, runs };
}
