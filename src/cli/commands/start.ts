import { UsageError } from '../../errors.js';
import { createTask } from '../../engine/create-task.js';
import { definitionFromGoal, loadTaskFile } from '../../task/load.js';
import { output } from '../output.js';
import { reportOutcome, runInTerminal } from '../run-in-terminal.js';
import { withStore } from '../with-store.js';

export interface StartOptions {
  goal: string[];
  task?: string;
  id?: string;
  db?: string;
  model?: string;
  json?: boolean;
  signal: AbortSignal;
}

/**
 * Creates a task and runs it. With `--id` it is idempotent, which is the cron recipe: the first run starts the task,
 * a rerun after a crash resumes it, a rerun after completion prints the result and does nothing else.
 */
export async function run(options: StartOptions): Promise<number> {
  const goal = options.goal.join(' ').trim();
  if (options.task && goal) throw new UsageError('give either a goal or --task FILE, not both');
  if (!options.task && !goal) throw new UsageError('what should the task do? give a goal (agentrun start "…") or --task FILE');
  // Validate everything before the database is touched: a bad task file writes nothing.
  const definition = options.task ? loadTaskFile(options.task) : definitionFromGoal(goal);
  const model = options.model ?? process.env.AGENTRUN_MODEL;

  return withStore(options.db, async (store) => {
    if (options.id) {
      const existing = await store.getTask(options.id);
      if (existing?.status === 'completed') {
        reportOutcome(existing, 0, options.json);
        return 0;
      }
      if (existing) {
        output.info(`task ${existing.id} exists (${existing.status}); resuming it`);
        return runInTerminal(store, existing.id, options);
      }
    }
    const { task } = await createTask(store, { id: options.id, definition, cwd: process.cwd(), model });
    output.info(`task ${task.id} created`);
    return runInTerminal(store, task.id, options);
  });
}
