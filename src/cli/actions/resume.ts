import { UsageError } from '../../errors.js';
import { isResumable } from '../../engine/task-state.js';
import { RESUMABLE_STATUSES, type Store } from '../../store/types.js';
import { output } from '../output.js';
import { chooseTaskToResume, requireTaskIdOrTerminal } from '../prompts.js';
import { runInTerminal } from '../run-in-terminal.js';
import { withStore } from '../with-store.js';
import type { ResumeOptions } from '../commands/resume.js';

/** Continues a task from its last checkpoint: completed steps are never run again. */
export async function run(options: ResumeOptions): Promise<number> {
  if (options.last && options.taskId) throw new UsageError('give a task id or --last, not both');
  // No id: a list to choose from on a terminal; elsewhere a usage error, before the database is opened.
  if (!options.last) requireTaskIdOrTerminal(options.taskId, options);
  return withStore(options.db, async (store) => {
    const taskId = options.taskId ?? (options.last ? await lastResumable(store) : await chooseTaskToResume(store));
    if (!taskId) {
      output.info('nothing to resume: no task is interrupted, failed or waiting for a person (see `agentrun status`)');
      return 0;
    }
    if (options.last) output.info(`resuming ${taskId}, the most recently updated task that can be resumed`);
    return runInTerminal(store, taskId, options);
  });
}

/** The most recently updated task `resume` can move on (listTasks is newest first). */
async function lastResumable(store: Store): Promise<string | undefined> {
  const now = Date.now();
  return (await store.listTasks({ statuses: RESUMABLE_STATUSES, limit: 50 })).find((t) => isResumable(t, now))?.id;
}
