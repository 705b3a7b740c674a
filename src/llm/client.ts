import type { ChatCompletion, ChatCompletionCreateParamsNonStreaming } from 'openai/resources/chat/completions';
import type { CompletionUsage } from 'openai/resources/completions';
import type { CreateEmbeddingResponse } from 'openai/resources/embeddings';
import { classifyFailure, LlmNotConfiguredError, LlmUnavailableError, MalformedResponseError, type OpenAISdk } from './errors.js';
import { backoffDelay, pause } from './retry.js';
import type { ChatRequest, ChatResponse, LlmClient, LlmClientOptions, Usage } from './types.js';

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
  const openai = new sdk.OpenAI({ apiKey, maxRetries: 0, timeout: options.timeoutMs });
  const withRetries = retrying(sdk, options);

  return {
    chat: (request) =>
      withRetries(async () => {
        const completion = await withRequestSignal(request.signal, (signal) => openai.chat.completions.create(chatParams(request), { signal }));
        return readCompletion(completion, request.model);
      }, request.signal),

    async embed(model, texts, signal) {
      // The API rejects an empty input list; nothing to embed needs no request.
      if (texts.length === 0) return { vectors: [], usage: { promptTokens: 0, completionTokens: 0 } };
      return withRetries(async () => {
        // 'float' explicitly: the SDK otherwise asks for base64, which not every compatible server supports.
        const response = await withRequestSignal(signal, (own) => openai.embeddings.create({ model, input: texts, encoding_format: 'float' }, { signal: own }));
        return readEmbeddings(response, texts.length);
      }, signal);
    },
  };
}

/**
 * Gives one request a signal of its own that follows the run's. The SDK adds an abort listener to the signal it is
 * given and never removes it; on the run-wide signal those pile up (MaxListenersExceededWarning after 10 requests).
 */
async function withRequestSignal<T>(signal: AbortSignal | undefined, send: (signal: AbortSignal | undefined) => Promise<T>): Promise<T> {
  if (!signal) return send(undefined);
  const own = new AbortController();
  const forward = () => own.abort(signal.reason);
  if (signal.aborted) forward();
  else signal.addEventListener('abort', forward, { once: true });
  try {
    return await send(own.signal);
  } finally {
    signal.removeEventListener('abort', forward);
  }
}

/** Same reading of the environment as the SDK: unset and blank are alike. */
function resolveApiKey(): string {
  const key = process.env['OPENAI_API_KEY']?.trim();
  if (key) return key;
  if (process.env['OPENAI_BASE_URL']?.trim()) return PLACEHOLDER_API_KEY;
  throw new LlmNotConfiguredError();
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

function chatParams(request: ChatRequest): ChatCompletionCreateParamsNonStreaming {
  return {
    model: request.model,
    messages: request.messages,
    ...(request.tools && request.tools.length > 0
      ? {
          tools: request.tools.map(({ name, description, parameters }) => ({
            type: 'function' as const,
            function: { name, description, parameters },
          })),
        }
      : {}),
    ...(request.jsonSchema
      ? {
          // strict: false because strict mode demands a restricted schema dialect that most task schemas break.
          response_format: {
            type: 'json_schema' as const,
            json_schema: { name: request.jsonSchema.name, schema: request.jsonSchema.schema, strict: false },
          },
        }
      : {}),
  };
}

/**
 * Compatible servers do not always honour the schema the SDK's types promise: a non-JSON body arrives as a
 * string, and gateways under load answer 200 with no choices. Both are treated as transient.
 */
function readCompletion(completion: ChatCompletion | string | undefined, requestedModel: string): ChatResponse {
  if (typeof completion !== 'object' || completion === null) throw new MalformedResponseError('chat completion body is not a JSON object');
  const choice = completion.choices?.[0];
  if (!choice?.message) throw new MalformedResponseError('chat completion has no choices');
  const { message } = choice;
  return {
    content: message.content ?? null,
    toolCalls: (message.tool_calls ?? []).flatMap((call) =>
      // We only offer function tools, so only function calls can answer them.
      call.type === 'function' ? [{ id: call.id, name: call.function.name, arguments: call.function.arguments }] : [],
    ),
    usage: readUsage(completion.usage),
    model: completion.model ?? requestedModel,
    finishReason: choice.finish_reason ?? null,
  };
}

function readEmbeddings(response: CreateEmbeddingResponse | string | undefined, expected: number): { vectors: number[][]; usage: Usage } {
  if (typeof response !== 'object' || response === null) throw new MalformedResponseError('embeddings body is not a JSON object');
  const data = response.data ?? [];
  if (data.length !== expected) throw new MalformedResponseError(`expected ${expected} embeddings, got ${data.length}`);
  // The API documents `index`; order by it rather than trusting the array order.
  const vectors = [...data].sort((a, b) => a.index - b.index).map((item) => item.embedding);
  return { vectors, usage: { promptTokens: response.usage?.prompt_tokens ?? 0, completionTokens: 0 } };
}

function readUsage(usage: CompletionUsage | undefined): Usage {
  return { promptTokens: usage?.prompt_tokens ?? 0, completionTokens: usage?.completion_tokens ?? 0 };
}
