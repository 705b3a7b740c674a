import os from 'node:os';
import { AgentrunError, ExitCode, isMomentaryStoreError, TaskLeasedError } from '../errors.js';
import type { LeaseFence, Store } from '../store/types.js';

export interface LeaseTiming {
  /** How long a lease lasts without a heartbeat. */
  ttlMs: number;
  /** How often the heartbeat renews it (and records progress). */
  heartbeatMs: number;
}

/** Lease timings; the environment overrides exist so tests and impatient operators need not wait a minute. */
export function leaseTimingFromEnv(env: NodeJS.ProcessEnv = process.env): LeaseTiming {
  const ttlMs = Number(env.AGENTRUN_LEASE_MS) || 60_000;
  const heartbeatMs = Number(env.AGENTRUN_HEARTBEAT_MS) || Math.min(15_000, Math.floor(ttlMs / 4));
  return { ttlMs, heartbeatMs };
}

/** Who holds a lease: host and pid, so a person (and we) can tell whether the holder still lives. */
export function leaseOwner(): string {
  return `${os.hostname()}:${process.pid}`;
}

/** A holder on this host whose process is gone (kill -9, reboot) cannot renew: its lease is safe to take now. */
export function isDeadLocalOwner(owner: string): boolean {
  return localOwnerProcess(owner) === 'gone';
}

/** A holder on this host whose process still exists: one that let its lease lapse was paused or stuck, not killed. */
export function isLiveLocalOwner(owner: string): boolean {
  return localOwnerProcess(owner) === 'alive';
}

/** Whether `host:pid` names a process of this host (other than us) that exists; undefined when we cannot tell. */
function localOwnerProcess(owner: string): 'alive' | 'gone' | undefined {
  const at = owner.lastIndexOf(':');
  const host = owner.slice(0, at);
  const pid = Number(owner.slice(at + 1));
  if (host !== os.hostname() || !Number.isInteger(pid) || pid <= 0 || pid === process.pid) return undefined;
  try {
    process.kill(pid, 0);
    return 'alive';
  } catch (error) {
    // EPERM: it exists, as another user's process.
    return (error as NodeJS.ErrnoException).code === 'ESRCH' ? 'gone' : 'alive';
  }
}

/**
 * A held lease on one task, at one epoch: taking the lease increments the task's epoch, so every write fenced by
 * this lease fails once another runner has taken the task over — even if this process was paused for a while and
 * its own clock believes the lease is still good. `heartbeat` renews it on a timer; `confirm` renews it on demand in
 * the database, which the runner does before it starts any process.
 */
export class Lease {
  private timer: NodeJS.Timeout | undefined;
  private lost = false;

  private constructor(
    private readonly store: Store,
    readonly taskId: string,
    readonly owner: string,
    readonly epoch: number,
    private readonly timing: LeaseTiming,
  ) {}

  static async acquire(store: Store, taskId: string, options: { owner: string; timing: LeaseTiming; force?: boolean; currentHolder?: string | null }): Promise<Lease> {
    const { owner, timing } = options;
    let result = await store.acquireLease(taskId, owner, timing.ttlMs, options.force ? (options.currentHolder ?? undefined) : undefined);
    if (!result.acquired && isDeadLocalOwner(result.owner)) {
      result = await store.acquireLease(taskId, owner, timing.ttlMs, result.owner);
    }
    if (!result.acquired) throw new TaskLeasedError(taskId, result.owner, result.expiresAt - Date.now());
    return new Lease(store, taskId, owner, result.epoch, timing);
  }

  /** The lease a worker's claim already took (see Store.claimTask), at the epoch the claim returned. */
  static adopt(store: Store, taskId: string, owner: string, epoch: number, timing: LeaseTiming): Lease {
    return new Lease(store, taskId, owner, epoch, timing);
  }

  /**
   * Starts renewing. `onLost` is called once if another runner has taken the lease, `onCancel` once if
   * `agentrun cancel` asked the task to stop. The heartbeat is also the periodic checkpoint of a long step's progress.
   */
  startHeartbeat(progress: () => string | undefined, onLost: () => void, onCancel: () => void, onBroken: (error: AgentrunError) => void): void {
    let cancelSeen = false;
    this.timer = setInterval(() => {
      void (async () => {
        const held = await this.store.renewLease(this.fence(), progress());
        if (!held && !this.lost) {
          this.lost = true;
          onLost();
        }
        if (held && !cancelSeen && (await this.store.getTask(this.taskId))?.cancelRequested) {
          cancelSeen = true;
          onCancel();
        }
      })().catch((error: unknown) => {
        // A beat that met a locked or unreachable database is skipped; the next one tries again (the lease outlasts
        // a few), and a lease that expired meanwhile is found lost by the next beat or fenced write. Anything else
        // (a full disk, a damaged file) stops the run, which reports it: thrown from a timer it would end the process.
        if (isMomentaryStoreError(error)) return;
        clearInterval(this.timer);
        onBroken(error instanceof AgentrunError ? error : new AgentrunError(`the lease's heartbeat failed: ${(error as Error).message}`, ExitCode.interrupted));
      });
    }, this.timing.heartbeatMs);
    this.timer.unref();
  }

  /** For journal writes that must happen only while we hold the lease (checked in their own transaction). */
  fence(): LeaseFence {
    return { taskId: this.taskId, owner: this.owner, epoch: this.epoch, ttlMs: this.timing.ttlMs };
  }

  /** Renews now, in the database (a full lease from now on); false if the lease is no longer ours. */
  async confirm(): Promise<boolean> {
    if (this.lost) return false;
    const held = await this.store.renewLease(this.fence());
    if (!held) this.lost = true;
    return held;
  }

  /**
   * Gives the lease up if it is still ours. A locked or unreachable database leaves it to expire (or to be taken from
   * our dead pid).
   */
  async release(): Promise<void> {
    clearInterval(this.timer);
    try {
      await this.store.releaseLease(this.fence());
    } catch (error) {
      if (!isMomentaryStoreError(error)) throw error;
    }
  }
}
