import { setTimeout as sleep } from 'node:timers/promises';
import type { RetryPolicy } from './types.js';

/** A server asking for a longer wait than this still gets retried after this long: a stuck task is worse. */
export const MAX_RETRY_AFTER_MS = 5 * 60_000;

/**
 * Exponential backoff with jitter: the ceiling doubles per attempt up to `maxDelay`, and the wait is a random
 * point in its upper half, so clients that failed together do not all come back at the same instant.
 * `attempt` is the attempt that just failed, from 1.
 */
export function backoffDelay(
  attempt: number,
  policy: Pick<RetryPolicy, 'initialDelay' | 'maxDelay'>,
  random: () => number = Math.random,
): number {
  const ceiling = Math.min(policy.maxDelay, policy.initialDelay * 2 ** (attempt - 1));
  return Math.round(ceiling * (0.5 + 0.5 * random()));
}

/**
 * The wait a server asked for, in milliseconds, or undefined if it did not say (or said nonsense).
 * Reads OpenAI's `retry-after-ms` first, then the standard `retry-after` (seconds or an HTTP date).
 */
export function retryAfterDelay(headers: { get(name: string): string | null } | undefined, now = Date.now()): number | undefined {
  const milliseconds = parseNonNegative(headers?.get('retry-after-ms'));
  if (milliseconds !== undefined) return capped(milliseconds);
  const retryAfter = headers?.get('retry-after')?.trim();
  if (!retryAfter) return undefined;
  const seconds = parseNonNegative(retryAfter);
  if (seconds !== undefined) return capped(seconds * 1000);
  // An HTTP date names its month; without that check Date.parse would read "-5" as a year.
  const date = /[a-z]/i.test(retryAfter) ? Date.parse(retryAfter) : Number.NaN;
  // A date already past means "now".
  return Number.isNaN(date) ? undefined : capped(Math.max(0, date - now));
}

/** Waits `ms`, but returns early once `signal` aborts; the caller checks `signal.aborted` afterwards. */
export async function pause(ms: number, signal?: AbortSignal): Promise<void> {
  try {
    await sleep(ms, undefined, { signal });
  } catch (error) {
    if (!signal?.aborted) throw error;
  }
}

function parseNonNegative(value: string | null | undefined): number | undefined {
  if (value == null || !/^\s*\d+(\.\d+)?\s*$/.test(value)) return undefined;
  return Number(value);
}

function capped(ms: number): number {
  return Math.min(Math.round(ms), MAX_RETRY_AFTER_MS);
}
