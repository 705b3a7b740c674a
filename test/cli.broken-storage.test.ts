import { execFileSync } from 'node:child_process';
import { chmodSync, chownSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, statSync, truncateSync, writeFileSync, writeSync, closeSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { createTask } from '../src/engine/create-task.js';
import { SqliteStore } from '../src/store/sqlite/sqlite-store.js';
import { definitionFromGoal } from '../src/task/load.js';
import { runCli, type CliResult } from './support/cli.js';
import { tempDir } from './support/temp-dir.js';

const PAGE = 4096;

/** The last line is the error, `agentrun: …`, and nothing on stderr is a stack trace or an internal error. */
function expectOneErrorLine(result: CliResult, code: number, pattern: RegExp): void {
  expect(result.code, result.stderr).toBe(code);
  expect(result.stderr).not.toMatch(/internal error|\n\s+at /);
  const errors = result.stderr.split('\n').filter((line) => line.startsWith('agentrun: '));
  expect(errors, result.stderr).toHaveLength(1);
  expect(errors[0]).toMatch(pattern);
}

function sameBytes(file: string, before: Buffer): boolean {
  return readFileSync(file).equals(before);
}

/** The page numbers of a table's leaf pages, from SQLite's own dbstat table. */
function leafPages(file: string, table: string): number[] {
  const db = new Database(file, { readonly: true });
  try {
    return (db.prepare("SELECT pageno FROM dbstat WHERE name = ? AND pagetype = 'leaf' ORDER BY pageno").all(table) as { pageno: number }[]).map((r) => r.pageno);
  } finally {
    db.close();
  }
}

function zeroPage(file: string, page: number): void {
  const fd = openSync(file, 'r+');
  try {
    writeSync(fd, Buffer.alloc(PAGE), 0, PAGE, (page - 1) * PAGE);
  } finally {
    closeSync(fd);
  }
}

describe('a damaged database: one line naming the file, exit 2, nothing more written', () => {
  let pristine: string;
  let ids: string[];
  beforeAll(async () => {
    // Enough tasks (each with a long goal and a fixed plan) that every table spans many pages.
    pristine = path.join(mkdtempSync(path.join(os.tmpdir(), 'agentrun-test-')), 'pristine.db');
    const store = await SqliteStore.open(pristine);
    ids = [];
    for (let i = 0; i < 60; i++) {
      const definition = definitionFromGoal(`task ${i}: ${'a long goal '.repeat(150)}`, {
        plan: Array.from({ length: 5 }, (_, n) => ({ name: `step ${n}`, run: 'true', description: 'd'.repeat(1500) })),
      });
      ids.push((await createTask(store, { definition, cwd: os.tmpdir() })).task.id);
    }
    await store.close();
  });
  afterAll(() => rmSync(path.dirname(pristine), { recursive: true, force: true }));

  function damagedCopy(table: string): string {
    const file = path.join(tempDir(), 'agentrun.db');
    copyFileSync(pristine, file);
    const pages = leafPages(file, table);
    expect(pages.length).toBeGreaterThan(2);
    zeroPage(file, pages[Math.floor(pages.length / 2)]!);
    return file;
  }

  it('inspect of a task on the damaged page, and resume --all over a damaged tasks page', async () => {
    const db = damagedCopy('tasks');
    const before = readFileSync(db);
    const dir = path.dirname(db);
    expectOneErrorLine(await runCli(['resume', '--all', '--db', db], { cwd: dir }), 2, /^agentrun: .*agentrun\.db is damaged \(SQLITE_CORRUPT.*PRAGMA integrity_check.*docs\/storage\.md/);
    expectOneErrorLine(await runCli(['status', '--limit', '1000', '--db', db], { cwd: dir }), 2, /is damaged \(SQLITE_CORRUPT/);
    // Some of the tasks in the middle are on the zeroed page: reading them says so, the others read as before.
    const inspected = await Promise.all(ids.slice(15, 45).map((id) => runCli(['inspect', id, '--db', db], { cwd: dir })));
    expect(inspected.filter((r) => r.code === 2).length).toBeGreaterThan(0);
    for (const result of inspected) {
      if (result.code === 0) continue;
      expectOneErrorLine(result, 2, /is damaged \(SQLITE_CORRUPT/);
    }
    expect(sameBytes(db, before)).toBe(true);
  });

  it('start refuses a file with a damaged page it would never have read, before writing', async () => {
    const db = damagedCopy('task_definitions');
    const before = readFileSync(db);
    const dir = path.dirname(db);
    writeFileSync(path.join(dir, 'ok.yaml'), 'goal: x\nplan:\n  - { name: a, run: "true" }\n');
    // Reading what is intact still works…
    expect((await runCli(['status', '--db', db], { cwd: dir })).code).toBe(0);
    // …but nothing is written into the file.
    expectOneErrorLine(await runCli(['start', '--task', 'ok.yaml', '--db', db], { cwd: dir }), 2, /is damaged \(SQLITE_CORRUPT: .*page/);
    expect(sameBytes(db, before)).toBe(true);
    expect(!existsSync(`${db}-wal`) || readFileSync(`${db}-wal`).length === 0).toBe(true);
  });
});

describe('a database that cannot be written', () => {
  async function finishedTaskDb(): Promise<{ dir: string; db: string }> {
    const dir = tempDir();
    const db = path.join(dir, 'agentrun.db');
    writeFileSync(path.join(dir, 'ok.yaml'), 'goal: x\nplan:\n  - { name: a, run: "echo hi" }\n');
    expect((await runCli(['start', '--task', 'ok.yaml', '--db', db], { cwd: dir })).code).toBe(0);
    return { dir, db };
  }

  it('an immutable file (chattr +i): exit 2, one line, unchanged', async () => {
    const { dir, db } = await finishedTaskDb();
    execFileSync('chattr', ['+i', db]);
    onTestFinished(() => {
      execFileSync('chattr', ['-i', db]);
    });
    const before = readFileSync(db);
    expectOneErrorLine(await runCli(['start', '--task', 'ok.yaml', '--db', db], { cwd: dir }), 2, /^agentrun: cannot write to the database .*agentrun\.db: it is read-only/);
    expect(sameBytes(db, before)).toBe(true);
  });

  it('a file and directory the user may not write: exit 2, one line, unchanged', async () => {
    const { dir, db } = await finishedTaskDb();
    const asRoot = process.getuid?.() === 0;
    if (asRoot) {
      // Root may write anywhere: hand the files to an ordinary user, then take write permission away from them.
      for (const file of [dir, db, path.join(dir, 'ok.yaml')]) chownSync(file, 65534, 65534);
    }
    chmodSync(db, 0o444);
    chmodSync(dir, 0o555);
    onTestFinished(() => chmodSync(dir, 0o755));
    const before = readFileSync(db);
    const user = asRoot ? { uid: 65534, gid: 65534 } : undefined;
    const result = await runCli(['start', '--task', 'ok.yaml', '--db', db], { cwd: dir, user });
    expectOneErrorLine(result, 2, /^agentrun: cannot (write to|use) .*agentrun\.db/);
    expect(sameBytes(db, before)).toBe(true);
  });
});

describe('files that are not databases stay untouched', () => {
  const cases: [string, (dir: string) => string, RegExp][] = [
    ['a truncated database', (dir) => {
      const file = path.join(dir, 'agentrun.db');
      const db = new Database(file);
      db.exec("CREATE TABLE t (x); INSERT INTO t VALUES (randomblob(50000))");
      db.close();
      truncateSync(file, 3 * PAGE + 100);
      return file;
    }, /is damaged \(SQLITE_CORRUPT|not a SQLite database/],
    ['a FIFO', (dir) => {
      const file = path.join(dir, 'fifo.db');
      execFileSync('mkfifo', [file]);
      return file;
    }, /cannot use .*fifo\.db as the database: it is not a regular file/],
    ['/dev/full', () => '/dev/full', /cannot use \/dev\/full as the database: it is not a regular file/],
    ['a directory', (dir) => {
      mkdirSync(path.join(dir, 'adir'));
      return path.join(dir, 'adir');
    }, /cannot use .*adir as the database: it is a directory/],
  ];
  for (const [name, make, pattern] of cases) {
    it(name, async () => {
      const dir = tempDir();
      const db = make(dir);
      // Only a regular file has bytes to compare (reading the FIFO would wait for a writer).
      const before = statSync(db).isFile() ? readFileSync(db) : undefined;
      writeFileSync(path.join(dir, 'ok.yaml'), 'goal: x\nplan:\n  - { name: a, run: "true" }\n');
      for (const args of [['status'], ['start', '--task', 'ok.yaml']]) {
        expectOneErrorLine(await runCli([...args, '--db', db], { cwd: dir }), 2, pattern);
      }
      if (before) expect(sameBytes(db, before)).toBe(true);
      expect(existsSync(`${db}-wal`)).toBe(false);
    });
  }
});

/** A real 640 KB disk (tmpfs) for this test, unmounted when it ends. */
function smallDisk(): string {
  const mount = tempDir();
  execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=640k', 'tmpfs', mount]);
  onTestFinished(() => {
    execFileSync('umount', ['-l', mount]);
  });
  return mount;
}

describe('the disk fills up while a task runs', () => {
  it('exit 3 and one line; once there is space, resume finishes the task with every step kept', async () => {
    // A real full disk: a 640 KB tmpfs, filled by the task's own step output.
    const mount = smallDisk();
    const work = tempDir();
    const db = path.join(mount, 'agentrun.db');
    const steps = Array.from({ length: 8 }, (_, n) => `  - { name: s${n}, run: "head -c 45000 /dev/zero | tr '\\\\0' ${n}" }`).join('\n');
    writeFileSync(path.join(work, 'fill.yaml'), `goal: fill the disk\nlimits: { toolOutputBytes: 100000 }\nplan:\n${steps}\n`);

    const full = await runCli(['start', '--task', 'fill.yaml', '--id', 'filler', '--db', db], { cwd: work });
    expect(full.code, full.stderr).toBe(3);
    expect(full.stderr).not.toMatch(/internal error|\n\s+at /);
    expect(full.stderr).toMatch(/the disk holding .*agentrun\.db is full; every finished step is kept: free some space/);

    execFileSync('mount', ['-o', 'remount,size=16m', mount]);
    const resumed = await runCli(['resume', '--all', '--db', db], { cwd: work });
    expect(resumed.code, resumed.stderr).toBe(0);
    const inspected = await runCli(['inspect', 'filler', '--json', '--db', db], { cwd: work });
    const doc = JSON.parse(inspected.stdout) as { status: string; completed: number[]; results: Record<string, string> };
    expect(doc.status).toBe('completed');
    expect(doc.completed).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(Object.values(doc.results).map((r) => [r.length, r[0]])).toEqual(Array.from({ length: 8 }, (_, n) => [45000, String(n)]));
  });

  it('while only the heartbeat writes (a long command): the run stops with exit 3 and one line, and resumes once there is space', async () => {
    const mount = smallDisk();
    const work = tempDir();
    const db = path.join(mount, 'agentrun.db');
    // Something else fills the disk while the step's command runs; the next lease renewal meets the full disk.
    writeFileSync(
      path.join(work, 'long.yaml'),
      `goal: a long step\nplan:\n  - name: wait\n    run: "[ -e filled ] || { touch filled; head -c 1000000 /dev/zero > ${mount}/other-file; }; sleep 2; echo waited"\n`,
    );

    const full = await runCli(['start', '--task', 'long.yaml', '--id', 'long', '--db', db], { cwd: work, env: { AGENTRUN_HEARTBEAT_MS: '100' } });
    expect(full.code, full.stderr).toBe(3);
    expect(full.stderr).not.toMatch(/internal error|\n\s+at |Unhandled/);
    expect(full.stderr).toMatch(/the disk holding .*agentrun\.db is full/);

    execFileSync('rm', [path.join(mount, 'other-file')]);
    const resumed = await runCli(['resume', 'long', '--db', db], { cwd: work, env: { AGENTRUN_HEARTBEAT_MS: '100' } });
    expect(resumed.code, resumed.stderr).toBe(0);
  }, 60_000);
});
