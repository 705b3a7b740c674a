import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli, spawnCli, waitFor } from './support/cli.js';
import { tempDir } from './support/temp-dir.js';

/** Steps appending "<task> <n>" to steps.log; `slow` makes step 2 sleep. */
function task(options: { goal?: string; steps?: number; slow?: number; second?: string; retention?: string } = {}): string {
  const lines = [`goal: ${options.goal ?? 'quick steps'}`];
  if (options.retention) lines.push(`retention: ${options.retention}`);
  lines.push('plan:');
  for (let n = 1; n <= (options.steps ?? 3); n++) {
    const extra = n === 2 ? (options.second ?? '') + (options.slow ? ` && sleep ${options.slow}` : '') : '';
    lines.push(`  - name: step-${n}`, `    run: echo "$AGENTRUN_TASK_ID ${n}" >> steps.log${extra} && echo "result ${n}"`);
  }
  return `${lines.join('\n')}\n`;
}

function setup() {
  const dir = tempDir();
  const db = path.join(dir, 'agentrun.db');
  const cli = (args: string[], env: Record<string, string> = {}) => runCli([...args, '--db', db], { cwd: dir, env });
  const count = (line: string) => (existsSync(path.join(dir, 'steps.log')) ? readFileSync(path.join(dir, 'steps.log'), 'utf8').split('\n').filter((l) => l === line).length : 0);
  const file = (name: string, text: string) => writeFileSync(path.join(dir, name), text);
  return { dir, db, cli, count, file };
}

describe('start --id with a definition other than the task was created with', () => {
  it('is refused with exit 2 naming what differs; the same definition is still idempotent', async () => {
    const { cli, count, file } = setup();
    file('nightly.yaml', task());
    expect((await cli(['start', '--task', 'nightly.yaml', '--id', 'n1'])).code).toBe(0);

    // The cron line again, unchanged: the old result, nothing rerun.
    const again = await cli(['start', '--task', 'nightly.yaml', '--id', 'n1']);
    expect(again.code).toBe(0);
    expect(again.stdout).toBe('result 3\n');

    // The task file was edited: refused, not the old result as if it were new.
    file('nightly.yaml', task({ second: ' && echo changed', retention: '1d' }));
    const edited = await cli(['start', '--task', 'nightly.yaml', '--id', 'n1']);
    expect(edited.code).toBe(2);
    expect(edited.stdout).toBe('');
    expect(edited.stderr).toBe(
      'agentrun: task n1 exists with a different definition (plan[2].run, retention differ); use another --id, or remove it first with: agentrun delete n1\n',
    );
    const goal = await cli(['start', 'something else entirely', '--id', 'n1'], { OPENAI_BASE_URL: 'http://127.0.0.1:9' });
    expect(goal.code).toBe(2);
    // A goal alone also gets the workspace file tools, which the task file's run: steps did not have.
    expect(goal.stderr).toMatch(/^agentrun: task n1 exists with a different definition \(goal, plan, tools\[1\]/);
    file('same.yaml', task());
    const model = await cli(['start', '--task', 'same.yaml', '--id', 'n1', '--model', 'gpt-4o']);
    expect(model.code).toBe(2);
    expect(model.stderr).toContain('(model differs)');
    expect(count('n1 1')).toBe(1);
  });
});

describe('after gc', () => {
  it('status says the pruned tasks are there and how to see them; inspect says what gc removed', async () => {
    const { cli, file } = setup();
    file('short.yaml', task({ retention: '0s' }));
    await cli(['start', '--task', 'short.yaml', '--id', 'old']);
    expect((await cli(['gc', '--yes'])).code).toBe(0);

    const status = await cli(['status']);
    expect(status.code).toBe(0);
    expect(status.stderr).toBe('no tasks with journals; 1 garbage-collected task(s) not shown: agentrun status --all\n');
    const all = await cli(['status', '--all']);
    expect(all.stdout).toMatch(/old\s+completed \(pruned\)\s+3\/3/);
    expect(JSON.parse((await cli(['status', '--all', '--json'])).stdout)[0]).toMatchObject({ task_id: 'old', pruned: true });

    const inspect = await cli(['inspect', 'old']);
    expect(inspect.stdout).toContain('Plan 3/3 done');
    expect(inspect.stdout).toMatch(/its steps, notes and journals were removed by gc on \d{4}-\d\d-\d\d/);
    expect(inspect.stdout).not.toContain('not planned yet');
    expect(inspect.stdout).toContain('result 3');
  });

  it('inspect names no model for a task that never called one', async () => {
    const { cli, file } = setup();
    file('quick.yaml', task());
    await cli(['start', '--task', 'quick.yaml', '--id', 'plain']);
    const inspect = await cli(['inspect', 'plain']);
    expect(inspect.stdout).toMatch(/^Usage\s+0 tokens/m);
    expect(inspect.stdout).not.toContain('model');
  });
});

describe('resume', () => {
  it('of a cancelled task says so (and exits 0)', async () => {
    const { cli, file } = setup();
    file('quick.yaml', task());
    await cli(['start', '--task', 'quick.yaml', '--id', 'stopped'], { AGENTRUN_FAILPOINTS: 'after-step-commit' });
    expect((await cli(['cancel', 'stopped', '--yes'])).code).toBe(0);
    const resumed = await cli(['resume', 'stopped']);
    expect(resumed.code).toBe(0);
    expect(resumed.stderr).toBe('task stopped is cancelled: cancelled by `agentrun cancel`; there is nothing to resume\n');
  });

  it('--last takes the most recently updated task that can be resumed', async () => {
    const { cli, count, file } = setup();
    file('quick.yaml', task());
    for (const id of ['older', 'newer']) {
      expect((await cli(['start', '--task', 'quick.yaml', '--id', id], { AGENTRUN_FAILPOINTS: 'after-step-commit' })).signal).toBe('SIGKILL');
    }
    await cli(['start', '--task', 'quick.yaml', '--id', 'done']);
    const last = await cli(['resume', '--last']);
    expect(last.code).toBe(0);
    expect(last.stderr).toContain('resuming newer, the most recently updated task that can be resumed');
    expect(count('newer 3')).toBe(1);
    expect(count('older 3')).toBe(0);
    expect((await cli(['resume', '--last'])).stderr).toContain('resuming older');
    const none = await cli(['resume', '--last']);
    expect(none.code).toBe(0);
    expect(none.stderr).toContain('nothing to resume');
    expect((await cli(['resume', 'older', '--last'])).code).toBe(2);
  });
});

describe('delete', () => {
  it('asks for --yes without a terminal, removes the task and its journals, and frees its id', async () => {
    const { cli, count, file } = setup();
    file('quick.yaml', task());
    await cli(['start', '--task', 'quick.yaml', '--id', 'gone']);
    const unconfirmed = await cli(['delete', 'gone']);
    expect(unconfirmed.code).toBe(2);
    expect(unconfirmed.stderr).toBe('agentrun: Delete task gone (completed, 3/3 steps) and all its journals: refusing without a terminal to confirm; pass --yes\n');
    const deleted = await cli(['delete', 'gone', '--yes']);
    expect(deleted.code).toBe(0);
    expect(deleted.stdout).toBe('deleted task gone\n');
    expect((await cli(['inspect', 'gone'])).code).toBe(2);
    expect(JSON.parse((await cli(['status', '--all', '--json'])).stdout)).toEqual([]);
    // The id can be used again, with any definition.
    file('other.yaml', task({ goal: 'another task' }));
    expect((await cli(['start', '--task', 'other.yaml', '--id', 'gone'])).code).toBe(0);
    expect(count('gone 1')).toBe(2);
    expect((await cli(['delete', 'never-was', '--yes'])).code).toBe(2);
  });

  it('refuses a task a live runner holds (exit 3), and deletes one whose runner was killed', async () => {
    const { dir, db, cli, count, file } = setup();
    file('slow.yaml', task({ slow: 30 }));
    const running = spawnCli(['start', '--task', 'slow.yaml', '--id', 'busy', '--db', db], { cwd: dir });
    try {
      await waitFor(() => count('busy 2') === 1, 'the slow step');
      const refused = await cli(['delete', 'busy', '--yes']);
      expect(refused.code).toBe(3);
      expect(refused.stderr).toMatch(/^agentrun: task busy is being run by \S+:\d+; cancel it first \(agentrun cancel busy\), or wait until it stops\n$/);
    } finally {
      running.child.kill('SIGKILL');
      await running.done;
    }
    const deleted = await cli(['delete', 'busy', '--yes']);
    expect(deleted.code).toBe(0);
    expect((await cli(['inspect', 'busy'])).code).toBe(2);
  });
});
