import { statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import type { CliResult, CliSandbox } from './support/cli.js';
import { turnKey } from './support/ledger-task.js';
import { callKind, planReply, stepOf, turnOf } from './support/llm-script.js';
import type { FakeOpenAI, RecordedRequest, Reply } from './support/openai-server.js';
import { useScriptedWorkspace } from './support/scripted-workspace.js';

/**
 * What real OpenAI-compatible servers send and refuse, end to end through the CLI. Each behaviour is one switch of
 * the scripted server (test/support/openai-server.ts, where each switch cites its source); docs/providers.md lists
 * them by server family.
 */

let server: FakeOpenAI;
let dir: string;
let cli: CliSandbox['cli'];
let lines: CliSandbox['lines'];
let inspect: CliSandbox['inspect'];
useScriptedWorkspace((workspace) => ({ server, dir, cli, lines, inspect } = workspace));

/** A planned goal with one non-idempotent command tool whose side effect (a line in notes.log) can be counted. */
const TASK = `goal: Record release 42 in the notes
tools:
  - name: note
    description: Append a line to notes.log
    parameters: { type: object, properties: { text: { type: string } }, required: [text] }
    command: printf '%s %s\\n' "$AGENTRUN_IDEMPOTENCY_KEY" "$(cat)" >> notes.log && echo noted
    idempotent: false
retry: { maxAttempts: 3, initialDelay: 10ms, maxDelay: 20ms }
`;
const FINAL = 'Release 42 is recorded.';
const NOTE_CALL = { name: 'note', arguments: { text: 'release 42' } };

interface Conversation {
  plan?: Reply;
  /** The step's replies by turn (0 = first request of the step); past the end: a plain answer. */
  step?: Reply[];
  final?: Reply;
}

/** A script that is a pure function of the request, so a replayed turn and a live one agree. */
function conversation(parts: Conversation = {}): (request: RecordedRequest) => Reply {
  return (request) => {
    const kind = callKind(request);
    if (kind === 'plan') return turnOf(request) === 0 ? (parts.plan ?? planReply(['record it'])) : planReply(['record it']);
    if (kind === 'final') return parts.final ?? { content: FINAL };
    const replies = parts.step ?? [{ toolCalls: [NOTE_CALL] }];
    return replies[turnOf(request)] ?? { content: 'noted release 42' };
  };
}

/** Nothing the model thought or wrote as a call leaks into what the user reads. */
const LEAKS = /<\/?think>|<tool_call>|\[TOOL_CALLS\]|"name"\s*:|I should call/;

async function start(parts: Conversation, env: Record<string, string> = {}): Promise<CliResult> {
  writeFileSync(path.join(dir, 'task.yaml'), TASK);
  server.script(conversation(parts));
  return cli(['start', '--task', 'task.yaml', '--id', 't', '--model', 'llama3'], env);
}

/** Crashes (kill -9) right after the step's first LLM response is journaled, then resumes. */
async function crashAfterStepTurnThenResume(parts: Conversation): Promise<CliResult> {
  // Journaled responses: 1 = the plan, 2 = the step's first turn.
  const crashed = await start(parts, { AGENTRUN_FAILPOINTS: 'after-llm-response@2' });
  expect(crashed.signal).toBe('SIGKILL');
  return cli(['resume', 't']);
}

/** The journal answered every turn it holds: no turn was asked of the server twice. */
function expectNoTurnAskedTwice(): void {
  const answered = server.chatRequests().filter((r) => r.completed).map(turnKey);
  expect(answered).toEqual([...new Set(answered)]);
}

async function expectCompletedCleanly(result: CliResult, notes = 1): Promise<void> {
  expect(result.stderr).not.toMatch(/\n\s+at /);
  expect(result.code, result.stderr).toBe(0);
  expect(result.stdout.trim()).toBe(FINAL);
  expect(lines('notes.log')).toHaveLength(notes);
  const doc = await inspect('t');
  expect(doc.status).toBe('completed');
  for (const text of [doc.result, ...Object.values(doc.results)] as string[]) expect(text).not.toMatch(LEAKS);
  expectNoTurnAskedTwice();
}

describe('reasoning models', () => {
  it('strips <think> blocks — even ones full of braces and JSON — from the plan, step results and final result', async () => {
    const thought = '<think>The user wants {"steps": [{"name": "wrong"}]} maybe; I should call note {"text": 1}</think>';
    const result = await crashAfterStepTurnThenResume({
      plan: { content: `${thought}\n{"steps":[{"name":"record it","description":"append the release to the notes","doneWhen":"noted"}]}` },
      step: [{ content: `${thought}`, toolCalls: [NOTE_CALL] }, { content: `${thought}\nnoted release 42` }],
      final: { content: `${thought}${FINAL}` },
    });
    await expectCompletedCleanly(result);
    expect((await inspect('t')).plan.map((s: { name: string }) => s.name)).toEqual(['record it']);
  });

  it('takes the template-opened form (no <think>, only </think>) and keeps the reasoning out of the result', async () => {
    const result = await start({ step: [{ toolCalls: [NOTE_CALL] }, { content: 'Okay, so {"a": 1} — done.</think>noted release 42' }] });
    await expectCompletedCleanly(result);
    expect((await inspect('t')).results['1']).toBe('noted release 42');
  });

  it('DeepSeek thinking mode: sends reasoning_content back once the server demands it, and never before', async () => {
    server.quirks({ requireReasoningBack: true });
    const result = await crashAfterStepTurnThenResume({
      step: [{ reasoningContent: 'The notes tool takes text.', toolCalls: [NOTE_CALL] }, { reasoningContent: 'Done.', content: 'noted release 42' }],
    });
    await expectCompletedCleanly(result);
    const steps = server.chatRequests().filter((r) => callKind(r) === 'step');
    // First request of the step: nothing to send back. The follow-up was refused once, then sent with the reasoning.
    const assistants = steps.at(-1)!.body.messages.filter((m: { role: string }) => m.role === 'assistant');
    expect(assistants[0].reasoning_content).toBe('The notes tool takes text.');
  });

  it('a server that refuses unknown fields never gets the reasoning back (vLLM/Ollama `reasoning` field)', async () => {
    server.quirks({ strictHistory: true });
    const result = await start({ step: [{ reasoning: 'Call the note tool.', toolCalls: [NOTE_CALL] }, { reasoning: 'It worked.', content: 'noted release 42' }] });
    await expectCompletedCleanly(result);
  });

  it('an answer that arrives only in the reasoning field (content null) is used, not lost', async () => {
    const result = await start({ step: [{ toolCalls: [NOTE_CALL] }, { content: null, reasoningContent: 'noted release 42' }] });
    await expectCompletedCleanly(result);
    expect((await inspect('t')).results['1']).toBe('noted release 42');
  });
});

describe('tool calls as servers really send them', () => {
  it('a call written as JSON in content (vLLM without a tool parser) runs once, under the effects journal', async () => {
    const result = await crashAfterStepTurnThenResume({ step: [{ content: '{"name": "note", "arguments": {"text": "release 42"}}' }] });
    await expectCompletedCleanly(result);
    expect(lines('notes.log')).toEqual(['t:1:1:1 {"text":"release 42"}']);
  });

  it('<tool_call> tags (Hermes/Qwen templates) and [TOOL_CALLS] (Mistral) are calls too', async () => {
    const result = await start({
      step: [
        { content: '<tool_call>\n{"name": "note", "arguments": {"text": "release 42"}}\n</tool_call>' },
        { content: '[TOOL_CALLS][{"name": "note", "arguments": {"text": "again"}}]' },
      ],
    });
    await expectCompletedCleanly(result, 2);
    expect(lines('notes.log')).toEqual(['t:1:1:1 {"text":"release 42"}', 't:1:2:1 {"text":"again"}']);
  });

  it('arguments sent as an object (Ollama) are accepted', async () => {
    const result = await crashAfterStepTurnThenResume({ step: [{ toolCalls: [{ ...NOTE_CALL, argumentsAsObject: true }] }] });
    await expectCompletedCleanly(result);
    expect(lines('notes.log')).toEqual(['t:1:1:1 {"text":"release 42"}']);
  });

  it('empty, missing, numeric and duplicate ids become ours (9 letters and digits, which Mistral demands); parallel calls keep distinct keys', async () => {
    server.quirks({ strictHistory: true });
    const result = await crashAfterStepTurnThenResume({
      step: [
        {
          toolCalls: [
            { name: 'note', arguments: { text: 'a' }, id: '' },
            { name: 'note', arguments: { text: 'b' }, id: '' },
            { name: 'note', arguments: { text: 'c' }, id: 7 },
            { name: 'note', arguments: { text: 'd' }, id: null },
          ],
        },
      ],
    });
    await expectCompletedCleanly(result, 4);
    expect(lines('notes.log')).toEqual(['t:1:1:1 {"text":"a"}', 't:1:1:2 {"text":"b"}', 't:1:1:3 {"text":"c"}', 't:1:1:4 {"text":"d"}']);
  });

  it('invalid JSON arguments are answered as a tool error and never echoed back in the history', async () => {
    server.quirks({ strictHistory: true });
    const result = await start({ step: [{ toolCalls: [{ name: 'note', arguments: '{"text": release 42' }] }, { toolCalls: [NOTE_CALL] }] });
    await expectCompletedCleanly(result);
    const second = server.chatRequests().filter((r) => callKind(r) === 'step')[1]!;
    const toolMessage = second.body.messages.find((m: { role: string }) => m.role === 'tool');
    expect(toolMessage.content).toMatch(/^error: the arguments of note are not valid JSON/);
    expect(JSON.stringify(second.body.messages)).not.toContain('release 42"');
  });

  it('a call without a function object, or naming a tool that does not exist, is a tool error — not a crash, not an empty success', async () => {
    const result = await start({
      step: [{ toolCalls: [{ ...NOTE_CALL, noFunction: true }] }, { toolCalls: [{ name: 'delete_everything', arguments: {} }] }, { toolCalls: [NOTE_CALL] }],
    });
    await expectCompletedCleanly(result);
    const tools = server.chatRequests().filter((r) => callKind(r) === 'step').at(-1)!.body.messages.filter((m: { role: string }) => m.role === 'tool');
    expect(tools.map((m: { content: string }) => m.content.slice(0, 40))).toEqual([
      'error: the tool call names no function',
      'error: there is no tool named "delete_ev',
      'noted',
    ]);
  });
});

describe('answers that are not results', () => {
  it('an empty answer is asked for again; answers that stay empty fail the step, naming the cause', async () => {
    const retried = await start({ step: [{ toolCalls: [NOTE_CALL] }, { content: '' }, { content: 'noted release 42' }] });
    await expectCompletedCleanly(retried);
    expect(retried.stderr).toContain('step 1 turn 2: the answer was empty; asked again');

    server.script(conversation({ step: [{ content: '   ' }, { content: '' }, { content: '' }] }));
    writeFileSync(path.join(dir, 'short.yaml'), TASK.replace('retry:', 'limits: { maxTurnsPerStep: 3 }\nretry:'));
    const failed = await cli(['start', '--task', 'short.yaml', '--id', 'empty']);
    expect(failed.code).toBe(1);
    expect(failed.stderr).toContain('used all 3 turns (limits.maxTurnsPerStep) without a final answer (the last answer: the answer was empty)');
    expect((await inspect('empty')).status).toBe('failed');
  });

  it('a cut-off answer (finish_reason length) is not a result: asked again for a shorter one', async () => {
    const result = await start({ step: [{ toolCalls: [NOTE_CALL] }, { content: 'noted rel', finishReason: 'length' }, { content: 'noted release 42' }] });
    await expectCompletedCleanly(result);
    expect((await inspect('t')).results['1']).toBe('noted release 42');
  });

  it("Azure's content filter (finish_reason content_filter) fails the step with the cause, never completes", async () => {
    const result = await start({ step: [{ toolCalls: [NOTE_CALL] }, { content: '', finishReason: 'content_filter' }] });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("the server's content filter withheld the answer (finish_reason content_filter)");
    expect((await inspect('t')).status).toBe('failed');
  });

  it("OpenRouter's finish_reason error is retried like a 5xx", async () => {
    let failures = 0;
    const happy = conversation();
    server.script((request) => (callKind(request) === 'step' && failures++ === 0 ? { content: 'partial', finishReason: 'error' } : happy(request)));
    writeFileSync(path.join(dir, 'task.yaml'), TASK);
    const result = await cli(['start', '--task', 'task.yaml', '--id', 't']);
    await expectCompletedCleanly(result);
    expect(result.stderr).toContain('provider error: the provider failed while generating (finish_reason "error")');
  });

  it('an empty final result is asked for again, a second one fails the task instead of completing it, and resume tries afresh', async () => {
    const result = await start({ final: { content: '' } });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('the LLM did not write a usable final result: the answer was empty');
    expect((await inspect('t')).status).toBe('failed');
    expect(server.chatRequests().filter((r) => callKind(r) === 'final')).toHaveLength(2);

    // The spent attempt stays in the journal; the resumed task asks again (the step is not run again).
    server.script(conversation());
    const resumed = await cli(['resume', 't']);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.stdout.trim()).toBe(FINAL);
    expect(server.chatRequests().filter((r) => callKind(r) === 'final')).toHaveLength(3);
    expect(lines('notes.log')).toHaveLength(1);
  });

  it('an invalid plan, twice, fails the task; resuming it asks for a plan afresh', async () => {
    writeFileSync(path.join(dir, 'task.yaml'), TASK);
    const happy = conversation();
    server.script((request) => (callKind(request) === 'plan' ? { content: 'I cannot plan this.' } : happy(request)));
    const failed = await cli(['start', '--task', 'task.yaml', '--id', 't']);
    expect(failed.code).toBe(1);
    expect(failed.stderr).toContain('the LLM did not produce a valid plan after 2 attempts');
    server.script(happy);
    const resumed = await cli(['resume', 't']);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.stdout.trim()).toBe(FINAL);
    expect(server.chatRequests().filter((r) => callKind(r) === 'plan')).toHaveLength(3);
    expect(lines('notes.log')).toHaveLength(1);
  });
});

describe('structured output that degrades gracefully', () => {
  it('DeepSeek refuses json_schema: json_object from then on, and the repair turn does not probe again', async () => {
    server.quirks({ refuseJsonSchema: true });
    const result = await start({ plan: { content: '{"steps": []}' } });
    await expectCompletedCleanly(result);
    const formats = server.chatRequests().filter((r) => callKind(r) === 'plan').map((r) => r.body.response_format?.type);
    expect(formats).toEqual(['json_schema', 'json_object', 'json_object']);
  });

  it('LiteLLM refuses any response_format: a plain prompt, our own extraction and validation', async () => {
    server.quirks({ refuseResponseFormat: true });
    const result = await start({ plan: { content: 'Here is the plan:\n```json\n{"steps":[{"name":"record it","description":"append it"}]}\n```' } });
    await expectCompletedCleanly(result);
    const formats = server.chatRequests().filter((r) => callKind(r) === 'plan').map((r) => r.body.response_format?.type);
    expect(formats).toEqual(['json_schema', 'json_object', undefined]);
  });

  it('a plan with done_when (or no doneWhen at all) is accepted as it is, not sent back for repair', async () => {
    const result = await start({
      plan: { content: '{"Steps":[{"Name":"record it","description":"append it","done_when":"notes.log has it"},{"name":"check","description":"look"}]}' },
      step: [{ toolCalls: [NOTE_CALL] }],
    });
    expect(result.code, result.stderr).toBe(0);
    expect(server.chatRequests().filter((r) => callKind(r) === 'plan')).toHaveLength(1);
    expect((await inspect('t')).plan.map((s: { name: string; done_when?: string }) => s.name)).toEqual(['record it', 'check']);
  });
});

describe('servers and models without tool support', () => {
  it('a task that needs its tools fails at once naming the model and the fix (Ollama "does not support tools")', async () => {
    server.quirks({ refuseTools: true });
    const result = await start({});
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/the model "llama3" cannot call tools on this server, and this task needs note: use a model with tool support/);
    expect(lines('notes.log')).toEqual([]);
  });

  it('a task that needs no task tool still runs; notes come in the documented plain-text form; a resume does not probe again', async () => {
    server.quirks({ refuseTools: true });
    writeFileSync(path.join(dir, 'plain.yaml'), 'goal: Think about release 42\nplan:\n  - name: think\n  - name: conclude\n');
    server.script((request) => {
      if (callKind(request) === 'final') return { content: FINAL };
      return stepOf(request) === 1
        ? { content: 'Release 42 is fine.\nDISCOVERY: release 42 ships on Friday\nDECISION: ship it (because: tests pass)' }
        : { content: 'Ship it.' };
    });
    const crashed = await cli(['start', '--task', 'plain.yaml', '--id', 'plain'], { AGENTRUN_FAILPOINTS: 'after-step-commit' });
    expect(crashed.signal).toBe('SIGKILL');
    const refusedBefore = server.chatRequests().filter((r) => !r.completed).length;
    const resumed = await cli(['resume', 'plain']);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(server.chatRequests().filter((r) => !r.completed).length).toBe(refusedBefore);
    const doc = await inspect('plain');
    expect(doc.results['1']).toBe('Release 42 is fine.');
    expect(doc.discoveries.map((d: { text: string }) => d.text)).toEqual(['release 42 ships on Friday']);
    expect(doc.decisions.map((d: { text: string }) => d.text)).toEqual(['ship it']);
  });
});

describe('errors people can act on', () => {
  it("Groq's tool_use_failed 400 is retried like a 5xx", async () => {
    let failures = 0;
    const happy = conversation();
    server.script((request) =>
      callKind(request) === 'step' && failures++ === 0
        ? { error: 400, body: { error: { message: "Failed to call a function. Please adjust your prompt. See 'failed_generation' for more details.", type: 'invalid_request_error', code: 'tool_use_failed' } } }
        : happy(request),
    );
    writeFileSync(path.join(dir, 'task.yaml'), TASK);
    const result = await cli(['start', '--task', 'task.yaml', '--id', 't']);
    await expectCompletedCleanly(result);
    expect(result.stderr).toContain('Failed to call a function');
  });

  it('a provider failing transiently past the retries leaves the task interrupted, and resume --all picks it up', async () => {
    const happy = conversation();
    const groq = { error: 400, body: { error: { message: 'Failed to call a function.', type: 'invalid_request_error', code: 'tool_use_failed' } } } as const;
    server.script((request) => (callKind(request) === 'step' ? groq : happy(request)));
    writeFileSync(path.join(dir, 'task.yaml'), TASK);
    const stopped = await cli(['start', '--task', 'task.yaml', '--id', 't']);
    expect(stopped.code).toBe(3);
    expect(stopped.stderr).toContain('LLM endpoint unavailable after 3 attempts: 400 Failed to call a function.');
    expect((await inspect('t')).status).toBe('interrupted');
    server.script(happy);
    const swept = await cli(['resume', '--all']);
    expect(swept.code, swept.stderr).toBe(0);
    expect((await inspect('t')).status).toBe('completed');
    expect(lines('notes.log')).toHaveLength(1);
  });

  it('llama-server without --jinja fails fast with the fix instead of looking resumable', async () => {
    server.quirks({ toolsNeedJinja: true });
    const result = await start({});
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('LLM server is misconfigured (500 "tools param requires --jinja flag"): start llama-server with --jinja');
    expect(server.chatRequests().filter((r) => callKind(r) === 'step')).toHaveLength(1);
  });

  it.each([
    ['Ollama', { status: 404, rawBody: '{"error":"model \\"llama9\\" not found, try pulling it first"}', contentType: 'application/json' }, 'model "llama9" not found, try pulling it first'],
    ['Gemini', { status: 400, rawBody: '[{"error":{"code":400,"message":"API key not valid. Please pass a valid API key.","status":"INVALID_ARGUMENT"}}]', contentType: 'application/json' }, 'API key not valid'],
    ['FastAPI', { status: 422, rawBody: '{"detail":[{"loc":["body","messages"],"msg":"field required"}]}', contentType: 'application/json' }, 'field required'],
    ['a proxy', { status: 400, rawBody: '<html><body><h1>400 Bad Request</h1>request header too large</body></html>', contentType: 'text/html' }, '400 Bad Request request header too large'],
    ['an empty body', { status: 400, rawBody: '' }, 'HTTP 400 Bad Request with an empty body'],
  ] as const)('the server’s own words reach the user (%s)', async (_, reply, words) => {
    writeFileSync(path.join(dir, 'task.yaml'), TASK);
    server.script([reply]);
    const result = await cli(['start', '--task', 'task.yaml', '--id', 't']);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(words);
    expect(result.stderr).not.toMatch(/\n\s+at |internal error/);
  });
});

describe('servers that misbehave on the wire', () => {
  beforeEach(() => writeFileSync(path.join(dir, 'task.yaml'), TASK.replace('retry:', 'limits: { llmTimeout: 1s }\nretry:')));

  it.each([
    ['sends headers and then stalls', { stall: true } as Reply],
    ['drips its answer a byte at a time', { drip: { content: 'x'.repeat(200) }, everyMs: 20 } as Reply],
  ])('a server that %s: the timeout covers the whole response, the task is interrupted and resumable', async (_, reply) => {
    server.script(() => reply);
    const result = await cli(['start', '--task', 'task.yaml', '--id', 't']);
    expect(result.code).toBe(3);
    expect(result.stderr).toContain('timed out: no complete response within 1s (limits.llmTimeout)');
    expect(server.chatRequests()).toHaveLength(3);
    expect((await inspect('t')).status).toBe('interrupted');
  });

  it('a multi-megabyte response is refused with the cause, and nothing of it reaches the journal', async () => {
    server.script([{ content: 'x'.repeat(6 * 1024 * 1024) }]);
    const result = await cli(['start', '--task', 'task.yaml', '--id', 't']);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('LLM response larger than 4096 KiB: refused');
    expect(statSync(path.join(dir, 'agentrun.db')).size).toBeLessThan(1024 * 1024);
  });
});

describe('token accounting without usage', () => {
  it('estimates tokens (and says so) when the server reports none, so limits.maxTokens still bounds the spend', async () => {
    writeFileSync(path.join(dir, 'task.yaml'), TASK.replace('retry:', 'limits: { maxTokens: 400 }\nretry:'));
    server.script((request) => ({ ...(conversation()(request) as object), usage: null }));
    const result = await cli(['start', '--task', 'task.yaml', '--id', 't']);
    expect(result.stderr).toMatch(/LLM answered \(~\d+ tokens, estimated: the server reported no usage\)/);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/token budget exceeded: \d+ tokens used, limits.maxTokens is 400/);
    const usage = (await inspect('t')).usage;
    expect(usage.prompt_tokens).toBeGreaterThan(0);
  });
});
