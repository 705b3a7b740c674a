import { spawn, type ChildProcessByStdio } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { gatedShellArgs, signalGroup } from './process-group.js';

export interface CommandOptions {
  command: string;
  cwd: string;
  env?: Record<string, string>;
  stdin?: string;
  timeoutMs?: number;
  signal?: AbortSignal;
  /** Bound on the captured output kept (bytes, each stream). */
  outputLimit?: number;
  /**
   * Told the pid (= process group id) before the command begins: the command waits until the returned promise
   * resolves (the runner has journaled the group, so a later run can find and stop it), and never begins if it
   * rejects — the group is killed and runCommand rejects with that error.
   */
  onSpawn?: (pid: number) => Promise<void>;
}

export interface CommandResult {
  exitCode: number | null;
  /** Set when the process was ended by a signal (including our timeout or abort). */
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
  aborted: boolean;
}

/**
 * Runs `sh -c command` in its own process group, so a timeout or an abort ends the whole tree it started,
 * not just the shell. Output is captured (bounded) and returned; a non-zero exit is not an exception here —
 * the caller decides what failure means.
 */
export function runCommand(options: CommandOptions): Promise<CommandResult> {
  const limit = options.outputLimit ?? 64 * 1024;
  return new Promise((resolve, reject) => {
    const input = openInput(options.stdin ?? '');
    const gated = options.onSpawn !== undefined;
    let child: ChildProcessByStdio<null, Readable, Readable>;
    try {
      // A descriptor in stdio[0] means no stdin stream on our side, which the typings cannot infer.
      child = spawn('sh', gated ? gatedShellArgs(['sh', '-c', options.command]) : ['-c', options.command], {
        cwd: options.cwd,
        env: { ...process.env, ...options.env },
        stdio: gated ? [input, 'pipe', 'pipe', 'pipe'] : [input, 'pipe', 'pipe'],
        detached: true,
      }) as ChildProcessByStdio<null, Readable, Readable>;
    } finally {
      closeSync(input);
    }
    let refused: unknown;
    const stdout = new BoundedBuffer(limit);
    const stderr = new BoundedBuffer(limit);
    let timedOut = false;
    let aborted = false;

    const killGroup = () => {
      if (child.pid !== undefined) signalGroup(child.pid, 'SIGKILL');
    };
    const timer =
      options.timeoutMs !== undefined
        ? setTimeout(() => {
            timedOut = true;
            killGroup();
          }, options.timeoutMs)
        : undefined;
    const onAbort = () => {
      aborted = true;
      killGroup();
    };
    if (options.signal?.aborted) onAbort();
    options.signal?.addEventListener('abort', onAbort, { once: true });

    if (gated && child.pid !== undefined) {
      const gate = child.stdio[3] as Writable;
      // The group may be gone before we open the gate (a timeout, an abort): nothing to tell it then.
      gate.on('error', () => {});
      options.onSpawn!(child.pid).then(
        () => gate.end('go\n'),
        (error: unknown) => {
          refused = error;
          killGroup();
          gate.destroy();
        },
      );
    }

    child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
    child.on('error', (error) => {
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', onAbort);
      reject(error);
    });
    // 'close' waits for the pipes, which a daemonised grandchild (setsid, nohup &) may hold open forever:
    // once the shell itself has exited, give the pipes a moment to drain, then stop reading them.
    child.on('exit', () => {
      clearTimeout(timer);
      setTimeout(() => {
        child.stdout.destroy();
        child.stderr.destroy();
      }, 500).unref();
    });
    child.on('close', () => {
      options.signal?.removeEventListener('abort', onAbort);
      if (refused !== undefined) return reject(refused);
      resolve({ exitCode: child.exitCode, signal: child.signalCode, stdout: stdout.text(), stderr: stderr.text(), timedOut, aborted });
    });
  });
}

/**
 * The command's stdin as an open file rather than a pipe we write to: if agentrun is killed right after the spawn,
 * a pipe would leave the command reading a truncated (or empty) input and acting on it. With a file, the command
 * either never started or has its whole input. The file is unlinked at once; the open descriptor keeps it readable.
 */
function openInput(text: string): number {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'agentrun-stdin-'));
  const file = path.join(dir, 'stdin');
  try {
    writeFileSync(file, text, { mode: 0o600 });
    return openSync(file, 'r');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Describes how a command ended, for error messages: "exit code 3", "timed out after 30s", … */
export function describeExit(result: CommandResult, timeoutMs?: number): string {
  if (result.timedOut) return `timed out after ${(timeoutMs ?? 0) < 1000 ? `${timeoutMs}ms` : `${Math.round((timeoutMs ?? 0) / 1000)}s`}`;
  if (result.aborted) return 'was interrupted';
  if (result.signal) return `was killed by ${result.signal}`;
  return `exited with code ${result.exitCode}`;
}

/**
 * The contract of every `check` command (a tool's, a `run:` step's): exit 0 = the effect happened, 1 = it did not.
 * Anything else means the check cannot tell: then why, in one line — how it ended and the end of what it said.
 */
export function checkCannotTell(result: CommandResult, timeoutMs: number): string | undefined {
  if (result.exitCode === 0 || result.exitCode === 1) return undefined;
  const said = outputExcerpt(result);
  return `${describeExit(result, timeoutMs)}${said ? `: ${said}` : ''}`;
}

/**
 * What a command said, for a one-line message: the end of its stderr (or of its stdout if stderr is empty), where a
 * failing command says why, at most `maxBytes`, lines joined with " | ". Empty if it said nothing.
 */
export function outputExcerpt(result: CommandResult, maxBytes = 400): string {
  const said = (result.stderr.trim() || result.stdout.trim()).replace(/\s*\n\s*/g, ' | ');
  const bytes = Buffer.from(said, 'utf8');
  if (bytes.length <= maxBytes) return said;
  // A cut inside a character leaves up to three continuation bytes, each decoded as U+FFFD.
  return `…${bytes.subarray(bytes.length - maxBytes).toString('utf8').replace(/^\uFFFD{1,3}/, '')}`;
}

class BoundedBuffer {
  private chunks: Buffer[] = [];
  private size = 0;
  private total = 0;
  constructor(private readonly limit: number) {}
  push(chunk: Buffer): void {
    this.total += chunk.length;
    if (this.size >= this.limit) return;
    const kept = chunk.subarray(0, this.limit - this.size);
    this.chunks.push(kept);
    this.size += kept.length;
  }
  text(): string {
    const text = Buffer.concat(this.chunks).toString('utf8');
    if (this.total === this.size) return text;
    return `${text.replace(/\uFFFD$/, '')}\n[output truncated: ${this.size} of ${this.total} bytes shown]`;
  }
}
