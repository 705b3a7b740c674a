import { spawn } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { isGroupAlive, processTag, stopOrphanedProcess } from '../src/engine/orphans.js';
import { processState, waitUntilStopped } from './support/processes.js';
import { waitFor } from './support/cli.js';

/**
 * Stopping what an earlier run left of an effect: a process group whose members have all exited but were not reaped
 * (their parent is paused, or is a PID 1 that never reaps) has done all it will do — it counts as gone at once,
 * instead of being waited for as if alive.
 */
const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const cleanup of cleanups.splice(0)) cleanup();
});

/** A group leader that exits at once under a parent that freezes itself, so nobody reaps it: a group of one zombie. */
async function zombieGroup(): Promise<number> {
  const script = `
    const child = require('node:child_process').spawn('true', { detached: true, stdio: 'ignore' });
    process.stdout.write(child.pid + '\\n');
    process.kill(process.pid, 'SIGSTOP');`;
  const parent = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  cleanups.push(() => parent.kill('SIGKILL'));
  const pgid = await new Promise<number>((resolve) => parent.stdout!.once('data', (chunk: Buffer) => resolve(Number(chunk.toString().trim()))));
  await waitUntilStopped(parent.pid!, 'the parent to freeze');
  await waitFor(() => processState(pgid) === 'Z', 'the leader to become a zombie');
  return pgid;
}

describe('orphaned process groups', () => {
  it('a group of zombies is not alive, and stopping it returns at once as gone', async () => {
    const pgid = await zombieGroup();
    expect(isGroupAlive(pgid)).toBe(false);
    expect(await stopOrphanedProcess(processTag(pgid))).toBe('gone');
  });

  it('a live group is alive until it is stopped; a group that no longer exists is gone', async () => {
    const live = spawn('sh', ['-c', 'sleep 30 & sleep 30'], { detached: true, stdio: 'ignore' });
    cleanups.push(() => {
      try {
        process.kill(-live.pid!, 'SIGKILL');
      } catch {
        // already gone
      }
    });
    await waitFor(() => processState(live.pid!) === 'S', 'the group to run');
    expect(isGroupAlive(live.pid!)).toBe(true);
    expect(await stopOrphanedProcess(processTag(live.pid!))).toBe('gone');
    expect(isGroupAlive(live.pid!)).toBe(false);
    expect(await stopOrphanedProcess(processTag(live.pid!))).toBe('gone');
  });

  it('leaves a group on another host alone', async () => {
    const live = spawn('sleep', ['30'], { detached: true, stdio: 'ignore' });
    cleanups.push(() => live.kill('SIGKILL'));
    await waitFor(() => processState(live.pid!) === 'S', 'the group to run');
    expect(await stopOrphanedProcess(`some-other-host:${live.pid}`)).toBe('gone');
    expect(isGroupAlive(live.pid!)).toBe(true);
  });
});
