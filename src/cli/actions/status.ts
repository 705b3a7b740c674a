import { UsageError } from '../../errors.js';
import { TASK_STATUSES, type Store, type TaskRecord, type TaskStatus } from '../../store/types.js';
import { nextStepHint } from '../render/next-step.js';
import { output } from '../output.js';
import { count, paintStatus, styleFor, type Style } from '../render/style.js';
import { renderTable } from '../render/table.js';
import { hasLiveLease, isResumable, isStale, isSweepable } from '../../engine/task-state.js';
import { statusLabel } from '../render/status-label.js';
import { ago } from '../render/time.js';
import { withStore } from '../with-store.js';
import type { StatusOptions } from '../commands/status.js';
import { positiveWholeNumber } from '../whole-number.js';

/** Marks a task `agentrun resume` can move on. */
const RESUMABLE_MARK = '↻';

/** Lists tasks, most recently updated first; marks the ones to resume and says how. */
export async function run(options: StatusOptions): Promise<number> {
  const statuses = parseStatuses(options.status);
  const limit = positiveWholeNumber(options.limit, '--limit') ?? 20;
  return withStore(options.db, async (store) => {
    const tasks = await store.listTasks({ statuses, limit, includePruned: options.all });
    const now = Date.now();
    if (options.json) {
      output.json(tasks.map((t) => summary(t, now)));
      return 0;
    }
    // Tasks gc pruned are left out unless --all, but never silently: say how many there are and how to see them.
    const pruned = options.all ? 0 : (await store.listTasks({ statuses, limit, includePruned: true })).filter((t) => t.prunedAt !== null).length;
    const prunedNote = pruned > 0 ? `${pruned}${pruned === limit ? '+' : ''} garbage-collected task(s) not shown: agentrun status --all` : undefined;
    if (tasks.length === 0) {
      output.info(prunedNote ? `no tasks with journals; ${prunedNote}` : 'no tasks yet: start one with `agentrun start "<goal>"` or `agentrun start --task FILE`');
      return 0;
    }
    const style = await styleFor(process.stdout);
    output.result(renderStatusTable(tasks, { style, width: process.stdout.columns ?? 120, now }));
    const hint = [resumeHint(tasks, now, await waitingEffects(store, tasks)), prunedNote].filter(Boolean).join('\n');
    if (hint) output.info((await styleFor(process.stderr)).dim(hint));
    return 0;
  });
}

/**
 * The task table: a ↻ column for resumable tasks, coloured statuses, the goal cut to what the width leaves. When
 * queued tasks are listed, a HELD BY column names the worker running each (`host:pid`, its lease owner).
 */
export function renderStatusTable(tasks: TaskRecord[], options: { style: Style; width: number; now: number }): string {
  const { style, now } = options;
  const withHolder = tasks.some((t) => Boolean(t.queue));
  const rows = tasks.map((t) => [
    isResumable(t, now) ? style.yellow(RESUMABLE_MARK) : '',
    t.id,
    paintStatus(style, t.status, statusLabel(t, now) + (t.prunedAt !== null ? ' (pruned)' : ''), isStale(t, now)),
    ...(withHolder ? [hasLiveLease(t, now) ? t.leaseOwner! : ''] : []),
    `${t.completedCount}/${t.stepCount}`,
    count(t.usage.promptTokens + t.usage.completionTokens),
    t.goal.replace(/\s+/g, ' ').trim(),
    style.dim(ago(t.updatedAt, now)),
  ]);
  const headers = ['', 'ID', 'STATUS', ...(withHolder ? ['HELD BY'] : []), 'PROGRESS', 'TOKENS', 'GOAL', 'UPDATED'].map((h) => style.bold(h));
  return renderTable(headers, rows, { flex: withHolder ? 6 : 5, width: options.width, align: { [withHolder ? 5 : 4]: 'right' } });
}

/**
 * Under the table: the command that moves on what is marked, or nothing when nothing is. A task that needs a person
 * is moved on by `resolve` or `approve`, not by `resume` (which would stop at the same question again).
 */
export function resumeHint(tasks: TaskRecord[], now = Date.now(), waiting: ReadonlyMap<string, string> = new Map()): string | undefined {
  const resumable = tasks.filter((t) => isResumable(t, now));
  const [only] = resumable;
  if (!only) return undefined;
  if (resumable.length === 1) {
    return only.status === 'needs-attention' ? `${RESUMABLE_MARK} ${nextStepHint(only, waiting.get(only.id))}` : `${RESUMABLE_MARK} resume it with: agentrun resume ${only.id}`;
  }
  const sweepable = resumable.filter((t) => isSweepable(t, now)).length;
  const attention = resumable.filter((t) => t.status === 'needs-attention').length;
  const head = `${RESUMABLE_MARK} ${resumable.length} tasks can be resumed:`;
  const people = attention > 0 ? `\n  (${attention} need${attention === 1 ? 's' : ''} a person's decision first: agentrun inspect <id> names it)` : '';
  if (sweepable === resumable.length) return `${head} agentrun resume --all (or one: agentrun resume <id>)`;
  if (sweepable < 2) return `${head} agentrun resume <id>${people}`;
  return `${head} agentrun resume <id>\n  (agentrun resume --all takes the ${sweepable} interrupted or stale ones; failed ones need their id)${people}`;
}

/** The effect a lone needs-attention task waits on, so the hint can name the exact command (with several, it points to inspect). */
async function waitingEffects(store: Store, tasks: TaskRecord[]): Promise<Map<string, string>> {
  const waiting = new Map<string, string>();
  for (const task of tasks.filter((t) => t.status === 'needs-attention').slice(0, 1)) {
    const effect = (await store.getEffects(task.id)).find((e) => e.status === 'uncertain' || e.status === 'awaiting-approval');
    if (effect) waiting.set(task.id, effect.key);
  }
  return waiting;
}

function summary(t: TaskRecord, now: number) {
  return {
    task_id: t.id,
    status: t.status,
    progress: { completed: t.completedCount, steps: t.stepCount },
    goal: t.goal,
    model: t.model,
    usage: { prompt_tokens: t.usage.promptTokens, completion_tokens: t.usage.completionTokens, requests: t.usage.requests },
    queue: t.queue,
    lease_owner: t.leaseOwner,
    resumable: isResumable(t, now),
    pruned: t.prunedAt !== null,
    cancel_requested: t.cancelRequested,
    created_at: new Date(t.createdAt).toISOString(),
    updated_at: new Date(t.updatedAt).toISOString(),
  };
}

function parseStatuses(value: string | undefined): TaskStatus[] | undefined {
  if (!value) return undefined;
  const wanted = value.split(',').map((s) => s.trim());
  const unknown = wanted.filter((s) => !(TASK_STATUSES as readonly string[]).includes(s));
  if (unknown.length > 0) throw new UsageError(`unknown status "${unknown[0]}": use one of ${TASK_STATUSES.join(', ')}`);
  return wanted as TaskStatus[];
}
