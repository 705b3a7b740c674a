import { ExitCode } from '../../errors.js';
import { followTask, TimelineReader } from '../../engine/follow.js';
import type { TimelineEntry } from '../../engine/timeline.js';
import type { LogsOptions } from '../commands/logs.js';
import { output } from '../output.js';
import { timelineJson, timelineLine } from '../render/timeline-line.js';
import { withStore } from '../with-store.js';

/** How often `--follow` looks for news: quick enough to feel live, rare enough to cost nothing. */
const FOLLOW_POLL_MS = 250;

/** Prints a task's timeline; with --follow keeps printing until the task stops and exits with its exit code. */
export async function run(options: LogsOptions): Promise<number> {
  const print = (entry: TimelineEntry) => {
    if (options.json) process.stdout.write(`${JSON.stringify(timelineJson(entry))}\n`);
    else output.result(timelineLine(entry));
  };
  return withStore(options.db, async (store) => {
    if (options.follow) return followTask(store, options.taskId, { pollMs: FOLLOW_POLL_MS, signal: options.signal, onEntry: print });
    const { entries } = await new TimelineReader(store, options.taskId).read();
    entries.forEach(print);
    return ExitCode.ok;
  });
}
