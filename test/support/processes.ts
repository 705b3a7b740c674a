import { readdirSync, readFileSync } from 'node:fs';
import Database from 'better-sqlite3';
import { waitFor } from './cli.js';

/** A process's scheduler state from /proc: R, S, T (stopped), Z (zombie)…; undefined once it is gone. */
export function processState(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[0];
  } catch {
    return undefined;
  }
}

/** The process group a process belongs to, from /proc; undefined once it is gone. */
export function processGroup(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[2]);
  } catch {
    return undefined;
  }
}

/** Resolves once the process froze itself (a `:stop` failpoint): SIGSTOP, state T. */
export function waitUntilStopped(pid: number, what: string): Promise<void> {
  return waitFor(() => processState(pid) === 'T', what);
}

/** Pids of the processes whose environment carries this idempotency key: an effect's command, its check, its gate. */
export function processesWithKey(key: string): number[] {
  const wanted = `AGENTRUN_IDEMPOTENCY_KEY=${key}\0`;
  const found: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      if (`${readFileSync(`/proc/${name}/environ`, 'latin1')}\0`.includes(wanted) && processState(Number(name)) !== 'Z') found.push(Number(name));
    } catch {
      // gone meanwhile, or not ours to read
    }
  }
  return found;
}

/** A task's row as the database has it now (read-only connection: the runners keep theirs). */
export function taskRow(db: string, taskId: string): Record<string, unknown> {
  const conn = new Database(db, { readonly: true });
  try {
    return conn.prepare('SELECT * FROM tasks WHERE id = ?').get(taskId) as Record<string, unknown>;
  } finally {
    conn.close();
  }
}

/** Resolves once the task's lease has run out (its holder is frozen, so it cannot renew). */
export function waitUntilLeaseLapsed(db: string, taskId: string): Promise<void> {
  return waitFor(() => {
    const row = taskRow(db, taskId);
    return row.lease_owner !== null && Number(row.lease_expires_at) < Date.now();
  }, `the lease of ${taskId} to lapse`);
}
