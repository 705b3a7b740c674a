import type { ChatRequest, EndpointProfile } from './types.js';

/**
 * Whether a server's message names the response format: a 5xx that does is a refusal of the format (llama-cpp-python
 * answers 500 for json_schema), not an outage. Used to adapt here and to classify the error (errors.ts).
 */
export function namesResponseFormat(message: string): boolean {
  return /response_format|json_schema|json_object/i.test(message);
}

/**
 * What to change when a server refuses a request for something it does not support, or undefined when the refusal
 * is not one of those (then it is an error). Each rule cites where the refusal is documented.
 */
export function adaptToRefusal(status: number, message: string, request: ChatRequest, profile: EndpointProfile): EndpointProfile | undefined {
  const text = message.toLowerCase();
  if (status >= 500 && !namesResponseFormat(text)) return undefined;

  // Structured output, step by step down: json_schema → json_object → our own prompt and validation.
  // DeepSeek: 400 "This response_format type is unavailable now" (https://github.com/llm-exe/llm-exe/issues/662);
  // DeepSeek via other clients: 422 "response_format.type `json_schema` is unavailable now"
  // (https://github.com/dzhng/deep-research/issues/22); LiteLLM: UnsupportedParamsError naming the parameter unless
  // drop_params is set (https://docs.litellm.ai/docs/completion/drop_params); OpenAI-family models without JSON mode:
  // "'response_format' of type 'json_object' is not supported with this model"
  // (https://portkey.ai/error-library/invalid-parameter-error-10014); llama-cpp-python answers 500 for json_schema
  // (https://github.com/ggml-org/llama.cpp/issues/23463).
  if (request.jsonSchema && profile.structuredOutput !== 'prompt' && /response_format|json_schema|json_object|structured output/.test(text)) {
    return { ...profile, structuredOutput: profile.structuredOutput === 'json_schema' ? 'json_object' : 'prompt' };
  }

  // Tools refused for this model. Ollama: 400 "<model> does not support tools"
  // (https://github.com/ollama/ollama/issues/6027); LiteLLM: UnsupportedParamsError naming `tools`.
  if (request.tools?.length && profile.tools && /does not support tools|tools? (?:are|is) not supported|unsupported.*\btools?\b|\btools?\b.*unsupported/.test(text)) {
    return { ...profile, tools: false };
  }

  // DeepSeek thinking mode: "The reasoning_content in the thinking mode must be passed back to the API"
  // (https://github.com/anomalyco/opencode/issues/24083) or "Missing reasoning_content field in the assistant
  // message" (https://github.com/anomalyco/opencode/issues/9397).
  const hasReasoning = request.messages.some((m) => m.role === 'assistant' && m.reasoning);
  if (hasReasoning && !profile.reasoningRoundTrip && /reasoning_content/.test(text) && /passed back|missing/.test(text)) {
    return { ...profile, reasoningRoundTrip: true };
  }
  return undefined;
}
