import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createLlmClient } from '../src/llm/client.js';
import type { LlmClientOptions, ToolSpec } from '../src/llm/types.js';
import { setOpenAIEnv, startOpenAIServer, type FakeOpenAI } from './support/openai-server.js';

const options: LlmClientOptions = { retry: { maxAttempts: 3, initialDelay: 10, maxDelay: 50 }, timeoutMs: 10_000 };
const readFile: ToolSpec = {
  name: 'read_file',
  description: 'Reads a file',
  parameters: { type: 'object', properties: { path: { type: 'string' } }, required: ['path'] },
};

let server: FakeOpenAI;
let restoreEnv: () => void;

beforeEach(async () => {
  server = await startOpenAIServer();
  restoreEnv = setOpenAIEnv({ baseUrl: server.url, apiKey: 'test-key' });
});

afterEach(async () => {
  restoreEnv();
  await server.close();
});

describe('chat', () => {
  it('sends tools and model, and returns the tool calls with ids of our own, clean arguments and usage', async () => {
    server.script([
      {
        toolCalls: [
          { name: 'read_file', arguments: { path: 'README.md' } },
          { name: 'read_file', arguments: '{"path": broken', id: 'call_custom' },
        ],
        usage: { prompt_tokens: 120, completion_tokens: 30 },
      },
    ]);
    const client = await createLlmClient(options);

    const response = await client.chat({ model: 'gpt-test', messages: [{ role: 'user', content: 'read it' }], tools: [readFile] });

    expect(response).toMatchObject({
      content: null,
      toolCalls: [
        { name: 'read_file', arguments: '{"path":"README.md"}' },
        // Broken arguments are never echoed back (servers refuse such a history): the call carries why instead.
        { name: 'read_file', arguments: '{}', problem: expect.stringMatching(/^the arguments of read_file are not valid JSON/) },
      ],
      usage: { promptTokens: 120, completionTokens: 30 },
      model: 'gpt-test',
      finishReason: 'tool_calls',
    });
    // Ids are ours, in the one shape every server accepts back (Mistral demands 9 letters and digits).
    for (const call of response.toolCalls) expect(call.id).toMatch(/^[A-Za-z0-9]{9}$/);
    expect(response.toolCalls[0]!.id).not.toBe(response.toolCalls[1]!.id);
    const [request] = server.chatRequests();
    expect(request?.headers['authorization']).toBe('Bearer test-key');
    expect(request?.body).toMatchObject({
      model: 'gpt-test',
      messages: [{ role: 'user', content: 'read it' }],
      tools: [{ type: 'function', function: readFile }],
    });
    expect(request?.body.response_format).toBeUndefined();
  });

  it('asks for a JSON schema answer and leaves out an empty tool list', async () => {
    server.script([{ content: '{"done": true}' }]);
    const client = await createLlmClient(options);
    const schema = { type: 'object', properties: { done: { type: 'boolean' } } };

    const response = await client.chat({ model: 'gpt-test', messages: [], tools: [], jsonSchema: { name: 'verdict', schema } });

    expect(response.content).toBe('{"done": true}');
    expect(response.finishReason).toBe('stop');
    expect(response.toolCalls).toEqual([]);
    const body = server.chatRequests()[0]?.body;
    expect(body.tools).toBeUndefined();
    expect(body.response_format).toEqual({ type: 'json_schema', json_schema: { name: 'verdict', schema, strict: false } });
  });

  it('estimates the tokens of a response without usage, and says they are estimated', async () => {
    server.script([{ content: 'four score and seven', usage: null }]);
    const client = await createLlmClient(options);

    const response = await client.chat({ model: 'gpt-test', messages: [{ role: 'user', content: 'x'.repeat(400) }] });

    // Four characters a token: the 400-character message (plus its JSON) is over 100 tokens; the 20-character answer 5.
    expect(response.usage).toEqual({ promptTokens: expect.any(Number), completionTokens: 5, estimated: true });
    expect(response.usage.promptTokens).toBeGreaterThan(100);
  });
});

describe('embed', () => {
  it('returns one vector per text, in order, with usage; shared words mean closer vectors', async () => {
    const client = await createLlmClient(options);

    const { vectors, usage } = await client.embed('embed-test', ['deploy the web server', 'restart the web server', 'bake bread']);

    expect(vectors).toHaveLength(3);
    expect(vectors[0]).toHaveLength(64);
    const [deploy, restart, bake] = vectors as [number[], number[], number[]];
    expect(cosine(deploy, restart)).toBeGreaterThan(cosine(deploy, bake));
    expect(usage).toEqual({ promptTokens: 10, completionTokens: 0 });
    const request = server.requests.find((r) => r.path === '/v1/embeddings');
    expect(request?.body).toEqual({ model: 'embed-test', input: ['deploy the web server', 'restart the web server', 'bake bread'], encoding_format: 'float' });
  });

  it('sends nothing for nothing to embed', async () => {
    const client = await createLlmClient(options);

    expect(await client.embed('embed-test', [])).toEqual({ vectors: [], usage: { promptTokens: 0, completionTokens: 0 } });
    expect(server.requests).toEqual([]);
  });
});

function cosine(a: number[], b: number[]): number {
  return a.reduce((sum, x, i) => sum + x * (b[i] ?? 0), 0) / (Math.hypot(...a) * Math.hypot(...b));
}
