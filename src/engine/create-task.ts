import path from 'node:path';
import { UsageError } from '../errors.js';
import type { Store, TaskRecord } from '../store/types.js';
import type { TaskDefinition } from '../task/schema.js';
import { createToolRegistry } from '../tools/registry.js';
import { assertQueueName, isValidTaskId, newTaskId } from './ids.js';
import { excerpt } from '../input/excerpt.js';

export const DEFAULT_MODEL = 'gpt-4o-mini';

export interface CreateTaskInput {
  /** A caller-chosen id makes `start` idempotent (cron); otherwise a new ULID. */
  id?: string;
  definition: TaskDefinition;
  /** Directory relative workspace paths are resolved against (the caller's working directory). */
  cwd: string;
  /** The model after flags and environment were applied; falls back to the task file, then the default. */
  model?: string;
  /** Leave the task to `agentrun worker --queue NAME` instead of running it here. */
  queue?: string;
  /** Among a queue's waiting tasks, higher runs first (default 0). */
  priority?: number;
}

/** Creates a task in `planning` (`queued` with a queue); returns the existing one (created: false) if the id is taken. */
export async function createTask(store: Store, input: CreateTaskInput): Promise<{ task: TaskRecord; created: boolean }> {
  const id = input.id ?? newTaskId();
  if (!isValidTaskId(id)) throw new UsageError(`invalid task id ${excerpt(id)}: use letters, digits, ".", "_" and "-" (max 128)`);
  if (input.queue !== undefined) assertQueueName(input.queue);
  if (input.priority !== undefined && !Number.isSafeInteger(input.priority)) throw new UsageError(`the priority must be a whole number, got ${input.priority}`);
  // Refuse a bad tool list now, while nothing is written, rather than at the first LLM step.
  createToolRegistry(input.definition.tools);
  const definition = input.definition;
  const created = await store.createTask({
    id,
    agentId: definition.agent,
    goal: definition.goal,
    definition,
    workspace: path.resolve(input.cwd, definition.workspace ?? '.'),
    namespace: definition.namespace,
    model: input.model ?? definition.model ?? DEFAULT_MODEL,
    queue: input.queue ?? null,
    priority: input.priority ?? 0,
    createdAt: Date.now(),
  });
  return { task: (await store.getTask(id))!, created };
}
