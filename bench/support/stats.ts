/** Summaries of repeated measurements. Percentiles are nearest-rank: with 20 samples, p99 is the slowest one. */

export interface Summary {
  n: number;
  median: number;
  p99: number;
  min: number;
  max: number;
  mean: number;
}

export function percentile(samples: readonly number[], p: number): number {
  if (samples.length === 0) return Number.NaN;
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[rank - 1]!;
}

export function median(samples: readonly number[]): number {
  if (samples.length === 0) return Number.NaN;
  const sorted = [...samples].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

export function summarize(samples: readonly number[]): Summary {
  const sum = samples.reduce((a, b) => a + b, 0);
  return {
    n: samples.length,
    median: round(median(samples)),
    p99: round(percentile(samples, 99)),
    min: round(Math.min(...samples)),
    max: round(Math.max(...samples)),
    mean: round(sum / samples.length),
  };
}

/** Milliseconds since an arbitrary origin, sub-microsecond resolution. */
export function nowMs(): number {
  return Number(process.hrtime.bigint()) / 1e6;
}

/** Times a synchronous or asynchronous call, in milliseconds. */
export async function timeMs(work: () => unknown): Promise<number> {
  const start = nowMs();
  await work();
  return nowMs() - start;
}

/**
 * Times the store's write and the raw baseline of sample `n` back to back, alternating which goes first from one
 * sample to the next, so neither always follows the other's fsync and drift hits both alike. Returns [store, raw] ms.
 */
export async function timeInterleaved(n: number, store: () => unknown, raw: () => unknown): Promise<[number, number]> {
  if (n % 2 === 0) {
    const s = await timeMs(store);
    return [s, await timeMs(raw)];
  }
  const r = await timeMs(raw);
  return [await timeMs(store), r];
}

export function round(value: number, digits = 4): number {
  if (!Number.isFinite(value)) return value;
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}
