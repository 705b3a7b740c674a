import { closeSync, existsSync, mkdirSync, openSync, readSync, statSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { DatabaseLocationError, DatabaseTooNewError, DatabaseUnreadableError } from '../../errors.js';
import { guardDatabase } from './guarded-database.js';
import { LATEST_SCHEMA_VERSION, MIGRATIONS } from './migrations.js';
import { busyTimeoutMs, storageError } from './storage-errors.js';

const SQLITE_HEADER = 'SQLite format 3\u0000';

export interface OpenDatabaseOptions {
  /**
   * Create missing parent directories (mode 0700). Only for the default data directory: a mistyped --db path must
   * fail, not silently start an empty database somewhere else.
   */
  createDirectory?: boolean;
}

/**
 * The one place the database file is opened: created if needed (mode 0600) and migrated. A file that is not a
 * SQLite database is refused before SQLite touches it, so its bytes stay exactly as they were. Every failure of the
 * path or the storage — here or in any later statement — becomes one of agentrun's errors (storage-errors.ts).
 */
export function openDatabase(file: string, options: OpenDatabaseOptions = {}): Database.Database {
  let db: Database.Database | undefined;
  try {
    refuseForeignFile(file);
    if (!existsSync(file)) {
      if (options.createDirectory) mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
      // SQLite gives the -wal and -shm files the main file's permissions, so 0600 here keeps them all private.
      closeSync(openSync(file, 'a', 0o600));
    }
    db = guardDatabase(new Database(file, { timeout: busyTimeoutMs() }), file);
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
    throw storageError(error, file) ?? error;
  }
}

function refuseForeignFile(file: string): void {
  let size: number;
  try {
    const stat = statSync(file);
    if (stat.isDirectory()) throw new DatabaseLocationError(file, 'it is a directory');
    // A FIFO would block SQLite forever and a device (/dev/full, /dev/null) is no place for a database.
    if (!stat.isFile()) throw new DatabaseLocationError(file, 'it is not a regular file');
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
  // Only a new file needs the table; opening an existing one must not count as a write (see guarded-database.ts).
  const exists = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_version'").get();
  if (!exists) db.exec('CREATE TABLE IF NOT EXISTS schema_version (version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL)');
  const applied = () => new Set((db.prepare('SELECT version FROM schema_version').all() as { version: number }[]).map((r) => r.version));
  const done = applied();
  const found = Math.max(0, ...done);
  if (found > LATEST_SCHEMA_VERSION) throw new DatabaseTooNewError(file, found, LATEST_SCHEMA_VERSION);
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
