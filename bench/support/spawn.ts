import { spawn, type ChildProcess } from 'node:child_process';
import { REPO_ROOT } from './paths.js';
import { nowMs } from './stats.js';

export interface TimedRun {
  /** From just before spawn() to the child's exit, in milliseconds. */
  ms: number;
  code: number | null;
  stdout: string;
  stderr: string;
  /** With `firstMatch`: from just before spawn() to the moment its stderr first matched it. */
  matchedMs?: number;
}

export interface SpawnOptions {
  env?: Record<string, string | undefined>;
  cwd?: string;
  /** Extra node flags before the script (e.g. --cpu-prof). */
  nodeFlags?: string[];
  /** Called with the child right after it is spawned (e.g. to signal it later). */
  onSpawn?: (child: ChildProcess) => void;
  /** Time when the child's stderr first matches this (an event line the CLI prints once something is committed). */
  firstMatch?: RegExp;
}

/** Environment for children: nothing from the developer's shell that changes agentrun's behaviour, no colour. */
export function childEnv(extra: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1' };
  for (const name of ['OPENAI_API_KEY', 'OPENAI_BASE_URL', 'AGENTRUN_DB', 'AGENTRUN_MODEL', 'AGENTRUN_FAILPOINTS', 'FORCE_COLOR', 'NODE_OPTIONS']) delete env[name];
  for (const [key, value] of Object.entries(extra)) {
    if (value === undefined) delete env[key];
    else env[key] = value;
  }
  return env;
}

/** Runs `node [flags] args…` and times the whole process. */
export function timeNode(args: string[], options: SpawnOptions = {}): Promise<TimedRun> {
  return new Promise((resolve, reject) => {
    const start = nowMs();
    const child = spawn(process.execPath, [...(options.nodeFlags ?? []), ...args], {
      cwd: options.cwd ?? REPO_ROOT,
      env: childEnv(options.env),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    options.onSpawn?.(child);
    let stdout = '';
    let stderr = '';
    let matchedMs: number | undefined;
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      if (matchedMs === undefined && options.firstMatch?.test(stderr)) matchedMs = nowMs() - start;
    });
    let ms = 0;
    child.on('exit', () => (ms = nowMs() - start));
    child.on('error', reject);
    child.on('close', (code) => resolve({ ms, code, stdout, stderr, matchedMs }));
  });
}

/** Runs it and insists on exit code 0 (a benchmark of a failing command measures nothing). */
export async function timeNodeOk(args: string[], options: SpawnOptions = {}): Promise<TimedRun> {
  const run = await timeNode(args, options);
  if (run.code !== 0) throw new Error(`bench: node ${args.join(' ')} exited ${run.code}\n${run.stderr}${run.stdout}`);
  return run;
}
