import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli, waitFor } from './support/cli.js';
import { dropSchema, pgUrl, schemaName } from './support/postgres.js';
import { tempDir } from './support/temp-dir.js';
import { CHARGE_ONCE, spawnWorker, type WorkerProcess } from './support/worker-fleet.js';

/**
 * A worker paused past its lease (SIGSTOP: a GC pause, a frozen VM, a partition) while its task is taken over by
 * another. When it wakes (SIGCONT) its run writes nothing — every journal write is fenced by the lease — and stops
 * by itself; the effect it had started happened once.
 */
const schema = schemaName('zombie');
const db = pgUrl(schema);
const started: WorkerProcess[] = [];
afterAll(async () => {
  for (const worker of started) worker.child.kill('SIGKILL');
  await dropSchema(schema);
});

function lines(file: string): string[] {
  return existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter(Boolean) : [];
}

async function inspect(id: string, cwd: string): Promise<unknown> {
  return JSON.parse((await runCli(['inspect', id, '--json', '--db', db], { cwd })).stdout);
}

describe('a zombie worker', () => {
  it('paused mid-step and taken over, writes nothing when it wakes and stops its run by itself', async () => {
    const dir = tempDir();
    const ledger = path.join(dir, 'ledger.txt');
    writeFileSync(path.join(dir, 'task.yaml'), CHARGE_ONCE);
    const zombie = spawnWorker(['--queue', 'z', '--db', db], { cwd: dir });
    started.push(zombie);
    const id = (await runCli(['start', '--task', 'task.yaml', '--queue', 'z', '--db', db], { cwd: dir })).stdout.trim();
    await waitFor(() => lines(ledger).length === 1, 'the charge');
    zombie.child.kill('SIGSTOP');

    const rescuer = spawnWorker(['--queue', 'z', '--db', db], { cwd: dir });
    started.push(rescuer);
    await waitFor(() => /released \S+ \(exit 0\)/.test(rescuer.log()), 'the other worker to complete the task', 30_000);
    expect(rescuer.claimed()).toEqual([id]);
    const completed = await inspect(id, dir);
    expect(completed).toMatchObject({ status: 'completed', completed: [1, 2] });
    // The history tells a frozen runner from a killed one: its process was alive when its lease was taken over.
    expect((completed as { runs: { how: string; ending: string; detail: string }[] }).runs.map((r) => [r.how, r.ending])).toEqual([
      ['start', 'lease-lost'],
      ['takeover', 'completed'],
    ]);

    zombie.child.kill('SIGCONT');
    await waitFor(() => /released \S+ \(exit 3\)/.test(zombie.log()), 'the zombie run to stop by itself', 30_000);
    expect(zombie.log()).toMatch(/another runner took over task/);
    // It wrote nothing: the task, its steps, effects and journal are exactly as the other worker left them.
    expect(await inspect(id, dir)).toEqual(completed);
    expect(lines(ledger).filter((l) => l.startsWith('charged'))).toHaveLength(1);
    expect(lines(ledger).filter((l) => l === 'shipped')).toHaveLength(1);

    for (const worker of [zombie, rescuer]) worker.child.kill('SIGTERM');
    expect((await zombie.done).code).toBe(0);
    expect((await rescuer.done).code).toBe(0);
  });
});
