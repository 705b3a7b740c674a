import { expiredTasks, pruneSelected } from '../../engine/gc.js';
import { UsageError } from '../../errors.js';
import { parseDuration } from '../../task/duration.js';
import { output } from '../output.js';
import { confirm } from '../prompts.js';
import { withStore } from '../with-store.js';
import type { GcOptions } from '../commands/gc.js';

/** Removes the journals and steps of finished tasks past retention; their summary rows stay (`status --all`). */
export async function run(options: GcOptions): Promise<number> {
  const olderThanMs = options.olderThan === undefined ? undefined : parseDuration(options.olderThan);
  if (olderThanMs === undefined && options.olderThan !== undefined) throw new UsageError(`--older-than takes a duration like 7d, 12h or 30m, got "${options.olderThan}"`);
  return withStore(options.db, async (store) => {
    const candidates = await expiredTasks(store, { olderThanMs });
    if (!options.dryRun && candidates.length > 0 && !(await confirm(`Remove the journals of ${candidates.length} finished task(s)?`, options))) return 0;
    // A task resumed meanwhile (even while the question above waited) is skipped, not pruned.
    const ids = (options.dryRun ? candidates : await pruneSelected(store, candidates)).map((t) => t.id);
    if (options.json) output.json({ dry_run: Boolean(options.dryRun), tasks: ids });
    else output.result(`${options.dryRun ? 'would remove' : 'removed'} the journals of ${ids.length} task(s)${ids.length ? `: ${ids.join(', ')}` : ''}`);
    return 0;
  });
}
