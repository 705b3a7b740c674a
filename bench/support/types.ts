/**
 * What a benchmark module exports (as its default export) and what it reports. The runner (bench/run.ts) finds
 * every compiled file in bench/benchmarks/, runs them in file-name order, and prints one table.
 */

/** A goal a metric is held to: `value <= target` or `value >= target`. */
export interface Goal {
  op: '<=' | '>=';
  target: number;
  /** How the goal reads in the table, e.g. "< 150 ms" or "<= 1.5x raw". */
  text: string;
}

export interface Metric {
  metric: string;
  value: number;
  unit: string;
  goal?: Goal;
}

export interface BenchmarkResult {
  metrics: Metric[];
  /** Everything else worth keeping in results.json: samples summaries, parameters, breakdowns. */
  details?: Record<string, unknown>;
  /** Where the time goes: printed under the table (always kept in results.json). Expected when a goal is missed. */
  profile?: string;
  /** One-line remarks printed under the table (method caveats, caps). */
  notes?: string[];
}

export interface BenchmarkContext {
  /** A fresh directory under os.tmpdir() for this benchmark; the runner removes it afterwards. */
  dir: string;
  /** Progress lines (stderr), so a long run shows what it is doing. */
  log(line: string): void;
}

export interface Benchmark {
  /** Short name shown in the table's first column. */
  name: string;
  /** What the benchmark proves, one sentence (results.json). */
  description: string;
  run(ctx: BenchmarkContext): Promise<BenchmarkResult>;
}

export function passes(metric: Metric): boolean | undefined {
  if (!metric.goal) return undefined;
  return metric.goal.op === '<=' ? metric.value <= metric.goal.target : metric.value >= metric.goal.target;
}

export const atMost = (target: number, text: string): Goal => ({ op: '<=', target, text });
export const atLeast = (target: number, text: string): Goal => ({ op: '>=', target, text });
