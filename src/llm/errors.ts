import type { APIError, APIConnectionError } from 'openai';
import { AgentrunError, ExitCode, UsageError } from '../errors.js';
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
    serverMessage: string,
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
    if (
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
  if (error instanceof MalformedResponseError) {
    return { transient: true, reason: error.message, retryAfterMs: undefined };
  }
  // Not an LLM failure (a bug, an SDK misuse): surface it unchanged.
  return { transient: false, error };
}

/** The server's own words: OpenAI-style `{error: {message}}` when it sent one, else the SDK's summary. */
function serverMessage(error: APIError): string {
  const body: unknown = error.error;
  const message = typeof body === 'object' && body !== null && 'message' in body ? body.message : undefined;
  return oneLine(typeof message === 'string' ? message : error.message);
}

/** "Connection error." alone does not say why; the innermost cause does (ECONNREFUSED, "other side closed"). */
function describeConnectionError(error: APIConnectionError): string {
  let root: unknown = error.cause;
  while (root instanceof Error && root.cause instanceof Error) root = root.cause;
  const detail = root instanceof Error ? ` (${root.message})` : '';
  return oneLine(`${error.message}${detail}`);
}

/** Error messages end up on one terminal line; servers sometimes answer with whole HTML pages. */
function oneLine(text: string, limit = 300): string {
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length > limit ? `${line.slice(0, limit - 1)}…` : line;
}

/** No key and no endpoint: nothing says where the LLM is. */
export class LlmNotConfiguredError extends UsageError {
  constructor() {
    super('OPENAI_API_KEY is not set: export it, or point OPENAI_BASE_URL at an OpenAI-compatible server');
  }
}
