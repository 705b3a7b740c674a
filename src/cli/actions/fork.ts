import { UsageError } from '../../errors.js';
import { forkTask } from '../../engine/fork.js';
import { output } from '../output.js';
import { withStore } from '../with-store.js';
import type { ForkOptions } from '../commands/fork.js';

/** A new task with the source's steps before N copied and the rest pending; resume it to run them. */
export async function run(options: ForkOptions): Promise<number> {
  const fromStep = Number(options.fromStep);
  if (!Number.isInteger(fromStep)) throw new UsageError(`--from-step must be a step number, got "${options.fromStep}"`);
  return withStore(options.db, async (store) => {
    const task = await forkTask(store, options.taskId, { fromStep, id: options.id, model: options.model });
    if (options.json) output.json({ task_id: task.id, forked_from: options.taskId, from_step: fromStep });
    else {
      // The new id alone on stdout, so `NEW=$(agentrun fork …)` captures it; the sentence is for the person.
      output.result(task.id);
      output.info(`forked ${options.taskId} from step ${fromStep} as ${task.id}; run it with: agentrun resume ${task.id}`);
    }
    return 0;
  });
}
