import { readFileSync, realpathSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from './support/cli.js';
import { callKind, turnOf } from './support/llm-script.js';
import { FS_SERVER, processesIn } from './support/mcp-servers.js';
import type { FakeOpenAI, RecordedRequest, Reply } from './support/openai-server.js';
import { useScriptedWorkspace } from './support/scripted-workspace.js';

/**
 * The reference filesystem MCP server from npm (@modelcontextprotocol/server-filesystem), spawned over stdio from
 * node_modules: an LLM task lists its tools and calls them end to end.
 */
let server: FakeOpenAI;
let dir: string;
let db: string;
useScriptedWorkspace((workspace) => ({ server, dir, db } = workspace));

const TASK = `
goal: Write a greeting with the filesystem server and read it back
plan:
  - name: greet
    description: write hello.txt, then read it
mcp:
  fs:
    command: node
    args: ["\${FS_SERVER}", "."]
    trusted: true
    tools: [write_file, read_text_file, move_file]
`;

function cli(args: string[]) {
  const withDb = args[0] === 'mcp' ? args : [...args, '--db', db];
  return runCli(withDb, { cwd: dir, env: { OPENAI_BASE_URL: server.url, OPENAI_API_KEY: 'k', FS_SERVER } });
}

function script(request: RecordedRequest): Reply {
  if (callKind(request) === 'final') return { content: 'hello.txt written and read back' };
  switch (turnOf(request)) {
    case 0:
      return { toolCalls: [{ name: 'fs__write_file', arguments: { path: 'hello.txt', content: 'hello from MCP' } }] };
    case 1:
      return { toolCalls: [{ name: 'fs__read_text_file', arguments: { path: 'hello.txt' } }] };
    default:
      return { content: 'the file says hello' };
  }
}

describe('a published MCP server (server-filesystem over stdio)', () => {
  it('an LLM task lists its tools, calls them, and journals each call; the server is gone afterwards', async () => {
    writeFileSync(path.join(dir, 'task.yaml'), TASK);
    server.script(script);
    const result = await cli(['start', '--task', 'task.yaml', '--id', 'fs1']);
    expect(result.code, result.stderr).toBe(0);
    expect(readFileSync(path.join(dir, 'hello.txt'), 'utf8')).toBe('hello from MCP');

    // The model saw exactly the allowed tools, namespaced, with the server's own input schemas.
    const first = server.chatRequests().find((r) => callKind(r) === 'step')!;
    const offered = first.body.tools.map((t: { function: { name: string } }) => t.function.name);
    expect(offered).toEqual(expect.arrayContaining(['fs__write_file', 'fs__read_text_file', 'fs__move_file']));
    expect(offered.filter((name: string) => name.startsWith('fs__'))).toHaveLength(3);
    const write = first.body.tools.find((t: { function: { name: string } }) => t.function.name === 'fs__write_file').function;
    expect(write.parameters.type).toBe('object');
    expect(write.parameters.required).toEqual(expect.arrayContaining(['path', 'content']));

    // The server's answers reached the model.
    const toolMessages = server.chatRequests().flatMap((r) => r.body.messages.filter((m: { role: string }) => m.role === 'tool').map((m: { content: string }) => m.content));
    expect(toolMessages.some((m) => m.includes('Successfully wrote to hello.txt'))).toBe(true);
    expect(toolMessages.some((m) => m.includes('hello from MCP'))).toBe(true);

    // Both calls are in the effects journal under their idempotency keys, after the journaled tool list.
    const doc = JSON.parse((await cli(['inspect', 'fs1', '--json'])).stdout);
    expect(doc.effects.map((e: { key: string; tool: string; status: string }) => [e.key, e.tool, e.status])).toEqual([
      ['fs1:1:1:0', 'mcp:tool-list', 'done'],
      ['fs1:1:1:1', 'fs__write_file', 'done'],
      ['fs1:1:2:1', 'fs__read_text_file', 'done'],
    ]);
    const listed = JSON.parse(doc.effects[0].output);
    expect(listed.find((t: { name: string }) => t.name === 'fs__write_file').idempotent).toBe(true);
    expect(listed.find((t: { name: string }) => t.name === 'fs__move_file').idempotent).toBe(false);
    // The database keeps the configuration as written: ${FS_SERVER} unexpanded.
    expect(doc.definition.mcp.fs.args).toEqual(['${FS_SERVER}', '.']);
    expect(readFileSync(db).includes(Buffer.from(FS_SERVER))).toBe(false);

    // inspect lists the servers as configured and the tools the step was given, with their semantics.
    const shown = (await cli(['inspect', 'fs1'])).stdout;
    expect(shown).toContain('fs  stdio: node ${FS_SERVER} .  trusted');
    expect(shown).toMatch(/fs__move_file\s+not idempotent: after a crash a person decides/);

    // The run shut its server down.
    expect(processesIn(realpathSync(dir))).toEqual([]);
  });

  it('mcp list prints each tool with the semantics agentrun applies', async () => {
    writeFileSync(path.join(dir, 'task.yaml'), TASK);
    const result = await cli(['mcp', 'list', '--task', 'task.yaml']);
    expect(result.code, result.stderr).toBe(0);
    const lines = result.stdout.split('\n');
    expect(lines.find((l) => l.startsWith('fs__write_file'))).toContain('idempotent: repeated after a crash (idempotentHint, trusted server)');
    expect(lines.find((l) => l.startsWith('fs__read_text_file'))).toContain('idempotent: read-only (readOnlyHint, trusted server)');
    expect(lines.find((l) => l.startsWith('fs__move_file'))).toContain('not idempotent: after a crash a person decides');
    expect(processesIn(realpathSync(dir))).toEqual([]);
  });
});
