import { ExitCode, TaskLeasedError } from '../errors.js';
import type { Store, TaskRecord } from '../store/types.js';
import { leaseOwner } from './lease.js';
import { settleAll } from './run-history.js';
import { runTask, type RunOptions } from './runner.js';
import { isSweepable } from './task-state.js';

/** What `resume --all` picks up: interrupted tasks, and running or planning ones whose runner is gone. */
export async function resumableTasks(store: Store, limit?: number): Promise<TaskRecord[]> {
  const candidates = await store.listTasks({ statuses: ['interrupted', 'running', 'planning'] });
  const now = Date.now();
  return candidates.filter((t) => isSweepable(t, now)).slice(0, limit);
}

/** Worst first: a failure needs a fix, a person must decide, an interruption only needs another run. */
const SEVERITY: Record<number, number> = { [ExitCode.ok]: 0, [ExitCode.interrupted]: 1, [ExitCode.needsAttention]: 2, [ExitCode.failed]: 3, [ExitCode.usage]: 4 };

export function worstExitCode(codes: number[]): number {
  return codes.reduce((worst, code) => ((SEVERITY[code] ?? 4) > (SEVERITY[worst] ?? 4) ? code : worst), ExitCode.ok);
}

export interface ResumeAllResult {
  outcomes: { taskId: string; exitCode: number; skipped?: string }[];
  exitCode: number;
}

/**
 * Resumes every resumable task, `concurrency` at a time. A task another runner grabbed in the meantime (an
 * overlapping cron run) is skipped, not an error: leases make sure it runs exactly once.
 */
export async function resumeAll(
  store: Store,
  options: { limit?: number; concurrency: number; run: Omit<RunOptions, 'store' | 'taskId'> },
): Promise<ResumeAllResult> {
  // First what crashes left half-done outside any resumable task: runs nobody ended, hooks nobody ran.
  await settleAll(store, options.run.onEvent ?? (() => {}), options.run.owner ?? leaseOwner());
  const queue = await resumableTasks(store, options.limit);
  const outcomes: ResumeAllResult['outcomes'] = [];
  const worker = async () => {
    for (let task = queue.shift(); task; task = queue.shift()) {
      if (options.run.signal?.aborted) break;
      try {
        const outcome = await runTask({ ...options.run, store, taskId: task.id, sharedStore: options.concurrency > 1 });
        outcomes.push({ taskId: task.id, exitCode: outcome.exitCode });
      } catch (error) {
        if (!(error instanceof TaskLeasedError)) throw error;
        outcomes.push({ taskId: task.id, exitCode: ExitCode.ok, skipped: error.message });
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, options.concurrency) }, worker));
  return { outcomes, exitCode: worstExitCode(outcomes.map((o) => o.exitCode)) };
}
