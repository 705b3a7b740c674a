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
  /** Set for a chat request once it is answered with a usable completion (not an error, a refusal, a stall). */
  completed?: boolean;
}

export interface ScriptedToolCall {
  name: string;
  /** An object is sent JSON-encoded; a string is sent as is (so tests can script invalid arguments). */
  arguments: Record<string, unknown> | string;
  /**
   * The id as the server sends it. Left out: `call_<n>_<i>`. `''`: Gemini's OpenAI layer
   * (https://github.com/vercel/ai/issues/7834); `null`: no id at all; a number or a repeated id: proxies.
   */
  id?: string | number | null;
  /** Send `arguments` as a JSON object instead of a string (Ollama-style servers and some proxies). */
  argumentsAsObject?: boolean;
  /** Leave out the `function` object (seen from broken proxies): the client must not crash on it. */
  noFunction?: boolean;
}

/** A chat completion. `usage: null` leaves usage out of the response, as some servers do. */
export interface CompletionReply {
  content?: string | null;
  toolCalls?: ScriptedToolCall[];
  usage?: { prompt_tokens: number; completion_tokens: number } | null;
  /**
   * `length` (cut at max_tokens), `content_filter` (Azure withholding the answer:
   * https://learn.microsoft.com/azure/ai-services/openai/concepts/content-filter), `error` (OpenRouter, a provider
   * failing mid-generation: https://openrouter.ai/docs/api-reference/errors).
   */
  finishReason?: string;
  /** DeepSeek's separate reasoning field (https://api-docs.deepseek.com/guides/reasoning_model), also llama-server's. */
  reasoningContent?: string;
  /** vLLM >= 0.11, Ollama and OpenRouter name it `reasoning` (https://docs.vllm.ai/en/v0.11.2/features/reasoning_outputs/). */
  reasoning?: string;
}

/**
 * How a real server family refuses what it does not support, checked before the script answers (a refused request
 * consumes no scripted reply). Each switch cites where the behaviour is documented.
 */
export interface ServerQuirks {
  /** DeepSeek: 400 "This response_format type is unavailable now" for json_schema (https://github.com/llm-exe/llm-exe/issues/662). */
  refuseJsonSchema?: boolean;
  /**
   * LiteLLM without drop_params: 400 UnsupportedParamsError for a response_format the model does not take
   * (https://docs.litellm.ai/docs/completion/drop_params).
   */
  refuseResponseFormat?: boolean;
  /** Ollama, a model without tool support: 400 "<model> does not support tools" (https://github.com/ollama/ollama/issues/6027). */
  refuseTools?: boolean;
  /** llama-server without --jinja: 500 "tools param requires --jinja flag" (https://github.com/defilantech/LLMKube/issues/126). */
  toolsNeedJinja?: boolean;
  /**
   * DeepSeek thinking mode: 400 "The reasoning_content in the thinking mode must be passed back to the API" when an
   * assistant message with tool calls lacks it (https://github.com/anomalyco/opencode/issues/24722).
   */
  requireReasoningBack?: boolean;
  /**
   * OpenAI, Groq, Gemini: unknown message fields are refused ("Unknown name \"reasoning\": Cannot find field",
   * https://github.com/SuzumiyaAkizuki/ComfyUI-NewBie-LLM-Formatter/issues/3); and Mistral templates refuse tool-call
   * ids that are not 9 letters and digits (https://github.com/vllm-project/vllm/issues/9019); servers 400 on history
   * arguments that are not JSON.
   */
  strictHistory?: boolean;
}

export type Reply =
  | CompletionReply
  /** An HTTP error; the body defaults to OpenAI's error shape {error: {message, type, code}}. */
  | { error: number; message?: string; headers?: Record<string, string>; body?: unknown }
  /** Destroy the socket without answering: the client sees a connection reset. */
  | { drop: true }
  /** A 200 whose body is not JSON (by default labelled application/json, like a truncated response). */
  | { malformed: true; contentType?: string }
  /** An error whose body is exactly this text (a proxy's HTML, Ollama's {"error": "…"}, an empty body). */
  | { status: number; rawBody: string; contentType?: string }
  /** Headers, then silence: a server stuck mid-response. */
  | { stall: true }
  /** The reply's JSON one byte every `everyMs`: a server dripping its answer. */
  | { drip: CompletionReply; everyMs: number }
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
  /** Makes the server refuse requests the way a real server family does (see ServerQuirks). */
  quirks(quirks: ServerQuirks): void;
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
  let quirks: ServerQuirks = {};
  let chatCount = 0;
  const sockets = new Set<import('node:net').Socket>();
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
    if ('rawBody' in reply) {
      res.writeHead(reply.status, { 'content-type': reply.contentType ?? 'text/plain' });
      res.end(reply.rawBody);
      return;
    }
    if ('stall' in reply) {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('{"id": "chatcmpl-stalled", ');
      return;
    }
    if ('drip' in reply) {
      const bytes = Buffer.from(JSON.stringify(completion(reply.drip, request, index)));
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(bytes.length) });
      for (const byte of bytes) {
        if (res.destroyed) return;
        res.write(Buffer.from([byte]));
        await delay(reply.everyMs);
      }
      res.end();
      request.completed = true;
      return;
    }
    // finish_reason "error" is OpenRouter's failure report, not an answer the client keeps.
    request.completed = reply.finishReason !== 'error';
    sendJson(res, 200, completion(reply, request, index));
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const at = Date.now();
    const body = parseJson(await readBody(req));
    const request: RecordedRequest = { method: req.method ?? '', path: (req.url ?? '').split('?')[0] ?? '', headers: req.headers, body, at };
    requests.push(request);

    if (request.method === 'POST' && request.path === CHAT_PATH) {
      const index = chatCount++;
      const refusal = refuse(quirks, request.body);
      await deliver(refusal ?? (await nextReply(request, index)), res, request, index);
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
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
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
    quirks(next) {
      quirks = next;
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
        for (const socket of sockets) socket.destroy();
      });
    },
  };
}

function completion(reply: CompletionReply, request: RecordedRequest, index: number): Record<string, unknown> {
  const toolCalls = (reply.toolCalls ?? []).map((call, n) => {
    const id = call.id === undefined ? `call_${index}_${n}` : call.id;
    const args = call.argumentsAsObject || typeof call.arguments === 'string' ? call.arguments : JSON.stringify(call.arguments);
    return {
      ...(id === null ? {} : { id }),
      type: 'function',
      ...(call.noFunction ? {} : { function: { name: call.name, arguments: args } }),
    };
  });
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
          ...(reply.reasoningContent !== undefined ? { reasoning_content: reply.reasoningContent } : {}),
          ...(reply.reasoning !== undefined ? { reasoning: reply.reasoning } : {}),
          ...(toolCalls.length > 0 ? { tool_calls: toolCalls } : {}),
        },
        logprobs: null,
        finish_reason: reply.finishReason ?? (toolCalls.length > 0 ? 'tool_calls' : 'stop'),
      },
    ],
    ...(usage ? { usage: { ...usage, total_tokens: usage.prompt_tokens + usage.completion_tokens } } : {}),
  };
}

/** The refusal a server with these quirks gives this request, if any. */
function refuse(quirks: ServerQuirks, body: any): Reply | undefined {
  const format = body?.response_format?.type;
  if (quirks.refuseResponseFormat && format) {
    return { error: 400, message: `litellm.UnsupportedParamsError: ${String(body.model)} does not support parameters: ['response_format']. To drop these, set \`litellm.drop_params=True\`` };
  }
  if (quirks.refuseJsonSchema && format === 'json_schema') return { error: 400, message: 'This response_format type is unavailable now' };
  const hasTools = Array.isArray(body?.tools) && body.tools.length > 0;
  if (quirks.refuseTools && hasTools) return { status: 400, rawBody: JSON.stringify({ error: `registry.ollama.ai/library/${String(body.model)} does not support tools` }), contentType: 'application/json' };
  if (quirks.toolsNeedJinja && hasTools) return { error: 500, message: 'tools param requires --jinja flag' };
  const messages: any[] = Array.isArray(body?.messages) ? body.messages : [];
  if (quirks.requireReasoningBack) {
    const at = messages.findIndex((m) => m.role === 'assistant' && Array.isArray(m.tool_calls) && typeof m.reasoning_content !== 'string');
    if (at >= 0) return { error: 400, message: 'The reasoning_content in the thinking mode must be passed back to the API.' };
  }
  if (quirks.strictHistory) {
    for (const [i, m] of messages.entries()) {
      for (const key of Object.keys(m)) {
        if (!['role', 'content', 'name', 'tool_calls', 'tool_call_id'].includes(key)) return { error: 400, message: `Invalid JSON payload received. Unknown name "${key}" at 'messages[${i}]': Cannot find field.` };
      }
      for (const call of m.tool_calls ?? []) {
        if (!/^[A-Za-z0-9]{9}$/.test(String(call.id))) return { error: 400, message: `Tool call id was ${String(call.id)} but must be a-z, A-Z, 0-9, with a length of 9.` };
        try {
          JSON.parse(call.function.arguments);
        } catch {
          return { error: 400, message: `messages[${i}].tool_calls: arguments must be valid JSON` };
        }
      }
      if (m.role === 'tool' && !/^[A-Za-z0-9]{9}$/.test(String(m.tool_call_id))) return { error: 400, message: `Tool call id was ${String(m.tool_call_id)} but must be a-z, A-Z, 0-9, with a length of 9.` };
    }
  }
  return undefined;
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
