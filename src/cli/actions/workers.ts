import { leaseTimingFromEnv } from '../../engine/lease.js';
import { output } from '../output.js';
import { styleFor } from '../render/style.js';
import { renderTable } from '../render/table.js';
import { ago } from '../render/time.js';
import { withStore } from '../with-store.js';
import type { WorkersOptions } from '../commands/workers.js';

/** Lists workers heard from within one lease period (a worker renews its row as often as its leases). */
export async function run(options: WorkersOptions): Promise<number> {
  return withStore(options.db, async (store) => {
    const workers = await store.listWorkers(leaseTimingFromEnv().ttlMs);
    const running = await store.listTasks({ statuses: ['planning', 'running'] });
    const tasksOf = (id: string) => running.filter((t) => t.leaseOwner === id).map((t) => t.id);
    const now = Date.now();
    if (options.json) {
      output.json(
        workers.map((w) => ({
          worker: w.id,
          queue: w.queue,
          concurrency: w.concurrency,
          running: w.running,
          tasks: tasksOf(w.id),
          started_at: new Date(w.startedAt).toISOString(),
          heartbeat_at: new Date(w.heartbeatAt).toISOString(),
        })),
      );
      return 0;
    }
    if (workers.length === 0) {
      output.info('no live workers: start one with `agentrun worker --queue NAME`');
      return 0;
    }
    const style = await styleFor(process.stdout);
    const rows = workers.map((w) => [w.id, w.queue, `${tasksOf(w.id).length}/${w.concurrency}`, tasksOf(w.id).join(' '), style.dim(ago(w.startedAt, now)), ago(w.heartbeatAt, now)]);
    const headers = ['WORKER', 'QUEUE', 'RUNNING', 'TASKS', 'STARTED', 'HEARTBEAT'].map((h) => style.bold(h));
    output.result(renderTable(headers, rows, { flex: 3, width: process.stdout.columns ?? 120 }));
    return 0;
  });
}
