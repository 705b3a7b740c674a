import { existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli, spawnCli, waitFor } from './support/cli.js';
import { dropSchema, pgUrl, schemaName } from './support/postgres.js';
import { tempDir } from './support/temp-dir.js';

/** `agentrun transfer`: every task of a SQLite file, with its run history, to PostgreSQL and back — whole, counted, never half-moved. */
const schemas = [schemaName('transfer_a'), schemaName('transfer_b')];
afterAll(async () => {
  for (const schema of schemas) await dropSchema(schema);
});

async function cli(args: string[], cwd: string) {
  return runCli(args, { cwd });
}

async function listed(db: string, cwd: string): Promise<{ task_id: string; status: string }[]> {
  const result = await cli(['status', '--all', '--json', '--limit', '100', '--db', db], cwd);
  return (JSON.parse(result.stdout) as { task_id: string; status: string }[]).map(({ task_id, status }) => ({ task_id, status })).sort((a, b) => a.task_id.localeCompare(b.task_id));
}

/** The checkpoint as inspect prints it, run history included: what must arrive unchanged. */
async function checkpoint(db: string, id: string, cwd: string): Promise<{ runs: unknown[] }> {
  return JSON.parse((await cli(['inspect', id, '--json', '--db', db], cwd)).stdout);
}

describe('agentrun transfer', () => {
  it('moves every task from SQLite to PostgreSQL and back, with its journal and run history, and counts them', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'agentrun.db');
    const pg = pgUrl(schemas[0]!);
    writeFileSync(path.join(dir, 'ok.yaml'), 'goal: works\nplan:\n  - name: one\n    run: echo one\n  - name: two\n    run: echo two\n');
    writeFileSync(path.join(dir, 'bad.yaml'), 'goal: breaks\nplan:\n  - name: one\n    run: echo one\n  - name: two\n    run: exit 3\n');
    expect((await cli(['start', '--task', 'ok.yaml', '--id', 'done-1', '--db', file], dir)).code).toBe(0);
    expect((await cli(['start', '--task', 'bad.yaml', '--id', 'failed-1', '--db', file], dir)).code).toBe(1);
    expect((await cli(['start', '--task', 'ok.yaml', '--id', 'queued-1', '--queue', 'q', '--db', file], dir)).code).toBe(0);
    const before = await listed(file, dir);
    const docs = await Promise.all(before.map((t) => checkpoint(file, t.task_id, dir)));
    expect(docs.map((doc) => doc.runs.length)).toEqual([1, 1, 0]);

    const moved = await cli(['transfer', '--db', file, '--to', pg], dir);
    expect(moved.code, moved.stderr).toBe(0);
    expect(moved.stdout.trim()).toBe(`moved 3 tasks to ${pg} (1 completed, 1 failed, 1 queued)`);
    expect(await listed(pg, dir)).toEqual(before);
    expect(await listed(file, dir)).toEqual([]);
    // Whole, run history included.
    expect(await Promise.all(before.map((t) => checkpoint(pg, t.task_id, dir)))).toEqual(docs);

    // The queued task is a worker's on PostgreSQL now; the failed one resumes there (and fails again at step 2 only).
    const resumed = await cli(['resume', 'failed-1', '--db', pg], dir);
    expect(resumed.stderr).toContain('step 2/2 started');
    expect(resumed.stderr).not.toContain('step 1/2 started');

    const back = path.join(dir, 'back.db');
    const history = (await checkpoint(pg, 'failed-1', dir)).runs;
    expect(history).toHaveLength(2);
    const returned = await cli(['transfer', '--db', pg, '--to', back, '--json'], dir);
    expect(returned.code, returned.stderr).toBe(0);
    expect(JSON.parse(returned.stdout)).toMatchObject({ moved: 3, already_moved: 0, by_status: { completed: 1, failed: 1, queued: 1 } });
    expect((await listed(back, dir)).map((t) => t.task_id)).toEqual(['done-1', 'failed-1', 'queued-1']);
    expect((await checkpoint(back, 'failed-1', dir)).runs).toEqual(history);
    expect(await listed(pg, dir)).toEqual([]);
  });

  it('moves nothing when an id in the target is another task, or while a task runs', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'agentrun.db');
    const pg = pgUrl(schemas[1]!);
    writeFileSync(path.join(dir, 'ok.yaml'), 'goal: works\nplan:\n  - name: one\n    run: echo one\n');
    writeFileSync(path.join(dir, 'slow.yaml'), 'goal: slow\nplan:\n  - name: one\n    run: echo started >> slow.log && sleep 30\n');
    for (const id of ['a', 'b']) await cli(['start', '--task', 'ok.yaml', '--id', id, '--db', file], dir);
    await cli(['start', '--task', 'ok.yaml', '--id', 'b', '--db', pg], dir);

    const clash = await cli(['transfer', '--db', file, '--to', pg], dir);
    expect(clash.code).toBe(2);
    expect(clash.stderr.trim()).toBe(`agentrun: task b exists in ${pg} and is not the same task; nothing was moved (export it and import it with --as NEW_ID)`);
    expect((await listed(file, dir)).map((t) => t.task_id)).toEqual(['a', 'b']);
    expect((await listed(pg, dir)).map((t) => t.task_id)).toEqual(['b']);

    const other = path.join(dir, 'other.db');
    const slow = spawnCli(['start', '--task', 'slow.yaml', '--id', 'slow', '--db', file], { cwd: dir });
    await waitFor(() => existsSync(path.join(dir, 'slow.log')), 'the slow task to start');
    const busy = await cli(['transfer', '--db', file, '--to', other], dir);
    expect(busy.code).toBe(2);
    expect(busy.stderr).toMatch(/^agentrun: 1 task is running \(slow, held by .*\); stop it or wait, then run transfer again; nothing was moved\n$/);
    slow.child.kill('SIGKILL');
    await slow.done;
    expect((await listed(file, dir)).map((t) => t.task_id)).toEqual(['a', 'b', 'slow']);
  });
});
