import type { APIError, APIConnectionError } from 'openai';
import { AgentrunError, ExitCode, UsageError } from '../errors.js';
import { excerpt } from '../input/excerpt.js';
import { namesResponseFormat } from './endpoint.js';
import { retryAfterDelay } from './retry.js';

/** The `openai` module, imported lazily by the client; its error classes are what failures are sorted by. */
export type OpenAISdk = typeof import('openai');

/** Transient failures outlasted every attempt: the task is interrupted, not failed, and can be resumed. */
export class LlmUnavailableError extends AgentrunError {
  constructor(
    readonly attempts: number,
    reason: string,
    options?: { cause?: unknown },
  ) {
    super(`LLM endpoint unavailable after ${attempts} attempt${attempts === 1 ? '' : 's'}: ${reason}`, ExitCode.interrupted, options);
  }
}

/** 401/403: retrying cannot help, the credentials must change. */
export class LlmAuthError extends AgentrunError {
  constructor(
    readonly status: number,
    serverMessage: string,
    options?: { cause?: unknown },
  ) {
    super(`LLM endpoint refused the credentials (${status} "${serverMessage}"): check OPENAI_API_KEY`, ExitCode.failed, options);
  }
}

/** The server rejected the request itself (unknown model, bad parameters): retrying would get the same answer. */
export class LlmRequestError extends AgentrunError {
  constructor(
    readonly status: number,
    readonly serverMessage: string,
    options?: { cause?: unknown },
  ) {
    super(`LLM request rejected (${status} "${serverMessage}")`, ExitCode.failed, options);
  }
}

/**
 * A 200 whose body is not a usable completion (no choices, missing embeddings): seen from overloaded proxies
 * and gateways, so treated as transient. Only escapes wrapped in an LlmUnavailableError.
 */
export class MalformedResponseError extends AgentrunError {
  constructor(what: string) {
    super(`malformed response: ${what}`, ExitCode.interrupted);
  }
}

/**
 * A 200 that reports a failure of the model provider behind a gateway (OpenRouter's `finish_reason: "error"` or an
 * `error` object in the body): transient, retried like a 5xx.
 */
export class ProviderStreamError extends AgentrunError {
  constructor(what: string) {
    super(`provider error: ${oneLine(what)}`, ExitCode.interrupted);
  }
}

/** The response body passed `maxResponseBytes`: the rest is not read, nothing is journaled. */
export class LlmResponseTooLargeError extends AgentrunError {
  constructor(readonly limitBytes: number) {
    super(`LLM response larger than ${Math.round(limitBytes / 1024)} KiB: refused (a model stuck repeating itself, or a misbehaving server)`, ExitCode.failed);
  }
}

/** No complete response within the timeout, counting from the request to the last byte of the body. */
export class LlmResponseTimeoutError extends AgentrunError {
  constructor(readonly timeoutMs: number) {
    super(`timed out: no complete response within ${timeoutMs / 1000}s (limits.llmTimeout)`, ExitCode.interrupted);
  }
}

/** A 5xx that says the server is set up wrong: retrying cannot help, its operator must change a setting. */
export class LlmServerMisconfiguredError extends AgentrunError {
  constructor(status: number, serverMessage: string, fix: string, options?: { cause?: unknown }) {
    super(`LLM server is misconfigured (${status} "${serverMessage}"): ${fix}`, ExitCode.failed, options);
  }
}

export type Failure =
  | { transient: true; reason: string; retryAfterMs: number | undefined }
  /** `error` is what the caller should throw: one of ours, or the original when it is not an LLM failure. */
  | { transient: false; error: unknown };

/** Sorts a failed attempt by the SDK's error classes: worth retrying, or final. */
export function classifyFailure(error: unknown, sdk: OpenAISdk): Failure {
  if (error instanceof sdk.APIConnectionError) {
    // Includes APIConnectionTimeoutError: the per-request timeout is worth another try.
    return { transient: true, reason: describeConnectionError(error), retryAfterMs: undefined };
  }
  if (error instanceof sdk.APIError && error.status !== undefined) {
    const status: number = error.status;
    const misconfigured = misconfiguration(serverMessage(error));
    if (status >= 500 && misconfigured) {
      return { transient: false, error: new LlmServerMisconfiguredError(status, serverMessage(error), misconfigured, { cause: error }) };
    }
    // A 500 that names the response format is a refusal of it (llama-cpp-python, see endpoint.ts), not an outage.
    if (status >= 500 && namesResponseFormat(serverMessage(error))) {
      return { transient: false, error: new LlmRequestError(status, serverMessage(error), { cause: error }) };
    }
    if (
      transientRefusal(error) ||
      error instanceof sdk.RateLimitError ||
      error instanceof sdk.InternalServerError ||
      error instanceof sdk.ConflictError ||
      status === 408
    ) {
      return { transient: true, reason: oneLine(error.message), retryAfterMs: retryAfterDelay(error.headers) };
    }
    if (error instanceof sdk.AuthenticationError || error instanceof sdk.PermissionDeniedError) {
      return { transient: false, error: new LlmAuthError(status, serverMessage(error), { cause: error }) };
    }
    return { transient: false, error: new LlmRequestError(status, serverMessage(error), { cause: error }) };
  }
  // The SDK parses a JSON-labelled body with response.json(), which throws SyntaxError when it is cut short.
  if (error instanceof SyntaxError) {
    return { transient: true, reason: `response body is not valid JSON (${oneLine(error.message)})`, retryAfterMs: undefined };
  }
  if (error instanceof MalformedResponseError || error instanceof ProviderStreamError || error instanceof LlmResponseTimeoutError) {
    return { transient: true, reason: error.message, retryAfterMs: undefined };
  }
  // A final LLM failure (LlmResponseTooLargeError), or none at all (a bug, an SDK misuse): surface it unchanged.
  return { transient: false, error };
}

/**
 * 4xx that are transient by nature: Groq answers 400 `tool_use_failed` (or `json_validate_failed`) when the model
 * produced a malformed call, and the same request usually succeeds on the next try
 * (https://github.com/groq/groq-typescript/issues/28, https://github.com/gryszzz/open-thymos/pull/97).
 */
function transientRefusal(error: APIError): boolean {
  const code = typeof error.code === 'string' ? error.code : '';
  return code === 'tool_use_failed' || code === 'json_validate_failed';
}

/**
 * 5xx that mean the server was started without what the request needs. llama-server answers 500 "tools param
 * requires --jinja flag" (https://github.com/defilantech/LLMKube/issues/126).
 */
function misconfiguration(message: string): string | undefined {
  if (/--jinja/.test(message)) return 'start llama-server with --jinja (tool calling needs the model\'s chat template)';
  return undefined;
}

/**
 * The server's own words. The wire layer (wire.ts) already put them in `error.message` whatever the body's shape;
 * the SDK's summary ("400 status code (no body)") is the last resort.
 */
export function serverMessage(error: APIError): string {
  const body: unknown = error.error;
  const message = typeof body === 'object' && body !== null && 'message' in body ? body.message : undefined;
  return oneLine(typeof message === 'string' && message ? message : error.message);
}

/** "Connection error." alone does not say why; the innermost cause does (ECONNREFUSED, "other side closed"). */
function describeConnectionError(error: APIConnectionError): string {
  let root: unknown = error.cause;
  while (root instanceof Error && root.cause instanceof Error) root = root.cause;
  const detail = root instanceof Error ? ` (${root.message})` : '';
  return oneLine(`${error.message}${detail}`);
}

/** Error messages end up on one terminal line; servers sometimes answer with whole HTML pages. */
export function oneLine(text: string, limit = 300): string {
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length > limit ? `${line.slice(0, limit - 1)}…` : line;
}

/** OPENAI_BASE_URL is not an http(s) URL. */
export class LlmEndpointInvalidError extends UsageError {
  constructor(readonly baseUrl: string) {
    super(`OPENAI_BASE_URL is not an http:// or https:// URL: ${excerpt(baseUrl)}`);
  }
}

/** No key and no endpoint: nothing says where the LLM is. */
export class LlmNotConfiguredError extends UsageError {
  constructor() {
    super('OPENAI_API_KEY is not set: export it, or point OPENAI_BASE_URL at an OpenAI-compatible server');
  }
}
