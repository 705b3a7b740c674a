import { closeSync, existsSync, mkdirSync, openSync, readSync, statSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { DatabaseBusyError, DatabaseTooNewError, DatabaseUnreadableError } from '../../errors.js';
import { LATEST_SCHEMA_VERSION, MIGRATIONS } from './migrations.js';

const SQLITE_HEADER = 'SQLite format 3\u0000';

/**
 * How long a write waits for another process's lock before giving up with a resumable error: long enough for a
 * slow disk's commit, short of a lease's length. AGENTRUN_BUSY_TIMEOUT_MS overrides it (tests).
 */
export function busyTimeoutMs(env: NodeJS.ProcessEnv = process.env): number {
  return Number(env.AGENTRUN_BUSY_TIMEOUT_MS) || 15_000;
}

/**
 * Opens (creating if needed, mode 0600) and migrates the database file. A file that is not a SQLite database
 * is refused before SQLite touches it, so its bytes stay exactly as they were.
 */
export function openDatabase(file: string): Database.Database {
  refuseForeignFile(file);
  if (!existsSync(file)) {
    mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
    // SQLite gives the -wal and -shm files the main file's permissions, so 0600 here keeps them all private.
    closeSync(openSync(file, 'a', 0o600));
  }
  let db: Database.Database | undefined;
  try {
    db = new Database(file, { timeout: busyTimeoutMs() });
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL');
    // Checkpoint the WAL every 8 MiB rather than every 4 MiB: a step commit touches about 11 pages, and fewer,
    // larger checkpoints keep them out of all but the slowest half-percent of commits.
    db.pragma('wal_autocheckpoint = 2000');
    db.pragma('foreign_keys = ON');
    migrate(db, file);
    return db;
  } catch (error) {
    db?.close();
    if (error instanceof DatabaseTooNewError) throw error;
    const code = (error as { code?: string }).code ?? '';
    if (code.startsWith('SQLITE_BUSY')) throw new DatabaseBusyError(file, busyTimeoutMs(), { cause: error });
    if (code === 'SQLITE_NOTADB' || code.startsWith('SQLITE_CORRUPT')) {
      throw new DatabaseUnreadableError(`${file} is not a readable agentrun database (${code}); it was left untouched`, { cause: error });
    }
    if (code.startsWith('SQLITE_') || code === 'EACCES' || code === 'EISDIR') {
      throw new DatabaseUnreadableError(`cannot open database ${file}: ${(error as Error).message}`, { cause: error });
    }
    throw error;
  }
}

function refuseForeignFile(file: string): void {
  let size: number;
  try {
    const stat = statSync(file);
    if (stat.isDirectory()) throw new DatabaseUnreadableError(`cannot open database ${file}: it is a directory`);
    size = stat.size;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw error;
  }
  if (size === 0) return;
  const header = Buffer.alloc(16);
  const fd = openSync(file, 'r');
  try {
    readSync(fd, header, 0, 16, 0);
  } finally {
    closeSync(fd);
  }
  if (header.toString('latin1') !== SQLITE_HEADER) {
    throw new DatabaseUnreadableError(`${file} is not a SQLite database; it was left untouched (choose another file with --db or AGENTRUN_DB)`);
  }
}

function migrate(db: Database.Database, file: string): void {
  db.exec('CREATE TABLE IF NOT EXISTS schema_version (version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL)');
  const applied = () => new Set((db.prepare('SELECT version FROM schema_version').all() as { version: number }[]).map((r) => r.version));
  const found = Math.max(0, ...applied());
  if (found > LATEST_SCHEMA_VERSION) throw new DatabaseTooNewError(file, found, LATEST_SCHEMA_VERSION);
  const done = applied();
  for (const migration of MIGRATIONS) {
    if (done.has(migration.version)) continue;
    // IMMEDIATE takes the write lock first, so two processes opening a new file cannot both apply a migration.
    db.transaction(() => {
      if (applied().has(migration.version)) return;
      db.exec(migration.sql);
      db.prepare('INSERT INTO schema_version (version, applied_at) VALUES (?, ?)').run(migration.version, Date.now());
    }).immediate();
  }
}
