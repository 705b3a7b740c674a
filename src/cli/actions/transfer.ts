import { moveAllTasks } from '../../engine/move-store.js';
import { TASK_STATUSES } from '../../store/types.js';
import { output } from '../output.js';
import { withStore } from '../with-store.js';
import type { TransferOptions } from '../commands/transfer.js';

/** Moves every task to the `--to` store and prints what moved. Long-term memory stays where it is. */
export async function run(options: TransferOptions): Promise<number> {
  return withStore(options.db, (from) =>
    withStore(options.to, async (to) => {
      const result = await moveAllTasks(from, to);
      if (options.json) {
        output.json({ moved: result.moved, already_moved: result.alreadyMoved, by_status: result.byStatus, from: from.location, to: to.location });
        return 0;
      }
      const statuses = TASK_STATUSES.filter((status) => result.byStatus[status])
        .map((status) => `${result.byStatus[status]} ${status}`)
        .join(', ');
      output.result(`moved ${result.moved} ${result.moved === 1 ? 'task' : 'tasks'} to ${to.location}${statuses ? ` (${statuses})` : ''}`);
      if (result.alreadyMoved > 0) output.info(`${result.alreadyMoved} more had been moved by an earlier transfer and were removed from ${from.location}`);
      output.info(`long-term memory is not moved: it stays in ${from.location}`);
      return 0;
    }),
  );
}
