/**
 * Tool calls a model wrote into `content` because its server has no tool parser for it: vLLM without
 * `--tool-call-parser` returns the call as text with `tool_calls` empty
 * (https://github.com/vllm-project/vllm/issues/17161), Ollama models behind a proxy answer with bare
 * `{"name": …, "arguments": …}` JSON (https://github.com/NousResearch/hermes-agent/issues/107125), Hermes/Qwen
 * templates wrap it in `<tool_call>…</tool_call>` and Mistral's in `[TOOL_CALLS]`
 * (https://github.com/NousResearch/hermes-agent/pull/35129).
 *
 * Only calls naming a tool that was offered are taken, so an answer that merely contains JSON stays an answer.
 */

export interface TextToolCall {
  name: string;
  /** The arguments as the model wrote them: an object, or JSON text. */
  arguments: unknown;
}

export interface FoundCalls {
  calls: TextToolCall[];
  /** The text left once the calls are taken out (often empty). */
  rest: string;
}

export function toolCallsInText(content: string, offered: ReadonlySet<string>): FoundCalls | undefined {
  if (offered.size === 0) return undefined;
  const tagged = taggedCalls(content, offered);
  if (tagged) return tagged;
  const mistral = /\[TOOL_CALLS\]\s*/.exec(content);
  if (mistral) {
    const calls = callsFrom(parseJson(content.slice(mistral.index + mistral[0].length).trim()), offered);
    if (calls) return { calls, rest: content.slice(0, mistral.index).trim() };
  }
  // The whole answer (perhaps fenced) is the call: anything less is an answer that quotes JSON.
  const fenced = /^```(?:json)?\s*\n?([\s\S]*?)```$/.exec(content.trim());
  const calls = callsFrom(parseJson((fenced?.[1] ?? content).trim()), offered);
  return calls ? { calls, rest: '' } : undefined;
}

function taggedCalls(content: string, offered: ReadonlySet<string>): FoundCalls | undefined {
  const pattern = /<tool_call>([\s\S]*?)(?:<\/tool_call>|$)/g;
  const calls: TextToolCall[] = [];
  let rest = content;
  for (const match of content.matchAll(pattern)) {
    const found = callsFrom(parseJson(match[1]!.trim()), offered);
    if (!found) return undefined;
    calls.push(...found);
    rest = rest.replace(match[0], '');
  }
  return calls.length > 0 ? { calls, rest: rest.trim() } : undefined;
}

/** `{name, arguments|parameters}`, `{function: {…}}`, `{tool_calls: […]}` or an array of them; all must be offered tools. */
function callsFrom(value: unknown, offered: ReadonlySet<string>): TextToolCall[] | undefined {
  const items = Array.isArray(value) ? value : isObject(value) && Array.isArray(value.tool_calls) ? value.tool_calls : [value];
  if (items.length === 0) return undefined;
  const calls: TextToolCall[] = [];
  for (const item of items) {
    if (!isObject(item)) return undefined;
    const fn = isObject(item.function) ? item.function : item;
    const name = fn.name;
    if (typeof name !== 'string' || !offered.has(name)) return undefined;
    calls.push({ name, arguments: fn.arguments ?? fn.parameters ?? item.parameters ?? {} });
  }
  return calls;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
