import { APIUserAbortError } from 'openai';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createLlmClient } from '../src/llm/client.js';
import { LlmUnavailableError } from '../src/llm/errors.js';
import type { LlmClientOptions, RetryNotice } from '../src/llm/types.js';
import { setOpenAIEnv, startOpenAIServer, type FakeOpenAI } from './support/openai-server.js';

const messages = [{ role: 'user' as const, content: 'hello' }];

let server: FakeOpenAI;
let restoreEnv: () => void;
let notices: RetryNotice[];

function options(overrides: Partial<LlmClientOptions> = {}): LlmClientOptions {
  return {
    retry: { maxAttempts: 3, initialDelay: 10, maxDelay: 50 },
    timeoutMs: 10_000,
    onRetry: (notice) => notices.push(notice),
    ...overrides,
  };
}

beforeEach(async () => {
  server = await startOpenAIServer();
  restoreEnv = setOpenAIEnv({ baseUrl: server.url, apiKey: 'test-key' });
  notices = [];
});

afterEach(async () => {
  restoreEnv();
  await server.close();
});

describe('transient failures are retried', () => {
  it('waits as long as a 429 Retry-After asks, then succeeds', async () => {
    server.script([{ error: 429, message: 'slow down', headers: { 'retry-after': '1' } }, { content: 'done' }]);
    const client = await createLlmClient(options());

    const response = await client.chat({ model: 'gpt-test', messages });

    expect(response.content).toBe('done');
    const [first, second] = server.chatRequests();
    expect(server.chatRequests()).toHaveLength(2);
    expect(second!.at - first!.at).toBeGreaterThanOrEqual(990);
    expect(notices).toEqual([{ attempt: 1, delayMs: 1000, reason: '429 slow down' }]);
  });

  it('gives up with LlmUnavailableError (exit 3) after maxAttempts requests of 500s', async () => {
    server.script(() => ({ error: 500, message: 'the model is overloaded' }));
    const client = await createLlmClient(options());

    const failure = await client.chat({ model: 'gpt-test', messages }).catch((error: unknown) => error);

    expect(failure).toBeInstanceOf(LlmUnavailableError);
    expect((failure as LlmUnavailableError).exitCode).toBe(3);
    expect((failure as Error).message).toBe('LLM endpoint unavailable after 3 attempts: 500 the model is overloaded');
    expect(server.chatRequests()).toHaveLength(3);
    expect(notices.map((n) => n.attempt)).toEqual([1, 2]);
  });

  it('retries a dropped connection', async () => {
    server.script([{ drop: true }, { content: 'after the reset' }]);
    const client = await createLlmClient(options());

    const response = await client.chat({ model: 'gpt-test', messages });

    expect(response.content).toBe('after the reset');
    expect(server.chatRequests()).toHaveLength(2);
    // The reason names the cause (undici says "other side closed"), not just "Connection error.".
    expect(notices[0]?.reason).toMatch(/^Connection error\. \(.+\)$/);
  });

  it('retries a 200 whose JSON body is cut short', async () => {
    server.script([{ malformed: true }, { content: 'whole this time' }]);
    const client = await createLlmClient(options());

    const response = await client.chat({ model: 'gpt-test', messages });

    expect(response.content).toBe('whole this time');
    expect(server.chatRequests()).toHaveLength(2);
    expect(notices[0]?.reason).toMatch(/not valid JSON/);
  });

  it('retries a 200 that is not JSON at all (a gateway page)', async () => {
    server.script([{ malformed: true, contentType: 'text/html' }, { content: 'real answer' }]);
    const client = await createLlmClient(options());

    const response = await client.chat({ model: 'gpt-test', messages });

    expect(response.content).toBe('real answer');
    expect(server.chatRequests()).toHaveLength(2);
  });

  it('retries a request that outlives timeoutMs', async () => {
    server.script([{ delayMs: 2_000, then: { content: 'too late' } }, { content: 'in time' }]);
    const client = await createLlmClient(options({ timeoutMs: 200 }));

    const response = await client.chat({ model: 'gpt-test', messages });

    expect(response.content).toBe('in time');
    expect(server.chatRequests()).toHaveLength(2);
    expect(notices[0]?.reason).toMatch(/timed out/i);
  });

  it('says why when nothing listens at OPENAI_BASE_URL', async () => {
    await server.close();
    const client = await createLlmClient(options({ retry: { maxAttempts: 2, initialDelay: 10, maxDelay: 10 } }));

    const failure = await client.chat({ model: 'gpt-test', messages }).catch((error: unknown) => error);

    expect(failure).toBeInstanceOf(LlmUnavailableError);
    expect((failure as Error).message).toMatch(/^LLM endpoint unavailable after 2 attempts: Connection error\. \(.*ECONNREFUSED/);
  });

  it('retries embeddings too', async () => {
    // Embeddings are not scripted; an unreachable server is the failure at hand.
    await server.close();
    const client = await createLlmClient(options({ retry: { maxAttempts: 2, initialDelay: 10, maxDelay: 10 } }));

    await expect(client.embed('embed-test', ['text'])).rejects.toBeInstanceOf(LlmUnavailableError);
    expect(notices).toHaveLength(1);
  });
});

describe('aborting', () => {
  it('rejects with the SDK abort error while a reply is pending', async () => {
    server.script([{ delayMs: 10_000, then: { content: 'never seen' } }]);
    const client = await createLlmClient(options());
    const controller = new AbortController();

    const pending = client.chat({ model: 'gpt-test', messages, signal: controller.signal });
    await until(() => server.chatRequests().length === 1);
    controller.abort();

    await expect(pending).rejects.toBeInstanceOf(APIUserAbortError);
    expect(server.chatRequests()).toHaveLength(1);
    expect(notices).toEqual([]);
  });

  it('stops waiting between attempts as soon as the signal aborts', async () => {
    server.script([{ error: 503, headers: { 'retry-after': '60' } }, { content: 'never requested' }]);
    const client = await createLlmClient(options());
    const controller = new AbortController();

    const pending = client.chat({ model: 'gpt-test', messages, signal: controller.signal });
    await until(() => notices.length === 1);
    controller.abort();

    await expect(pending).rejects.toBeInstanceOf(APIUserAbortError);
    expect(notices[0]?.delayMs).toBe(60_000);
    expect(server.chatRequests()).toHaveLength(1);
  });
});

async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((resolve) => setTimeout(resolve, 5));
}
