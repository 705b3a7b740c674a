import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { cliSandbox } from './support/cli.js';
import { taskRow, waitUntilLeaseLapsed, waitUntilStopped } from './support/processes.js';
import { seededRandom } from './support/seeded-random.js';

/**
 * `gc` and `cancel` acting at the same moment as a runner, in seeded rounds (a failure names its round and delay):
 * each is a status transition checked in one transaction, so neither undoes nor duplicates work, and neither reports
 * what did not happen.
 */
const ROUNDS = 8;

/** Step 1 charges (non-idempotent, checked); step 2 fails until `fixed` exists; step 3 ships. Kept 0s once finished. */
const CHARGE_THEN_FAIL = `goal: charge, then a flaky step
retention: 0s
plan:
  - name: charge
    run: echo "$AGENTRUN_IDEMPOTENCY_KEY" >> ledger.txt
    idempotent: false
    check: test -f ledger.txt && grep -qx "$AGENTRUN_IDEMPOTENCY_KEY" ledger.txt
  - name: flaky
    run: test -f fixed
  - name: ship
    run: echo "$AGENTRUN_TASK_ID" >> shipped.txt
`;

/** Three quick steps, each logging "<task> <n>". */
const THREE_STEPS = `goal: three quick steps
plan:
${[1, 2, 3].map((n) => `  - name: step-${n}\n    run: echo "$AGENTRUN_TASK_ID ${n}" >> steps.txt\n`).join('')}`;

function setup(task: string) {
  const box = cliSandbox();
  writeFileSync(path.join(box.dir, 'task.yaml'), task);
  return box;
}

describe('gc racing a resume', () => {
  it('a task a person resumed (paused right after it took the lease) is not pruned under it', async () => {
    const ctx = setup(CHARGE_THEN_FAIL);
    expect((await ctx.cli(['start', '--task', 'task.yaml', '--id', 'old'])).code).toBe(1);
    writeFileSync(path.join(ctx.dir, 'fixed'), '');
    const runner = ctx.spawn(['resume', 'old'], { AGENTRUN_FAILPOINTS: 'after-lease:stop' });
    await waitUntilStopped(runner.child.pid!, 'the runner to freeze after taking the lease');
    const gc = await ctx.cli(['gc', '--yes', '--json']);
    expect(gc.code, gc.stderr).toBe(0);
    expect(JSON.parse(gc.stdout).tasks).toEqual([]);
    expect(taskRow(ctx.db, 'old').pruned_at).toBeNull();

    runner.child.kill('SIGCONT');
    const resumed = await runner.done;
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(ctx.lines('ledger.txt')).toEqual(['old:1:1:0']);
    expect(ctx.lines('shipped.txt')).toEqual(['old']);
    expect(taskRow(ctx.db, 'old')).toMatchObject({ status: 'completed', completed_count: 3, pruned_at: null });
  });

  it(`never prunes a task being resumed, nor charges its completed step again (${ROUNDS} seeded rounds)`, async () => {
    const random = seededRandom(11_2026);
    for (let round = 1; round <= ROUNDS; round++) {
      const ctx = setup(CHARGE_THEN_FAIL);
      const id = `r${round}`;
      expect((await ctx.cli(['start', '--task', 'task.yaml', '--id', id])).code).toBe(1);
      expect(ctx.lines('ledger.txt')).toEqual([`${id}:1:1:0`]);
      writeFileSync(path.join(ctx.dir, 'fixed'), '');
      const delay = Math.floor(random() * 400);
      const what = `round ${round}, gc ${delay}ms after resume`;
      const resume = ctx.cli(['resume', id]);
      await new Promise((r) => setTimeout(r, delay));
      const gc = await ctx.cli(['gc', '--yes', '--json']);
      const resumed = await resume;
      expect(gc.code, `${what}: ${gc.stderr}`).toBe(0);
      const pruned: string[] = JSON.parse(gc.stdout).tasks;
      const row = taskRow(ctx.db, id);
      // Either the resume ran it to the end (and gc left it alone, or pruned it only once completed) …
      if (resumed.code === 0) {
        expect(row.status, what).toBe('completed');
        expect(ctx.lines('shipped.txt'), what).toEqual([id]);
      } else {
        // … or gc pruned the failed task first, and the resume refused it without running anything.
        expect(resumed.code, `${what}: ${resumed.stderr}`).toBe(2);
        expect(resumed.stderr, what).toContain('was garbage-collected');
        expect(pruned, what).toEqual([id]);
        expect(row.status, what).toBe('failed');
        expect(ctx.lines('shipped.txt'), what).toEqual([]);
      }
      if (row.pruned_at !== null) expect(['completed', 'failed'], what).toContain(row.status);
      expect(ctx.lines('ledger.txt'), what).toEqual([`${id}:1:1:0`]);
    }
  });
});

describe('cancel racing a runner', () => {
  it('a runner paused right after taking the lease cannot carry on after cancel says "cancelled"', async () => {
    const ctx = setup(THREE_STEPS);
    expect((await ctx.cli(['start', '--task', 'task.yaml', '--id', 'c'], { AGENTRUN_FAILPOINTS: 'after-step-commit' })).signal).toBe('SIGKILL');
    const runner = ctx.spawn(['resume', 'c'], { AGENTRUN_LEASE_MS: '400', AGENTRUN_FAILPOINTS: 'after-lease:stop' });
    await waitUntilStopped(runner.child.pid!, 'the runner to freeze after taking the lease');
    await waitUntilLeaseLapsed(ctx.db, 'c');
    const cancel = await ctx.cli(['cancel', 'c', '--yes']);
    expect(cancel.code, cancel.stderr).toBe(0);
    expect(cancel.stdout).toBe('task c cancelled\n');

    runner.child.kill('SIGCONT');
    const woken = await runner.done;
    expect(woken.code, woken.stderr).toBe(3);
    expect(taskRow(ctx.db, 'c')).toMatchObject({ status: 'cancelled', completed_count: 1 });
    expect(ctx.lines('steps.txt')).toEqual(['c 1']);
  });

  it(`says "cancelled" only for a task that stays cancelled, and otherwise what happened (${ROUNDS} seeded rounds)`, async () => {
    const random = seededRandom(40_2026);
    for (let round = 1; round <= ROUNDS; round++) {
      const ctx = setup(THREE_STEPS);
      const id = `c${round}`;
      expect((await ctx.cli(['start', '--task', 'task.yaml', '--id', id], { AGENTRUN_FAILPOINTS: 'after-step-commit' })).signal).toBe('SIGKILL');
      const delay = Math.floor(random() * 300);
      const what = `round ${round}, cancel ${delay}ms after resume`;
      const resume = ctx.cli(['resume', id], { AGENTRUN_HEARTBEAT_MS: '50' });
      await new Promise((r) => setTimeout(r, delay));
      const cancel = await ctx.cli(['cancel', id, '--yes']);
      const resumed = await resume;
      const row = taskRow(ctx.db, id);
      const steps = ctx.lines('steps.txt');
      if (cancel.code === 0) {
        expect(cancel.stdout, what).toBe(`task ${id} cancelled\n`);
        expect(row.status, what).toBe('cancelled');
        expect([0, 1], `${what}: ${resumed.stderr}`).toContain(resumed.code);
        // A cancel that arrives during the last step is honoured too: every step may have run, the task is still
        // cancelled, never completed.
        expect(steps.length, what).toBeLessThanOrEqual(3);
      } else if (cancel.code === 1) {
        expect(cancel.stdout, what).toContain('its runner finished it first (completed)');
        expect(row.status, what).toBe('completed');
        expect(resumed.code, what).toBe(0);
        expect(steps, what).toEqual([`${id} 1`, `${id} 2`, `${id} 3`]);
      } else {
        // The completed task was already completed when cancel looked: nothing to cancel (exit 2).
        expect(cancel.code, `${what}: ${cancel.stderr}`).toBe(2);
        expect(cancel.stderr, what).toContain('is already completed');
        expect(row.status, what).toBe('completed');
      }
      // Never a step twice, whoever won.
      expect(new Set(steps).size, what).toBe(steps.length);
    }
  });
});
