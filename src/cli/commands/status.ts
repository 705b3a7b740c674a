import { UsageError } from '../../errors.js';
import { TASK_STATUSES, type TaskRecord, type TaskStatus } from '../../store/types.js';
import { output } from '../output.js';
import { renderTable } from '../render/table.js';
import { ago } from '../render/time.js';
import { withStore } from '../with-store.js';

export interface StatusOptions {
  db?: string;
  status?: string;
  limit?: string;
  all?: boolean;
  json?: boolean;
}

/** Lists tasks, most recently updated first. */
export async function run(options: StatusOptions): Promise<number> {
  const statuses = parseStatuses(options.status);
  const limit = parseLimit(options.limit);
  return withStore(options.db, async (store) => {
    const tasks = await store.listTasks({ statuses, limit, includePruned: options.all });
    if (options.json) {
      output.json(tasks.map(summary));
      return 0;
    }
    if (tasks.length === 0) {
      output.info('no tasks yet: start one with `agentrun start "<goal>"` or `agentrun start --task FILE`');
      return 0;
    }
    const rows = tasks.map((t) => [t.id, t.status, `${t.completedCount}/${t.stepCount}`, String(t.usage.promptTokens + t.usage.completionTokens), t.goal.replace(/\s+/g, ' '), ago(t.updatedAt)]);
    output.result(renderTable(['ID', 'STATUS', 'PROGRESS', 'TOKENS', 'GOAL', 'UPDATED'], rows, { flex: 4, width: process.stdout.columns ?? 120 }));
    return 0;
  });
}

function summary(t: TaskRecord) {
  return {
    task_id: t.id,
    status: t.status,
    progress: { completed: t.completedCount, steps: t.stepCount },
    goal: t.goal,
    model: t.model,
    usage: { prompt_tokens: t.usage.promptTokens, completion_tokens: t.usage.completionTokens, requests: t.usage.requests },
    lease_owner: t.leaseOwner,
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
