import type { ChatCompletionMessageParam } from 'openai/resources/chat/completions';

/** A function the model may call; `parameters` is its JSON Schema. */
export interface ToolSpec {
  name: string;
  description: string;
  parameters: Record<string, unknown>;
}

/**
 * A message of the conversation. `reasoning` on an assistant message is what the model thought before it: sent back
 * (as `reasoning_content`) only to endpoints that demand it, dropped for the others, which reject unknown fields.
 */
export type ChatMessage = ChatCompletionMessageParam & { reasoning?: string };

/**
 * What an endpoint accepts, learned from its refusals during a task and journaled with every response, so a resumed
 * task starts from what was learned instead of probing again.
 */
export interface EndpointProfile {
  /** How structured output is asked for: `json_schema` until refused, then `json_object`, then only the prompt. */
  structuredOutput: 'json_schema' | 'json_object' | 'prompt';
  /** False once the server refused `tools` for this model. */
  tools: boolean;
  /** True once the server demanded the reasoning of earlier turns back (DeepSeek thinking mode with tool calls). */
  reasoningRoundTrip: boolean;
}

export const DEFAULT_ENDPOINT_PROFILE: EndpointProfile = { structuredOutput: 'json_schema', tools: true, reasoningRoundTrip: false };

export interface ChatRequest {
  model: string;
  messages: ChatMessage[];
  tools?: ToolSpec[];
  /** Asks for a JSON answer following `schema` (not strictly enforced: not every compatible server can). */
  jsonSchema?: { name: string; schema: Record<string, unknown> };
  /** What is known about the endpoint so far; the default when left out. */
  endpoint?: EndpointProfile;
  signal?: AbortSignal;
}

export interface ToolCall {
  /** An id of our own (9 letters and digits): servers send missing, duplicate or oddly-shaped ones. */
  id: string;
  name: string;
  /** The arguments as a JSON object text; `{}` when the model's could not be read (then `problem` says why). */
  arguments: string;
  /** Why the call cannot run (invalid arguments, no function name): answered to the model as a tool error. */
  problem?: string;
}

export interface Usage {
  promptTokens: number;
  completionTokens: number;
}

/**
 * A response in one clean shape whatever the server sent: no reasoning in `content`, tool calls written as text
 * recognised as calls, ids and arguments normalised.
 */
export interface ChatResponse {
  content: string | null;
  /** The model's reasoning (a `reasoning_content`/`reasoning` field or a `<think>` block), kept for the journal. */
  reasoning?: string;
  toolCalls: ToolCall[];
  /** `estimated` when the server reported no usage and the counts were estimated from the text. */
  usage: Usage & { estimated?: boolean };
  model: string;
  finishReason: string | null;
  /** The endpoint profile in effect when this response was received (journaled with it). */
  endpoint?: EndpointProfile;
}

export interface RetryPolicy {
  /** Attempts in all, the first included. */
  maxAttempts: number;
  /** Milliseconds before the first retry; doubles with each further one. */
  initialDelay: number;
  /** Milliseconds the computed backoff never exceeds (a server's Retry-After may). */
  maxDelay: number;
}

export interface RetryNotice {
  /** The attempt that just failed (1 for the first). */
  attempt: number;
  delayMs: number;
  reason: string;
}

export interface LlmClient {
  chat(request: ChatRequest): Promise<ChatResponse>;
  embed(model: string, texts: string[], signal?: AbortSignal): Promise<{ vectors: number[][]; usage: Usage }>;
}

export interface LlmClientOptions {
  retry: RetryPolicy;
  /** Per HTTP request, each attempt separately, from sending it to the last byte of the response. */
  timeoutMs: number;
  /** A response body larger than this is refused (default 4 MiB). */
  maxResponseBytes?: number;
  /** Called before each wait between attempts, e.g. to tell the user why nothing is happening. */
  onRetry?: (notice: RetryNotice) => void;
}
