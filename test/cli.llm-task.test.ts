import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import type { CliSandbox } from './support/cli.js';
import { callKind, stepOf, turnOf } from './support/llm-script.js';
import { type FakeOpenAI, type RecordedRequest, type Reply } from './support/openai-server.js';
import { useScriptedWorkspace } from './support/scripted-workspace.js';

let server: FakeOpenAI;
let dir: string;
let cli: CliSandbox['cli'];
useScriptedWorkspace((workspace) => ({ server, dir, cli } = workspace));

const TASK = `
goal: Write notes about the project
tools: [read_file, write_file]
retry: { maxAttempts: 3, initialDelay: 10ms, maxDelay: 50ms }
plan:
  - name: draft
    description: Write a draft to notes.md
  - name: review
    description: Review the draft
`;

/** Step 1: write_file, then record_discovery, then answer. Step 2: answer. Final: a summary. */
function happyScript(request: RecordedRequest): Reply {
  const kind = callKind(request);
  if (kind === 'final') return { content: 'Notes written and reviewed.' };
  const step = stepOf(request);
  const turn = turnOf(request);
  if (step === 1 && turn === 0) return { toolCalls: [{ name: 'write_file', arguments: { path: 'notes.md', content: '# Notes\nhello' } }] };
  if (step === 1 && turn === 1) return { toolCalls: [{ name: 'record_discovery', arguments: { fact: 'the project has no tests directory' } }] };
  if (step === 1) return { content: 'draft written to notes.md' };
  return { content: 'the draft looks fine' };
}

describe('an LLM task end to end (real SDK over HTTP to the scripted server)', () => {
  it('runs tool calls, records the discovery, counts tokens, and compiles the final result', async () => {
    writeFileSync(path.join(dir, 'task.yaml'), TASK);
    server.script(happyScript);
    const result = await cli(['start', '--task', 'task.yaml', '--id', 'llm1', '--model', 'scripted-model']);
    expect(result.stderr).toContain('step 1 tool write_file done');
    expect(result.code).toBe(0);
    expect(result.stdout.trim()).toBe('Notes written and reviewed.');
    expect(readFileSync(path.join(dir, 'notes.md'), 'utf8')).toBe('# Notes\nhello');

    const doc = JSON.parse((await cli(['inspect', 'llm1', '--json'])).stdout);
    expect(doc.discoveries.map((d: { text: string }) => d.text)).toEqual(['the project has no tests directory']);
    expect(doc.results).toEqual({ '1': 'draft written to notes.md', '2': 'the draft looks fine' });
    expect(doc.usage).toEqual({ prompt_tokens: 50, completion_tokens: 25, requests: 5 });
    expect(doc.effects.map((e: { key: string; status: string }) => [e.key, e.status])).toEqual([
      ['llm1:1:1:1', 'done'],
      ['llm1:1:2:1', 'done'],
    ]);
    expect(server.chatRequests().every((r) => r.body.model === 'scripted-model')).toBe(true);
    // The tools offered are the task's plus the two note tools.
    const offered = server.chatRequests()[0]!.body.tools.map((t: { function: { name: string } }) => t.function.name).sort();
    expect(offered).toEqual(['read_file', 'record_decision', 'record_discovery', 'write_file']);

    const status = JSON.parse((await cli(['status', '--json'])).stdout);
    expect(status[0].usage).toEqual({ prompt_tokens: 50, completion_tokens: 25, requests: 5 });

    // Step 2 starts from the factual state step 1 left, within one run just as after a restart.
    const step2 = server.chatRequests().find((r) => callKind(r) === 'step' && stepOf(r) === 2)!;
    const context = step2.body.messages[1].content as string;
    expect(step2.body.messages.map((m: { role: string }) => m.role)).toEqual(['system', 'user']);
    expect(context).toContain('Step 1 (draft): draft written to notes.md');
    expect(context).toContain('- the project has no tests directory');
    expect(context).toContain('Continue from step 2: review');
  });

  it('rebuilds the context from factual state after a restart between steps', async () => {
    writeFileSync(path.join(dir, 'task.yaml'), TASK);
    server.script(happyScript);
    const crashed = await cli(['start', '--task', 'task.yaml', '--id', 'ctx'], { AGENTRUN_FAILPOINTS: 'after-step-commit' });
    expect(crashed.signal).toBe('SIGKILL');
    const before = server.chatRequests().length;

    const resumed = await cli(['resume', 'ctx']);
    expect(resumed.code).toBe(0);
    const firstAfterRestart = server.chatRequests()[before]!;
    const messages = firstAfterRestart.body.messages as { role: string; content: string }[];
    // Only the system prompt and the rebuilt context: no earlier conversation, no tool messages.
    expect(messages.map((m) => m.role)).toEqual(['system', 'user']);
    const context = messages[1]!.content;
    expect(context).toContain('You are resuming a task.');
    expect(context).toContain('1. [x] draft');
    expect(context).toContain('Step 1 (draft): draft written to notes.md');
    expect(context).toContain('- the project has no tests directory');
    expect(context).toContain('Continue from step 2: review');
    expect(context).not.toContain('# Notes');

    // inspect --context shows what the LLM saw (the next step of a finished task: none).
    const printed = await cli(['inspect', 'ctx', '--context']);
    expect(printed.stdout).toContain('no step left to run');
  });

  it('inspect --context prints the context of the next step', async () => {
    writeFileSync(path.join(dir, 'task.yaml'), TASK);
    server.script(happyScript);
    await cli(['start', '--task', 'task.yaml', '--id', 'ctx2'], { AGENTRUN_FAILPOINTS: 'after-step-commit' });
    const printed = await cli(['inspect', 'ctx2', '--context']);
    expect(printed.code).toBe(0);
    expect(printed.stdout).toContain('--- system ---');
    expect(printed.stdout).toContain('Continue from step 2: review');
    expect(printed.stdout).toContain('Step 1 (draft): draft written to notes.md');
  });

  it('refuses a path that escapes the workspace and tells the LLM', async () => {
    writeFileSync(path.join(dir, 'task.yaml'), TASK.replace(/plan:[\s\S]*/, 'plan:\n  - name: snoop\n'));
    server.script((request) => {
      if (callKind(request) === 'final') return { content: 'done' };
      return turnOf(request) === 0 ? { toolCalls: [{ name: 'read_file', arguments: { path: '../../etc/passwd' } }] } : { content: 'could not read it' };
    });
    const result = await cli(['start', '--task', 'task.yaml']);
    expect(result.code).toBe(0);
    const toolMessage = server.chatRequests()[1]!.body.messages.find((m: { role: string }) => m.role === 'tool');
    expect(toolMessage.content).toMatch(/^error: .*escapes the workspace/);
  });
});

describe('LLM failures', () => {
  beforeEach(() => writeFileSync(path.join(dir, 'task.yaml'), TASK));

  it('429 with Retry-After, then success', async () => {
    let first = true;
    server.script((request) => {
      if (first) {
        first = false;
        return { error: 429, message: 'slow down', headers: { 'retry-after': '1' } };
      }
      return happyScript(request);
    });
    const result = await cli(['start', '--task', 'task.yaml']);
    expect(result.code).toBe(0);
    expect(result.stderr).toMatch(/LLM call failed \(429 slow down\); retry 1 in 1\.0s/);
    const [a, b] = server.chatRequests();
    expect(b!.at - a!.at).toBeGreaterThanOrEqual(990);
  });

  it('500 until retries run out: interrupted, exit 3; resume completes', async () => {
    server.script([{ error: 500, message: 'overloaded' }, { error: 500, message: 'overloaded' }, { error: 500, message: 'overloaded' }]);
    const failed = await cli(['start', '--task', 'task.yaml', '--id', 'flaky']);
    expect(failed.code).toBe(3);
    expect(failed.stderr).toContain('LLM endpoint unavailable after 3 attempts: 500 overloaded');
    expect(failed.stderr).toContain('continue with: agentrun resume flaky');
    expect(server.chatRequests()).toHaveLength(3);
    expect(JSON.parse((await cli(['status', '--json'])).stdout)[0].status).toBe('interrupted');

    server.script(happyScript);
    const resumed = await cli(['resume', 'flaky']);
    expect(resumed.code).toBe(0);
    expect(existsSync(path.join(dir, 'notes.md'))).toBe(true);
  });

  it('401: failed at once, with a hint about the key', async () => {
    server.script([{ error: 401, message: 'Incorrect API key provided' }]);
    const result = await cli(['start', '--task', 'task.yaml', '--id', 'nokey']);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('check OPENAI_API_KEY');
    expect(result.stderr).not.toMatch(/\n\s+at /);
    expect(server.chatRequests()).toHaveLength(1);
    expect(JSON.parse((await cli(['status', '--json'])).stdout)[0].status).toBe('failed');
  });

  it('an unknown model: failed, quoting the server', async () => {
    server.script([{ error: 404, message: 'The model `gpt-9` does not exist' }]);
    const result = await cli(['start', '--task', 'task.yaml', '--model', 'gpt-9']);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('The model `gpt-9` does not exist');
  });

  it('stops as failed with reason budget when maxTokens is crossed, and the count survives', async () => {
    writeFileSync(path.join(dir, 'task.yaml'), TASK.replace('tools:', 'limits: { maxTokens: 40 }\ntools:'));
    server.script(happyScript);
    const result = await cli(['start', '--task', 'task.yaml', '--id', 'budget']);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('token budget exceeded: 45 tokens used, limits.maxTokens is 40');
    const doc = JSON.parse((await cli(['inspect', 'budget', '--json'])).stdout);
    expect(doc).toMatchObject({ status: 'failed', reason: 'budget', usage: { prompt_tokens: 30, completion_tokens: 15, requests: 3 } });
    // Resuming does not reset the count: the budget is still spent, and no new request goes out.
    const requests = server.chatRequests().length;
    const again = await cli(['resume', 'budget']);
    expect(again.code).toBe(1);
    expect(server.chatRequests().length).toBe(requests);
  });
});
