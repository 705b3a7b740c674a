import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { CliSandbox } from './support/cli.js';
import { callKind, planReply, stepOf, turnOf } from './support/llm-script.js';
import type { FakeOpenAI, RecordedRequest, Reply } from './support/openai-server.js';
import { useScriptedWorkspace } from './support/scripted-workspace.js';

let server: FakeOpenAI;
let dir: string;
let cli: CliSandbox['cli'];
let inspect: CliSandbox['inspect'];
useScriptedWorkspace((workspace) => ({ server, dir, cli, inspect } = workspace));

const README_GOAL = 'List the markdown files in docs/ and write a one-line summary of each to SUMMARY.md';

const offered = (request: RecordedRequest): string[] => (request.body.tools ?? []).map((t: { function: { name: string } }) => t.function.name).sort();
const planRequest = () => server.chatRequests().find((r) => callKind(r) === 'plan')!;

describe('a bare goal can do real work', () => {
  it("the README's LLM example works as written: the goal gets the workspace file tools and SUMMARY.md is written", async () => {
    mkdirSync(path.join(dir, 'docs'));
    writeFileSync(path.join(dir, 'docs', 'cli.md'), '# CLI\nEvery command.\n');
    writeFileSync(path.join(dir, 'docs', 'storage.md'), '# Storage\nThe database.\n');
    server.script((request): Reply => {
      const kind = callKind(request);
      if (kind === 'plan') return planReply(['list the docs', 'write the summary']);
      if (kind === 'final') return { content: 'SUMMARY.md lists docs/cli.md and docs/storage.md.' };
      if (stepOf(request) === 1) return turnOf(request) === 0 ? { toolCalls: [{ name: 'list_files', arguments: { path: 'docs' } }] } : { content: 'docs/cli.md, docs/storage.md' };
      return turnOf(request) === 0
        ? { toolCalls: [{ name: 'write_file', arguments: { path: 'SUMMARY.md', content: '- docs/cli.md: every command\n- docs/storage.md: the database\n' } }] }
        : { content: 'SUMMARY.md written' };
    });
    const result = await cli(['start', README_GOAL], { AGENTRUN_MODEL: 'llama3.1' });

    expect(result.code, result.stderr).toBe(0);
    expect(readFileSync(path.join(dir, 'SUMMARY.md'), 'utf8')).toBe('- docs/cli.md: every command\n- docs/storage.md: the database\n');
    const step = server.chatRequests().find((r) => callKind(r) === 'step')!;
    expect(offered(step)).toEqual(['list_files', 'read_file', 'record_decision', 'record_discovery', 'write_file']);
    // The list_files call really listed the workspace's docs/.
    const toolReply = server.chatRequests().filter((r) => callKind(r) === 'step')[1]!.body.messages.find((m: { role: string }) => m.role === 'tool');
    expect(toolReply.content).toContain('cli.md');
    // The planner is told which tools the steps will have, with what they do.
    const system = planRequest().body.messages[0].content as string;
    for (const tool of ['read_file', 'list_files', 'write_file', 'record_decision']) expect(system).toMatch(new RegExp(`- ${tool}: \\S`));
    expect(system).not.toContain('shell');
  });

  it('--no-tools: a pure reasoning task, offered only the note tools', async () => {
    server.script((request) => (callKind(request) === 'plan' ? planReply(['think']) : { content: 'Three names: runa, tally, keel.' }));
    const result = await cli(['start', '--no-tools', 'Draft three names for a CLI']);
    expect(result.code, result.stderr).toBe(0);
    expect(offered(server.chatRequests().find((r) => callKind(r) === 'step')!)).toEqual(['record_decision', 'record_discovery']);
    expect(planRequest().body.messages[0].content).not.toContain('write_file');
  });

  it('--tools and --workspace choose the tools and where they work', async () => {
    mkdirSync(path.join(dir, 'notes'));
    writeFileSync(path.join(dir, 'notes', 'berlin.md'), 'Berlin trip in May\n');
    server.script((request): Reply => {
      if (callKind(request) === 'plan') return planReply(['search']);
      if (callKind(request) === 'final') return { content: 'berlin.md mentions Berlin.' };
      return turnOf(request) === 0 ? { toolCalls: [{ name: 'read_file', arguments: { path: 'berlin.md' } }] } : { content: 'berlin.md mentions Berlin' };
    });
    const result = await cli(['start', '--tools', 'read_file', '--workspace', 'notes', 'Which notes mention Berlin?', '--id', 'b']);
    expect(result.code, result.stderr).toBe(0);
    const steps = server.chatRequests().filter((r) => callKind(r) === 'step');
    expect(offered(steps[0]!)).toEqual(['read_file', 'record_decision', 'record_discovery']);
    expect(steps[1]!.body.messages.find((m: { role: string }) => m.role === 'tool').content).toContain('Berlin trip in May');
    expect((await inspect('b')).workspace).toBe(path.join(dir, 'notes'));
  });

  it('refuses an unknown tool or a missing workspace before anything is written', async () => {
    const unknown = await cli(['start', '--tools', 'read_file,rm_rf', 'do it']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toBe('agentrun: --tools: unknown tool "rm_rf"; the built-in tools are read_file, list_files, write_file, shell, http_get (command tools are declared in a task file)\n');
    const missing = await cli(['start', '--workspace', 'nowhere', 'do it']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toBe('agentrun: --workspace "nowhere": no such directory\n');
    expect(JSON.parse((await cli(['status', '--json'])).stdout)).toEqual([]);
    expect(server.chatRequests()).toHaveLength(0);
  });
});

describe('the planner', () => {
  it('sees the memories recalled for the task, as the steps do', async () => {
    expect((await cli(['memory', 'add', 'The staging deploy key lives in vault at secret/zephyr-staging'])).code).toBe(0);
    server.script((request) => (callKind(request) === 'plan' ? planReply(['rotate']) : { content: 'rotated' }));
    const result = await cli(['start', '--no-tools', 'Rotate the staging deploy key']);
    expect(result.code, result.stderr).toBe(0);
    const user = planRequest().body.messages[1].content as string;
    expect(user).toContain('Relevant memories from earlier tasks:\n- The staging deploy key lives in vault at secret/zephyr-staging');
    // Recalled once for the run: the step sees the same memory.
    expect(server.chatRequests().find((r) => callKind(r) === 'step')!.body.messages[1].content).toContain('secret/zephyr-staging');
  });
});

describe('a step that claims work it did not do', () => {
  it('is flagged by inspect when its result says it wrote something and it made no tool call', async () => {
    server.script((request) => {
      if (callKind(request) === 'plan') return planReply(['write the summary', 'look']);
      if (callKind(request) === 'final') return { content: 'Done.' };
      // Step 1 only says it wrote the file; step 2 really calls a tool (and changes nothing).
      if (stepOf(request) === 1) return { content: 'I have written the summary to SUMMARY.md.' };
      return turnOf(request) === 0 ? { toolCalls: [{ name: 'list_files', arguments: {} }] } : { content: 'Listed the files; the summary was written before.' };
    });
    const result = await cli(['start', README_GOAL, '--id', 'claims']);
    expect(result.code, result.stderr).toBe(0);
    const doc = await inspect('claims');
    expect(doc.unverified_claims).toEqual([{ step: 1, text: 'I have written the summary to SUMMARY.md.' }]);
    const shown = await cli(['inspect', 'claims']);
    expect(shown.stdout).toContain('Unverified (the step says it changed something, but made no tool call)');
    expect(shown.stdout).toContain('! I have written the summary to SUMMARY.md.');
  });
});
