import type { ChatCompletionCreateParamsNonStreaming, ChatCompletionMessageParam } from 'openai/resources/chat/completions';
import type { CreateEmbeddingResponse } from 'openai/resources/embeddings';
import { adaptToRefusal } from './endpoint.js';
import {
  classifyFailure,
  LlmEndpointInvalidError,
  LlmNotConfiguredError,
  LlmRequestError,
  LlmResponseTimeoutError,
  LlmResponseTooLargeError,
  LlmUnavailableError,
  MalformedResponseError,
  type OpenAISdk,
} from './errors.js';
import { normalizeCompletion } from './normalize.js';
import { backoffDelay, pause } from './retry.js';
import { DEFAULT_ENDPOINT_PROFILE, type ChatMessage, type ChatRequest, type EndpointProfile, type LlmClient, type LlmClientOptions, type Usage } from './types.js';
import { boundedFetch } from './wire.js';

export type * from './types.js';

/** Local OpenAI-compatible servers (Ollama, llama.cpp, vLLM) ignore the key, but the SDK insists on one. */
const PLACEHOLDER_API_KEY = 'agentrun-no-key';

/**
 * A chat/embedding client on the official SDK, configured by its own OPENAI_API_KEY / OPENAI_BASE_URL.
 * The SDK is imported here, not at the top, so commands that never talk to an LLM do not pay for loading it.
 */
export async function createLlmClient(options: LlmClientOptions): Promise<LlmClient> {
  const apiKey = resolveApiKey();
  const sdk = await import('openai');
  // Retries are ours (maxRetries: 0): we classify failures, honour Retry-After, report each wait and stop on abort.
  const maxBytes = options.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES;
  const openai = new sdk.OpenAI({ apiKey, maxRetries: 0, timeout: options.timeoutMs, fetch: boundedFetch(maxBytes) });
  const withRetries = retrying(sdk, options);

  return {
    async chat(request) {
      let profile = request.endpoint ?? DEFAULT_ENDPOINT_PROFILE;
      // A refusal of something the endpoint does not support is answered by asking without it (at most once per
      // capability), not counted as a failed attempt; what was learned travels back with the response.
      for (;;) {
        try {
          const asked = profile;
          // Normalising is part of the attempt: a 200 that is no usable completion is retried like a failure.
          const response = await withRetries(async () => {
            const body: unknown = await withDeadline(request.signal, options.timeoutMs, (signal) => openai.chat.completions.create(chatParams(request, asked), { signal }));
            return normalizeCompletion(body, { ...request, tools: asked.tools ? request.tools : undefined });
          }, request.signal);
          return { ...response, endpoint: asked };
        } catch (error) {
          const adapted = error instanceof LlmRequestError ? adaptToRefusal(error.status, error.serverMessage, request, profile) : undefined;
          if (!adapted) throw error;
          profile = adapted;
        }
      }
    },

    async embed(model, texts, signal) {
      // The API rejects an empty input list; nothing to embed needs no request.
      if (texts.length === 0) return { vectors: [], usage: { promptTokens: 0, completionTokens: 0 } };
      return withRetries(async () => {
        // 'float' explicitly: the SDK otherwise asks for base64, which not every compatible server supports.
        const response = await withDeadline(signal, options.timeoutMs, (own) => openai.embeddings.create({ model, input: texts, encoding_format: 'float' }, { signal: own }));
        return readEmbeddings(response, texts.length);
      }, signal);
    },
  };
}

/** What one response may weigh: far above any real answer, far below what hurts memory or the journal. */
const DEFAULT_MAX_RESPONSE_BYTES = 4 * 1024 * 1024;

/**
 * Gives one request a signal of its own that follows the run's and also fires `timeoutMs` after sending. The SDK's
 * own timeout stops at the response headers, so a server that sends headers and then stalls, or drips a byte at a
 * time, would hold the run (and its lease) forever; this one covers the body to its last byte. (A signal of its own
 * also because the SDK adds an abort listener to the signal it is given and never removes it.)
 */
async function withDeadline<T>(signal: AbortSignal | undefined, timeoutMs: number, send: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const own = new AbortController();
  const forward = () => own.abort(signal?.reason);
  if (signal?.aborted) forward();
  else signal?.addEventListener('abort', forward, { once: true });
  const timer = setTimeout(() => own.abort(new LlmResponseTimeoutError(timeoutMs)), timeoutMs);
  try {
    return await send(own.signal);
  } catch (error) {
    // Only our timer aborts with this reason; the SDK reports it as a user abort, which it was not.
    if (own.signal.reason instanceof LlmResponseTimeoutError && !signal?.aborted) throw own.signal.reason;
    throw tooLargeIn(error) ?? error;
  } finally {
    clearTimeout(timer);
    signal?.removeEventListener('abort', forward);
  }
}

/** The body reader fails with our size error, wrapped by whatever read it (fetch, the SDK). */
function tooLargeIn(error: unknown): LlmResponseTooLargeError | undefined {
  for (let e: unknown = error, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth++) {
    if (e instanceof LlmResponseTooLargeError) return e;
  }
  return undefined;
}

/** Same reading of the environment as the SDK: unset and blank are alike. */
function resolveApiKey(): string {
  assertValidBaseUrl(process.env['OPENAI_BASE_URL']?.trim());
  const key = process.env['OPENAI_API_KEY']?.trim();
  if (key) return key;
  if (process.env['OPENAI_BASE_URL']?.trim()) return PLACEHOLDER_API_KEY;
  throw new LlmNotConfiguredError();
}

/** The SDK only parses the endpoint on the first request, mid-run; a typo there is bad input, found before a task exists. */
function assertValidBaseUrl(baseUrl: string | undefined): void {
  if (!baseUrl) return;
  let url: URL | undefined;
  try {
    url = new URL(baseUrl);
  } catch {
    url = undefined;
  }
  if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:')) throw new LlmEndpointInvalidError(baseUrl);
}

/** Refuses early (before a task is written) when a task will need an LLM and nothing says where one is. */
export function assertLlmConfigured(): void {
  resolveApiKey();
}

function retrying(sdk: OpenAISdk, { retry, onRetry }: LlmClientOptions) {
  return async function withRetries<T>(attemptOnce: () => Promise<T>, signal: AbortSignal | undefined): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await attemptOnce();
      } catch (error) {
        // The engine tells an interruption from a failure by `signal.aborted`: hand the abort back untouched.
        if (signal?.aborted) throw error;
        const failure = classifyFailure(error, sdk);
        if (!failure.transient) throw failure.error;
        if (attempt >= retry.maxAttempts) throw new LlmUnavailableError(attempt, failure.reason, { cause: error });
        const delayMs = failure.retryAfterMs ?? backoffDelay(attempt, retry);
        onRetry?.({ attempt, delayMs, reason: failure.reason });
        await pause(delayMs, signal);
        // Aborted while waiting: end with the same error type as an abort mid-request.
        if (signal?.aborted) throw new sdk.APIUserAbortError();
      }
    }
  };
}

function chatParams(request: ChatRequest, profile: EndpointProfile): ChatCompletionCreateParamsNonStreaming {
  const tools = profile.tools ? (request.tools ?? []) : [];
  return {
    model: request.model,
    messages: request.messages.map((message) => wireMessage(message, profile)),
    ...(tools.length > 0
      ? { tools: tools.map(({ name, description, parameters }) => ({ type: 'function' as const, function: { name, description, parameters } })) }
      : {}),
    ...(request.jsonSchema ? responseFormat(request.jsonSchema, profile) : {}),
  };
}

function responseFormat(jsonSchema: NonNullable<ChatRequest['jsonSchema']>, profile: EndpointProfile): Partial<ChatCompletionCreateParamsNonStreaming> {
  if (profile.structuredOutput === 'json_object') return { response_format: { type: 'json_object' } };
  if (profile.structuredOutput === 'prompt') return {};
  // strict: false because strict mode demands a restricted schema dialect that most task schemas break.
  return { response_format: { type: 'json_schema', json_schema: { name: jsonSchema.name, schema: jsonSchema.schema, strict: false } } };
}

/**
 * Our `reasoning` becomes `reasoning_content` only for endpoints that demand it back; the others (OpenAI, Groq,
 * Gemini) reject fields they do not know ("Unknown name \"reasoning\": Cannot find field",
 * https://github.com/SuzumiyaAkizuki/ComfyUI-NewBie-LLM-Formatter/issues/3).
 */
function wireMessage(message: ChatMessage, profile: EndpointProfile): ChatCompletionMessageParam {
  const { reasoning, ...rest } = message;
  if (message.role === 'assistant' && reasoning && profile.reasoningRoundTrip) return Object.assign(rest, { reasoning_content: reasoning });
  return rest as ChatCompletionMessageParam;
}

function readEmbeddings(response: CreateEmbeddingResponse | string | undefined, expected: number): { vectors: number[][]; usage: Usage } {
  if (typeof response !== 'object' || response === null) throw new MalformedResponseError('embeddings body is not a JSON object');
  const data = response.data ?? [];
  if (data.length !== expected) throw new MalformedResponseError(`expected ${expected} embeddings, got ${data.length}`);
  // The API documents `index`; order by it rather than trusting the array order.
  const vectors = [...data].sort((a, b) => a.index - b.index).map((item) => item.embedding);
  return { vectors, usage: { promptTokens: response.usage?.prompt_tokens ?? 0, completionTokens: 0 } };
}

