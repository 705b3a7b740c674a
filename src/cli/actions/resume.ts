import { output } from '../output.js';
import { chooseTaskToResume, requireTaskIdOrTerminal } from '../prompts.js';
import { runInTerminal } from '../run-in-terminal.js';
import { withStore } from '../with-store.js';
import type { ResumeOptions } from '../commands/resume.js';

/** Continues a task from its last checkpoint: completed steps are never run again. */
export async function run(options: ResumeOptions): Promise<number> {
  // No id: a list to choose from on a terminal; elsewhere a usage error, before the database is opened.
  requireTaskIdOrTerminal(options.taskId, options);
  return withStore(options.db, async (store) => {
    const taskId = options.taskId ?? (await chooseTaskToResume(store));
    if (!taskId) {
      output.info('nothing to resume: no task is interrupted, failed or waiting for a person (see `agentrun status`)');
      return 0;
    }
    return runInTerminal(store, taskId, options);
  });
}
