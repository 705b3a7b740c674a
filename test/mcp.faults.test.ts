import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from './support/cli.js';
import { callKind, turnOf } from './support/llm-script.js';
import { COUNTING_SERVER, countsByKey } from './support/mcp-servers.js';
import type { FakeOpenAI, RecordedRequest, Reply } from './support/openai-server.js';
import { useScriptedWorkspace } from './support/scripted-workspace.js';

/** Every fault of an MCP server once: one clear line naming the server (and tool), and a documented exit code. */
let server: FakeOpenAI;
let dir: string;
let db: string;
useScriptedWorkspace((workspace) => ({ server, dir, db } = workspace));

const counting = (extra = '') => `command: node
    args: ["${COUNTING_SERVER}"]
    env: { COUNT_FILE: "calls.jsonl"${extra} }`;

/** A one-step task whose LLM makes the given tool calls, one per turn, then answers. */
async function run(mcp: string, calls: { name: string; arguments?: Record<string, unknown> }[] = [], extraArgs: string[] = [], env: Record<string, string> = {}) {
  writeFileSync(path.join(dir, 'task.yaml'), `goal: Use the bank\nplan:\n  - name: pay\n    description: pay\n${mcp ? `mcp:\n  bank:\n    ${mcp}\n` : ''}`);
  server.script((request: RecordedRequest): Reply => {
    if (callKind(request) === 'final') return { content: 'paid' };
    const call = calls[turnOf(request)];
    return call ? { toolCalls: [{ name: call.name, arguments: call.arguments ?? {} }] } : { content: 'paid' };
  });
  return runCli(['start', '--task', 'task.yaml', '--id', 't', '--db', db, ...extraArgs], { cwd: dir, env: { OPENAI_BASE_URL: server.url, OPENAI_API_KEY: 'k', ...env } });
}

/** Why the task stopped, from the line the CLI ends a run with ("task t is <status>: <why>"); and no sign of a crash. */
function stopReason(stderr: string, status: string): string {
  expect(stderr).not.toMatch(/internal error|\n\s+at /);
  const line = stderr.split('\n').find((l) => l.startsWith(`task t is ${status}: `));
  expect(line, stderr).toBeDefined();
  return line!.slice(`task t is ${status}: `.length);
}

/** A usage error before anything ran: the last line, "agentrun: …". */
function usageLine(stderr: string): string {
  expect(stderr).not.toMatch(/internal error|\n\s+at /);
  return stderr.trim().split('\n').at(-1)!;
}

/** The tool results the LLM was given, in order (the last step request carries them all). */
function toolMessages(): string[] {
  const last = server.chatRequests().filter((r) => callKind(r) === 'step').at(-1)!;
  return last.body.messages.filter((m: { role: string }) => m.role === 'tool').map((m: { content: string }) => m.content);
}

describe('MCP server faults', () => {
  it('a server command that does not exist: exit 3 (resumable), naming the server and the command', async () => {
    const result = await run('command: no-such-mcp-server-xyz');
    expect(result.code).toBe(3);
    expect(stopReason(result.stderr, 'interrupted')).toBe('mcp server "bank": would not start: command not found: no-such-mcp-server-xyz');
  });

  it('a server that exits at start: exit 3 with the last thing it said on stderr', async () => {
    const result = await run(`command: node\n    args: ["-e", "console.error('GITHUB_TOKEN is missing'); process.exit(1)"]`);
    expect(result.code).toBe(3);
    expect(stopReason(result.stderr, 'interrupted')).toBe('mcp server "bank": would not start: exited with code 1: GITHUB_TOKEN is missing');
  });

  it('a server that speaks garbage: exit 3, quoting it', async () => {
    const result = await run(`command: node\n    args: ["-e", "console.log('Server ready!'); setInterval(() => {}, 1000)"]`);
    expect(result.code).toBe(3);
    expect(stopReason(result.stderr, 'interrupted')).toBe('mcp server "bank": would not start: sent something that is not MCP (JSON-RPC) on stdout: "Server ready!"');
  });

  it('a server that never answers initialize: exit 3 after startupTimeout', async () => {
    const result = await run(`command: node\n    args: ["-e", "setInterval(() => {}, 1000)"]\n    startupTimeout: 500ms`);
    expect(result.code).toBe(3);
    expect(stopReason(result.stderr, 'interrupted')).toBe('mcp server "bank": would not start: no answer within 0.5s (startupTimeout)');
  });

  it('a streamable HTTP server that is not there: exit 3', async () => {
    const result = await run('url: "http://127.0.0.1:9/mcp"');
    expect(result.code).toBe(3);
    expect(stopReason(result.stderr, 'interrupted')).toMatch(/^mcp server "bank": would not start: .+/);
  });

  it('a tool call that times out: its outcome is unknown, so an untrusted tool stops the task for a person (exit 4)', async () => {
    const result = await run(`${counting()}\n    timeout: 500ms`, [{ name: 'bank__slow' }]);
    expect(result.code).toBe(4);
    expect(stopReason(result.stderr, 'needs-attention')).toBe(
      'bank__slow may or may not have happened (mcp server "bank", tool "slow": no answer within 0.5s (timeout); whether the call took effect is unknown), and it has no check (effect t:1:1:1)',
    );
  });

  it('a server that crashes mid-call: unknown outcome (exit 4) for an untrusted tool', async () => {
    const result = await run(counting(), [{ name: 'bank__crash' }]);
    expect(result.code).toBe(4);
    expect(stopReason(result.stderr, 'needs-attention')).toContain('mcp server "bank", tool "crash": the server exited with code 7 during the call; whether the call took effect is unknown');
  });

  it('a crashed server is started again at its next use; an idempotent call that lost its answer is reported to the LLM', async () => {
    const result = await run(`${counting()}\n    effects: { crash: { idempotent: true } }`, [{ name: 'bank__crash' }, { name: 'bank__charge', arguments: { order: 'o1' } }]);
    expect(result.code, result.stderr).toBe(0);
    expect(toolMessages()[0]).toContain('error: mcp server "bank", tool "crash": the server exited with code 7 during the call');
    expect(toolMessages()[1]).toBe('charged o1');
    expect(countsByKey(path.join(dir, 'calls.jsonl'))).toEqual(new Map([['t:1:2:1', 1]]));
  });

  it('a tool answering isError: the LLM is told, naming server and tool, and the task goes on', async () => {
    const result = await run(counting(), [{ name: 'bank__fail' }]);
    expect(result.code, result.stderr).toBe(0);
    expect(toolMessages()[0]).toBe('error: mcp server "bank", tool "fail" returned an error: the card was declined');
    const doc = JSON.parse((await runCli(['inspect', 't', '--json', '--db', db], { cwd: dir })).stdout);
    expect(doc.effects.find((e: { key: string }) => e.key === 't:1:1:1').status).toBe('failed');
  });

  it('a tool whose input schema the model server would refuse: exit 1, naming server and tool', async () => {
    const result = await run(counting(', BAD_SCHEMA: "1"'));
    expect(result.code).toBe(1);
    expect(stopReason(result.stderr, 'failed')).toBe(
      'mcp server "bank", tool "bad_schema": its input schema is not a JSON Schema of type "object", which model servers refuse (leave the tool out with the server\'s `tools:` list)',
    );
  });

  it('a tool the task lists that the server does not offer: exit 1', async () => {
    const result = await run(`${counting()}\n    tools: [charge, refund]`);
    expect(result.code).toBe(1);
    expect(stopReason(result.stderr, 'failed')).toBe('mcp server "bank", tool "refund": the task lists it, but the server offers only: charge, was_charged, fail, slow, crash');
  });

  it('an environment variable the configuration needs is not set: exit 2', async () => {
    const result = await run(`url: "\${BANK_URL}/mcp"`);
    expect(result.code).toBe(2);
    expect(stopReason(result.stderr, 'interrupted')).toBe('mcp server "bank": environment variable BANK_URL is not set (used in url)');
  });

  it('start --mcp-config takes the servers of a .mcp.json; a bad one is refused before anything is written', async () => {
    writeFileSync(path.join(dir, 'bank.mcp.json'), JSON.stringify({ mcpServers: { bank: { command: 'node', args: [COUNTING_SERVER], env: { COUNT_FILE: 'calls.jsonl' } } } }));
    const ok = await run('', [{ name: 'bank__charge', arguments: { order: 'o1' } }], ['--mcp-config', 'bank.mcp.json']);
    expect(ok.code, ok.stderr).toBe(0);
    expect(toolMessages()).toEqual(['charged o1']);

    writeFileSync(path.join(dir, 'bad.mcp.json'), JSON.stringify({ mcpServers: { bank: { type: 'sse', url: 'http://x' } } }));
    const bad = await runCli(['start', '--task', 'task.yaml', '--id', 'other', '--mcp-config', 'bad.mcp.json', '--db', db], { cwd: dir, env: { OPENAI_BASE_URL: server.url, OPENAI_API_KEY: 'k' } });
    expect(bad.code).toBe(2);
    expect(usageLine(bad.stderr)).toMatch(/^agentrun: bad\.mcp\.json: mcpServers\.bank\.type: /);
    const status = await runCli(['status', '--json', '--db', db], { cwd: dir });
    expect(JSON.parse(status.stdout).map((t: { task_id: string }) => t.task_id)).toEqual(['t']);
  });
});
