import { UsageError } from '../../errors.js';
import { TASK_STATUSES, type TaskRecord, type TaskStatus } from '../../store/types.js';
import { output } from '../output.js';
import { count, paintStatus, styleFor, type Style } from '../render/style.js';
import { renderTable } from '../render/table.js';
import { isResumable, isStale, isSweepable } from '../../engine/task-state.js';
import { statusLabel } from '../render/status-label.js';
import { ago } from '../render/time.js';
import { withStore } from '../with-store.js';
import type { StatusOptions } from '../commands/status.js';

/** Marks a task `agentrun resume` can move on. */
const RESUMABLE_MARK = '↻';

/** Lists tasks, most recently updated first; marks the ones to resume and says how. */
export async function run(options: StatusOptions): Promise<number> {
  const statuses = parseStatuses(options.status);
  const limit = parseLimit(options.limit);
  return withStore(options.db, async (store) => {
    const tasks = await store.listTasks({ statuses, limit, includePruned: options.all });
    const now = Date.now();
    if (options.json) {
      output.json(tasks.map((t) => summary(t, now)));
      return 0;
    }
    if (tasks.length === 0) {
      output.info('no tasks yet: start one with `agentrun start "<goal>"` or `agentrun start --task FILE`');
      return 0;
    }
    const style = await styleFor(process.stdout);
    output.result(renderStatusTable(tasks, { style, width: process.stdout.columns ?? 120, now }));
    const hint = resumeHint(tasks, now);
    if (hint) output.info((await styleFor(process.stderr)).dim(hint));
    return 0;
  });
}

/** The task table: a ↻ column for resumable tasks, coloured statuses, the goal cut to what the width leaves. */
export function renderStatusTable(tasks: TaskRecord[], options: { style: Style; width: number; now: number }): string {
  const { style, now } = options;
  const rows = tasks.map((t) => [
    isResumable(t, now) ? style.yellow(RESUMABLE_MARK) : '',
    t.id,
    paintStatus(style, t.status, statusLabel(t, now) + (t.prunedAt !== null ? ' (pruned)' : ''), isStale(t, now)),
    `${t.completedCount}/${t.stepCount}`,
    count(t.usage.promptTokens + t.usage.completionTokens),
    t.goal.replace(/\s+/g, ' ').trim(),
    style.dim(ago(t.updatedAt, now)),
  ]);
  const headers = ['', 'ID', 'STATUS', 'PROGRESS', 'TOKENS', 'GOAL', 'UPDATED'].map((h) => style.bold(h));
  return renderTable(headers, rows, { flex: 5, width: options.width, align: { 4: 'right' } });
}

/** Under the table: the command that resumes what is marked, or nothing when nothing is. */
export function resumeHint(tasks: TaskRecord[], now = Date.now()): string | undefined {
  const resumable = tasks.filter((t) => isResumable(t, now));
  const [only] = resumable;
  if (!only) return undefined;
  if (resumable.length === 1) return `${RESUMABLE_MARK} resume it with: agentrun resume ${only.id}`;
  const sweepable = resumable.filter((t) => isSweepable(t, now)).length;
  const head = `${RESUMABLE_MARK} ${resumable.length} tasks can be resumed:`;
  if (sweepable === resumable.length) return `${head} agentrun resume --all (or one: agentrun resume <id>)`;
  if (sweepable < 2) return `${head} agentrun resume <id>`;
  return `${head} agentrun resume <id>\n  (agentrun resume --all takes the ${sweepable} interrupted or stale ones; needs-attention and failed ones need their id)`;
}

function summary(t: TaskRecord, now: number) {
  return {
    task_id: t.id,
    status: t.status,
    progress: { completed: t.completedCount, steps: t.stepCount },
    goal: t.goal,
    model: t.model,
    usage: { prompt_tokens: t.usage.promptTokens, completion_tokens: t.usage.completionTokens, requests: t.usage.requests },
    lease_owner: t.leaseOwner,
    resumable: isResumable(t, now),
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

function parseLimit(value: string | undefined): number {
  if (value === undefined) return 20;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`--limit must be a positive whole number, got "${value}"`);
  return n;
}
