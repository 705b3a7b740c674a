import os from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';

/** How the effects journal names the process group an effect runs in: "host:pid". */
export function processTag(pid: number): string {
  return `${os.hostname()}:${pid}`;
}

/**
 * A runner killed with -9 leaves the commands it started running. Before deciding whether such an effect happened,
 * stop what is left of it (its whole process group), so it cannot finish behind the check's back.
 * Only possible on the same host; a pid reused by an unrelated group in between is the accepted, tiny risk.
 */
export async function stopOrphanedProcess(tag: string | null): Promise<void> {
  if (!tag) return;
  const at = tag.lastIndexOf(':');
  const pid = Number(tag.slice(at + 1));
  if (tag.slice(0, at) !== os.hostname() || !Number.isInteger(pid) || pid <= 1) return;
  if (!signalGroup(pid, 'SIGKILL')) return;
  for (let i = 0; i < 200 && signalGroup(pid, 0); i++) await sleep(10);
}

function signalGroup(pid: number, signal: NodeJS.Signals | 0): boolean {
  try {
    process.kill(-pid, signal);
    return true;
  } catch {
    return false;
  }
}
