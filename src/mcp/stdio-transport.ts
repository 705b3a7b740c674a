import { spawn, type ChildProcess } from 'node:child_process';
import type { Writable } from 'node:stream';
import { deserializeMessage, serializeMessage, type JSONRPCMessage, type Transport } from '@modelcontextprotocol/client';
import { getDefaultEnvironment } from '@modelcontextprotocol/client/stdio';
import { gatedShellArgs, signalGroup } from '../tools/process-group.js';

/** A server line longer than this is not MCP we can hold in memory: the transport gives up on the server. */
const MAX_LINE_BYTES = 16 * 1024 * 1024;
/** How much of the server's stderr is kept, so a server that dies can say why. */
const STDERR_TAIL_BYTES = 4096;
// The server starts behind the gate journaled commands wait behind (tools/process-group.ts): if agentrun is killed
// between the spawn and the record of its process group, the server never starts, so no run can leave behind a
// server the next one does not know of. `sh` exits 127 when the command is not found.
const COMMAND_NOT_FOUND = 127;
/** Grace a server gets to exit after its stdin closes, then after SIGTERM, before the next signal. */
const EXIT_GRACE_MS = 1500;

export interface StdioServerParameters {
  command: string;
  args: string[];
  /** Added to the SDK's safe default environment (HOME, PATH, …): the rest of agentrun's environment is not passed on. */
  env: Record<string, string>;
  cwd: string;
  /** Called as soon as the server's process exists, with its pid (= its process group's id). */
  onSpawn?: (pid: number) => void;
}

/**
 * The MCP stdio transport, with the server in a process group of its own: the SDK's transport starts it in ours,
 * where a `kill -9` of agentrun would leave it running with no one able to find it. Here the group's id is known
 * (`pid`), so the runner can journal it and the next run can stop what a killed one left.
 * Lines that are not JSON-RPC end the connection with a message quoting them, instead of being skipped.
 */
export class ProcessGroupStdioTransport implements Transport {
  onclose?: () => void;
  onerror?: (error: Error) => void;
  onmessage?: (message: JSONRPCMessage) => void;
  private child: ChildProcess | undefined;
  private pending: Buffer = Buffer.alloc(0);
  private stderrTail = '';
  private failure: Error | undefined;
  private exited: Promise<void> | undefined;

  constructor(private readonly params: StdioServerParameters) {}

  get pid(): number | undefined {
    return this.child?.pid;
  }

  get running(): boolean {
    return this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null && this.failure === undefined;
  }

  /** Why the server went away: the transport's own verdict, else its exit status and the last thing it said on stderr. */
  get exitReason(): string {
    if (this.failure) return this.failure.message;
    const child = this.child;
    if (child?.exitCode === COMMAND_NOT_FOUND) return `command not found: ${this.params.command}`;
    const status = child?.signalCode ? `was killed by ${child.signalCode}` : child?.exitCode != null ? `exited with code ${child.exitCode}` : 'closed its output';
    const said = this.stderrTail.trim().split('\n').at(-1)?.trim();
    return said ? `${status}: ${said}` : status;
  }

  start(): Promise<void> {
    return new Promise((resolve, reject) => {
      const child = spawn('sh', gatedShellArgs([this.params.command, ...this.params.args]), {
        cwd: this.params.cwd,
        env: { ...getDefaultEnvironment(), ...this.params.env },
        stdio: ['pipe', 'pipe', 'pipe', 'pipe'],
        detached: true,
      });
      this.child = child;
      this.exited = new Promise((done) => child.once('exit', () => done()));
      child.once('error', (error: NodeJS.ErrnoException) => {
        const message = error.code === 'ENOENT' ? `command not found: ${this.params.command}` : `could not run ${this.params.command}: ${error.message}`;
        this.failure = new Error(message);
        reject(this.failure);
      });
      child.once('spawn', () => {
        this.params.onSpawn?.(child.pid!);
        const gate = child.stdio[3] as Writable;
        gate.on('error', () => {});
        gate.end('go\n');
        resolve();
      });
      child.once('close', () => this.onclose?.());
      child.stdin!.on('error', () => {});
      child.stderr!.on('data', (chunk: Buffer) => {
        this.stderrTail = (this.stderrTail + chunk.toString('utf8')).slice(-STDERR_TAIL_BYTES);
      });
      child.stdout!.on('data', (chunk: Buffer) => this.receive(chunk));
    });
  }

  async send(message: JSONRPCMessage): Promise<void> {
    const stdin = this.child?.stdin;
    if (!stdin || stdin.destroyed) throw new Error(`the server is not running (${this.exitReason})`);
    try {
      await new Promise<void>((resolve, reject) => stdin.write(serializeMessage(message), (error) => (error ? reject(error) : resolve())));
    } catch (error) {
      // A server that ended before reading (not found, or exited at start) is reported by how it ended, not as EPIPE.
      if (await exitsWithin(this.exited!, EXIT_GRACE_MS)) throw new Error(this.exitReason);
      throw error;
    }
  }

  /** Closes stdin (how MCP asks a stdio server to exit), then signals the whole group until it is gone. */
  async close(): Promise<void> {
    const child = this.child;
    if (!child?.pid || child.exitCode !== null || child.signalCode !== null) return;
    child.stdin?.end();
    if (await exitsWithin(this.exited!, EXIT_GRACE_MS)) return this.stopGroup(child.pid);
    signalGroup(child.pid, 'SIGTERM');
    if (await exitsWithin(this.exited!, EXIT_GRACE_MS)) return this.stopGroup(child.pid);
    signalGroup(child.pid, 'SIGKILL');
    await this.exited;
  }

  /** The server exited; anything it started in its group goes with it. */
  private stopGroup(pid: number): void {
    signalGroup(pid, 'SIGKILL');
  }

  private receive(chunk: Buffer): void {
    this.pending = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
    let newline: number;
    while ((newline = this.pending.indexOf(0x0a)) !== -1) {
      const line = this.pending.subarray(0, newline).toString('utf8').replace(/\r$/, '');
      this.pending = this.pending.subarray(newline + 1);
      if (line.trim() === '') continue;
      let message: JSONRPCMessage;
      try {
        message = deserializeMessage(line);
      } catch {
        return this.fail(`sent something that is not MCP (JSON-RPC) on stdout: ${JSON.stringify(line.slice(0, 80))}`);
      }
      this.onmessage?.(message);
    }
    if (this.pending.length > MAX_LINE_BYTES) this.fail(`sent a line longer than ${MAX_LINE_BYTES} bytes on stdout`);
  }

  private fail(message: string): void {
    this.failure ??= new Error(message);
    this.onerror?.(this.failure);
    const pid = this.child?.pid;
    if (pid) signalGroup(pid, 'SIGKILL');
  }
}

function exitsWithin(exited: Promise<void>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  return Promise.race([exited.then(() => true), timeout]).finally(() => clearTimeout(timer));
}
