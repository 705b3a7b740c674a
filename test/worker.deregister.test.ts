import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runWorker } from '../src/engine/worker.js';
import { openStore } from '../src/store/open-store.js';
import type { Store } from '../src/store/types.js';
import { waitFor } from './support/cli.js';
import { tempDir } from './support/temp-dir.js';

/**
 * A worker that stops takes its row out of the `workers` table, even when its periodic heartbeat — an upsert of that
 * row — is still on its way to the database. On PostgreSQL the beat and the removal go over different pooled
 * connections, so a beat landing after the removal put the row back, and `agentrun workers` listed a worker that had
 * exited for a whole lease period (seen under load in cli.worker.test.ts). That race depends on timing there; here the
 * beat is held back until the worker has been asked to stop, so it is met every time.
 */
describe('a worker that stops', () => {
  it('is not listed by `agentrun workers` afterwards, even with a heartbeat in flight as it stopped', async () => {
    const store = await openStore(path.join(tempDir(), 'agentrun.db'));
    let release: () => void = () => {};
    const held = new Promise<void>((resolve) => (release = resolve));
    let beats = 0;
    let heldBeat = false;
    // The store as the worker sees it; its second heartbeat (the first periodic one) waits for `release`.
    const slowBeats: Store = Object.create(store, {
      heartbeatWorker: {
        value: async (worker: Parameters<Store['heartbeatWorker']>[0]) => {
          beats += 1;
          if (beats === 2) {
            heldBeat = true;
            await held;
          }
          return store.heartbeatWorker(worker);
        },
      },
    });
    const controller = new AbortController();
    const done = runWorker({ store: slowBeats, queue: 'q', concurrency: 1, signal: controller.signal, id: 'host:1', timing: { ttlMs: 60_000, heartbeatMs: 20 } });
    await waitFor(() => heldBeat, 'a periodic heartbeat');

    controller.abort();
    // Let the worker do all it does on its own before the held beat reaches the database.
    await new Promise((r) => setImmediate(r));
    release();
    await done;
    expect(await store.listWorkers(60_000)).toEqual([]);
    await store.close();
  });
});
