import { importTask } from '../../engine/transfer.js';
import { output } from '../output.js';
import { withStore } from '../with-store.js';
import type { ImportOptions } from '../commands/import.js';

/** Reads an exported checkpoint into this database; the task can then be resumed here. */
export async function run(options: ImportOptions): Promise<number> {
  return withStore(options.db, async (store) => {
    const task = await importTask(store, options.file, { as: options.as, workspace: options.workspace, cwd: process.cwd() });
    // The id alone on stdout, so `agentrun resume "$(agentrun import FILE)"` works; the details are for the person.
    output.result(task.id);
    output.info(`imported ${task.id} (${task.status}, ${task.completedCount}/${task.stepCount} steps, workspace ${task.workspace})`);
    if (task.status !== 'completed' && task.status !== 'cancelled') output.info(`continue with: agentrun resume ${task.id}`);
    return 0;
  });
}
