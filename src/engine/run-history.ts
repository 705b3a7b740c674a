import type { EffectRecord, RunEnding, RunHow, RunRecord, Store, TaskRecord } from '../store/types.js';
import type { EventListener } from './events.js';
import { deliverHooks, hookCommandFor } from './hooks.js';
import { isLiveLocalOwner } from './lease.js';
import { hasLiveLease, isStale } from './task-state.js';

/**
 * The history of a task's runs: each run is recorded when it takes the lease and when it lets go. A run that never
 * let go (its process was killed) is found later — by the next run of the task, by `resume --all`, or by any command
 * that runs it — and ended with what the journals say: `killed`, or, if it died just after the task's last
 * transition, that transition (so the hook it calls for still runs). Its end is its last sign of life (heartbeat,
 * step commit, effect), so time it was dead counts nowhere.
 */
export class RunRecorder {
  private replayed = 0;

  private constructor(
    private readonly store: Store,
    private readonly run: Pick<RunRecord, 'taskId' | 'seq' | 'startedAt' | 'baseCompleted' | 'baseRequests'>,
  ) {}

  /**
   * Records the run that just took the lease. `before` is the task as it was before taking the lease (its holder then),
   * `held` as it is now.
   */
  static async begin(store: Store, options: { before: TaskRecord; held: TaskRecord; owner: string; forced: boolean; now?: number }): Promise<RunRecorder> {
    const { before, held, owner } = options;
    const now = options.now ?? Date.now();
    const runs = await store.getRuns(held.id);
    const displacedLive = options.forced && before.leaseOwner !== null && before.leaseOwner !== owner && hasLiveLease(before, now);
    const open = runs.filter((r) => r.endedAt === null);
    await closeAbandoned(store, before, open, { noticedBy: owner, spare: displacedLive ? before.leaseOwner : null });
    // A takeover: the task was left running by a runner that is gone (whether or not `resume --all` already ended its run).
    const how: RunHow = runs.length === 0 ? 'start' : displacedLive ? 'force' : isStale(before, now) ? 'takeover' : 'resume';
    const started = { taskId: held.id, owner, how, startedAt: now, baseCompleted: held.completedCount, baseRequests: held.usage.requests };
    const seq = await store.beginRun(started);
    return new RunRecorder(store, { ...started, seq });
  }

  /** Wraps the run's event listener to count what only the running process can see: turns replayed from the journal. */
  listen(emit: EventListener): EventListener {
    return (event) => {
      if (event.type === 'llm-request' && event.replayed) this.replayed += 1;
      emit(event);
    };
  }

  /** Records how the run ended, what it did (read from the task and its effects), and the hook its ending calls for. */
  async end(ending: RunEnding, detail: string | null, now = Date.now()): Promise<void> {
    const task = await this.store.getTask(this.run.taskId);
    if (!task) return;
    const effects = await this.store.getEffects(task.id);
    await this.store.endRun(task.id, this.run.seq, {
      endedAt: now,
      ending,
      detail,
      stepsCompleted: Math.max(0, task.completedCount - this.run.baseCompleted),
      turnsPaid: Math.max(0, task.usage.requests - this.run.baseRequests),
      turnsReplayed: this.replayed,
      effects: carriedOut(effects, this.run.startedAt, now),
      hookCommand: hookCommandFor(task, ending),
    });
  }
}

/**
 * Brings a task nobody runs up to date: ends the runs whose process died, and runs the hooks still pending (one a
 * run recorded and then died before running, or one a transition called for when its run died right after it).
 */
export async function settleTask(store: Store, taskId: string, emit: EventListener, noticedBy: string): Promise<void> {
  const task = await store.getTask(taskId);
  if (!task || hasLiveLease(task)) return;
  const runs = await store.getRuns(taskId);
  await closeAbandoned(store, task, runs.filter((r) => r.endedAt === null), { noticedBy, spare: null });
  await deliverHooks(store, (await store.getTask(taskId)) ?? task, emit);
}

/** `resume --all`: settles every task with a run left open or a hook pending. */
export async function settleAll(store: Store, emit: EventListener, noticedBy: string): Promise<void> {
  const tasks = new Set((await store.listUnsettledRuns(1000)).map((r) => r.taskId));
  for (const taskId of tasks) await settleTask(store, taskId, emit, noticedBy);
}

/** Effects that reached an outcome (or were left uncertain) between `from` and `to`. */
function carriedOut(effects: EffectRecord[], from: number, to: number): number {
  return effects.filter((e) => e.updatedAt >= from && e.updatedAt <= to && (e.status === 'done' || e.status === 'failed' || e.status === 'uncertain')).length;
}

const TRANSITIONS: readonly RunEnding[] = ['completed', 'failed', 'cancelled', 'needs-attention'];

/**
 * Ends the runs nobody ended: their process died, or (a live process on this host) lost its lease while paused.
 * `spare` is a holder just displaced by --force: it is alive and will end its own run (as lease-lost).
 */
async function closeAbandoned(store: Store, task: TaskRecord, open: RunRecord[], options: { noticedBy: string; spare: string | null }): Promise<void> {
  const dead = open.filter((r) => r.owner !== options.spare);
  if (dead.length === 0) return;
  const [steps, effects] = await Promise.all([store.getSteps(task.id), store.getEffects(task.id)]);
  for (const run of dead) {
    const later = open.find((r) => r.seq > run.seq);
    const until = later?.startedAt ?? Number.MAX_SAFE_INTEGER;
    // The last sign of life: its heartbeat if it was the last holder, a step it committed, an effect it settled.
    const signs = [
      run.startedAt,
      task.leaseOwner === run.owner ? (task.heartbeatAt ?? 0) : 0,
      ...steps.map((s) => s.finishedAt ?? 0).filter((t) => t >= run.startedAt && t < until),
      ...effects.map((e) => e.updatedAt).filter((t) => t >= run.startedAt && t < until),
    ];
    const last = !later;
    // It died right after moving the task to where it is now (completed, failed, …): that is how it ended.
    const transitioned = last && (TRANSITIONS as readonly string[]).includes(task.status) && (task.finishedAt ?? task.updatedAt) >= run.startedAt;
    if (transitioned) signs.push(task.finishedAt ?? task.updatedAt);
    const endedAt = signs.reduce((a, b) => Math.max(a, b), 0);
    // Its lease lapsed while its process lives on (frozen by SIGSTOP, stuck, swapped out): it was taken over, not killed.
    // If it wakes, its fenced writes fail and it stops; its own end would come too late to count.
    const paused = !transitioned && isLiveLocalOwner(run.owner);
    const ending: RunEnding = transitioned ? (task.status as RunEnding) : paused ? 'lease-lost' : 'killed';
    await store.endRun(run.taskId, run.seq, {
      endedAt,
      ending,
      detail: transitioned
        ? `its process died right after; found by ${options.noticedBy}`
        : paused
          ? `its lease expired while its process was still alive (paused or stuck); taken over by ${options.noticedBy}`
          : `its process was gone (killed, crashed or rebooted); found by ${options.noticedBy}`,
      // What the journals say it did; exact for the last open run, whose successor is starting only now.
      stepsCompleted: last ? Math.max(0, task.completedCount - run.baseCompleted) : 0,
      turnsPaid: last ? Math.max(0, task.usage.requests - run.baseRequests) : 0,
      turnsReplayed: null,
      effects: carriedOut(effects, run.startedAt, endedAt),
      hookCommand: transitioned ? hookCommandFor(task, ending) : null,
    });
  }
}
