import { ExitCode, TaskNotFoundError } from '../errors.js';
import type { Store, TaskRecord, TurnPhase, TurnRecord } from '../store/types.js';
import { hasLiveLease, isStale } from './task-state.js';
import { buildTimeline, type TimelineEntry } from './timeline.js';

type TurnMeta = Pick<TurnRecord, 'phase' | 'step' | 'turn' | 'promptTokens' | 'completionTokens' | 'createdAt'>;

/**
 * Reads a task's timeline again and again as it moves on, without reading what cannot have changed: the LLM turns
 * of a completed step are read once, and only the turns after the last one seen are asked for.
 */
export class TimelineReader {
  private readonly turns = new Map<string, TurnMeta[]>();
  private readonly settledSteps = new Set<number>();

  constructor(
    private readonly store: Store,
    readonly taskId: string,
  ) {}

  async read(): Promise<{ task: TaskRecord; entries: TimelineEntry[] }> {
    const task = await this.store.getTask(this.taskId);
    if (!task) throw new TaskNotFoundError(this.taskId);
    const [steps, effects, notes, runs] = await Promise.all([
      this.store.getSteps(this.taskId),
      this.store.getEffects(this.taskId),
      this.store.getNotes(this.taskId),
      this.store.getRuns(this.taskId),
    ]);
    await this.readTurns('plan', 0);
    for (const step of steps) {
      if (this.settledSteps.has(step.n)) continue;
      await this.readTurns('step', step.n);
      if (step.status === 'completed') this.settledSteps.add(step.n);
    }
    await this.readTurns('final', 0);
    const turns = [...this.turns.values()].flat();
    return { task, entries: buildTimeline({ task, steps, turns, effects, notes, runs }) };
  }

  private async readTurns(phase: TurnPhase, step: number): Promise<void> {
    const key = `${phase}:${step}`;
    const seen = this.turns.get(key) ?? [];
    const next = (seen.at(-1)?.turn ?? 0) + 1;
    // Only the metadata is kept: a response can be large, and the timeline shows its tokens, not its text.
    const fresh = (await this.store.getTurns(this.taskId, phase, step, next)).map(({ phase, step, turn, promptTokens, completionTokens, createdAt }) => ({ phase, step, turn, promptTokens, completionTokens, createdAt }));
    if (fresh.length > 0) this.turns.set(key, [...seen, ...fresh]);
  }
}

/**
 * Whether a follower can stop: nothing will happen to the task without a person or a new runner. A task that is
 * `queued`, or `planning` with no lease, has not been picked up yet: that one is waited for.
 */
export function followEnds(task: TaskRecord, now = Date.now()): boolean {
  // Waiting for a worker to take it (queued), or created and not yet picked up.
  if (task.status === 'queued' || (task.status === 'planning' && task.leaseOwner === null)) return false;
  if (task.status === 'running' || task.status === 'planning') return isStale(task, now);
  return !hasLiveLease(task, now);
}

/** The exit code a run that left the task in this state ends with. */
export function exitCodeOfStatus(status: TaskRecord['status']): ExitCode {
  switch (status) {
    case 'completed':
      return ExitCode.ok;
    case 'failed':
    case 'cancelled':
      return ExitCode.failed;
    case 'needs-attention':
      return ExitCode.needsAttention;
    default:
      return ExitCode.interrupted;
  }
}

export interface FollowOptions {
  /** How often to look again. */
  pollMs: number;
  signal?: AbortSignal;
  onEntry: (entry: TimelineEntry) => void;
}

/**
 * Reports each timeline entry once, as it appears, until the task settles; returns the task's exit code (or
 * `interrupted` if the signal stopped the following first).
 */
export async function followTask(store: Store, taskId: string, options: FollowOptions): Promise<ExitCode> {
  const reader = new TimelineReader(store, taskId);
  const reported = new Set<string>();
  for (;;) {
    const { task, entries } = await reader.read();
    for (const entry of entries) {
      if (reported.has(entry.id)) continue;
      reported.add(entry.id);
      options.onEntry(entry);
    }
    if (followEnds(task)) return exitCodeOfStatus(task.status);
    if (options.signal?.aborted) return ExitCode.interrupted;
    await pause(options.pollMs, options.signal);
  }
}

/** Waits `ms`, or less if the signal aborts. */
function pause(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}
