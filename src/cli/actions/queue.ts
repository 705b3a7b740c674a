import { assertQueueName } from '../../engine/ids.js';
import { UsageError } from '../../errors.js';
import type { QueueRecord } from '../../store/types.js';
import { output } from '../output.js';
import { styleFor } from '../render/style.js';
import { renderTable } from '../render/table.js';
import { positiveWholeNumber } from '../whole-number.js';
import { withStore } from '../with-store.js';
import type { QueueOptions } from '../commands/queue.js';

/** The largest limit the stores' INTEGER column holds; any real limit is far below it. */
const MAX_LIMIT = 2_147_483_647;

/** Sets or lifts a queue's limit when asked to, then shows the queue (or every queue). */
export async function run(options: QueueOptions): Promise<number> {
  const { name } = options;
  if (name !== undefined) assertQueueName(name);
  // commander gives `limit: false` for --no-limit, the string for --limit N, and nothing when neither was given.
  const change = options.limit === undefined ? undefined : options.limit === false ? null : positiveWholeNumber(options.limit, '--limit', MAX_LIMIT)!;
  if (change !== undefined && name === undefined) throw new UsageError('name the queue whose limit to change: agentrun queue NAME --limit N');
  return withStore(options.db, async (store) => {
    if (change !== undefined) await store.setQueueLimit(name!, change);
    const queues = (await store.listQueues()).filter((q) => name === undefined || q.name === name);
    const shown = name !== undefined && queues.length === 0 ? [{ name, maxRunning: null, waiting: 0, running: 0 }] : queues;
    if (options.json) {
      output.json(shown.map((q) => ({ queue: q.name, limit: q.maxRunning, waiting: q.waiting, running: q.running })));
      return 0;
    }
    if (shown.length === 0) {
      output.info('no queues: `agentrun start … --queue NAME` records a task on one');
      return 0;
    }
    const style = await styleFor(process.stdout);
    const headers = ['QUEUE', 'WAITING', 'RUNNING', 'LIMIT'].map((h) => style.bold(h));
    output.result(renderTable(headers, shown.map(row), { flex: 0, width: process.stdout.columns ?? 120 }));
    return 0;
  });
}

function row(q: QueueRecord): string[] {
  return [q.name, String(q.waiting), String(q.running), q.maxRunning === null ? 'none' : String(q.maxRunning)];
}
