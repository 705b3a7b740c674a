import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildTimeline } from '../src/engine/timeline.js';
import { SqliteStore } from '../src/store/sqlite/sqlite-store.js';
import { runCli, spawnCli, waitFor } from './support/cli.js';
import { callKind, turnOf } from './support/llm-script.js';
import type { FakeOpenAI, RecordedRequest, Reply } from './support/openai-server.js';
import { useScriptedWorkspace } from './support/scripted-workspace.js';

let server: FakeOpenAI;
let dir: string;
let db: string;
useScriptedWorkspace((workspace) => ({ server, dir, db } = workspace));

const cli = (args: string[]) => runCli([...args, '--db', db], { cwd: dir });

/** Three `run:` steps; step 2 waits until the test creates `gate`, then ends with `exitCode`. */
function gatedTask(exitCode = 0): string {
  return [
    'goal: wait for the gate',
    'plan:',
    '  - name: before',
    '    run: echo "first"',
    '  - name: gate',
    `    run: while [ ! -e gate ]; do sleep 0.05; done; echo "through"; exit ${exitCode}`,
    '  - name: after',
    '    run: echo "last"',
    '',
  ].join('\n');
}

describe('agentrun logs --follow', () => {
  it('prints a task another process runs as it moves on, and ends with the exit code of its completion', async () => {
    writeFileSync(path.join(dir, 'gated.yaml'), gatedTask());
    const runner = spawnCli(['start', '--task', 'gated.yaml', '--id', 'watched', '--db', db], { cwd: dir });
    await created(runner, 'watched');
    const follower = spawnCli(['logs', 'watched', '--follow', '--db', db], { cwd: dir });
    let seen = '';
    follower.child.stdout!.on('data', (c: Buffer) => (seen += c.toString()));
    // The follower shows step 2 running while the runner is still in it: it is live, not a replay at the end.
    await waitFor(() => seen.includes('watched step 2/3 started: gate'), 'the follower to show step 2 running');
    expect(seen).not.toContain('step 2/3 done');
    writeFileSync(path.join(dir, 'gate'), '');
    const [ran, followed] = await Promise.all([runner.done, follower.done]);
    expect(ran.code).toBe(0);
    expect(followed.code).toBe(0);
    const lines = followed.stdout.trim().split('\n');
    expect(lines.map((l) => l.replace(/^\S+ watched /, '')).filter((l) => /^(created|step \d\/3|completed)/.test(l))).toEqual([
      'created: wait for the gate',
      'step 1/3 started: before',
      'step 1/3 done: first',
      'step 2/3 started: gate',
      'step 2/3 done: through',
      'step 3/3 started: after',
      'step 3/3 done: last',
      'completed',
    ]);
    // Every line is printed once, in time order.
    expect(new Set(lines).size).toBe(lines.length);
    const times = lines.map((l) => Date.parse(l.split(' ')[0]!));
    expect([...times].sort((a, b) => a - b)).toEqual(times);
  });

  it('ends with 1 when the task fails, and --json gives one event per line', async () => {
    writeFileSync(path.join(dir, 'gated.yaml'), gatedTask(5));
    const runner = spawnCli(['start', '--task', 'gated.yaml', '--id', 'doomed', '--db', db], { cwd: dir });
    await created(runner, 'doomed');
    const follower = spawnCli(['logs', 'doomed', '--follow', '--json', '--db', db], { cwd: dir });
    writeFileSync(path.join(dir, 'gate'), '');
    const [ran, followed] = await Promise.all([runner.done, follower.done]);
    expect(ran.code).toBe(1);
    expect(followed.code).toBe(1);
    const events = followed.stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(events[0]).toMatchObject({ task_id: 'doomed', type: 'task-created', goal: 'wait for the gate' });
    expect(events.find((e) => e.type === 'step-failed')).toMatchObject({ step: 2, name: 'gate' });
    expect(events.find((e) => e.type === 'task-finished')).toMatchObject({ status: 'failed' });
    // The run's end comes last: how it ended and what it did.
    expect(events.at(-1)).toMatchObject({ type: 'run-ended', run: 1, ending: 'failed', steps_completed: 1 });
    expect(events.every((e) => typeof e.at === 'string' && !Number.isNaN(Date.parse(e.at)))).toBe(true);
  });

  it("puts the run's end after the task's, and its beginning first, when they share a millisecond", async () => {
    // A failed task: its failure and its run's end are a few microseconds apart, often the same millisecond.
    writeFileSync(path.join(dir, 'gated.yaml'), gatedTask(5));
    writeFileSync(path.join(dir, 'gate'), '');
    expect((await runCli(['start', '--task', 'gated.yaml', '--id', 'doomed', '--db', db], { cwd: dir })).code).toBe(1);
    const store = await SqliteStore.open(db);
    try {
      const task = (await store.getTask('doomed'))!;
      const [run] = await store.getRuns('doomed');
      const sources = { task, steps: await store.getSteps('doomed'), turns: [], effects: [], notes: [] };
      const tied = buildTimeline({ ...sources, runs: [{ ...run!, startedAt: task.createdAt, endedAt: task.finishedAt }] });
      expect(tied.slice(0, 2).map((e) => e.type)).toEqual(['task-created', 'run-began']);
      expect(tied.slice(-2).map((e) => e.type)).toEqual(['task-finished', 'run-ended']);
    } finally {
      await store.close();
    }
  });

  it('of a task that is not running, prints its history and ends at once with its exit code', async () => {
    writeFileSync(path.join(dir, 'quick.yaml'), 'goal: one step\nplan:\n  - name: only\n    run: echo done\n');
    const crashed = await runCli(['start', '--task', 'quick.yaml', '--id', 'dead', '--db', db], { cwd: dir, env: { AGENTRUN_FAILPOINTS: 'before-step-commit' } });
    expect(crashed.signal).toBe('SIGKILL');
    const followed = await cli(['logs', 'dead', '--follow']);
    expect(followed.code).toBe(3);
    expect(followed.stdout).toContain('dead step 1/1 started: only');
    const unknown = await cli(['logs', 'nope']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toBe('agentrun: no task with id "nope" (see `agentrun status`)\n');
  });
});

describe('agentrun logs of an LLM task', () => {
  it('shows the turns, the tool calls with their keys and outcomes, and the discoveries', async () => {
    writeFileSync(
      path.join(dir, 'task.yaml'),
      'goal: Write notes\ntools: [write_file]\nplan:\n  - name: draft\n    description: Write notes.md\n',
    );
    server.script((request: RecordedRequest): Reply => {
      if (callKind(request) === 'final') return { content: 'done' };
      const turn = turnOf(request);
      if (turn === 0) return { toolCalls: [{ name: 'write_file', arguments: { path: 'notes.md', content: 'hi' } }] };
      if (turn === 1) return { toolCalls: [{ name: 'record_discovery', arguments: { fact: 'the notes file was missing' } }] };
      return { content: 'notes written' };
    });
    const ran = await runCli(['start', '--task', 'task.yaml', '--id', 'llm', '--db', db], { cwd: dir, env: { OPENAI_BASE_URL: server.url, OPENAI_API_KEY: 'k' } });
    expect(ran.code).toBe(0);
    const logs = await cli(['logs', 'llm']);
    expect(logs.code).toBe(0);
    const text = logs.stdout.replace(/^\S+ llm /gm, '');
    expect(text).toMatch(/^step 1 turn 1: LLM answered \(\d+ tokens\)$/m);
    expect(text).toMatch(/^step 1 tool write_file done \[llm:1:1:1\] \{"path":"notes.md","content":"hi"\}/m);
    expect(text).toContain('discovery (step 1): the notes file was missing');
    expect(text).toMatch(/^final result turn 1: LLM answered/m);
    expect(text).toMatch(/^completed$/m);
    expect(text.trim().split('\n').at(-1)).toMatch(/^run 1 ended: completed; 1 step, 4 LLM turns paid, \d+ effects$/);
  });
});

/** Until the runner says it created the task (its first line on stderr). */
async function created(runner: ReturnType<typeof spawnCli>, id: string): Promise<void> {
  let stderr = '';
  runner.child.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
  await waitFor(() => stderr.includes(`task ${id} created`), `task ${id} to be created`);
}
