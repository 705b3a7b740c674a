import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { REPO_ROOT, waitFor, type CliSandbox } from './support/cli.js';
import { ledgerScript, ledgerTask } from './support/ledger-task.js';
import { type FakeOpenAI } from './support/openai-server.js';
import { useScriptedWorkspace } from './support/scripted-workspace.js';

let server: FakeOpenAI;
let dir: string;
let cli: CliSandbox['cli'];
let spawn: CliSandbox['spawn'];
let lines: CliSandbox['lines'];
let inspect: CliSandbox['inspect'];
useScriptedWorkspace((workspace) => ({ server, dir, cli, spawn, lines, inspect } = workspace));

const ledger = () => lines('ledger.txt');

describe('a non-idempotent tool without a check, cut off mid-call', () => {
  beforeEach(() => {
    writeFileSync(path.join(dir, 'task.yaml'), ledgerTask({ steps: 1, withCheck: false }));
    server.script(ledgerScript(1));
  });

  it('stops as needs-attention (exit 4) naming the effect; resolve --retry runs it exactly once', async () => {
    const crashed = await cli(['start', '--task', 'task.yaml', '--id', 'pay'], { AGENTRUN_FAILPOINTS: 'after-intent' });
    expect(crashed.signal).toBe('SIGKILL');

    const stuck = await cli(['resume', 'pay']);
    expect(stuck.code).toBe(4);
    expect(stuck.stderr).toContain('charge may or may not have happened before the crash, and it has no check (effect pay:1:1:1)');
    expect(stuck.stderr).toContain('decide with: agentrun resolve pay pay:1:1:1 --retry|--done|--skip');
    expect((await inspect('pay')).status).toBe('needs-attention');
    // Still stuck until a person decides; status names the command that decides, not `resume`.
    expect((await cli(['resume', 'pay'])).code).toBe(4);
    const listed = await cli(['status']);
    expect(listed.stderr).toBe('↻ decide with: agentrun resolve pay pay:1:1:1 --retry|--done|--skip, then: agentrun resume pay\n');

    const resolved = await cli(['resolve', 'pay', 'pay:1:1:1', '--retry']);
    expect(resolved.code).toBe(0);
    expect(resolved.stdout).toBe('effect pay:1:1:1 (charge): retry\n');
    expect(resolved.stderr).toBe('continue with: agentrun resume pay\n');
    const done = await cli(['resume', 'pay']);
    expect(done.code).toBe(0);
    expect(ledger()).toEqual(['pay:1:1:1 {"order":"order-1"}']);
  });

  it('resolve --done records it without running it again', async () => {
    // Killed after the charge ran but before its outcome was recorded: it did happen, and only a person knows.
    await cli(['start', '--task', 'task.yaml', '--id', 'paid'], { AGENTRUN_FAILPOINTS: 'before-outcome' });
    expect(ledger()).toHaveLength(1);
    expect((await cli(['resume', 'paid'])).code).toBe(4);
    expect((await cli(['resolve', 'paid', 'paid:1:1:1', '--done'])).code).toBe(0);
    expect((await cli(['resume', 'paid'])).code).toBe(0);
    expect(ledger()).toHaveLength(1);
    const effect = (await inspect('paid')).effects.find((e: { key: string }) => e.key === 'paid:1:1:1');
    expect(effect).toMatchObject({ status: 'done', output: 'marked done by a person' });
  });

  it('resolve --skip leaves it undone and tells the LLM', async () => {
    await cli(['start', '--task', 'task.yaml', '--id', 'skip'], { AGENTRUN_FAILPOINTS: 'after-intent' });
    expect((await cli(['resume', 'skip'])).code).toBe(4);
    expect((await cli(['resolve', 'skip', 'skip:1:1:1', '--skip'])).code).toBe(0);
    expect((await cli(['resume', 'skip'])).code).toBe(0);
    expect(ledger()).toEqual([]);
    const sentBack = server.chatRequests().flatMap((r) => r.body.messages).find((m: { role: string; content: string }) => m.role === 'tool' && m.content.includes('skipped'));
    expect(sentBack?.content).toBe('skipped by a person: it did not run');
  });

  it('resolve refuses unknown keys and effects that need no decision', async () => {
    await cli(['start', '--task', 'task.yaml', '--id', 'r'], { AGENTRUN_FAILPOINTS: 'after-intent' });
    const unknown = await cli(['resolve', 'r', 'r:9:9:9', '--done']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr.trim()).toBe('agentrun: task r has no effect "r:9:9:9" (see `agentrun inspect r`)');
    const noChoice = await cli(['resolve', 'r', 'r:1:1:1']);
    expect(noChoice.code).toBe(2);
  });
});

describe('a non-idempotent tool with a check', () => {
  it('asks the check after a crash and does not charge twice', async () => {
    writeFileSync(path.join(dir, 'task.yaml'), ledgerTask({ steps: 1, withCheck: true }));
    server.script(ledgerScript(1));
    // Kill while the charge command sleeps, before it appends: the check says "not done", so it runs once.
    const first = await cli(['start', '--task', 'task.yaml', '--id', 'c1'], { AGENTRUN_FAILPOINTS: 'after-intent' });
    expect(first.signal).toBe('SIGKILL');
    expect((await cli(['resume', 'c1'])).code).toBe(0);
    expect(ledger()).toEqual(['c1:1:1:1 {"order":"order-1"}']);
  });
});

describe('approval', () => {
  it('without a terminal, a call needing approval stops the task until `agentrun approve`', async () => {
    writeFileSync(path.join(dir, 'task.yaml'), ledgerTask({ steps: 1, withCheck: true, approve: true }));
    server.script(ledgerScript(1));
    const first = await cli(['start', '--task', 'task.yaml', '--id', 'ap']);
    expect(first.code).toBe(4);
    expect(first.stderr).toContain('charge needs approval before it runs (effect ap:1:1:1)');
    expect(first.stderr).toContain('approve with: agentrun approve ap ap:1:1:1');
    expect(ledger()).toEqual([]);

    const approved = await cli(['approve', 'ap']);
    expect(approved.code).toBe(0);
    expect(approved.stdout).toMatch(/^approved charge .* \[ap:1:1:1\]\n$/);
    expect((await cli(['resume', 'ap'])).code).toBe(0);
    expect(ledger()).toEqual(['ap:1:1:1 {"order":"order-1"}']);
  });
});

describe('leases', () => {
  const hello = path.join(REPO_ROOT, 'tasks/hello-offline.yaml');

  it('two concurrent resumes: exactly one runs, the other is told who holds the task', async () => {
    const crashed = await cli(['start', '--task', hello, '--id', 'twice'], { AGENTRUN_FAILPOINTS: 'after-step-commit' });
    expect(crashed.signal).toBe('SIGKILL');
    const [a, b] = await Promise.all([cli(['resume', 'twice']), cli(['resume', 'twice'])]);
    const codes = [a.code, b.code].sort();
    expect(codes).toEqual([0, 3]);
    const refused = a.code === 3 ? a : b;
    expect(refused.stderr).toMatch(/agentrun: task twice is being run by .+:\d+ \(lease expires in \d+s\); use --force to take it over/);
    expect(lines('hello-offline.log').filter((l) => l.startsWith('3 '))).toHaveLength(1);
  });

  it('--force takes a live lease; the old runner notices at its heartbeat and stops', async () => {
    const env = { AGENTRUN_HEARTBEAT_MS: '100' };
    const first = spawn(['start', '--task', hello, '--id', 'forced'], env);
    await waitFor(() => lines('hello-offline.log').some((l) => l.startsWith('2 ')), 'step 2');
    const second = await cli(['resume', 'forced', '--force'], env);
    const firstResult = await first.done;
    expect(firstResult.code).toBe(3);
    expect(firstResult.stderr).toContain('another runner took over task forced');
    // Not "continue with: agentrun resume": the other runner is finishing it (or has).
    expect(firstResult.stderr).not.toContain('continue with');
    expect(firstResult.stderr).toMatch(/\S+:\d+ is running it now; follow it with: agentrun logs forced --follow/);
    expect(second.code).toBe(0);
    const log = lines('hello-offline.log');
    expect(log.filter((l) => l.startsWith('1 '))).toHaveLength(1);
    expect(log.filter((l) => l.startsWith('4 '))).toHaveLength(1);
  });
});
