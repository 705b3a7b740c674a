import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { cliSandbox } from './support/cli.js';

const hookLines = (dir: string) => (existsSync(path.join(dir, 'hooks.log')) ? readFileSync(path.join(dir, 'hooks.log'), 'utf8').split('\n').filter(Boolean) : []);

/** What a hook writes: the environment it was given. */
const RECORD = 'echo "$AGENTRUN_TASK_ID|$AGENTRUN_STATUS|$AGENTRUN_REASON|$AGENTRUN_HINT|$AGENTRUN_RUN" >> hooks.log';

describe('hooks (on: in a task file, --on on start)', () => {
  it('runs the completed hook once with the task in its environment; a failing hook is reported and changes nothing', async () => {
    const { dir, cli, inspect } = cliSandbox();
    writeFileSync(path.join(dir, 'ok.yaml'), `goal: hooked\non:\n  completed: '${RECORD}'\nplan:\n  - name: one\n    run: echo done\n`);
    const ran = await cli(['start', '--task', 'ok.yaml', '--id', 'ok']);
    expect(ran.code).toBe(0);
    expect(hookLines(dir)).toEqual(['ok|completed||agentrun inspect ok|1']);
    expect(ran.stderr).toMatch(/ok hook on completed ran/);
    // The cron line again: completed already, the hook does not run a second time.
    expect((await cli(['start', '--task', 'ok.yaml', '--id', 'ok'])).code).toBe(0);
    expect(hookLines(dir)).toHaveLength(1);

    writeFileSync(path.join(dir, 'bad.yaml'), `goal: hooked badly\non:\n  completed: echo "no mail server" >&2; exit 7\nplan:\n  - name: one\n    run: echo done\n`);
    const failedHook = await cli(['start', '--task', 'bad.yaml', '--id', 'bad']);
    expect(failedHook.code).toBe(0);
    expect(failedHook.stdout).toBe('done\n');
    expect(failedHook.stderr).toMatch(/bad hook on completed failed \(exited with code 7: no mail server\); the task stays completed/);
    const doc = await inspect('bad');
    expect(doc.status).toBe('completed');
    expect(doc.runs[0].hook).toMatchObject({ status: 'failed', exit_code: 7, output: 'exited with code 7: no mail server' });
    expect((await cli(['inspect', 'bad'])).stdout).toContain('hook failed (exited with code 7: no mail server)');
  });

  it('runs exactly once across a kill -9 right at the transition', async () => {
    const { dir, cli, inspect } = cliSandbox();
    writeFileSync(path.join(dir, 'task.yaml'), `goal: hooked\nplan:\n  - name: one\n    run: echo done\n`);
    // The flag form; the process dies right after the completion commits, before it could run the hook.
    const crashed = await cli(['start', '--task', 'task.yaml', '--id', 'k', '--on', `completed=${RECORD}`], { AGENTRUN_FAILPOINTS: 'after-finish' });
    expect(crashed.signal).toBe('SIGKILL');
    expect(hookLines(dir)).toEqual([]);
    expect((await inspect('k')).status).toBe('completed');
    // The cron sweep finds the run nobody ended and runs its hook; later sweeps and reruns do not run it again.
    expect((await cli(['resume', '--all'])).code).toBe(0);
    expect(hookLines(dir)).toEqual(['k|completed||agentrun inspect k|1']);
    expect((await cli(['resume', '--all'])).code).toBe(0);
    expect((await cli(['start', '--task', 'task.yaml', '--id', 'k', '--on', `completed=${RECORD}`])).code).toBe(0);
    expect((await cli(['resume', 'k'])).code).toBe(0);
    expect(hookLines(dir)).toHaveLength(1);
    expect((await inspect('k')).runs.map((r: { ending: string; hook: { status: string } }) => [r.ending, r.hook.status])).toEqual([['completed', 'done']]);
  });

  it('tells a person a task needs them, and a failed task fails its hook command once', async () => {
    const { dir, cli } = cliSandbox();
    writeFileSync(
      path.join(dir, 'pay.yaml'),
      `goal: pay once\non:\n  needs-attention: '${RECORD}'\n  failed: '${RECORD}'\nplan:\n  - name: pay\n    run: echo paid >> ledger.txt\n    idempotent: false\n`,
    );
    const crashed = await cli(['start', '--task', 'pay.yaml', '--id', 'pay'], { AGENTRUN_FAILPOINTS: 'after-intent' });
    expect(crashed.signal).toBe('SIGKILL');
    expect((await cli(['resume', 'pay'])).code).toBe(4);
    expect(hookLines(dir)).toEqual(['pay|needs-attention|effect|agentrun inspect pay|2']);

    writeFileSync(path.join(dir, 'fail.yaml'), `goal: fails\non:\n  failed: '${RECORD}'\nplan:\n  - name: boom\n    run: exit 3\n`);
    expect((await cli(['start', '--task', 'fail.yaml', '--id', 'boom'])).code).toBe(1);
    expect(hookLines(dir)).toContain('boom|failed|step|agentrun inspect boom|1');
  });

  it('refuses a bad --on with exit 2, writing nothing', async () => {
    const { cli } = cliSandbox();
    const bad = await cli(['start', 'a goal', '--on', 'finished=echo hi'], { OPENAI_BASE_URL: 'http://127.0.0.1:9' });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toBe('agentrun: --on takes EVENT=COMMAND with EVENT one of completed, failed, needs-attention, got "finished=echo hi"\n');
    expect(JSON.parse((await cli(['status', '--json'])).stdout)).toEqual([]);
  });
});

describe('deadlines', () => {
  it('limits.deadline stops a task that runs past it as failed, reason deadline, killing the command in flight', async () => {
    const { dir, cli, inspect, lines } = cliSandbox();
    writeFileSync(
      path.join(dir, 'slow.yaml'),
      'goal: too slow\nlimits: { deadline: 2s }\nplan:\n  - name: quick\n    run: echo quick\n  - name: slow\n    run: sleep 30 && echo late >> steps.log\n',
    );
    const started = Date.now();
    const ran = await cli(['start', '--task', 'slow.yaml', '--id', 'late']);
    expect(ran.code).toBe(1);
    expect(Date.now() - started).toBeLessThan(25_000);
    expect(ran.stderr).toMatch(/task late is failed: deadline passed: the task had to finish by \d{4}-\d\d-\d\dT[\d:.]+Z \(limits\.deadline\)/);
    expect(ran.stderr).not.toContain('continue with');
    const doc = await inspect('late');
    expect(doc).toMatchObject({ status: 'failed', reason: 'deadline' });
    expect(doc.completed).toEqual([1]);
    expect(lines('steps.log')).toEqual([]);
    // Resuming cannot help: the deadline has passed.
    expect((await cli(['resume', 'late'])).code).toBe(1);
  });

  it('--deadline takes a date-time (one in the past fails at once) and refuses nonsense with exit 2', async () => {
    const { dir, cli, inspect, lines } = cliSandbox();
    writeFileSync(path.join(dir, 'task.yaml'), 'goal: on time\nplan:\n  - name: one\n    run: echo one >> steps.log\n');
    const past = await cli(['start', '--task', 'task.yaml', '--id', 'past', '--deadline', '2020-01-01T00:00:00Z']);
    expect(past.code).toBe(1);
    expect(await inspect('past')).toMatchObject({ status: 'failed', reason: 'deadline' });
    expect(lines('steps.log')).toEqual([]);
    expect((await cli(['start', '--task', 'task.yaml', '--id', 'future', '--deadline', '2h'])).code).toBe(0);
    const bad = await cli(['start', '--task', 'task.yaml', '--id', 'bad', '--deadline', 'tomorrow']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toBe('agentrun: --deadline: expected a duration like "2h" or "90m", or a date-time like "2026-11-25T06:00:00Z", got "tomorrow"\n');
  });
});
