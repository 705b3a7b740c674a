import { statSync } from 'node:fs';
import Database from 'better-sqlite3';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import type { LeaseFence, NewNote, Store } from '../../src/store/types.js';
import { validateTaskDefinition } from '../../src/task/load.js';
import type { TaskDefinition } from '../../src/task/schema.js';

/** A task definition with a fixed plan of `steps` LLM steps, defaults filled in exactly as a task file gets them. */
export function fixedPlanDefinition(steps: number, extra: Record<string, unknown> = {}): TaskDefinition {
  return validateTaskDefinition(
    {
      goal: `Benchmark task with ${steps} steps`,
      plan: Array.from({ length: steps }, (_, i) => ({ name: `step ${i + 1}`, description: `Do part ${i + 1} of the work` })),
      // A task file with a long fixed plan has to raise limits.maxSteps (default 20) to match.
      limits: { maxSteps: steps },
      ...extra,
    },
    'bench',
  );
}

/**
 * Opens a store on `file` and creates a planned task (status running, all steps pending), as `agentrun start "<goal>"`
 * leaves it after the LLM planned it: the plan lives in the steps table only. With `planInDefinition` the plan is also
 * in the task's definition, as a task file's fixed plan is.
 */
export async function storeWithPlannedTask(
  file: string,
  taskId: string,
  steps: number,
  workspace: string,
  options: { planInDefinition?: boolean } = {},
): Promise<{ store: SqliteStore; definition: TaskDefinition; fence: LeaseFence }> {
  const store = await SqliteStore.open(file);
  const planned = fixedPlanDefinition(steps);
  const definition = options.planInDefinition ? planned : validateTaskDefinition({ goal: planned.goal }, 'bench');
  await store.createTask({ id: taskId, agentId: 'agentrun', goal: definition.goal, definition, workspace, namespace: 'default', model: 'fake-model', createdAt: Date.now() });
  const fence = await takeLease(store, taskId);
  await store.savePlan(taskId, planned.plan!, fence);
  return { store, definition, fence };
}

/** Takes the task's lease as a runner would (every write of a run is fenced by it), for an hour. */
export async function takeLease(store: Store, taskId: string): Promise<LeaseFence> {
  const owner = `bench:${process.pid}`;
  const ttlMs = 3_600_000;
  const lease = await store.acquireLease(taskId, owner, ttlMs);
  if (!lease.acquired) throw new Error(`task ${taskId} is leased by ${lease.owner}`);
  return { taskId, owner, epoch: lease.epoch, ttlMs };
}

/** A result of exactly `bytes` ASCII bytes, different per step so nothing is deduplicated or cached. */
export function resultText(bytes: number, step: number): string {
  const head = `Result of step ${step}: `;
  const body = 'lorem ipsum dolor sit amet consectetur adipiscing elit '.repeat(Math.ceil(bytes / 56));
  return (head + body).slice(0, bytes);
}

/** "A couple of notes", as an LLM step that records a decision and a discovery produces. */
export function stepNotes(step: number): NewNote[] {
  return [
    { kind: 'decision', text: `Use approach B for part ${step}`, reasoning: 'approach A needs a network call we cannot make', step },
    { kind: 'discovery', text: `The input of part ${step} has 42 records`, reasoning: null, step },
  ];
}

/** The same pragmas the store sets (src/store/sqlite/open-database.ts): WAL, synchronous=FULL, checkpoint every 2000 pages. */
export function openRawDatabase(file: string): Database.Database {
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.pragma('wal_autocheckpoint = 2000');
  return db;
}

export function walSize(dbFile: string): number {
  try {
    return statSync(`${dbFile}-wal`).size;
  } catch {
    return 0;
  }
}

/**
 * Copies the WAL back into the database and truncates it to zero bytes, from a second connection (SQLite allows
 * this while the writer is idle). The next commit then starts a fresh WAL, and its size after the commit is
 * exactly what that commit appended.
 */
export function truncateWal(checkpointer: Database.Database): void {
  const [row] = checkpointer.pragma('wal_checkpoint(TRUNCATE)') as { busy: number; log: number; checkpointed: number }[];
  if (!row || row.busy !== 0) throw new Error('bench: wal_checkpoint(TRUNCATE) was blocked');
}

/** WAL bytes → frames (pages): each frame is a 24-byte header plus one page; a fresh WAL also gets a 32-byte header. */
export function walFrames(bytesAppended: number, pageSize: number, freshWal: boolean): number {
  return (bytesAppended - (freshWal ? 32 : 0)) / (pageSize + 24);
}

/**
 * A task as a crash leaves it after `completed` LLM steps (each with one journaled turn and a short result, a
 * discovery every 10 steps) with `pending` more to run, status interrupted, no lease. LLM-planned: the plan is in the
 * steps table only. Written with durability `normal` (setup speed; the file is closed cleanly).
 */
export async function buildInterruptedTask(file: string, taskId: string, completed: number, pending: number, workspace: string): Promise<void> {
  const store = await SqliteStore.open(file);
  await store.setDurability('normal');
  const planned = fixedPlanDefinition(completed + pending);
  const definition = validateTaskDefinition({ goal: planned.goal }, 'bench');
  await store.createTask({ id: taskId, agentId: 'agentrun', goal: definition.goal, definition, workspace, namespace: 'default', model: 'fake-model', createdAt: Date.now() });
  const fence = await takeLease(store, taskId);
  await store.savePlan(taskId, planned.plan!, fence);
  for (let n = 1; n <= completed; n++) {
    const result = `Step ${n} done: processed part ${n}, 42 records, no errors.`;
    await store.startStep(taskId, n, { attempts: 1, firstTurn: 1 }, fence);
    await store.recordTurn({
      taskId,
      phase: 'step',
      step: n,
      turn: 1,
      response: { content: result, toolCalls: [], usage: { promptTokens: 900, completionTokens: 40 }, model: 'fake-model', finishReason: 'stop' },
      promptTokens: 900,
      completionTokens: 40,
    }, fence);
    const notes: NewNote[] = n % 10 === 0 ? [{ kind: 'discovery', text: `Part ${n} shares its schema with part ${n - 5}`, reasoning: null, step: n }] : [];
    await store.completeStep(taskId, n, { result, notes }, fence);
  }
  await store.updateTask(taskId, { status: 'interrupted', error: 'interrupted by a signal; resume to continue' }, { fence });
  await store.releaseLease(fence);
  await store.close();
}

/**
 * A task as a crash leaves it after `completed` quick `run:` steps (`true`), with `pending` more: status interrupted,
 * no lease. Resuming it needs no LLM: its first durable progress is the next step's commit.
 */
export async function buildInterruptedCommandTask(file: string, taskId: string, completed: number, pending: number, workspace: string): Promise<void> {
  const store = await SqliteStore.open(file);
  await store.setDurability('normal');
  const plan = Array.from({ length: completed + pending }, (_, i) => ({ name: `command-${i + 1}`, run: 'true' }));
  const definition = validateTaskDefinition({ goal: 'run quick commands', plan, limits: { maxSteps: completed + pending } }, 'bench');
  await store.createTask({ id: taskId, agentId: 'agentrun', goal: definition.goal, definition, workspace, namespace: 'default', model: null, createdAt: Date.now() });
  const fence = await takeLease(store, taskId);
  await store.savePlan(taskId, definition.plan!, fence);
  for (let n = 1; n <= completed; n++) {
    await store.startStep(taskId, n, { attempts: 1, firstTurn: 1 }, fence);
    await store.completeStep(taskId, n, { result: '', notes: [] }, fence);
  }
  await store.updateTask(taskId, { status: 'interrupted', error: 'interrupted by a signal; resume to continue' }, { fence });
  await store.releaseLease(fence);
  await store.close();
}
