import { spawn } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { cliSandbox, REPO_ROOT, waitFor } from './support/cli.js';
import { taskRow } from './support/processes.js';

/**
 * Another process holds SQLite's write lock for a while (a slow disk's commit, a long transaction): runners and
 * commands wait for it; if it outlasts the busy timeout they stop with one line and exit 3, and no healthy task is
 * marked failed.
 */
function holdWriteLock(db: string, ms: number): { held: Promise<void>; done: Promise<void> } {
  const script = `
    const Database = require('better-sqlite3');
    const db = new Database(process.argv[1]);
    db.exec('BEGIN IMMEDIATE');
    db.prepare("UPDATE tasks SET progress = progress WHERE id = 'nobody'").run();
    process.stdout.write('held\\n');
    setTimeout(() => { db.exec('COMMIT'); db.close(); }, Number(process.argv[2]));`;
  const child = spawn(process.execPath, ['-e', script, db, String(ms)], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
  const held = new Promise<void>((resolve) => child.stdout!.once('data', () => resolve()));
  const done = new Promise<void>((resolve) => child.on('close', () => resolve()));
  return { held, done };
}

/** Step 2 says it started, then waits for `go` (not idempotent: its check tells whether it ran); the others are quick. */
const TASK = `goal: three steps, the second waits for a go
plan:
  - name: one
    run: echo one >> steps.txt
  - name: two
    run: touch started && while [ ! -f go ]; do sleep 0.05; done && echo two >> steps.txt
    idempotent: false
    check: grep -qx two steps.txt
  - name: three
    run: echo three >> steps.txt
`;

function setup() {
  const box = cliSandbox();
  writeFileSync(path.join(box.dir, 'task.yaml'), TASK);
  writeFileSync(path.join(box.dir, 'quick.yaml'), 'goal: one quick step\nplan:\n  - name: only\n    run: echo quick >> quick.txt\n');
  return box;
}

describe('a write lock held by another process', () => {
  it('shorter than the busy timeout: a running task and a new one wait for it and complete', async () => {
    const { dir, db, lines, cli, spawn } = setup();
    const env = { AGENTRUN_BUSY_TIMEOUT_MS: '10000', AGENTRUN_HEARTBEAT_MS: '50' };
    const running = spawn(['start', '--task', 'task.yaml', '--id', 'long'], env);
    await waitFor(() => existsSync(path.join(dir, 'started')), 'step 2 to start');
    const lock = holdWriteLock(db, 1500);
    await lock.held;
    writeFileSync(path.join(dir, 'go'), '');
    const quick = await cli(['start', '--task', 'quick.yaml', '--id', 'quick'], env);
    await lock.done;
    expect(quick.code, quick.stderr).toBe(0);
    const long = await running.done;
    expect(long.code, long.stderr).toBe(0);
    expect(lines('steps.txt')).toEqual(['one', 'two', 'three']);
  });

  it('longer than the busy timeout: one line, exit 3, the task left resumable (never failed), and resume completes it', async () => {
    const { dir, db, lines, cli, spawn } = setup();
    const env = { AGENTRUN_BUSY_TIMEOUT_MS: '300', AGENTRUN_HEARTBEAT_MS: '50' };
    const running = spawn(['start', '--task', 'task.yaml', '--id', 'long'], env);
    await waitFor(() => existsSync(path.join(dir, 'started')), 'step 2 to start');
    const lock = holdWriteLock(db, 2500);
    await lock.held;
    writeFileSync(path.join(dir, 'go'), '');
    const [quick, long] = await Promise.all([cli(['start', '--task', 'quick.yaml', '--id', 'quick'], env), running.done]);
    await lock.done;
    const locked = /the database .* stayed locked by another process for 0\.3s; nothing was lost, run the command again$/;
    for (const result of [quick, long]) {
      expect(result.code, result.stderr).toBe(3);
      expect(result.stderr).not.toContain('internal error');
    }
    // A command that cannot get the lock: one line.
    expect(quick.stderr.trim().split('\n')).toHaveLength(1);
    expect(quick.stderr.trim()).toMatch(new RegExp(`^agentrun: ${locked.source}`));
    // A runner: its task is interrupted (resumable), said as every interruption is.
    const summary = long.stderr.split('\n').find((l) => l.startsWith('task long is '));
    expect(summary).toMatch(new RegExp(`^task long is interrupted: ${locked.source}`));
    expect(long.stderr).toContain('continue with: agentrun resume long');
    expect(taskRow(db, 'long').status).not.toBe('failed');
    const resumed = await cli(['resume', 'long']);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(lines('steps.txt')).toEqual(['one', 'two', 'three']);
  });
});
