import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import path from 'node:path';
import { REPO_ROOT } from './cli.js';

/** The reference filesystem MCP server, installed from npm as a dev dependency (nobody in this project wrote it). */
export const FS_SERVER = path.join(REPO_ROOT, 'node_modules/@modelcontextprotocol/server-filesystem/dist/index.js');
/** Our counting server (see the file): counts tools/call per idempotency key in $COUNT_FILE. */
export const COUNTING_SERVER = path.join(REPO_ROOT, 'test/support/counting-mcp-server.mjs');

export interface CountedCall {
  tool: string;
  key: string | null;
  args: Record<string, unknown>;
  pid: number;
}

export function countedCalls(file: string): CountedCall[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8').split('\n').filter(Boolean).map((line) => JSON.parse(line) as CountedCall);
}

/** How often each idempotency key reached the server with this tool. */
export function countsByKey(file: string, tool = 'charge'): Map<string, number> {
  const counts = new Map<string, number>();
  for (const call of countedCalls(file)) if (call.tool === tool && call.key) counts.set(call.key, (counts.get(call.key) ?? 0) + 1);
  return counts;
}

/** Pids of the live processes whose working directory is `dir` (Linux /proc): stdio servers run in the workspace. */
export function processesIn(dir: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readlinkSync(`/proc/${entry}/cwd`) === dir && !isZombie(entry)) pids.push(Number(entry));
    } catch {
      // Gone meanwhile, or not ours to read.
    }
  }
  return pids;
}

function isZombie(pid: string): boolean {
  return /\) Z /.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
}

/** The counting server over streamable HTTP, as a separate long-lived process (like a remote server would be). */
export async function startHttpCountingServer(countFile: string, env: Record<string, string> = {}): Promise<{ url: string; child: ChildProcess; close: () => Promise<void> }> {
  const child = spawn(process.execPath, [COUNTING_SERVER, '--http'], { env: { ...process.env, COUNT_FILE: countFile, ...env }, stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise<number>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const match = /listening (\d+)/.exec(out);
      if (match) resolve(Number(match[1]));
    });
    child.once('exit', (code) => reject(new Error(`counting server exited with ${code}`)));
  });
  const close = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
  };
  return { url: `http://127.0.0.1:${port}/mcp`, child, close };
}
