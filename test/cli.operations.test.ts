import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { cliSandbox, REPO_ROOT, runCli, waitFor } from './support/cli.js';

/** Four quick `run:` steps, each appending "<task> <step>" to steps.log; `slow` makes step 2 sleep. */
function quickTask(options: { slow?: number; retention?: string } = {}): string {
  const step = (n: number, extra = '') => `  - name: step-${n}\n    run: echo "$AGENTRUN_TASK_ID ${n}" >> steps.log${extra} && echo "result ${n}"\n`;
  return `goal: four quick steps\n${options.retention ? `retention: ${options.retention}\n` : ''}plan:\n${step(1)}${step(2, options.slow ? ` && sleep ${options.slow}` : '')}${step(3)}${step(4)}`;
}

function setup() {
  const sandbox = cliSandbox();
  const count = (line: string) => sandbox.lines('steps.log').filter((l) => l === line).length;
  return { ...sandbox, count };
}

describe('resume --all', () => {
  it('runs exactly the interrupted tasks, not one whose runner is alive', async () => {
    const { dir, cli, spawn, count } = setup();
    writeFileSync(path.join(dir, 'quick.yaml'), quickTask());
    writeFileSync(path.join(dir, 'slow.yaml'), quickTask({ slow: 30 }));
    for (const id of ['a', 'b', 'c']) {
      const crashed = await cli(['start', '--task', 'quick.yaml', '--id', id], { AGENTRUN_FAILPOINTS: 'after-step-commit' });
      expect(crashed.signal).toBe('SIGKILL');
    }
    const live = spawn(['start', '--task', 'slow.yaml', '--id', 'live']);
    try {
      await waitFor(() => count('live 2') === 1, 'the live task to reach its slow step');
      const swept = await cli(['resume', '--all', '--concurrency', '2', '--json']);
      expect(swept.code).toBe(0);
      const report = JSON.parse(swept.stdout);
      expect(report.tasks.map((t: { task_id: string }) => t.task_id).sort()).toEqual(['a', 'b', 'c']);
      for (const id of ['a', 'b', 'c']) {
        expect(count(`${id} 1`)).toBe(1);
        expect(count(`${id} 4`)).toBe(1);
      }
      expect(count('live 3')).toBe(0);
    } finally {
      live.child.kill('SIGKILL');
      await live.done;
    }
  });

  it('overlapping sweeps never run a task twice, and the exit code is the worst', async () => {
    const { dir, cli, count } = setup();
    writeFileSync(path.join(dir, 'quick.yaml'), quickTask({ slow: 1 }));
    writeFileSync(path.join(dir, 'bad.yaml'), 'goal: fails\nplan:\n  - name: boom\n    run: exit 7\n');
    for (const id of ['x', 'y']) await cli(['start', '--task', 'quick.yaml', '--id', id], { AGENTRUN_FAILPOINTS: 'after-step-commit' });
    await cli(['start', '--task', 'bad.yaml', '--id', 'bad'], { AGENTRUN_FAILPOINTS: 'after-plan' });
    const [one, two] = await Promise.all([cli(['resume', '--all']), cli(['resume', '--all'])]);
    for (const id of ['x', 'y']) for (const n of [2, 3, 4]) expect(count(`${id} ${n}`)).toBe(1);
    // The failed task makes the sweep that ran it exit 1; a sweep that only skipped or completed exits 0.
    expect([one.code, two.code]).toContain(1);
  });

  it('with nothing to resume, says so and exits 0', async () => {
    const { cli } = setup();
    const result = await cli(['resume', '--all']);
    expect(result.code).toBe(0);
    expect(result.stderr).toContain('nothing to resume');
  });
});

describe('fork', () => {
  it('copies the steps before N and reruns only N..end', async () => {
    const { dir, cli, count } = setup();
    writeFileSync(path.join(dir, 'quick.yaml'), quickTask());
    expect((await cli(['start', '--task', 'quick.yaml', '--id', 'orig'])).code).toBe(0);
    const forked = await cli(['fork', 'orig', '--from-step', '3', '--id', 'again']);
    expect(forked.code).toBe(0);
    // What a script captures is the new id; the sentence is on stderr.
    expect(forked.stdout).toBe('again\n');
    expect(forked.stderr).toContain('forked orig from step 3 as again');
    expect((await cli(['resume', 'again'])).code).toBe(0);
    expect(count('again 1')).toBe(0);
    expect(count('again 2')).toBe(0);
    expect(count('again 3')).toBe(1);
    expect(count('again 4')).toBe(1);
    const doc = JSON.parse((await cli(['inspect', 'again', '--json'])).stdout);
    expect(doc.results).toEqual({ '1': 'result 1', '2': 'result 2', '3': 'result 3', '4': 'result 4' });
    // A new task: its history is its own run, not the source's.
    expect(doc.runs.map((r: { run: number; how: string; ending: string }) => [r.run, r.how, r.ending])).toEqual([[1, 'start', 'completed']]);
    // The source is untouched.
    expect(JSON.parse((await cli(['inspect', 'orig', '--json'])).stdout).status).toBe('completed');
  });

  it('refuses a step number outside the plan', async () => {
    const { dir, cli } = setup();
    writeFileSync(path.join(dir, 'quick.yaml'), quickTask());
    await cli(['start', '--task', 'quick.yaml', '--id', 'orig']);
    const result = await cli(['fork', 'orig', '--from-step', '9']);
    expect(result.code).toBe(2);
    expect(result.stderr.trim()).toBe('agentrun: --from-step must be between 1 and 4 for task orig');
  });
});

describe('export and import', () => {
  it('moves an interrupted task to another database, where resume completes it without redoing steps', async () => {
    const { dir, cli, count } = setup();
    writeFileSync(path.join(dir, 'quick.yaml'), quickTask());
    await cli(['start', '--task', 'quick.yaml', '--id', 'moving'], { AGENTRUN_FAILPOINTS: 'after-step-commit@2' });
    const exported = await cli(['export', 'moving', '-o', 'moving.json']);
    expect(exported.code).toBe(0);
    expect(exported.stdout).toBe('exported moving (running, 2/4 steps) to moving.json\n');

    const other = path.join(dir, 'other.db');
    const imported = await runCli(['import', 'moving.json', '--yes', '--db', other], { cwd: dir });
    expect(imported.code).toBe(0);
    expect(imported.stdout).toBe('moving\n');
    expect(imported.stderr).toContain('continue with: agentrun resume moving');
    // Its run history comes along; the run the kill left open is not continued here (the exporting database settles it).
    const [killedRun] = JSON.parse(readFileSync(path.join(dir, 'moving.json'), 'utf8')).runs;
    expect(killedRun).toMatchObject({ run: 1, how: 'start', ended_at: null });
    const runsThere = async () => JSON.parse((await runCli(['inspect', 'moving', '--json', '--db', other], { cwd: dir })).stdout).runs;
    expect(await runsThere()).toEqual([
      { ...killedRun, ended_at: expect.any(String), ending: 'interrupted', detail: 'still open when the task was exported; imported here, where it did not continue' },
    ]);
    const resumed = await runCli(['resume', 'moving', '--db', other], { cwd: dir });
    expect(resumed.code).toBe(0);
    expect([1, 2, 3, 4].map((n) => count(`moving ${n}`))).toEqual([1, 1, 1, 1]);
    expect((await runsThere()).map((r: { run: number; how: string; ending: string }) => [r.run, r.how, r.ending])).toEqual([
      [1, 'start', 'interrupted'],
      [2, 'resume', 'completed'],
    ]);

    // A second import of the same id is refused, unless renamed.
    const again = await runCli(['import', 'moving.json', '--yes', '--db', other], { cwd: dir });
    expect(again.code).toBe(2);
    expect(again.stderr.trim().split('\n').at(-1)).toBe('agentrun: a task with id "moving" already exists here; import it under another id with --as NEW_ID');
    expect((await runCli(['import', 'moving.json', '--as', 'moved-twice', '--yes', '--db', other], { cwd: dir })).code).toBe(0);
  });

  it('refuses a file that is not a checkpoint, naming the field', async () => {
    const { dir, cli } = setup();
    writeFileSync(path.join(dir, 'bogus.json'), JSON.stringify({ format: 'agentrun.checkpoint/1', task_id: 'x' }));
    const result = await cli(['import', 'bogus.json']);
    expect(result.code).toBe(2);
    expect(result.stderr.trim()).toMatch(/^agentrun: bogus\.json is not an agentrun checkpoint: \w+: .* \(and \d+ more problems\)$/);
  });
});

describe('retention', () => {
  it('gc removes expired journals and keeps summaries', async () => {
    const { dir, cli } = setup();
    writeFileSync(path.join(dir, 'short.yaml'), quickTask({ retention: '0s' }));
    writeFileSync(path.join(dir, 'long.yaml'), quickTask());
    await cli(['start', '--task', 'short.yaml', '--id', 'old']);
    await cli(['start', '--task', 'long.yaml', '--id', 'fresh']);

    const dry = await cli(['gc', '--dry-run', '--json']);
    expect(JSON.parse(dry.stdout)).toEqual({ dry_run: true, tasks: ['old'] });
    expect(JSON.parse((await cli(['inspect', 'old', '--json'])).stdout).plan).toHaveLength(4);

    // Without a terminal, gc will not guess: it wants --yes.
    const unconfirmed = await cli(['gc']);
    expect(unconfirmed.code).toBe(2);
    expect(unconfirmed.stderr).toContain('pass --yes');

    const collected = await cli(['gc', '--yes']);
    expect(collected.code).toBe(0);
    expect(collected.stdout).toBe('removed the journals of 1 task(s): old\n');
    const listed = JSON.parse((await cli(['status', '--json'])).stdout).map((t: { task_id: string }) => t.task_id);
    expect(listed).toEqual(['fresh']);
    const all = JSON.parse((await cli(['status', '--all', '--json'])).stdout);
    expect(all.map((t: { task_id: string }) => t.task_id).sort()).toEqual(['fresh', 'old']);
    const summary = JSON.parse((await cli(['inspect', 'old', '--json'])).stdout);
    expect(summary).toMatchObject({ status: 'completed', plan: [], results: {}, result: expect.stringContaining('result 4') });
  });

  it('a failed task past retention is collected too, and can then not be resumed (its steps are gone)', async () => {
    const { dir, cli, count } = setup();
    writeFileSync(path.join(dir, 'fail.yaml'), 'goal: fails late\nretention: 0s\nplan:\n  - name: one\n    run: echo "$AGENTRUN_TASK_ID 1" >> steps.log\n  - name: two\n    run: exit 3\n');
    expect((await cli(['start', '--task', 'fail.yaml', '--id', 'broken'])).code).toBe(1);
    expect(JSON.parse((await cli(['gc', '--dry-run', '--json'])).stdout).tasks).toEqual(['broken']);
    expect((await cli(['gc', '--yes'])).code).toBe(0);
    const resumed = await cli(['resume', 'broken']);
    expect(resumed.code).toBe(2);
    expect(resumed.stderr.trim()).toBe('agentrun: task broken was garbage-collected (its steps and journals are gone): it cannot be resumed');
    expect(count('broken 1')).toBe(1);
  });

  it('--older-than picks by finish time', async () => {
    const { dir, cli } = setup();
    writeFileSync(path.join(dir, 'quick.yaml'), quickTask());
    await cli(['start', '--task', 'quick.yaml', '--id', 't']);
    expect(JSON.parse((await cli(['gc', '--older-than', '1d', '--dry-run', '--json'])).stdout).tasks).toEqual([]);
    expect(JSON.parse((await cli(['gc', '--older-than', '0s', '--dry-run', '--json'])).stdout).tasks).toEqual(['t']);
  });
});

describe('cancel', () => {
  it('marks a stopped task cancelled; resume then has nothing to do', async () => {
    const { dir, cli, count } = setup();
    writeFileSync(path.join(dir, 'quick.yaml'), quickTask());
    await cli(['start', '--task', 'quick.yaml', '--id', 'stop'], { AGENTRUN_FAILPOINTS: 'after-step-commit' });
    expect((await cli(['cancel', 'stop', '--yes'])).code).toBe(0);
    const resumed = await cli(['resume', 'stop']);
    expect(resumed.code).toBe(0);
    expect(count('stop 2')).toBe(0);
    expect(JSON.parse((await cli(['inspect', 'stop', '--json'])).stdout).status).toBe('cancelled');
    expect((await cli(['cancel', 'stop', '--yes'])).code).toBe(2);
  });

  it('stops a running task at its next safe point, and says so only once it has stopped', async () => {
    const { dir, cli, spawn, count } = setup();
    writeFileSync(path.join(dir, 'slow.yaml'), quickTask({ slow: 30 }));
    const running = spawn(['start', '--task', 'slow.yaml', '--id', 'busy'], { AGENTRUN_HEARTBEAT_MS: '100' });
    await waitFor(() => count('busy 2') === 1, 'the slow step');
    const cancel = await cli(['cancel', 'busy', '--yes']);
    expect(cancel.stdout).toBe('task busy cancelled\n');
    expect(cancel.code).toBe(0);
    const stopped = await running.done;
    expect(stopped.code).toBe(1);
    expect(count('busy 3')).toBe(0);
    expect(JSON.parse((await cli(['inspect', 'busy', '--json'])).stdout).status).toBe('cancelled');
  });
});

describe('the cron recipe', () => {
  it('start --id run twice with a kill in between completes the task once', async () => {
    const { cli, spawn, lines, count } = setup();
    const hello = path.join(REPO_ROOT, 'tasks/hello-offline.yaml');
    const line = ['start', '--task', hello, '--id', 'nightly-2026-11-24'];
    const first = spawn(line);
    await waitFor(() => lines('hello-offline.log').some((l) => l.startsWith('2 ')), 'step 2');
    first.child.kill('SIGKILL');
    await first.done;
    const second = await cli(line);
    expect(second.code).toBe(0);
    const third = await cli(line);
    expect(third.code).toBe(0);
    const helloLog = lines('hello-offline.log');
    expect(helloLog.filter((l) => l.startsWith('1 '))).toHaveLength(1);
    expect(helloLog.filter((l) => l.startsWith('4 '))).toHaveLength(1);
    expect(count('x')).toBe(0);
  });
});
