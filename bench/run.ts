/**
 * `npm run bench`: runs every benchmark in bench/benchmarks/ (file-name order), prints one table and writes
 * bench/results.json with the machine it ran on. `node dist-bench/bench/run.js resume status` runs only the
 * benchmarks whose file name contains one of the words.
 *
 * Adding a benchmark is adding one file to bench/benchmarks/ whose default export is a `Benchmark`.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { REPO_ROOT } from './support/paths.js';
import { round } from './support/stats.js';
import { passes, type Benchmark, type BenchmarkResult, type Metric } from './support/types.js';

interface Row extends Metric {
  benchmark: string;
  pass: boolean | undefined;
}

const here = path.dirname(fileURLToPath(import.meta.url));
const self = fileURLToPath(import.meta.url);
const benchmarksDir = path.join(here, 'benchmarks');
const filters = process.argv.slice(2).filter((a) => !a.startsWith('--'));

function machine() {
  const cpus = os.cpus();
  return {
    cpuModel: cpus[0]?.model.trim() ?? 'unknown',
    cores: cpus.length,
    memoryGiB: round(os.totalmem() / 2 ** 30, 1),
    node: process.version,
    platform: `${os.platform()} ${os.release()}`,
    arch: os.arch(),
    tmpdir: os.tmpdir(),
  };
}

function formatValue(value: number, unit: string): string {
  if (!Number.isFinite(value)) return String(value);
  const digits = Math.abs(value) >= 100 ? 0 : Math.abs(value) >= 10 ? 1 : Math.abs(value) >= 1 ? 2 : 3;
  const text = value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
  return unit === 'x' ? `${text}x` : `${text} ${unit}`;
}

function renderTable(rows: Row[]): string {
  const header = ['benchmark', 'metric', 'value', 'goal', 'result'];
  const cells = rows.map((r) => [r.benchmark, r.metric, formatValue(r.value, r.unit), r.goal?.text ?? '', r.pass === undefined ? '' : r.pass ? 'pass' : 'MISS']);
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i]!.length)));
  const line = (c: string[]) => c.map((v, i) => (i === 2 ? v.padStart(widths[i]!) : v.padEnd(widths[i]!))).join('  ').trimEnd();
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...cells.map(line)].join('\n');
}

type ChildOutcome =
  | { name: string; description: string; result: BenchmarkResult }
  | { name?: string; description?: string; error: string };

/**
 * Each benchmark runs in its own `node` process, so one benchmark's heap, open files and JIT state cannot colour
 * the next one's figures. The child prints its outcome as JSON on the last line of stdout; progress goes to stderr.
 */
function runInChild(file: string, dir: string): Promise<ChildOutcome> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [self, '--one', file, dir], { stdio: ['ignore', 'pipe', 'inherit'] });
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.on('close', (code) => {
      const last = stdout.trim().split('\n').at(-1) ?? '';
      try {
        resolve(JSON.parse(last) as ChildOutcome);
      } catch {
        resolve({ error: `benchmark process exited ${code} without a result\n${stdout}` });
      }
    });
  });
}

/** In the child: load one benchmark module, run it, print the outcome. */
async function runOne(file: string, dir: string): Promise<number> {
  const log = (line: string) => process.stderr.write(`${line}\n`);
  let benchmark: Benchmark | undefined;
  try {
    benchmark = ((await import(pathToFileURL(path.join(benchmarksDir, file)).href)) as { default: Benchmark }).default;
    log(`bench: ${benchmark.name} ...`);
    const t = Date.now();
    const result = await benchmark.run({ dir, log });
    log(`bench: ${benchmark.name} done in ${((Date.now() - t) / 1000).toFixed(1)} s`);
    process.stdout.write(`\n${JSON.stringify({ name: benchmark.name, description: benchmark.description, result })}\n`);
  } catch (error) {
    const message = (error as Error)?.stack ?? String(error);
    process.stdout.write(`\n${JSON.stringify({ name: benchmark?.name, description: benchmark?.description, error: message })}\n`);
  }
  return 0;
}

async function main(): Promise<number> {
  const started = Date.now();
  const files = readdirSync(benchmarksDir)
    .filter((f) => f.endsWith('.js'))
    // Only benchmarks whose source still exists: dist-bench/ may hold the output of a file since renamed or removed.
    .filter((f) => existsSync(path.join(REPO_ROOT, 'bench', 'benchmarks', f.replace(/\.js$/, '.ts'))))
    .filter((f) => filters.length === 0 || filters.some((word) => f.includes(word)))
    .sort();
  const root = mkdtempSync(path.join(os.tmpdir(), 'agentrun-bench-'));
  const rows: Row[] = [];
  const reports: { file: string; name: string; description: string; seconds: number; load: number[]; result?: BenchmarkResult; error?: string }[] = [];
  const log = (line: string) => process.stderr.write(`${line}\n`);
  try {
    for (const file of files) {
      const dir = mkdtempSync(path.join(root, `${path.basename(file, '.js')}-`));
      const t = Date.now();
      const loadBefore = round(os.loadavg()[0]!, 2);
      const outcome = await runInChild(file, dir);
      const seconds = (Date.now() - t) / 1000;
      // The 1-minute load average before and after: other work on the machine shows up here, and in the figures.
      const load = [loadBefore, round(os.loadavg()[0]!, 2)];
      if ('result' in outcome) {
        for (const metric of outcome.result.metrics) rows.push({ benchmark: outcome.name, ...metric, pass: passes(metric) });
        reports.push({ file, name: outcome.name, description: outcome.description, seconds, load, result: outcome.result });
      } else {
        log(`bench: ${file} FAILED: ${outcome.error}`);
        rows.push({ benchmark: outcome.name ?? file, metric: 'error (see below)', value: Number.NaN, unit: '', pass: false });
        reports.push({ file, name: outcome.name ?? file, description: outcome.description ?? '', seconds, load, error: outcome.error });
      }
      rmSync(dir, { recursive: true, force: true });
    }
  } finally {
    rmSync(root, { recursive: true, force: true });
  }

  const info = machine();
  const seconds = (Date.now() - started) / 1000;
  const out: string[] = [];
  out.push(`agentrun benchmarks — ${info.cpuModel}, ${info.cores} cores, ${info.memoryGiB} GiB, node ${info.node}, ${info.platform} (${new Date().toISOString()})`, '');
  out.push(renderTable(rows));
  const misses = rows.filter((r) => r.pass === false);
  out.push('', `${rows.filter((r) => r.pass === true).length} goals met, ${misses.length} missed; benchmarks took ${seconds.toFixed(1)} s.`);
  out.push(`1-minute load average before/after each benchmark (${info.cores} cores): ${reports.map((r) => `${r.name.split(' ')[0]}: ${r.load.join('/')}`).join(', ')}`);
  for (const report of reports) {
    const notes = report.result?.notes ?? [];
    const profile = report.result?.profile;
    if (notes.length === 0 && !profile && !report.error) continue;
    out.push('', `== ${report.name}`);
    for (const note of notes) out.push(`note: ${note}`);
    if (profile) out.push(profile);
    if (report.error) out.push(`error: ${report.error}`);
  }
  process.stdout.write(`${out.join('\n')}\n`);

  const resultsFile = path.join(REPO_ROOT, 'bench', 'results.json');
  const document = {
    date: new Date().toISOString(),
    machine: info,
    seconds: round(seconds, 1),
    filters,
    results: rows.map(({ benchmark, metric, value, unit, goal, pass }) => ({ benchmark, metric, value, unit, goal: goal?.text ?? null, pass: pass ?? null })),
    benchmarks: reports.map((r) => ({
      file: r.file.replace(/\.js$/, '.ts'),
      name: r.name,
      description: r.description,
      seconds: round(r.seconds, 1),
      loadAverage1m: { before: r.load[0], after: r.load[1] },
      details: r.result?.details,
      notes: r.result?.notes,
      profile: r.result?.profile,
      error: r.error,
    })),
  };
  writeFileSync(resultsFile, `${JSON.stringify(document, null, 2)}\n`);
  process.stderr.write(`bench: wrote ${path.relative(process.cwd(), resultsFile)}\n`);
  return reports.some((r) => r.error) ? 1 : 0;
}

if (process.argv[2] === '--one') {
  // A benchmark that left a handle open (a server, a timer) must not hang the whole run.
  process.exit(await runOne(process.argv[3]!, process.argv[4]!));
} else {
  process.exitCode = await main();
}
