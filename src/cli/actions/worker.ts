import { assertQueueName } from '../../engine/ids.js';
import { runWorker, type WorkerEvent } from '../../engine/worker.js';
import { createMemoryHooks } from '../../memory/recall.js';
import { output } from '../output.js';
import { eventLine } from '../render/event-line.js';
import { LIMITS } from '../../input/limits.js';
import { positiveWholeNumber, wholeNumber } from '../whole-number.js';
import { withStore } from '../with-store.js';
import type { WorkerCommandOptions } from '../commands/worker.js';

/** Runs the worker loop, one log line per event on stderr; exits 0 once drained after SIGTERM/SIGINT. */
export async function run(options: WorkerCommandOptions): Promise<number> {
  assertQueueName(options.queue);
  // Each task a worker runs holds a runner, a lease heartbeat and maybe child processes: bounded like resume --all.
  const concurrency = positiveWholeNumber(options.concurrency, '--concurrency', LIMITS.concurrency)!;
  const pollMs = positiveWholeNumber(options.poll, '--poll', LIMITS.timerMs);
  const retryAfterMs = wholeNumber(options.retryAfter, '--retry-after', 0, LIMITS.timerMs)!;
  const drainMs = wholeNumber(options.drainTimeout, '--drain-timeout', 0, LIMITS.timerMs)!;
  return withStore(options.db, async (store) => {
    await runWorker({
      store,
      queue: options.queue,
      concurrency,
      pollMs,
      retryAfterMs,
      drainMs,
      signal: options.signal,
      memory: createMemoryHooks(store),
      onEvent: (event) => {
        const line = eventLine(event);
        if (line) output.info(line);
      },
      onWorkerEvent: (event) => output.info(`${new Date().toISOString()} worker ${event.worker} ${describe(event)}`),
    });
    return 0;
  });
}

function describe(event: WorkerEvent): string {
  switch (event.type) {
    case 'worker-started':
      return `started on queue "${event.queue}", ${event.concurrency} at a time (${event.wakeUps === 'notify' ? 'woken by NOTIFY, polling as a fallback' : 'polling'})`;
    case 'task-claimed':
      return `claimed ${event.taskId}`;
    case 'task-released':
      return `released ${event.taskId} (exit ${event.exitCode})`;
    case 'worker-problem':
      return `problem: ${event.message}`;
    case 'worker-draining':
      return `draining: no new tasks; waiting up to ${event.drainMs / 1000}s for ${event.running} running ${event.running === 1 ? 'task' : 'tasks'} to finish the step ${event.running === 1 ? 'it is' : 'they are'} in`;
    case 'worker-stopped':
      return `stopped after ${event.ran} ${event.ran === 1 ? 'run' : 'runs'}`;
  }
}
