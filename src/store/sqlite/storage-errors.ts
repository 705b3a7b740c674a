import { existsSync } from 'node:fs';
import path from 'node:path';
import { AgentrunError, DatabaseBusyError, DatabaseDamagedError, DatabaseLocationError, DatabaseReadOnlyError, DiskFullError } from '../../errors.js';

/** What a file-system error code means for a database path, in words a user can act on. */
const LOCATION_REASONS: Record<string, string> = {
  ENOTDIR: 'a part of the path is a file, not a directory',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EISDIR: 'it is a directory',
  ELOOP: 'too many levels of symbolic links',
  ENAMETOOLONG: 'the path is too long',
};

/**
 * How long a write waits for another process's lock before giving up with a resumable error: long enough for a
 * slow disk's commit, short of a lease's length. AGENTRUN_BUSY_TIMEOUT_MS overrides it (tests).
 */
export function busyTimeoutMs(): number {
  return Number(process.env.AGENTRUN_BUSY_TIMEOUT_MS) || 15_000;
}

/**
 * The one translation of SQLite and file-system failures on the database into agentrun's errors (with their exit
 * codes); undefined for anything else, which stays an internal error. SQLite error codes are prefixes: SQLITE_CORRUPT
 * also covers SQLITE_CORRUPT_INDEX, SQLITE_READONLY also SQLITE_READONLY_DBMOVED, and so on.
 */
export function storageError(error: unknown, file: string): AgentrunError | undefined {
  if (error instanceof AgentrunError) return undefined;
  const code = (error as { code?: unknown } | undefined)?.code;
  if (typeof code !== 'string') return undefined;
  const options = { cause: error };
  // The lock stayed taken past the busy timeout: resumable, instead of SQLite's bare "database is locked".
  if (code.startsWith('SQLITE_BUSY')) return new DatabaseBusyError(file, busyTimeoutMs(), options);
  if (code.startsWith('SQLITE_CORRUPT') || code === 'SQLITE_NOTADB') return new DatabaseDamagedError(file, code, options);
  if (code === 'SQLITE_FULL' || code === 'ENOSPC' || code === 'EDQUOT') return new DiskFullError(file, options);
  if (code.startsWith('SQLITE_READONLY') || code === 'EROFS') return new DatabaseReadOnlyError(file, options);
  if (code === 'ENOENT') {
    const directory = path.dirname(file);
    return new DatabaseLocationError(file, existsSync(directory) ? 'a file cannot be created there' : `the directory ${directory} does not exist`, options);
  }
  if (code.startsWith('SQLITE_CANTOPEN')) {
    const reason = existsSync(file) ? 'SQLite cannot open it or its -wal/-shm files (check their owner and permissions)' : 'SQLite cannot create a file there';
    return new DatabaseLocationError(file, reason, options);
  }
  const reason = LOCATION_REASONS[code];
  return reason === undefined ? undefined : new DatabaseLocationError(file, reason, options);
}
