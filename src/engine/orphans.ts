import { readdirSync, readFileSync } from 'node:fs';
import os from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';

/** How the effects journal names the process group an effect runs in: "host:pid". */
export function processTag(pid: number): string {
  return `${os.hostname()}:${pid}`;
}

/** How long a killed group may take to disappear before we stop waiting and refuse to decide about its effect. */
const STOP_WAIT_MS = 2000;

/**
 * A runner killed with -9 (or paused and taken over) leaves the commands it started running. Before deciding whether
 * such an effect happened, stop what is left of it (its whole process group), so it cannot finish behind the check's
 * back. 'gone' when nothing of it runs any more (or it is not on this host, where we cannot see it: the accepted
 * limit); 'still-running' when it outlived SIGKILL for STOP_WAIT_MS (uninterruptible I/O) — then nobody may decide.
 * A pid reused by an unrelated group in between is the accepted, tiny risk.
 */
export async function stopOrphanedProcess(tag: string): Promise<'gone' | 'still-running'> {
  const at = tag.lastIndexOf(':');
  const pid = Number(tag.slice(at + 1));
  if (tag.slice(0, at) !== os.hostname() || !Number.isInteger(pid) || pid <= 1) return 'gone';
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    return 'gone';
  }
  for (let waited = 0; isGroupAlive(pid); waited += 10) {
    if (waited >= STOP_WAIT_MS) return 'still-running';
    await sleep(10);
  }
  return 'gone';
}

/**
 * Does any member of the process group still live? `kill(-pgid, 0)` also succeeds for members that have exited but
 * were not reaped yet (zombies: their parent is paused, or is a PID 1 that never reaps); those have done all they
 * will do, so where /proc can tell, a group of zombies counts as gone.
 */
export function isGroupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
  const states = memberStates(pgid);
  return states === undefined || states.some((state) => state !== 'Z' && state !== 'X');
}

/** The scheduler states (R, S, D, T, Z, …) of the group's members, from /proc; undefined where there is no /proc. */
function memberStates(pgid: number): string[] | undefined {
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return undefined;
  }
  const states: string[] = [];
  for (const name of entries) {
    if (name.charCodeAt(0) < 48 || name.charCodeAt(0) > 57) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${name}/stat`, 'latin1');
    } catch {
      continue; // exited meanwhile
    }
    // "pid (comm) state ppid pgrp …" — comm may contain spaces and parentheses, so parse after the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (Number(fields[2]) === pgid) states.push(fields[0]!);
  }
  return states;
}
