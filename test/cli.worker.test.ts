import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli, waitFor } from './support/cli.js';
import { dropSchema, pgUrl, schemaName } from './support/postgres.js';
import { tempDir } from './support/temp-dir.js';
import { CHARGE_ONCE, spawnWorker } from './support/worker-fleet.js';

/**
 * The worker model from the command line, on both stores: `start --queue` only records a task, `worker` runs it,
 * SIGTERM drains, and a worker killed with -9 has its task finished by another with nothing done twice.
 */
const schema = schemaName('cli_worker');
afterAll(() => dropSchema(schema));

const stores: [string, (dir: string) => string][] = [
  ['SQLite', (dir) => path.join(dir, 'agentrun.db')],
  ['PostgreSQL', () => pgUrl(schema)],
];

function lines(file: string): string[] {
  return existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter(Boolean) : [];
}

async function taskStatus(db: string, id: string, cwd: string) {
  const result = await runCli(['status', '--json', '--limit', '1000', '--db', db], { cwd });
  return (JSON.parse(result.stdout) as { task_id: string; status: string; lease_owner: string | null; queue: string | null }[]).find((t) => t.task_id === id);
}

for (const [name, dbIn] of stores) {
  describe(`workers on ${name}`, () => {
    it('start --queue only records the task; a worker runs it; SIGTERM drains and exits 0', async () => {
      const dir = tempDir();
      const db = dbIn(dir);
      writeFileSync(path.join(dir, 'task.yaml'), 'goal: two steps\nplan:\n  - name: one\n    run: echo one >> log.txt\n  - name: slow\n    run: echo slow >> log.txt && sleep 20\n');
      const queued = await runCli(['start', '--task', 'task.yaml', '--queue', 'q1', '--db', db], { cwd: dir });
      expect(queued.code).toBe(0);
      const id = queued.stdout.trim();
      expect(await taskStatus(db, id, dir)).toMatchObject({ status: 'queued', queue: 'q1', lease_owner: null });
      expect(lines(path.join(dir, 'log.txt'))).toEqual([]);

      // A step longer than the drain's grace: it is cut off when the grace is over.
      const worker = spawnWorker(['--queue', 'q1', '--drain-timeout', '300', '--db', db], { cwd: dir });
      await waitFor(() => lines(path.join(dir, 'log.txt')).includes('slow'), 'the slow step to start');
      const running = await taskStatus(db, id, dir);
      expect(running).toMatchObject({ status: 'running' });
      expect(running!.lease_owner).toMatch(/:\d+$/);
      const workers = JSON.parse((await runCli(['workers', '--json', '--db', db], { cwd: dir })).stdout);
      expect(workers).toEqual([expect.objectContaining({ worker: running!.lease_owner, queue: 'q1', concurrency: 1, tasks: [id] })]);

      worker.child.kill('SIGTERM');
      const drained = await worker.done;
      expect(drained.code, worker.log()).toBe(0);
      expect(worker.log()).toContain('draining');
      expect(await taskStatus(db, id, dir)).toMatchObject({ status: 'interrupted', lease_owner: null });
      expect(JSON.parse((await runCli(['workers', '--json', '--db', db], { cwd: dir })).stdout)).toEqual([]);
    });

    it('a worker killed with -9 has its task finished by another, every effect once', async () => {
      const dir = tempDir();
      const db = dbIn(dir);
      const ledger = path.join(dir, 'ledger.txt');
      writeFileSync(path.join(dir, 'task.yaml'), CHARGE_ONCE);
      const workers = [spawnWorker(['--queue', 'q2', '--db', db], { cwd: dir }), spawnWorker(['--queue', 'q2', '--db', db], { cwd: dir })];
      const queued = await runCli(['start', '--task', 'task.yaml', '--queue', 'q2', '--db', db], { cwd: dir });
      const id = queued.stdout.trim();
      await waitFor(() => lines(ledger).length === 1, 'the charge');
      const holder = workers.find((w) => w.claimed().includes(id))!;
      const other = workers.find((w) => w !== holder)!;
      holder.child.kill('SIGKILL');
      expect((await holder.done).signal).toBe('SIGKILL');

      await waitFor(() => lines(ledger).includes('shipped'), 'the other worker to finish the task', 30_000);
      await waitFor(() => /released \S+ \(exit 0\)/.test(other.log()), 'the task to complete');
      expect(other.claimed()).toEqual([id]);
      expect(lines(ledger).filter((l) => l.startsWith('charged'))).toHaveLength(1);
      expect(lines(ledger).filter((l) => l === 'shipped')).toHaveLength(1);
      expect(await taskStatus(db, id, dir)).toMatchObject({ status: 'completed', lease_owner: null });
      // The run history tells the dead worker's run from the takeover; each claim took the lease once (one epoch each).
      const doc = JSON.parse((await runCli(['inspect', id, '--json', '--db', db], { cwd: dir })).stdout);
      expect(doc.runs.map((r: { how: string; ending: string }) => [r.how, r.ending])).toEqual([
        ['start', 'killed'],
        ['takeover', 'completed'],
      ]);

      other.child.kill('SIGTERM');
      expect((await other.done).code).toBe(0);
    });

    it("a queue's limit holds across workers: never more of its tasks at once than it allows", async () => {
      const dir = tempDir();
      const db = dbIn(dir);
      const log = path.join(dir, 'log.txt');
      writeFileSync(path.join(dir, 'task.yaml'), 'goal: one at a time\nplan:\n  - name: work\n    run: echo start >> log.txt && sleep 0.3 && echo end >> log.txt\n');
      expect((await runCli(['queue', 'q4', '--limit', '1', '--db', db], { cwd: dir })).code).toBe(0);
      for (let i = 0; i < 4; i++) expect((await runCli(['start', '--task', 'task.yaml', '--queue', 'q4', '--db', db], { cwd: dir })).code).toBe(0);
      // Four places offered (two workers, two each), one allowed.
      const workers = [0, 1].map(() => spawnWorker(['--queue', 'q4', '--concurrency', '2', '--db', db], { cwd: dir }));
      await waitFor(() => lines(log).filter((l) => l === 'end').length === 4, 'the four tasks', 30_000);
      expect(lines(log)).toEqual(Array.from({ length: 4 }, () => ['start', 'end']).flat());
      const shown = JSON.parse((await runCli(['queue', 'q4', '--json', '--db', db], { cwd: dir })).stdout);
      expect(shown).toEqual([{ queue: 'q4', limit: 1, waiting: 0, running: 0 }]);
      for (const w of workers) w.child.kill('SIGTERM');
      for (const w of workers) expect((await w.done).code).toBe(0);
    });

    it('a worker drained by SIGTERM finishes the step it is in, and another worker takes the task at once for the rest', async () => {
      const dir = tempDir();
      const db = dbIn(dir);
      const log = path.join(dir, 'log.txt');
      writeFileSync(
        path.join(dir, 'task.yaml'),
        'goal: deploy-safe\nplan:\n  - name: one\n    run: echo one >> log.txt\n  - name: slow\n    run: echo slow started >> log.txt && sleep 1 && echo slow done >> log.txt\n  - name: three\n    run: echo three >> log.txt\n',
      );
      // A retry delay of ten minutes: were the drained task treated like a failure, the test would time out.
      const args = ['--queue', 'q3', '--retry-after', '600000', '--db', db];
      const first = spawnWorker(args, { cwd: dir });
      const id = (await runCli(['start', '--task', 'task.yaml', '--queue', 'q3', '--db', db], { cwd: dir })).stdout.trim();
      await waitFor(() => lines(log).includes('slow started'), 'the slow step to start');
      const second = spawnWorker(args, { cwd: dir });
      const onQueue = async () => (JSON.parse((await runCli(['workers', '--json', '--db', db], { cwd: dir })).stdout) as { queue: string }[]).filter((w) => w.queue === 'q3');
      await waitFor(async () => (await onQueue()).length === 2, 'the second worker');
      first.child.kill('SIGTERM');
      expect((await first.done).code, first.log()).toBe(0);
      // The slow step was let finish: the drain cut nothing off.
      expect(lines(log)).toEqual(['one', 'slow started', 'slow done']);

      await waitFor(async () => (await taskStatus(db, id, dir))?.status === 'completed', 'the second worker to finish the task', 30_000);
      expect(second.claimed()).toEqual([id]);
      // Every step ran once: the second worker began where the drain stopped.
      expect(lines(log)).toEqual(['one', 'slow started', 'slow done', 'three']);
      second.child.kill('SIGTERM');
      expect((await second.done).code).toBe(0);
    });
  });
}

