import { AgentrunError, DatabaseUnavailableError, ExitCode } from '../errors.js';
import type { ClaimedTask, Store } from '../store/types.js';
import { DEFAULT_DRAIN_MS } from './drain.js';
import type { EventListener } from './events.js';
import { leaseOwner, leaseTimingFromEnv, type LeaseTiming } from './lease.js';
import { runTask, type RunOptions } from './runner.js';

/** What a worker reports about itself (its tasks report through the usual run events). */
export type WorkerEvent =
  | { type: 'worker-started'; worker: string; queue: string; concurrency: number; wakeUps: 'notify' | 'polling' }
  | { type: 'task-claimed'; worker: string; taskId: string }
  | { type: 'task-released'; worker: string; taskId: string; exitCode: number }
  | { type: 'worker-problem'; worker: string; message: string }
  | { type: 'worker-draining'; worker: string; running: number; drainMs: number }
  | { type: 'worker-stopped'; worker: string; ran: number };

export interface WorkerOptions {
  store: Store;
  queue: string;
  /** Tasks run at the same time. */
  concurrency: number;
  /**
   * Aborted on SIGTERM/SIGINT: stop claiming, let each running task finish the step it is in (up to `drainMs`), then
   * stop it there, release, return.
   */
  signal: AbortSignal;
  /** How long a drain lets running steps go on before cutting them off (the LLM request or command in flight). */
  drainMs?: number;
  /** Lease owner of every task it runs; `host:pid` by default. */
  id?: string;
  timing?: LeaseTiming;
  /** How often to look for work without a wake-up (with LISTEN/NOTIFY this is only the fallback). */
  pollMs?: number;
  /** An interrupted task (the LLM was down, say) is tried again after this long. */
  retryAfterMs?: number;
  onWorkerEvent?: (event: WorkerEvent) => void;
  onEvent?: EventListener;
  memory?: RunOptions['memory'];
  llm?: RunOptions['llm'];
}

/**
 * Runs tasks of one queue until `signal` is aborted. Claims are single statements on the task row (see
 * `Store.claimTask`), so the lease the claim takes is the one every journal write of the run is fenced by: one
 * source of truth for who runs a task. A run that fails because the database went away ends that run only; the
 * worker keeps claiming once the database answers again, and a lease it could not release is released then.
 */
export async function runWorker(options: WorkerOptions): Promise<{ ran: number }> {
  const { store, queue, signal } = options;
  // The runs' own stop: a drain first lets each finish its step (`drain`); past drainMs they are cut off.
  const cutOff = new AbortController();
  const drainMs = options.drainMs ?? DEFAULT_DRAIN_MS;
  let cutOffTimer: NodeJS.Timeout | undefined;
  signal.addEventListener('abort', () => (cutOffTimer = setTimeout(() => cutOff.abort('SIGTERM'), drainMs)), { once: true });
  const concurrency = Math.max(1, options.concurrency);
  const id = options.id ?? leaseOwner();
  const timing = options.timing ?? leaseTimingFromEnv();
  const retryAfterMs = options.retryAfterMs ?? 5_000;
  const emit = options.onWorkerEvent ?? (() => {});
  const running = new Map<string, Promise<void>>();
  const unreleased = new Set<string>();
  let ran = 0;

  let wake: () => void = () => {};
  const stopListening = store.watchQueue ? await store.watchQueue(queue, () => wake()) : undefined;
  const pollMs = options.pollMs ?? (stopListening ? 1_000 : 200);
  emit({ type: 'worker-started', worker: id, queue, concurrency, wakeUps: stopListening ? 'notify' : 'polling' });

  let problem: string | undefined;
  const report = (error: unknown) => {
    const message = error instanceof Error ? error.message : String(error);
    if (message === problem) return; // a database that stays down is reported once, not at every poll
    problem = message;
    emit({ type: 'worker-problem', worker: id, message });
  };
  const heartbeat = async () => {
    try {
      await store.heartbeatWorker({ id, queue, concurrency, running: running.size });
    } catch (error) {
      report(error);
    }
  };
  await heartbeat();
  // The beat in flight, if any: awaited before the worker removes its record, or it would write it back after.
  let beating: Promise<void> = Promise.resolve();
  const timer = setInterval(() => {
    beating = heartbeat();
  }, timing.heartbeatMs);

  const start = (claim: ClaimedTask) => {
    const { taskId } = claim;
    emit({ type: 'task-claimed', worker: id, taskId });
    const run = (async () => {
      let exitCode: number = ExitCode.interrupted;
      try {
        const outcome = await runTask({
          store,
          taskId,
          claimed: claim,
          owner: id,
          timing,
          signal: cutOff.signal,
          drain: signal,
          onEvent: options.onEvent,
          memory: options.memory,
          llm: options.llm,
          sharedStore: concurrency > 1,
        });
        exitCode = outcome.exitCode;
      } catch (error) {
        // The run could not even record why it stopped (the database went away): its lease is released later.
        if (error instanceof DatabaseUnavailableError) unreleased.add(taskId);
        exitCode = error instanceof AgentrunError ? error.exitCode : ExitCode.failed;
        report(error);
      } finally {
        ran += 1;
        running.delete(taskId);
        emit({ type: 'task-released', worker: id, taskId, exitCode });
        wake();
      }
    })();
    running.set(taskId, run);
  };

  try {
    while (!signal.aborted) {
      if (running.size < concurrency) {
        try {
          await releaseLeftovers(store, id, unreleased, timing.ttlMs, running);
          const claim = await store.claimTask(queue, id, timing.ttlMs, retryAfterMs);
          problem = undefined;
          if (claim && !signal.aborted) {
            start(claim);
            continue;
          }
        } catch (error) {
          report(error);
        }
      }
      await new Promise<void>((resolve) => {
        const done = () => {
          clearTimeout(sleep);
          signal.removeEventListener('abort', done);
          wake = () => {};
          resolve();
        };
        const sleep = setTimeout(done, pollMs);
        wake = done;
        signal.addEventListener('abort', done, { once: true });
      });
    }
    emit({ type: 'worker-draining', worker: id, running: running.size, drainMs });
    await Promise.all(running.values());
    await releaseLeftovers(store, id, unreleased, timing.ttlMs, running).catch(report);
  } finally {
    clearInterval(timer);
    clearTimeout(cutOffTimer);
    await beating;
    await stopListening?.();
    await store.removeWorker(id).catch(() => {});
  }
  emit({ type: 'worker-stopped', worker: id, ran });
  return { ran };
}

/**
 * Leases of runs that ended while the database was unreachable: free them now, so any worker can go on at once. Only
 * a lease still ours at the epoch found now is released (`releaseLease` is fenced), never one taken over meanwhile.
 */
async function releaseLeftovers(store: Store, owner: string, unreleased: Set<string>, ttlMs: number, running: Map<string, unknown>): Promise<void> {
  for (const taskId of unreleased) {
    // Expired meanwhile and claimed again by another of our own slots: that run's lease is not ours to drop.
    if (running.has(taskId)) {
      unreleased.delete(taskId);
      continue;
    }
    const task = await store.getTask(taskId);
    if (task?.leaseOwner === owner) await store.releaseLease({ taskId, owner, epoch: task.leaseEpoch, ttlMs });
    unreleased.delete(taskId);
  }
}
