import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { processTag, stopOrphanedProcess } from '../engine/orphans.js';

/**
 * The process groups of a task's stdio MCP servers, kept in a small file on this host (process groups only mean
 * something here; the database may be shared by several hosts). A run that is `kill -9`ed cannot stop its servers;
 * the next run of the task on this host reads the file and stops what is left before it starts its own.
 */
export class ServerProcesses {
  private readonly file: string;
  private tags: string[] = [];

  /** `storeLocation` keeps two databases with the same task id apart. */
  constructor(storeLocation: string, taskId: string, directory = defaultDirectory()) {
    const name = createHash('sha256').update(`${storeLocation}\0${taskId}`).digest('hex').slice(0, 32);
    this.file = path.join(directory, `${name}.json`);
  }

  /** Stops every server group an earlier run of this task recorded and did not stop itself. */
  async stopLeftovers(): Promise<number> {
    let left: string[] = [];
    try {
      left = JSON.parse(readFileSync(this.file, 'utf8')) as string[];
    } catch {
      return 0;
    }
    for (const tag of left) await stopOrphanedProcess(tag);
    this.tags = [];
    rmSync(this.file, { force: true });
    return left.length;
  }

  add(pid: number): void {
    this.tags.push(processTag(pid));
    this.write();
  }

  remove(pid: number): void {
    this.tags = this.tags.filter((tag) => tag !== processTag(pid));
    this.write();
  }

  private write(): void {
    if (this.tags.length === 0) {
      rmSync(this.file, { force: true });
      return;
    }
    mkdirSync(path.dirname(this.file), { recursive: true, mode: 0o700 });
    writeFileSync(this.file, JSON.stringify(this.tags));
  }
}

function defaultDirectory(): string {
  return path.join(os.tmpdir(), `agentrun-${os.userInfo().uid}`, 'mcp-servers');
}
