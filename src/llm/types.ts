import type { ChatCompletionMessageParam } from 'openai/resources/chat/completions';

/** A function the model may call; `parameters` is its JSON Schema. */
export interface ToolSpec {
  name: string;
  description: string;
  parameters: Record<string, unknown>;
}

export interface ChatRequest {
  model: string;
  messages: ChatCompletionMessageParam[];
  tools?: ToolSpec[];
  /** Asks for a JSON answer following `schema` (not strictly enforced: not every compatible server can). */
  jsonSchema?: { name: string; schema: Record<string, unknown> };
  signal?: AbortSignal;
}

export interface ToolCall {
  id: string;
  name: string;
  /** The model's arguments exactly as sent: JSON text that may be invalid, which the caller must handle. */
  arguments: string;
}

export interface Usage {
  promptTokens: number;
  completionTokens: number;
}

export interface ChatResponse {
  content: string | null;
  toolCalls: ToolCall[];
  usage: Usage;
  model: string;
  finishReason: string | null;
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
  /** Per HTTP request, each attempt separately. */
  timeoutMs: number;
  /** Called before each wait between attempts, e.g. to tell the user why nothing is happening. */
  onRetry?: (notice: RetryNotice) => void;
}
