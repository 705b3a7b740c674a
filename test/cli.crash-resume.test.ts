import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { cliSandbox, REPO_ROOT, waitFor } from './support/cli.js';

const HELLO = path.join(REPO_ROOT, 'tasks/hello-offline.yaml');

describe('kill -9 during a step, then resume', () => {
  it('never re-runs a completed step and completes with every step once', async () => {
    const { cli, spawn, lines: linesOf } = cliSandbox();
    const lines = () => linesOf('hello-offline.log');

    const first = spawn(['start', '--task', HELLO, '--id', 'crashy']);
    // Step 2 appends its line and then sleeps: kill while it sleeps.
    await waitFor(() => lines().some((l) => l.startsWith('2 ')), 'step 2 to start');
    first.child.kill('SIGKILL');
    const killed = await first.done;
    expect(killed.signal).toBe('SIGKILL');
    expect(lines().filter((l) => l.startsWith('3 '))).toHaveLength(0);

    const resumed = await cli(['resume', 'crashy']);
    expect(resumed.stderr).toContain('step 2/4 started');
    expect(resumed.stderr).not.toContain('step 1/4 started');
    expect(resumed.code).toBe(0);

    // Step 1 ran exactly once; steps 3 and 4 once each (step 2 ran again: it had not completed).
    expect(lines().filter((l) => l.startsWith('1 '))).toHaveLength(1);
    expect(lines().filter((l) => l.startsWith('3 '))).toHaveLength(1);
    expect(lines().filter((l) => l.startsWith('4 '))).toHaveLength(1);

    const inspected = await cli(['inspect', 'crashy', '--json']);
    expect(inspected.code).toBe(0);
    const doc = JSON.parse(inspected.stdout);
    expect(doc.task_id).toBe('crashy');
    expect(doc.status).toBe('completed');
    expect(doc.plan.map((s: { step: number }) => s.step)).toEqual([1, 2, 3, 4]);
    expect(doc.completed).toEqual([1, 2, 3, 4]);
    expect(Object.keys(doc.results)).toEqual(['1', '2', '3', '4']);
    expect(doc.plan[0].attempts).toBe(1);
    for (const field of ['agent_id', 'task_id', 'goal', 'plan', 'completed', 'results', 'decisions', 'discoveries', 'created_at', 'updated_at']) {
      expect(doc).toHaveProperty(field);
    }
  });
});

describe('start --id is idempotent', () => {
  it('three starts with one id create one task and run it once', async () => {
    const { cli, lines } = cliSandbox();
    const args = ['start', '--task', path.join(REPO_ROOT, 'tasks/hello-offline.yaml'), '--id', 'nightly-1'];
    const runs = [];
    for (let i = 0; i < 3; i++) runs.push(await cli(args));
    expect(runs.map((r) => r.code)).toEqual([0, 0, 0]);
    // The completed task's result is printed again, without running anything.
    expect(runs[2]!.stdout).toContain('4 report written');
    expect(runs[2]!.stderr).not.toContain('started');

    expect(lines('hello-offline.log').filter((l) => l.startsWith('1 '))).toHaveLength(1);
    const status = JSON.parse((await cli(['status', '--json'])).stdout);
    expect(status).toHaveLength(1);
    expect(status[0]).toMatchObject({ task_id: 'nightly-1', status: 'completed', progress: { completed: 4, steps: 4 } });
  });
});
