import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { cliSandbox, waitFor } from './support/cli.js';
import { callKind, planReply, turnOf } from './support/llm-script.js';
import type { FakeOpenAI, RecordedRequest, Reply } from './support/openai-server.js';
import { useScriptedWorkspace } from './support/scripted-workspace.js';

let server: FakeOpenAI;
let dir: string;
useScriptedWorkspace((workspace) => ({ server, dir } = workspace));

type RunJson = { run: number; how: string; owner: string; ending: string | null; detail: string | null; steps_completed: number; turns_paid: number; turns_replayed: number | null; started_at: string; ended_at: string | null };

/** Three `run:` steps appending "<task> <n>" to steps.log; step 2 sleeps `pause` seconds. */
function task(pause: number): string {
  const step = (n: number, extra = '') => `  - name: step-${n}\n    run: echo "$AGENTRUN_TASK_ID ${n}" >> steps.log${extra} && echo "result ${n}"\n`;
  return `goal: three steps\nplan:\n${step(1)}${step(2, ` && sleep ${pause}`)}${step(3)}`;
}

/** Three `run:` steps appending "<task> <n>" to steps.log; step 2 then waits until the file `gate` exists. */
const GATED = `goal: three steps
plan:
  - name: step-1
    run: echo "$AGENTRUN_TASK_ID 1" >> steps.log && echo "result 1"
  - name: step-2
    run: echo "$AGENTRUN_TASK_ID 2" >> steps.log && while [ ! -e gate ]; do sleep 0.05; done && echo "result 2"
  - name: step-3
    run: echo "$AGENTRUN_TASK_ID 3" >> steps.log && echo "result 3"
`;

describe('run history', () => {
  it('records every run: a kill -9 found by the next run, a SIGINT, a --force takeover; inspect and logs show them', async () => {
    const { cli, spawn, lines, inspect } = cliSandbox({ dir });
    writeFileSync(path.join(dir, 'gated.yaml'), GATED);
    const count = (line: string) => lines('steps.log').filter((l) => l === line).length;
    const env = { AGENTRUN_HEARTBEAT_MS: '100' };

    // Run 1: killed with SIGKILL in step 2.
    const first = spawn(['start', '--task', 'gated.yaml', '--id', 'h'], env);
    await waitFor(() => count('h 2') === 1, 'run 1 in step 2');
    first.child.kill('SIGKILL');
    await first.done;
    // Run 2: interrupted by SIGINT in step 2.
    const second = spawn(['resume', 'h'], env);
    await waitFor(() => count('h 2') === 2, 'run 2 in step 2');
    second.child.kill('SIGINT');
    expect((await second.done).code).toBe(3);
    // Run 3 is taken over by run 4 with --force; run 4 finishes once the gate opens.
    const third = spawn(['resume', 'h'], env);
    await waitFor(() => count('h 2') === 3, 'run 3 in step 2');
    const fourth = spawn(['resume', 'h', '--force'], env);
    expect((await third.done).code).toBe(3);
    await waitFor(() => count('h 2') === 4, 'run 4 in step 2');
    writeFileSync(path.join(dir, 'gate'), '');
    expect((await fourth.done).code).toBe(0);

    const runs = (await inspect('h')).runs as RunJson[];
    expect(runs.map((r) => [r.run, r.how, r.ending])).toEqual([
      [1, 'start', 'killed'],
      [2, 'takeover', 'interrupted'],
      [3, 'resume', 'lease-lost'],
      [4, 'force', 'completed'],
    ]);
    expect(runs[0]!.detail).toMatch(/^its process was gone \(killed, crashed or rebooted\); found by \S+:\d+$/);
    expect(runs.map((r) => r.steps_completed)).toEqual([1, 0, 0, 2]);
    expect(runs[0]!.turns_replayed).toBeNull();
    expect(runs[1]!.detail).toBe('SIGINT');
    expect(new Set(runs.map((r) => r.owner)).size).toBe(4);
    // A killed run ends at its last sign of life, before the next run began.
    expect(Date.parse(runs[0]!.ended_at!)).toBeLessThanOrEqual(Date.parse(runs[1]!.started_at));

    const shown = await cli(['inspect', 'h']);
    expect(shown.stdout).toMatch(/^Runs /m);
    expect(shown.stdout).toMatch(/^\s+1\s+start\s+\S+:\d+\s+.*killed\s+1 step/m);
    expect(shown.stdout).toMatch(/^\s+2\s+takeover\s+.*interrupted \(SIGINT\)/m);
    expect(shown.stdout).toMatch(/^\s+4\s+force\s+.*completed\s+2 steps/m);
    const logs = (await cli(['logs', 'h'])).stdout;
    expect(logs).toMatch(/h run 1 began: \S+:\d+ started the task/);
    expect(logs).toMatch(/h run 1 ended: killed \(its process was gone/);
    expect(logs).toMatch(/h run 3 ended: lease-lost/);
    expect(logs).toMatch(/h run 4 began: \S+:\d+ took it over with --force/);
  });

  it('counts only time actually spent in a step that was killed and resumed', async () => {
    const { cli, spawn, lines, inspect } = cliSandbox({ dir });
    writeFileSync(path.join(dir, 'task.yaml'), task(1));
    const count = (line: string) => lines('steps.log').filter((l) => l === line).length;
    const first = spawn(['start', '--task', 'task.yaml', '--id', 't']);
    await waitFor(() => count('t 2') === 1, 'step 2');
    first.child.kill('SIGKILL');
    await first.done;
    // Nothing runs the task for three seconds.
    await new Promise((r) => setTimeout(r, 3000));
    expect((await cli(['resume', 't'])).code).toBe(0);
    const step2 = (await inspect('t')).plan[1];
    const wall = Date.parse(step2.finished_at) - Date.parse(step2.started_at);
    expect(wall).toBeGreaterThan(3000);
    const shown = (await cli(['inspect', 't'])).stdout;
    const took = Number(shown.match(/2\. step-2\s+run · ([\d.]+)s/)?.[1]);
    // The rerun's second or so (and at most a moment of the killed run), not the dead time.
    expect(took).toBeGreaterThanOrEqual(1);
    expect(took).toBeLessThan(2.5);
  });

  it('counts LLM turns paid and replayed from the journal per run', async () => {
    const { cli, inspect } = cliSandbox({ dir, server });
    writeFileSync(path.join(dir, 'llm.yaml'), 'goal: Write two notes\ntools: [write_file]\nplan:\n  - name: notes\n    description: Write a.md and b.md\n');
    server.script((request: RecordedRequest): Reply => {
      if (callKind(request) === 'plan') return planReply(['notes']);
      if (callKind(request) === 'final') return { content: 'both written' };
      const turn = turnOf(request);
      if (turn === 0) return { toolCalls: [{ name: 'write_file', arguments: { path: 'a.md', content: 'a' } }] };
      if (turn === 1) return { toolCalls: [{ name: 'write_file', arguments: { path: 'b.md', content: 'b' } }] };
      return { content: 'notes written' };
    });
    // The second turn's answer is journaled, then the process dies before acting on it.
    const crashed = await cli(['start', '--task', 'llm.yaml', '--id', 'l'], { AGENTRUN_FAILPOINTS: 'after-llm-response@2' });
    expect(crashed.signal).toBe('SIGKILL');
    expect((await cli(['resume', 'l'])).code).toBe(0);
    const runs = (await inspect('l')).runs as RunJson[];
    expect(runs.map((r) => [r.ending, r.turns_paid, r.turns_replayed])).toEqual([
      ['killed', 2, null],
      ['completed', 2, 2],
    ]);
  });
});

describe('a cancel that arrives during the final-result call', () => {
  it('is honoured: the task ends cancelled (exit 1), and cancel says so', async () => {
    const { cli, spawn, inspect } = cliSandbox({ dir, server });
    writeFileSync(path.join(dir, 'llm.yaml'), 'goal: Summarise\nplan:\n  - name: look\n    description: Look around\n');
    let release: () => void = () => {};
    const finalHeld = new Promise<void>((resolve) => (release = resolve));
    let finalAsked = false;
    server.script(async (request: RecordedRequest): Promise<Reply> => {
      if (callKind(request) !== 'final') return { content: 'looked' };
      finalAsked = true;
      await finalHeld;
      return { content: 'the final result' };
    });
    const runner = spawn(['start', '--task', 'llm.yaml', '--id', 'c']);
    await waitFor(() => finalAsked, 'the final-result call');
    const cancel = spawn(['cancel', 'c', '--yes']);
    // The cancel request is on the task before the final answer comes back.
    await waitForCancelRequest(cli, 'c');
    release();
    const [ran, cancelled] = await Promise.all([runner.done, cancel.done]);
    expect(ran.code).toBe(1);
    expect(ran.stdout).not.toContain('the final result');
    expect(ran.stderr).toContain('task c is cancelled');
    expect(cancelled.code).toBe(0);
    expect(cancelled.stdout).toContain('task c cancelled');
    const doc = await inspect('c');
    expect(doc.status).toBe('cancelled');
    expect(doc.result).toBeNull();
    expect(doc.runs.map((r: RunJson) => r.ending)).toEqual(['cancelled']);
  });
});

/** Until the task carries the cancel request (`cancel` sets it, then waits for the runner to stop). */
async function waitForCancelRequest(cli: (args: string[]) => Promise<{ stdout: string }>, id: string): Promise<void> {
  for (let i = 0; i < 400; i++) {
    const tasks = JSON.parse((await cli(['status', '--json'])).stdout) as { task_id: string; cancel_requested: boolean }[];
    if (tasks.find((t) => t.task_id === id)?.cancel_requested) return;
  }
  throw new Error(`no cancel request on ${id}`);
}
