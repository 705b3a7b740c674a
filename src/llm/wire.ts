import { LlmResponseTooLargeError, oneLine } from './errors.js';

/** Error bodies are read only this far: enough for any server's explanation, not for an HTML page of a proxy. */
const ERROR_BODY_BYTES = 64 * 1024;

/**
 * The fetch the SDK uses. It bounds what a response may cost (a body past `maxBytes` is cut and refused), and
 * rewrites error bodies so the server's own words reach `APIError.error.message` whatever shape they came in: the
 * SDK only looks at `{error: {message}}`, and loses the rest.
 */
export function boundedFetch(maxBytes: number): typeof fetch {
  return async (input, init) => {
    const response = await fetch(input, init);
    if (!response.ok) return withReadableError(response);
    const declared = Number(response.headers.get('content-length'));
    if (Number.isFinite(declared) && declared > maxBytes) {
      await response.body?.cancel();
      throw new LlmResponseTooLargeError(maxBytes);
    }
    if (!response.body) return response;
    let seen = 0;
    const counted = response.body.pipeThrough(
      new TransformStream<Uint8Array, Uint8Array>({
        transform(chunk, controller) {
          seen += chunk.byteLength;
          if (seen > maxBytes) controller.error(new LlmResponseTooLargeError(maxBytes));
          else controller.enqueue(chunk);
        },
      }),
    );
    return new Response(counted, { status: response.status, statusText: response.statusText, headers: response.headers });
  };
}

async function withReadableError(response: Response): Promise<Response> {
  const text = await readPrefix(response, ERROR_BODY_BYTES);
  const parsed = parseJson(text);
  // Already the OpenAI shape: keep it whole, its `code` and `type` matter (Groq's tool_use_failed).
  if (isObject(parsed) && isObject(parsed.error) && typeof parsed.error.message === 'string' && parsed.error.message) {
    return new Response(text, { status: response.status, statusText: response.statusText, headers: response.headers });
  }
  const message = wordsOf(parsed, text) ?? `HTTP ${response.status}${response.statusText ? ` ${response.statusText}` : ''} with an empty body`;
  const headers = new Headers(response.headers);
  headers.set('content-type', 'application/json');
  headers.delete('content-length');
  const error = isObject(parsed) && isObject(parsed.error) ? { ...parsed.error, message } : { message };
  return new Response(JSON.stringify({ error }), { status: response.status, statusText: response.statusText, headers });
}

/**
 * Where servers put their explanation:
 * - `{"error": "…"}` — Ollama (https://github.com/ollama/ollama/issues/14795);
 * - `[{"error": {…}}]` — Gemini's OpenAI-compatible endpoint answers errors as an array
 *   (https://github.com/Simpleyyt/ai-manus/issues/101);
 * - `{"object": "error", "message": "…"}` — vLLM (https://github.com/vllm-project/vllm/pull/17664);
 * - `{"detail": "…"}` or `{"detail": [{"msg": …}]}` — FastAPI-based servers and proxies;
 * - plain text or HTML from a proxy; nothing at all ("400 status code (no body)",
 *   https://github.com/huggingface/chat-ui/issues/1343).
 * Bodies are read only so far: vLLM has answered one bad request with 114 MB
 * (https://github.com/vllm-project/vllm/issues/49239).
 */
function wordsOf(parsed: unknown, text: string): string | undefined {
  const item = Array.isArray(parsed) ? parsed[0] : parsed;
  if (isObject(item)) {
    const error = item.error;
    if (typeof error === 'string' && error) return error;
    if (isObject(error) && typeof error.message === 'string' && error.message) return error.message;
    if (typeof item.detail === 'string' && item.detail) return item.detail;
    if (Array.isArray(item.detail)) {
      const messages = item.detail.map((d) => (isObject(d) && typeof d.msg === 'string' ? d.msg : JSON.stringify(d)));
      if (messages.length > 0) return messages.join('; ');
    }
    if (typeof item.message === 'string' && item.message) return item.message;
  }
  const plain = oneLine(text.replace(/<[^>]*>/g, ' '));
  return plain || undefined;
}

async function readPrefix(response: Response, limit: number): Promise<string> {
  if (!response.body) return '';
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    while (size < limit) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      size += value.byteLength;
    }
  } finally {
    await reader.cancel().catch(() => {});
  }
  return Buffer.concat(chunks).subarray(0, limit).toString('utf8');
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function isObject(value: unknown): value is Record<string, any> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
