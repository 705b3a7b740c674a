import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { UsageError } from '../src/errors.js';
import { createLlmClient } from '../src/llm/client.js';
import { LlmAuthError, LlmRequestError } from '../src/llm/errors.js';
import type { LlmClientOptions, RetryNotice } from '../src/llm/types.js';
import { setOpenAIEnv, startOpenAIServer, type FakeOpenAI } from './support/openai-server.js';

const messages = [{ role: 'user' as const, content: 'hello' }];

let server: FakeOpenAI;
let restoreEnv: () => void;
let notices: RetryNotice[];
let options: LlmClientOptions;

beforeEach(async () => {
  server = await startOpenAIServer();
  restoreEnv = setOpenAIEnv({ baseUrl: server.url, apiKey: 'test-key' });
  notices = [];
  options = { retry: { maxAttempts: 5, initialDelay: 10, maxDelay: 50 }, timeoutMs: 10_000, onRetry: (n) => notices.push(n) };
});

afterEach(async () => {
  restoreEnv();
  await server.close();
});

describe('errors that retrying cannot fix fail at once', () => {
  it('401 → LlmAuthError (exit 1) pointing at OPENAI_API_KEY, after one request', async () => {
    server.script(() => ({ error: 401, message: 'Incorrect API key provided' }));
    const client = await createLlmClient(options);

    const failure = await client.chat({ model: 'gpt-test', messages }).catch((error: unknown) => error);

    expect(failure).toBeInstanceOf(LlmAuthError);
    expect((failure as LlmAuthError).exitCode).toBe(1);
    expect((failure as Error).message).toContain('check OPENAI_API_KEY');
    expect((failure as Error).message).toContain('401');
    expect(server.chatRequests()).toHaveLength(1);
    expect(notices).toEqual([]);
  });

  it('403 is an auth error too', async () => {
    server.script(() => ({ error: 403, message: 'project has no access' }));
    const client = await createLlmClient(options);

    await expect(client.chat({ model: 'gpt-test', messages })).rejects.toThrow(/403.*check OPENAI_API_KEY/);
    expect(server.chatRequests()).toHaveLength(1);
  });

  it('400 → LlmRequestError (exit 1) quoting the server, after one request', async () => {
    server.script(() => ({ error: 400, message: 'model not found' }));
    const client = await createLlmClient(options);

    const failure = await client.chat({ model: 'gpt-nope', messages }).catch((error: unknown) => error);

    expect(failure).toBeInstanceOf(LlmRequestError);
    expect((failure as LlmRequestError).exitCode).toBe(1);
    expect((failure as Error).message).toBe('LLM request rejected (400 "model not found")');
    expect(server.chatRequests()).toHaveLength(1);
  });

  it('keeps a server message on one line', async () => {
    server.script(() => ({ error: 404, message: 'The model `gpt-nope`\ndoes not exist' }));
    const client = await createLlmClient(options);

    await expect(client.chat({ model: 'gpt-nope', messages })).rejects.toThrow('LLM request rejected (404 "The model `gpt-nope` does not exist")');
  });
});

describe('credentials', () => {
  // These override the environment beforeEach set; afterEach still restores the one from before the test.
  it('refuses to start without OPENAI_API_KEY or OPENAI_BASE_URL', async () => {
    setOpenAIEnv({});

    const failure = await createLlmClient(options).catch((error: unknown) => error);

    expect(failure).toBeInstanceOf(UsageError);
    expect((failure as UsageError).exitCode).toBe(2);
    expect((failure as Error).message).toContain('OPENAI_API_KEY is not set');
  });

  it('needs no key for a local server at OPENAI_BASE_URL', async () => {
    setOpenAIEnv({ baseUrl: server.url });
    server.script([{ content: 'local' }]);
    const client = await createLlmClient(options);

    expect((await client.chat({ model: 'llama', messages })).content).toBe('local');
    expect(server.chatRequests()[0]?.headers['authorization']).toMatch(/^Bearer \S+$/);
  });
});
