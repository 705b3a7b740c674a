import { createServer, STATUS_CODES, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A scripted OpenAI-compatible HTTP server. Tests point the real `openai` SDK (or a spawned agentrun, through
 * OPENAI_BASE_URL) at it and decide, reply by reply, what the "LLM" answers or how it fails.
 */

export interface RecordedRequest {
  method: string;
  path: string;
  headers: Record<string, string | string[] | undefined>;
  /** Parsed JSON, or undefined when the body was empty or not JSON. `any` so tests can dig into it freely. */
  body: any;
  /** Date.now() when the request arrived. */
  at: number;
}

export interface ScriptedToolCall {
  name: string;
  /** An object is sent JSON-encoded; a string is sent as is (so tests can script invalid arguments). */
  arguments: Record<string, unknown> | string;
  id?: string;
}

/** A chat completion. `usage: null` leaves usage out of the response, as some servers do. */
export interface CompletionReply {
  content?: string | null;
  toolCalls?: ScriptedToolCall[];
  usage?: { prompt_tokens: number; completion_tokens: number } | null;
  finishReason?: string;
}

export type Reply =
  | CompletionReply
  /** An HTTP error; the body defaults to OpenAI's error shape {error: {message, type, code}}. */
  | { error: number; message?: string; headers?: Record<string, string>; body?: unknown }
  /** Destroy the socket without answering: the client sees a connection reset. */
  | { drop: true }
  /** A 200 whose body is not JSON (by default labelled application/json, like a truncated response). */
  | { malformed: true; contentType?: string }
  | { delayMs: number; then: Reply };

export type Script = Reply[] | ((request: RecordedRequest, index: number) => Reply | Promise<Reply>);

export interface FakeOpenAI {
  /** Base URL including /v1: what OPENAI_BASE_URL gets. */
  url: string;
  /** Every request received, in order, including the ones answered with an error. */
  requests: RecordedRequest[];
  /** Only POST /v1/chat/completions. */
  chatRequests(): RecordedRequest[];
  /** Replaces the script; a queue (array) is consumed one reply per chat request. */
  script(script: Script): void;
  close(): Promise<void>;
}

/**
 * Points the SDK's own environment variables at a server (or unsets them, for values left out) and returns
 * a function that puts back what was there: the client reads process.env, so tests must not leak it.
 */
export function setOpenAIEnv(values: { baseUrl?: string; apiKey?: string }): () => void {
  const saved = { OPENAI_BASE_URL: process.env['OPENAI_BASE_URL'], OPENAI_API_KEY: process.env['OPENAI_API_KEY'] };
  const assign = (env: Record<keyof typeof saved, string | undefined>) => {
    for (const [key, value] of Object.entries(env)) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
  };
  assign({ OPENAI_BASE_URL: values.baseUrl, OPENAI_API_KEY: values.apiKey });
  return () => assign(saved);
}

const DEFAULT_USAGE = { prompt_tokens: 10, completion_tokens: 5 };
const EMBEDDING_DIMENSIONS = 64;
const CHAT_PATH = '/v1/chat/completions';

export async function startOpenAIServer(initialScript: Script = []): Promise<FakeOpenAI> {
  // A copy, so consuming the queue does not empty the caller's array.
  const own = (next: Script): Script => (Array.isArray(next) ? [...next] : next);
  let script = own(initialScript);
  let chatCount = 0;
  const requests: RecordedRequest[] = [];
  const pendingDelays = new Set<NodeJS.Timeout>();

  const nextReply = async (request: RecordedRequest, index: number): Promise<Reply> => {
    if (typeof script === 'function') {
      try {
        return await script(request, index);
      } catch (error) {
        return { error: 500, message: `fake OpenAI server: the script threw on chat request #${index}: ${String(error)}` };
      }
    }
    return script.shift() ?? { error: 500, message: `fake OpenAI server: the script ran out of replies at chat request #${index}` };
  };

  const delay = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        pendingDelays.delete(timer);
        resolve();
      }, ms);
      pendingDelays.add(timer);
    });

  const deliver = async (reply: Reply, res: ServerResponse, request: RecordedRequest, index: number): Promise<void> => {
    if ('delayMs' in reply) {
      await delay(reply.delayMs);
      // The client may have given up (aborted, timed out) while we waited.
      if (res.destroyed) return;
      return deliver(reply.then, res, request, index);
    }
    if ('drop' in reply) {
      res.destroy();
      return;
    }
    if ('malformed' in reply) {
      res.writeHead(200, { 'content-type': reply.contentType ?? 'application/json' });
      res.end('{"id": "chatcmpl-truncated", "choices": [');
      return;
    }
    if ('error' in reply) {
      sendJson(res, reply.error, reply.body ?? errorBody(reply.error, reply.message), reply.headers);
      return;
    }
    sendJson(res, 200, completion(reply, request, index));
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const at = Date.now();
    const body = parseJson(await readBody(req));
    const request: RecordedRequest = { method: req.method ?? '', path: (req.url ?? '').split('?')[0] ?? '', headers: req.headers, body, at };
    requests.push(request);

    if (request.method === 'POST' && request.path === CHAT_PATH) {
      const index = chatCount++;
      await deliver(await nextReply(request, index), res, request, index);
    } else if (request.method === 'POST' && request.path === '/v1/embeddings') {
      sendJson(res, 200, embeddings(request.body));
    } else if (request.method === 'GET' && request.path === '/v1/models') {
      sendJson(res, 200, { object: 'list', data: [{ id: 'fake-model', object: 'model', created: 0, owned_by: 'agentrun-tests' }] });
    } else {
      sendJson(res, 404, errorBody(404, `fake OpenAI server: no route for ${request.method} ${request.path}`));
    }
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (!res.headersSent && !res.destroyed) sendJson(res, 500, errorBody(500, `fake OpenAI server failed: ${String(error)}`));
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}/v1`,
    requests,
    chatRequests: () => requests.filter((r) => r.method === 'POST' && r.path === CHAT_PATH),
    script(next) {
      script = own(next);
    },
    close() {
      for (const timer of pendingDelays) clearTimeout(timer);
      pendingDelays.clear();
      // Idempotent, so a test may close early (to make the endpoint unreachable) and still share teardown.
      if (!server.listening) return Promise.resolve();
      return new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        // Keep-alive and mid-reply sockets would otherwise hold close() (and the test run) open.
        server.closeAllConnections();
      });
    },
  };
}

function completion(reply: CompletionReply, request: RecordedRequest, index: number): Record<string, unknown> {
  const toolCalls = (reply.toolCalls ?? []).map((call, n) => ({
    id: call.id ?? `call_${index}_${n}`,
    type: 'function',
    function: {
      name: call.name,
      arguments: typeof call.arguments === 'string' ? call.arguments : JSON.stringify(call.arguments),
    },
  }));
  const usage = reply.usage === undefined ? DEFAULT_USAGE : reply.usage;
  return {
    id: `chatcmpl-${index}`,
    object: 'chat.completion',
    created: Math.floor(Date.now() / 1000),
    model: typeof request.body?.model === 'string' ? request.body.model : 'fake-model',
    choices: [
      {
        index: 0,
        message: {
          role: 'assistant',
          content: reply.content ?? (toolCalls.length > 0 ? null : ''),
          refusal: null,
          ...(toolCalls.length > 0 ? { tool_calls: toolCalls } : {}),
        },
        logprobs: null,
        finish_reason: reply.finishReason ?? (toolCalls.length > 0 ? 'tool_calls' : 'stop'),
      },
    ],
    ...(usage ? { usage: { ...usage, total_tokens: usage.prompt_tokens + usage.completion_tokens } } : {}),
  };
}

/**
 * Deterministic embeddings: each word adds a signed unit to one of 64 dimensions chosen by its hash, so texts
 * that share words point in similar directions and unrelated texts are nearly orthogonal.
 */
function embeddings(body: { model?: unknown; input?: unknown; encoding_format?: unknown } | undefined): Record<string, unknown> {
  const inputs = Array.isArray(body?.input) ? body.input.map(String) : [String(body?.input ?? '')];
  let tokens = 0;
  const data = inputs.map((text, index) => {
    const words = text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [];
    tokens += words.length;
    const vector = embedWords(words);
    // The SDK asks for base64 unless told otherwise; answer in the encoding asked for, as OpenAI does.
    const embedding =
      body?.encoding_format === 'base64' ? Buffer.from(new Float32Array(vector).buffer).toString('base64') : vector;
    return { object: 'embedding', index, embedding };
  });
  return {
    object: 'list',
    data,
    model: typeof body?.model === 'string' ? body.model : 'fake-embedding',
    usage: { prompt_tokens: tokens, total_tokens: tokens },
  };
}

function embedWords(words: string[]): number[] {
  const vector = new Array<number>(EMBEDDING_DIMENSIONS).fill(0);
  for (const word of words) {
    const hash = fnv1a(word);
    const dimension = hash % EMBEDDING_DIMENSIONS;
    vector[dimension] = (vector[dimension] ?? 0) + (hash & 0x8000_0000 ? -1 : 1);
  }
  const norm = Math.hypot(...vector);
  return norm === 0 ? vector : vector.map((x) => x / norm);
}

function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (const byte of Buffer.from(text, 'utf8')) {
    hash ^= byte;
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

function errorBody(status: number, message?: string): { error: { message: string; type: string; code: string | null } } {
  return { error: { message: message ?? STATUS_CODES[status] ?? `HTTP ${status}`, type: errorType(status), code: null } };
}

function errorType(status: number): string {
  if (status === 401) return 'authentication_error';
  if (status === 403) return 'permission_error';
  if (status === 429) return 'rate_limit_error';
  if (status >= 500) return 'server_error';
  return 'invalid_request_error';
}

function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function parseJson(text: string): unknown {
  if (text === '') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
