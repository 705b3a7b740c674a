import { describe, expect, it } from 'vitest';
import { backoffDelay, MAX_RETRY_AFTER_MS, pause, retryAfterDelay } from '../src/llm/retry.js';

const policy = { initialDelay: 100, maxDelay: 1_000 };

describe('backoffDelay', () => {
  it('doubles per attempt up to maxDelay', () => {
    const highest = () => 1;
    expect([1, 2, 3, 4, 5, 6].map((attempt) => backoffDelay(attempt, policy, highest))).toEqual([100, 200, 400, 800, 1000, 1000]);
  });

  it('jitters within the upper half of the ceiling', () => {
    expect(backoffDelay(3, policy, () => 0)).toBe(200);
    expect(backoffDelay(3, policy, () => 0.5)).toBe(300);
    for (let i = 0; i < 100; i++) {
      const delay = backoffDelay(2, policy);
      expect(delay).toBeGreaterThanOrEqual(100);
      expect(delay).toBeLessThanOrEqual(200);
    }
  });
});

describe('retryAfterDelay', () => {
  const now = Date.parse('2025-01-01T00:00:00Z');
  const delayFor = (headers: Record<string, string>) => retryAfterDelay(new Headers(headers), now);

  it('reads retry-after in seconds, fractions included', () => {
    expect(delayFor({ 'retry-after': '2' })).toBe(2_000);
    expect(delayFor({ 'retry-after': '0.5' })).toBe(500);
  });

  it('prefers retry-after-ms', () => {
    expect(delayFor({ 'retry-after-ms': '250', 'retry-after': '10' })).toBe(250);
  });

  it('reads an HTTP date, and a date already past as no wait', () => {
    expect(delayFor({ 'retry-after': 'Wed, 01 Jan 2025 00:00:30 GMT' })).toBe(30_000);
    expect(delayFor({ 'retry-after': 'Tue, 31 Dec 2024 23:00:00 GMT' })).toBe(0);
  });

  it('caps what a server may ask for', () => {
    expect(delayFor({ 'retry-after': '86400' })).toBe(MAX_RETRY_AFTER_MS);
  });

  it('ignores absent and nonsensical values', () => {
    expect(delayFor({})).toBeUndefined();
    expect(retryAfterDelay(undefined)).toBeUndefined();
    expect(delayFor({ 'retry-after': 'soon' })).toBeUndefined();
    expect(delayFor({ 'retry-after': '-5' })).toBeUndefined();
    expect(delayFor({ 'retry-after': '' })).toBeUndefined();
    expect(delayFor({ 'retry-after-ms': '12abc', 'retry-after': '3' })).toBe(3_000);
  });
});

describe('pause', () => {
  it('returns early when the signal aborts', async () => {
    const controller = new AbortController();
    const started = Date.now();
    setTimeout(() => controller.abort(), 10);

    await pause(60_000, controller.signal);

    expect(Date.now() - started).toBeLessThan(5_000);
    expect(controller.signal.aborted).toBe(true);
  });
});
