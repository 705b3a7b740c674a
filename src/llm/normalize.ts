import { randomInt } from 'node:crypto';
import { MalformedResponseError, ProviderStreamError } from './errors.js';
import { splitReasoning } from './reasoning.js';
import { toolCallsInText } from './text-tool-calls.js';
import type { ChatRequest, ChatResponse, ToolCall, Usage } from './types.js';

/**
 * Turns whatever a compatible server answered into the one shape the engine reads. Servers differ in every field;
 * each rule below names the server that made it necessary.
 */
export function normalizeCompletion(body: unknown, request: ChatRequest): ChatResponse {
  if (!isObject(body)) throw new MalformedResponseError('chat completion body is not a JSON object');
  const choices = Array.isArray(body.choices) ? body.choices : [];
  const choice = choices[0];
  if (!isObject(choice) || !isObject(choice.message)) {
    // OpenRouter: "any error occurred while the LLM is producing the output will be emitted in the response body"
    // with status 200 (https://openrouter.ai/docs/api-reference/errors).
    const error = isObject(body.error) ? body.error.message : body.error;
    if (typeof error === 'string' && error) throw new ProviderStreamError(error);
    throw new MalformedResponseError('chat completion has no choices');
  }
  const finishReason = typeof choice.finish_reason === 'string' ? choice.finish_reason : null;
  // OpenRouter: finish_reason "error" when the upstream provider failed mid-generation; a retry usually succeeds.
  if (finishReason === 'error') throw new ProviderStreamError('the provider failed while generating (finish_reason "error")');

  const message = choice.message;
  const split = splitReasoning(typeof message.content === 'string' ? message.content : '');
  // DeepSeek, llama-server and older vLLM: `reasoning_content`; vLLM >= 0.11, Ollama and OpenRouter: `reasoning`
  // (https://docs.vllm.ai/en/v0.11.2/features/reasoning_outputs/, https://openrouter.ai/docs/use-cases/reasoning-tokens).
  const fieldReasoning = [message.reasoning_content, message.reasoning].find((r): r is string => typeof r === 'string' && r.trim() !== '');
  const reasoning = [fieldReasoning?.trim(), split.reasoning].filter(Boolean).join('\n\n') || undefined;
  let content: string | null = split.content;

  const offered = new Set((request.tools ?? []).map((t) => t.name));
  const ids = new Set<string>();
  let toolCalls = (Array.isArray(message.tool_calls) ? message.tool_calls : []).map((call) => readToolCall(call, ids));
  if (toolCalls.length === 0 && content) {
    const found = toolCallsInText(content, offered);
    if (found) {
      toolCalls = found.calls.map((call) => withArguments(ownId(ids), call.name, call.arguments));
      content = found.rest;
    }
  }
  // A reasoning model that put its whole answer in the reasoning field (content null) has still answered.
  if (!content && toolCalls.length === 0 && reasoning && finishReason !== 'length') content = reasoning;

  return {
    content: content === '' && toolCalls.length > 0 ? null : content,
    ...(reasoning ? { reasoning } : {}),
    toolCalls,
    usage: readUsage(body.usage) ?? estimateUsage(request, content, reasoning, toolCalls),
    model: typeof body.model === 'string' ? body.model : request.model,
    finishReason,
  };
}

/**
 * Ids are always ours: Gemini's OpenAI layer sends "" (https://github.com/vercel/ai/issues/7834), some servers
 * repeat or omit them, and Mistral templates refuse any id that is not exactly 9 letters and digits
 * (https://github.com/vllm-project/vllm/issues/9019), which every other server accepts.
 */
function readToolCall(raw: unknown, ids: Set<string>): ToolCall {
  const id = ownId(ids);
  const fn = isObject(raw) && isObject(raw.function) ? raw.function : undefined;
  const name = typeof fn?.name === 'string' ? fn.name : '';
  if (!fn || !name) return { id, name, arguments: '{}', problem: 'the tool call names no function' };
  return withArguments(id, name, fn.arguments);
}

/**
 * Arguments arrive as JSON text (OpenAI), as an object (Ollama, some proxies), as JSON text inside a JSON string
 * (https://github.com/vllm-project/vllm/pull/25729), empty, or broken. What is sent back in the history is always a
 * JSON object text: servers reject a history whose arguments do not parse.
 */
function withArguments(id: string, name: string, raw: unknown): ToolCall {
  let value: unknown = raw;
  for (let depth = 0; typeof value === 'string' && depth < 2; depth++) {
    if (value.trim() === '') value = {};
    else {
      try {
        value = JSON.parse(value);
      } catch (error) {
        return { id, name, arguments: '{}', problem: `the arguments of ${name} are not valid JSON (${(error as Error).message})` };
      }
    }
  }
  if (value === null || value === undefined) value = {};
  if (!isObject(value)) return { id, name, arguments: '{}', problem: `the arguments of ${name} must be a JSON object` };
  return { id, name, arguments: JSON.stringify(value) };
}

const ID_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

function ownId(taken: Set<string>): string {
  for (;;) {
    let id = '';
    for (let i = 0; i < 9; i++) id += ID_ALPHABET[randomInt(ID_ALPHABET.length)];
    if (!taken.has(id)) {
      taken.add(id);
      return id;
    }
  }
}

function readUsage(usage: unknown): Usage | undefined {
  if (!isObject(usage)) return undefined;
  const prompt = usage.prompt_tokens;
  const completion = usage.completion_tokens;
  if (typeof prompt !== 'number' && typeof completion !== 'number') return undefined;
  return { promptTokens: typeof prompt === 'number' ? prompt : 0, completionTokens: typeof completion === 'number' ? completion : 0 };
}

/**
 * Servers that report no usage (some llama.cpp builds and proxies) still spend tokens: estimated at four characters
 * a token, the usual rule of thumb for English text (https://platform.openai.com/tokenizer), so `limits.maxTokens`
 * keeps bounding the spend.
 */
function estimateUsage(request: ChatRequest, content: string | null, reasoning: string | undefined, calls: ToolCall[]): ChatResponse['usage'] {
  const sent = JSON.stringify(request.messages).length + JSON.stringify(request.tools ?? []).length;
  const received = (content?.length ?? 0) + (reasoning?.length ?? 0) + calls.reduce((n, c) => n + c.name.length + c.arguments.length, 0);
  return { promptTokens: Math.ceil(sent / 4), completionTokens: Math.ceil(received / 4), estimated: true };
}

function isObject(value: unknown): value is Record<string, any> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
