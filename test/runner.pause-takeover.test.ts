import { existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { cliSandbox, waitFor } from './support/cli.js';
import { processesWithKey, processGroup, taskRow, waitUntilLeaseLapsed, waitUntilStopped } from './support/processes.js';

/**
 * A runner frozen (SIGSTOP, as a laptop lid, a VM freeze or a stalled disk would) at an exact point, whose short
 * lease lapses while a second runner takes the task over and finishes it; then the first wakes up (SIGCONT). The
 * woken runner must write nothing, run nothing and kill nothing: it exits 3.
 */
const LEASE = { AGENTRUN_LEASE_MS: '400' };

/** A non-idempotent charge (its check greps the ledger for the key), then two quick steps. */
const CHARGE_TASK = `goal: charge once, then ship
plan:
  - name: charge
    run: echo "$AGENTRUN_IDEMPOTENCY_KEY" >> ledger.txt
    idempotent: false
    check: test -f ledger.txt && grep -qx "$AGENTRUN_IDEMPOTENCY_KEY" ledger.txt
  - name: pack
    run: echo pack >> steps.txt
  - name: ship
    run: echo ship >> steps.txt
`;

/** Step 2 is a slow, non-idempotent charge: it says it started, waits for a release file, then charges. */
const SLOW_CHARGE_TASK = `goal: prepare, then charge slowly
plan:
  - name: prepare
    run: echo prepare >> steps.txt
  - name: charge
    run: touch started && while [ ! -f release ]; do sleep 0.05; done && echo "$AGENTRUN_IDEMPOTENCY_KEY" >> ledger.txt
    idempotent: false
    check: test -f ledger.txt && grep -qx "$AGENTRUN_IDEMPOTENCY_KEY" ledger.txt
`;

function setup(task: string) {
  const box = cliSandbox();
  writeFileSync(path.join(box.dir, 'task.yaml'), task);
  // Every process here runs with a short lease, so a frozen one's lapses quickly.
  return {
    ...box,
    cli: (args: string[], env: Record<string, string> = {}) => box.cli(args, { ...LEASE, ...env }),
    spawn: (args: string[], env: Record<string, string> = {}) => box.spawn(args, { ...LEASE, ...env }),
  };
}

/** Starts a task whose runner freezes at `point`, and waits until it is frozen and its lease has lapsed. */
async function frozenRunner(ctx: ReturnType<typeof setup>, id: string, point: string) {
  const frozen = ctx.spawn(['start', '--task', 'task.yaml', '--id', id], { AGENTRUN_FAILPOINTS: `${point}:stop` });
  await waitUntilStopped(frozen.child.pid!, `the runner to freeze at ${point}`);
  await waitUntilLeaseLapsed(ctx.db, id);
  return frozen;
}

describe('a runner paused past its lease, woken after another took over', () => {
  it('woken between an effect\'s intent and its spawn: does not run the command again', async () => {
    const ctx = setup(CHARGE_TASK);
    const frozen = await frozenRunner(ctx, 'pay', 'after-intent');
    const takeover = await ctx.cli(['resume', 'pay']);
    expect(takeover.code, takeover.stderr).toBe(0);
    expect(ctx.lines('ledger.txt')).toEqual(['pay:1:1:0']);

    frozen.child.kill('SIGCONT');
    const woken = await frozen.done;
    expect(woken.code, woken.stderr).toBe(3);
    expect(woken.stderr).toContain('another runner took over task pay; this one stopped');
    expect(ctx.lines('ledger.txt')).toEqual(['pay:1:1:0']);
    expect(ctx.lines('steps.txt')).toEqual(['pack', 'ship']);
    expect(await ctx.inspect('pay')).toMatchObject({ status: 'completed', completed: [1, 2, 3] });
  });

  it('woken right after a step commit: does not reopen the task the other runner completed', async () => {
    const ctx = setup(CHARGE_TASK);
    const frozen = await frozenRunner(ctx, 'ship', 'after-step-commit');
    expect((await ctx.cli(['resume', 'ship'])).code).toBe(0);

    frozen.child.kill('SIGCONT');
    const woken = await frozen.done;
    expect(woken.code, woken.stderr).toBe(3);
    const doc = await ctx.inspect('ship');
    expect(doc).toMatchObject({ status: 'completed', completed: [1, 2, 3] });
    expect(doc.plan.map((s: { status: string }) => s.status)).toEqual(['completed', 'completed', 'completed']);
    expect(taskRow(ctx.db, 'ship')).toMatchObject({ status: 'completed', step_count: 3, completed_count: 3, current_step: null });
    // Nothing left for a sweep to "complete again".
    const sweep = await ctx.cli(['resume', '--all', '--json']);
    expect(JSON.parse(sweep.stdout).tasks).toEqual([]);
    expect(taskRow(ctx.db, 'ship')).toMatchObject({ status: 'completed', completed_count: 3 });
    expect(ctx.lines('ledger.txt')).toEqual(['ship:1:1:0']);
    expect(ctx.lines('steps.txt')).toEqual(['pack', 'ship']);
  });

  it('woken while the new runner\'s command runs: leaves that command alone', async () => {
    const ctx = setup(SLOW_CHARGE_TASK);
    const frozen = await frozenRunner(ctx, 'slow', 'after-step-commit');
    const takeover = ctx.spawn(['resume', 'slow']);
    await waitFor(() => existsSync(path.join(ctx.dir, 'started')), 'the new runner\'s command to start');
    // The command's process group: its leader is the one whose pid is the group id.
    const [leader] = processesWithKey('slow:2:1:0').filter((pid) => processGroup(pid) === pid);
    expect(leader).toBeDefined();

    frozen.child.kill('SIGCONT');
    const woken = await frozen.done;
    expect(woken.code, woken.stderr).toBe(3);
    // The live runner's command is still there, untouched.
    expect(processesWithKey('slow:2:1:0')).toContain(leader);

    writeFileSync(path.join(ctx.dir, 'release'), '');
    const finished = await takeover.done;
    expect(finished.code, finished.stderr).toBe(0);
    expect(ctx.lines('ledger.txt')).toEqual(['slow:2:1:0']);
    expect(await ctx.inspect('slow')).toMatchObject({ status: 'completed', completed: [1, 2] });
  });
});

describe('the window between spawning a command and journaling its process', () => {
  it('a runner killed in it leaves no command running: it never began, and resume runs it once', async () => {
    const ctx = setup(CHARGE_TASK.replace('run: echo "$AGENTRUN_IDEMPOTENCY_KEY" >> ledger.txt', 'run: sleep 0.3 && echo "$AGENTRUN_IDEMPOTENCY_KEY" >> ledger.txt'));
    const killed = await ctx.cli(['start', '--task', 'task.yaml', '--id', 'gap'], { AGENTRUN_FAILPOINTS: 'after-spawn' });
    expect(killed.signal).toBe('SIGKILL');
    // The spawned process waits for a go that never comes; it ends without doing anything.
    await waitFor(() => processesWithKey('gap:1:1:0').length === 0, 'the unjournaled process to end');
    expect(ctx.lines('ledger.txt')).toEqual([]);
    expect(taskRow(ctx.db, 'gap')).toMatchObject({ status: 'running' });

    const resumed = await ctx.cli(['resume', 'gap']);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(ctx.lines('ledger.txt')).toEqual(['gap:1:1:0']);
  });
});
