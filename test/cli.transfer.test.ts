import { existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCli, spawnCli, waitFor } from './support/cli.js';
import { startOpenAIServer, type FakeOpenAI, type RecordedRequest, type Reply } from './support/openai-server.js';
import { dropSchema, pgUrl, schemaName } from './support/postgres.js';
import { waitUntilStopped } from './support/processes.js';
import { tempDir } from './support/temp-dir.js';

/**
 * `agentrun transfer`: every task of a SQLite file, with its run history, and the long-term memory, to PostgreSQL
 * and back — whole, counted, never half-moved, never twice.
 */
const schemas = ['transfer_a', 'transfer_b', 'transfer_c', 'transfer_d', 'transfer_e'].map((prefix) => schemaName(prefix));
afterAll(async () => {
  for (const schema of schemas) await dropSchema(schema);
});

// A scripted LLM, for tasks that learn and recall memories.
let server: FakeOpenAI;
beforeEach(async () => {
  server = await startOpenAIServer();
});
afterEach(() => server.close());

async function cli(args: string[], cwd: string, env: Record<string, string> = {}) {
  return runCli(args, { cwd, env: { OPENAI_BASE_URL: server.url, OPENAI_API_KEY: 'test-key', ...env } });
}

const FACT = 'The staging deploy key lives in vault at secret/zephyr-staging';

/**
 * Runs a one-step LLM task on `db`: turn 1 records `fact` (if given), turn 2 answers. Returns the context its first
 * step started from: where recalled memories show.
 */
async function llmTask(db: string, dir: string, id: string, goal: string, fact?: string): Promise<string> {
  writeFileSync(path.join(dir, `${id}.yaml`), `goal: ${JSON.stringify(goal)}\nplan:\n  - name: look into it\n    description: Find what the goal needs\n`);
  server.script((request: RecordedRequest): Reply => {
    if (!request.body.tools) return { content: 'All done.' };
    const turn = request.body.messages.filter((m: { role: string }) => m.role === 'assistant').length;
    if (turn === 0 && fact) return { toolCalls: [{ name: 'record_discovery', arguments: { fact } }] };
    return { content: 'step finished' };
  });
  const before = server.chatRequests().length;
  const result = await cli(['start', '--task', `${id}.yaml`, '--id', id, '--db', db], dir);
  expect(result.code, result.stderr).toBe(0);
  return String(server.chatRequests()[before]?.body.messages[1]?.content ?? '');
}

/** On `db`: one task learns FACT, a second recalls it and completes (so FACT counts 1 recall, 1 useful); a person adds a note. */
async function learnAndRecall(db: string, dir: string): Promise<void> {
  await llmTask(db, dir, 'find-key', 'Find where the staging deploy key is kept', FACT);
  expect(await llmTask(db, dir, 'rotate-key', 'Rotate the staging deploy key')).toContain(FACT);
  expect((await cli(['memory', 'add', 'Key rotations are announced in #ops', '--tag', 'ops', '--db', db], dir)).code).toBe(0);
}

interface ListedMemory {
  text: string;
  tags: string[];
  sources: string[];
  recall_count: number;
  useful_count: number;
}

/** `memory list --json`, without ids (the target gives its own), in text order. */
async function memories(db: string, cwd: string): Promise<ListedMemory[]> {
  const listed = await cli(['memory', 'list', '--json', '--limit', '100', '--db', db], cwd);
  expect(listed.code, listed.stderr).toBe(0);
  return (JSON.parse(listed.stdout) as (ListedMemory & { id: number })[]).map(({ id: _id, ...memory }) => memory).sort((a, b) => a.text.localeCompare(b.text));
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
  it('moves every task from SQLite to PostgreSQL and back, with its journal and run history, and the memory it left, and counts them', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'agentrun.db');
    const pg = pgUrl(schemas[0]!);
    writeFileSync(path.join(dir, 'ok.yaml'), 'goal: works\nplan:\n  - name: one\n    run: echo one\n  - name: two\n    run: echo two\n');
    writeFileSync(path.join(dir, 'bad.yaml'), 'goal: breaks\nplan:\n  - name: one\n    run: echo one\n  - name: two\n    run: exit 3\n');
    expect((await cli(['start', '--task', 'ok.yaml', '--id', 'done-1', '--db', file], dir)).code).toBe(0);
    expect((await cli(['start', '--task', 'bad.yaml', '--id', 'failed-1', '--db', file], dir)).code).toBe(1);
    expect((await cli(['start', '--task', 'ok.yaml', '--id', 'queued-1', '--queue', 'q', '--db', file], dir)).code).toBe(0);
    expect((await cli(['queue', 'q', '--limit', '2', '--db', file], dir)).code).toBe(0);
    const before = await listed(file, dir);
    const docs = await Promise.all(before.map((t) => checkpoint(file, t.task_id, dir)));
    expect(docs.map((doc) => doc.runs.length)).toEqual([1, 1, 0]);
    const learned = await memories(file, dir);
    expect(learned.map((m) => m.sources)).toEqual([['done-1']]);

    const moved = await cli(['transfer', '--db', file, '--to', pg], dir);
    expect(moved.code, moved.stderr).toBe(0);
    expect(moved.stdout.trim()).toBe(`moved 3 tasks to ${pg} (1 completed, 1 failed, 1 queued) and 1 memory`);
    // The queue's limit is there before its task: the target's workers never run it unbounded.
    expect(moved.stderr.trim()).toBe('copied the limits of 1 queue (agentrun queue shows them)');
    expect(JSON.parse((await cli(['queue', '--json', '--db', pg], dir)).stdout)).toEqual([{ queue: 'q', limit: 2, waiting: 1, running: 0 }]);
    expect(await listed(pg, dir)).toEqual(before);
    expect(await listed(file, dir)).toEqual([]);
    // Whole, run history included.
    expect(await Promise.all(before.map((t) => checkpoint(pg, t.task_id, dir)))).toEqual(docs);
    expect(await memories(pg, dir)).toEqual(learned);
    expect(await memories(file, dir)).toEqual([]);

    // The queued task is a worker's on PostgreSQL now; the failed one resumes there (and fails again at step 2 only).
    const resumed = await cli(['resume', 'failed-1', '--db', pg], dir);
    expect(resumed.stderr).toContain('step 2/2 started');
    expect(resumed.stderr).not.toContain('step 1/2 started');

    const back = path.join(dir, 'back.db');
    const history = (await checkpoint(pg, 'failed-1', dir)).runs;
    expect(history).toHaveLength(2);
    const returned = await cli(['transfer', '--db', pg, '--to', back, '--json'], dir);
    expect(returned.code, returned.stderr).toBe(0);
    expect(JSON.parse(returned.stdout)).toMatchObject({
      moved: 3, already_moved: 0, by_status: { completed: 1, failed: 1, queued: 1 }, memories: 1, memories_merged: 0, memories_already_moved: 0, memories_kept: 0,
      queue_limits: 1,
    });
    expect((await listed(back, dir)).map((t) => t.task_id)).toEqual(['done-1', 'failed-1', 'queued-1']);
    expect((await checkpoint(back, 'failed-1', dir)).runs).toEqual(history);
    expect(await memories(back, dir)).toEqual(learned);
    expect(await listed(pg, dir)).toEqual([]);
    expect(await memories(pg, dir)).toEqual([]);
  });

  it('moves long-term memory with its sources, recalls and counters, merged into what the target knows; tasks there recall it', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'agentrun.db');
    const pg = pgUrl(schemas[2]!);
    await learnAndRecall(file, dir);
    const learned = await memories(file, dir);
    expect(learned.find((m) => m.text === FACT)).toMatchObject({ sources: ['find-key'], recall_count: 1, useful_count: 1 });
    // A person on the target wrote the same fact down already.
    expect((await cli(['memory', 'add', FACT.toLowerCase(), '--tag', 'vault', '--db', pg], dir)).code).toBe(0);

    const moved = await cli(['transfer', '--db', file, '--to', pg], dir);
    expect(moved.code, moved.stderr).toBe(0);
    expect(moved.stdout.trim()).toBe(`moved 2 tasks to ${pg} (2 completed) and ${learned.length} memories`);
    expect(moved.stderr.trim()).toBe(`1 memory was known in ${pg} already (the same text) and was merged there: sources, tags and recalls combined`);
    const there = await memories(pg, dir);
    expect(there.map((m) => m.text)).toEqual(learned.map((m) => (m.text === FACT ? FACT.toLowerCase() : m.text)));
    expect(there.find((m) => m.text === FACT.toLowerCase())).toMatchObject({ tags: ['vault'], sources: ['find-key'], recall_count: 1, useful_count: 1 });
    expect(await memories(file, dir)).toEqual([]);

    // A later task on PostgreSQL recalls it, with the record it earned on SQLite.
    const context = await llmTask(pg, dir, 'use-key', 'Use the staging deploy key');
    expect(context).toMatch(/- the staging deploy key lives in vault at secret\/zephyr-staging \[matched "staging", "deploy", "key", .*useful 1 of 1 time\]/);
    const search = await cli(['memory', 'search', 'staging', 'deploy', 'key', '--json', '--db', pg], dir);
    expect(JSON.parse(search.stdout)[0]).toMatchObject({ text: FACT.toLowerCase(), recall_count: 2, useful_count: 2 });
  });

  it('run again after a transfer was killed between the commit and the removal, moves nothing twice', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'agentrun.db');
    const pg = pgUrl(schemas[3]!);
    await learnAndRecall(file, dir);
    const learned = await memories(file, dir);
    const docs = await Promise.all(['find-key', 'rotate-key'].map((id) => checkpoint(file, id, dir)));

    const killed = await cli(['transfer', '--db', file, '--to', pg], dir, { AGENTRUN_FAILPOINTS: 'after-transfer-commit' });
    expect(killed.signal).toBe('SIGKILL');
    // Whole in both.
    expect(await memories(pg, dir)).toEqual(learned);
    expect(await memories(file, dir)).toEqual(learned);

    const again = await cli(['transfer', '--db', file, '--to', pg, '--json'], dir);
    expect(again.code, again.stderr).toBe(0);
    expect(JSON.parse(again.stdout)).toMatchObject({ moved: 0, already_moved: 2, memories: 0, memories_merged: 0, memories_already_moved: learned.length, memories_kept: 0 });
    expect(await memories(pg, dir)).toEqual(learned);
    expect(await Promise.all(['find-key', 'rotate-key'].map((id) => checkpoint(pg, id, dir)))).toEqual(docs);
    expect(await memories(file, dir)).toEqual([]);
    expect(await listed(file, dir)).toEqual([]);
  });

  it('keeps in the source a memory that changed while the transfer ran; the next transfer moves the change', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'agentrun.db');
    const pg = pgUrl(schemas[4]!);
    for (const text of ['Builds need Node 20', 'Key rotations are announced in #ops']) {
      expect((await cli(['memory', 'add', text, '--tag', 'ops', '--db', file], dir)).code).toBe(0);
    }
    const transfer = spawnCli(['transfer', '--db', file, '--to', pg, '--json'], {
      cwd: dir,
      env: { AGENTRUN_FAILPOINTS: 'after-transfer-commit:stop' },
    });
    await waitUntilStopped(transfer.child.pid!, 'the transfer to freeze after its commit');
    // Meanwhile, in the source, someone tags one of the memories already written to the target.
    expect((await cli(['memory', 'add', 'Builds need Node 20', '--tag', 'ci', '--db', file], dir)).code).toBe(0);
    transfer.child.kill('SIGCONT');
    const first = await transfer.done;
    expect(first.code, first.stderr).toBe(0);
    expect(JSON.parse(first.stdout)).toMatchObject({ memories: 2, memories_kept: 1 });
    expect((await memories(file, dir)).map((m) => [m.text, m.tags])).toEqual([['Builds need Node 20', ['ops', 'ci']]]);

    const second = await cli(['transfer', '--db', file, '--to', pg], dir);
    expect(second.code, second.stderr).toBe(0);
    expect(second.stdout.trim()).toBe(`moved 0 tasks to ${pg} and 1 memory`);
    expect((await memories(pg, dir)).map((m) => [m.text, m.tags])).toEqual([
      ['Builds need Node 20', ['ops', 'ci']],
      ['Key rotations are announced in #ops', ['ops']],
    ]);
    expect(await memories(file, dir)).toEqual([]);
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
