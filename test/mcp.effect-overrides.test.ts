import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from './support/cli.js';
import { callKind, turnOf } from './support/llm-script.js';
import { COUNTING_SERVER, countsByKey } from './support/mcp-servers.js';
import type { FakeOpenAI, RecordedRequest, Reply } from './support/openai-server.js';
import { useScriptedWorkspace } from './support/scripted-workspace.js';

/** The task file's per-tool overrides of an MCP tool's semantics, end to end: approval and a check command. */
let server: FakeOpenAI;
let dir: string;
let db: string;
useScriptedWorkspace((workspace) => ({ server, dir, db } = workspace));

function script(request: RecordedRequest): Reply {
  if (callKind(request) === 'final') return { content: 'charged' };
  return turnOf(request) === 0 ? { toolCalls: [{ name: 'bank__charge', arguments: { order: 'o1' } }] } : { content: 'charged o1' };
}

function cli(args: string[], env: Record<string, string> = {}) {
  return runCli([...args, '--db', db], { cwd: dir, env: { OPENAI_BASE_URL: server.url, OPENAI_API_KEY: 'k', ...env } });
}

function writeTask(effects: string, mcp = true): void {
  const section = `mcp:\n  bank:\n    command: node\n    args: ["${COUNTING_SERVER}"]\n    env: { COUNT_FILE: "calls.jsonl" }\n    tools: [charge]\n    effects: ${effects}\n`;
  writeFileSync(path.join(dir, 'task.yaml'), `goal: Charge o1\nplan:\n  - name: charge\n    description: charge o1\n${mcp ? section : ''}`);
  server.script(script);
}

const counts = () => countsByKey(path.join(dir, 'calls.jsonl'));

describe('MCP tool overrides in the task file', () => {
  it('approve: true — the call waits for a person before it is sent, then is sent once', async () => {
    writeTask('{ charge: { approve: true } }');
    const first = await cli(['start', '--task', 'task.yaml', '--id', 't']);
    expect(first.code, first.stderr).toBe(4);
    expect(first.stderr).toContain('bank__charge needs approval before it runs (effect t:1:1:1)');
    expect(counts().size).toBe(0);
    expect((await cli(['approve', 't'])).code).toBe(0);
    const resumed = await cli(['resume', 't']);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(counts()).toEqual(new Map([['t:1:1:1', 1]]));
  });

  it('a check command settles a call a crash cut off after the server got it: not sent again, no person asked', async () => {
    writeTask(`{ charge: { check: 'grep -q "\\"key\\":\\"$AGENTRUN_IDEMPOTENCY_KEY\\"" calls.jsonl' } }`);
    // The first before-outcome is the step's journaled tool list; the second is the charge's.
    const killed = await cli(['start', '--task', 'task.yaml', '--id', 't'], { AGENTRUN_FAILPOINTS: 'before-outcome@2' });
    expect(killed.signal).toBe('SIGKILL');
    expect(counts()).toEqual(new Map([['t:1:1:1', 1]]));
    const resumed = await cli(['resume', 't']);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(counts()).toEqual(new Map([['t:1:1:1', 1]]));
  });

  it('--workspace-mcp reads the servers of the workspace .mcp.json, only when asked', async () => {
    writeTask('{}', false);
    writeFileSync(path.join(dir, '.mcp.json'), JSON.stringify({ mcpServers: { bank: { command: 'node', args: [COUNTING_SERVER], env: { COUNT_FILE: 'calls.jsonl' } } } }));
    const without = await cli(['start', '--task', 'task.yaml', '--id', 'plain']);
    expect(without.code, without.stderr).toBe(0);
    expect(counts().size).toBe(0);
    const withMcp = await cli(['start', '--task', 'task.yaml', '--id', 't', '--workspace-mcp']);
    expect(withMcp.code, withMcp.stderr).toBe(0);
    expect(counts()).toEqual(new Map([['t:1:1:1', 1]]));
  });
});
