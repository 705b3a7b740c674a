import { moveAllTasks } from '../../engine/move-store.js';
import { TASK_STATUSES } from '../../store/types.js';
import { output } from '../output.js';
import { withStore } from '../with-store.js';
import type { TransferOptions } from '../commands/transfer.js';

const counted = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;

/** Moves every task, and the long-term memory, to the `--to` store and prints what moved. */
export async function run(options: TransferOptions): Promise<number> {
  return withStore(options.db, (from) =>
    withStore(options.to, async (to) => {
      const result = await moveAllTasks(from, to);
      if (options.json) {
        output.json({
          moved: result.moved,
          already_moved: result.alreadyMoved,
          by_status: result.byStatus,
          memories: result.memories,
          memories_merged: result.memoriesMerged,
          memories_already_moved: result.memoriesAlreadyMoved,
          memories_kept: result.memoriesKept,
          queue_limits: result.queueLimits,
          from: from.location,
          to: to.location,
        });
        return 0;
      }
      const statuses = TASK_STATUSES.filter((status) => result.byStatus[status])
        .map((status) => `${result.byStatus[status]} ${status}`)
        .join(', ');
      const tasks = counted(result.moved, 'task', 'tasks');
      output.result(`moved ${tasks} to ${to.location}${statuses ? ` (${statuses})` : ''} and ${counted(result.memories, 'memory', 'memories')}`);
      if (result.memoriesMerged > 0) {
        const was = result.memoriesMerged === 1 ? 'was' : 'were';
        output.info(`${counted(result.memoriesMerged, 'memory', 'memories')} ${was} known in ${to.location} already (the same text) and ${was} merged there: sources, tags and recalls combined`);
      }
      const already = [
        ...(result.alreadyMoved > 0 ? [counted(result.alreadyMoved, 'task', 'tasks')] : []),
        ...(result.memoriesAlreadyMoved > 0 ? [counted(result.memoriesAlreadyMoved, 'memory', 'memories')] : []),
      ];
      if (already.length > 0) output.info(`already in ${to.location} (moved by an earlier transfer): ${already.join(' and ')}; removed from ${from.location}`);
      if (result.queueLimits > 0) output.info(`copied the limits of ${counted(result.queueLimits, 'queue', 'queues')} (agentrun queue shows them)`);
      if (result.memoriesKept > 0) {
        output.info(
          `${counted(result.memoriesKept, 'memory', 'memories')} changed in ${from.location} while moving and stayed there as well; run transfer again to move the change`,
        );
      }
      return 0;
    }),
  );
}
