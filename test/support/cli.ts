import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FakeOpenAI } from './openai-server.js';
import { tempDir } from './temp-dir.js';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const CLI = path.join(REPO_ROOT, 'bin/agentrun.js');

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface CliOptions {
  cwd: string;
  env?: Record<string, string | undefined>;
  input?: string;
  /** Run as this user (and group): to meet permissions as an ordinary user does when the tests run as root. */
  user?: { uid: number; gid: number };
}

/** Environment for a child CLI: no API key or endpoint leaks in from the developer's shell, no colour. */
function childEnv(extra: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1' };
  for (const name of ['OPENAI_API_KEY', 'OPENAI_BASE_URL', 'AGENTRUN_DB', 'AGENTRUN_MODEL', 'AGENTRUN_EMBEDDINGS_MODEL', 'AGENTRUN_FAILPOINTS', 'FORCE_COLOR']) delete env[name];
  for (const [key, value] of Object.entries(extra)) {
    if (value === undefined) delete env[key];
    else env[key] = value;
  }
  return env;
}

/** Spawns the built CLI (as a user would run it) and returns a handle plus a promise of its result. */
export function spawnCli(args: string[], options: CliOptions): { child: ChildProcess; done: Promise<CliResult> } {
  const child = spawn(process.execPath, [CLI, ...args], { cwd: options.cwd, env: childEnv(options.env), stdio: ['pipe', 'pipe', 'pipe'], ...options.user });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  child.stdin!.end(options.input ?? '');
  const done = new Promise<CliResult>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
  return { child, done };
}

export function runCli(args: string[], options: CliOptions): Promise<CliResult> {
  return spawnCli(args, options).done;
}

/** Resolves when `predicate` holds, polling every 20 ms (waits on an observable state, not on time). */
export async function waitFor(predicate: () => boolean | Promise<boolean>, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await predicate())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

type Env = Record<string, string | undefined>;

/** A workspace directory with its own database, and (optionally) a scripted LLM server: what a CLI test runs in. */
export interface CliSandbox {
  dir: string;
  db: string;
  /** Runs the built CLI in `dir` on `db` (and, with a server, pointed at it with a test key) and waits for it. */
  cli(args: string[], env?: Env): Promise<CliResult>;
  /** Same, without waiting: for tests that kill or watch the child. */
  spawn(args: string[], env?: Env): { child: ChildProcess; done: Promise<CliResult> };
  /** The non-empty lines of a file in the workspace (a log a task's steps append to); none while it does not exist. */
  lines(file: string): string[];
  /** `inspect ID --json`, parsed. */
  inspect(id: string): Promise<any>;
}

export function cliSandbox(options: { dir?: string; server?: FakeOpenAI } = {}): CliSandbox {
  const dir = options.dir ?? tempDir();
  const db = path.join(dir, 'agentrun.db');
  const llmEnv: Env = options.server ? { OPENAI_BASE_URL: options.server.url, OPENAI_API_KEY: 'test-key' } : {};
  // `--db` goes before a `--`, so it is never taken as an operand (e.g. a memory search word).
  const withDb = (args: string[]) => {
    const end = args.indexOf('--');
    return end === -1 ? [...args, '--db', db] : [...args.slice(0, end), '--db', db, ...args.slice(end)];
  };
  const spawnIn = (args: string[], env: Env = {}) => spawnCli(withDb(args), { cwd: dir, env: { ...llmEnv, ...env } });
  const cli = (args: string[], env: Env = {}) => spawnIn(args, env).done;
  return {
    dir,
    db,
    cli,
    spawn: spawnIn,
    lines(file) {
      const at = path.join(dir, file);
      return existsSync(at) ? readFileSync(at, 'utf8').split('\n').filter(Boolean) : [];
    },
    async inspect(id) {
      const result = await cli(['inspect', id, '--json']);
      if (result.code !== 0) throw new Error(`inspect ${id} failed (${result.code}): ${result.stderr}`);
      return JSON.parse(result.stdout);
    },
  };
}
