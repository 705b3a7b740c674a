import { TaskNotFoundError, UsageError } from '../errors.js';
import type { Store, TaskRecord } from '../store/types.js';
import { isValidTaskId, newTaskId } from './ids.js';
import { excerpt } from '../input/excerpt.js';

export interface ForkOptions {
  /** 1-based: steps before it are copied as they are, it and the ones after start over. */
  fromStep: number;
  id?: string;
  model?: string;
}

/**
 * A new task from an existing one: steps before `fromStep` copied with their results, notes and tokens; the rest
 * pending. To retry a bad step with a better model, or after fixing what made it fail. The source is untouched.
 */
export async function forkTask(store: Store, sourceId: string, options: ForkOptions): Promise<TaskRecord> {
  const source = await store.getTask(sourceId);
  if (!source) throw new TaskNotFoundError(sourceId);
  const id = options.id ?? newTaskId();
  if (!isValidTaskId(id)) throw new UsageError(`invalid task id ${excerpt(id)}: use letters, digits, ".", "_" and "-" (max 128)`);
  const steps = await store.getSteps(sourceId);
  if (steps.length === 0) throw new UsageError(`task ${sourceId} has no plan yet: nothing to fork`);
  const { fromStep } = options;
  if (!Number.isInteger(fromStep) || fromStep < 1 || fromStep > steps.length) {
    throw new UsageError(`--from-step must be between 1 and ${steps.length} for task ${sourceId}`);
  }
  const kept = steps.filter((s) => s.n < fromStep);
  const incomplete = kept.find((s) => s.status !== 'completed');
  if (incomplete) throw new UsageError(`step ${incomplete.n} of ${sourceId} is ${incomplete.status}: fork from step ${incomplete.n} or earlier`);

  const usage = kept.reduce(
    (sum, s) => ({ promptTokens: sum.promptTokens + s.usage.promptTokens, completionTokens: sum.completionTokens + s.usage.completionTokens, requests: sum.requests + s.usage.requests }),
    { promptTokens: 0, completionTokens: 0, requests: 0 },
  );
  const now = Date.now();
  const created = await store.insertTaskBundle({
    task: {
      ...source,
      id,
      model: options.model ?? source.model,
      status: 'interrupted',
      completedCount: kept.length,
      currentStep: null,
      usage,
      result: null,
      error: null,
      reason: null,
      leaseOwner: null,
      leaseExpiresAt: null,
      leaseEpoch: 0,
      heartbeatAt: null,
      progress: null,
      cancelRequested: false,
      createdAt: now,
      updatedAt: now,
      finishedAt: null,
      expiresAt: null,
      prunedAt: null,
    },
    steps: steps.map((s) =>
      s.n < fromStep
        ? { ...s, taskId: id }
        : { ...s, taskId: id, status: 'pending', result: null, error: null, attempts: 0, firstTurn: 1, usage: { promptTokens: 0, completionTokens: 0, requests: 0 }, startedAt: null, finishedAt: null },
    ),
    notes: (await store.getNotes(sourceId)).filter((n) => n.step !== null && n.step < fromStep).map((n) => ({ ...n, taskId: id })),
    effects: [],
    turns: [],
    // A new task: its history starts with its own first run, not the source's.
    runs: [],
  });
  if (!created) throw new UsageError(`a task with id "${id}" already exists`);
  return (await store.getTask(id))!;
}
