import { LIMITS } from './input/limits.js';
import { excerpt } from './input/excerpt.js';

/**
 * One error type for everything a user can cause or meet. Each carries the process exit code the CLI ends
 * with, so cron jobs can branch on it; only the CLI entry point turns it into `process.exitCode`.
 */
export const ExitCode = {
  /** The task completed, or there was nothing to do. */
  ok: 0,
  /** The task failed (a step failed, the budget ran out, the LLM refused the request). */
  failed: 1,
  /** Usage or bad input: unknown task, invalid task file, unreadable database. Nothing was written. */
  usage: 2,
  /** Interrupted (signal, LLM unavailable, or running elsewhere): `agentrun resume` continues it. */
  interrupted: 3,
  /** A person must decide (an uncertain side effect, an approval). */
  needsAttention: 4,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

export class AgentrunError extends Error {
  readonly exitCode: ExitCode;
  constructor(message: string, exitCode: ExitCode, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.exitCode = exitCode;
  }
}

/** Bad command-line usage or input that the user can fix; nothing was written. */
export class UsageError extends AgentrunError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, ExitCode.usage, options);
  }
}

export class TaskNotFoundError extends UsageError {
  constructor(readonly taskId: string) {
    super(`no task with id ${excerpt(taskId)} (see \`agentrun status\`)`);
  }
}

/** A task file that is not valid YAML/JSON or breaks the schema: one line per problem, at most ten. */
export class TaskFileInvalidError extends UsageError {
  constructor(
    readonly file: string,
    readonly problems: string[],
  ) {
    const shown = problems.slice(0, LIMITS.reportedProblems).map((p) => `${file}: ${p}`);
    if (problems.length > shown.length) shown.push(`${file}: (and ${problems.length - shown.length} more problems)`);
    super(shown.join('\n'));
  }
}

/** The database file exists but is not a SQLite database we can read; it was not modified. */
export class DatabaseUnreadableError extends UsageError {}

/**
 * SQLite found a damaged page (SQLITE_CORRUPT/NOTADB) somewhere in the file. From then on this process refuses every
 * statement on it, so nothing more is written into a file whose structure can no longer be trusted.
 */
export class DatabaseDamagedError extends DatabaseUnreadableError {
  constructor(
    readonly file: string,
    readonly code: string,
    options?: { cause?: unknown },
  ) {
    super(
      `${file} is damaged (${code}); nothing more was written to it: check it with \`sqlite3 ${file} "PRAGMA integrity_check"\` and recover it as docs/storage.md describes`,
      options,
    );
  }
}

/** The path cannot hold a database: its directory is missing, a part of it is a file, or it is not writable. */
export class DatabaseLocationError extends UsageError {
  constructor(
    readonly file: string,
    readonly reason: string,
    options?: { cause?: unknown },
  ) {
    super(`cannot use ${file} as the database: ${reason} (choose another with --db or AGENTRUN_DB)`, options);
  }
}

/** The database (or its directory) cannot be written: permissions, `chattr +i`, a read-only file system. */
export class DatabaseReadOnlyError extends UsageError {
  constructor(
    readonly file: string,
    options?: { cause?: unknown },
  ) {
    super(`cannot write to the database ${file}: it is read-only (file or directory permissions, chattr +i, or a read-only file system); nothing was written`, options);
  }
}

/** The disk holding the database filled up. Every committed step is kept; the run stops and can be resumed. */
export class DiskFullError extends AgentrunError {
  constructor(
    readonly file: string,
    options?: { cause?: unknown },
  ) {
    super(`the disk holding ${file} is full; every finished step is kept: free some space, then \`agentrun resume\` continues`, ExitCode.interrupted, options);
  }
}

/** The database was migrated by a newer agentrun; refusing protects it from an older schema. */
export class DatabaseTooNewError extends UsageError {
  constructor(location: string, found: number, known: number) {
    super(
      `${location} was written by a newer agentrun (schema version ${found}; this agentrun knows up to ${known}); upgrade agentrun`,
    );
  }
}

/** Another live runner holds the task's lease. */
export class TaskLeasedError extends AgentrunError {
  constructor(taskId: string, owner: string, expiresInMs: number) {
    super(
      `task ${taskId} is being run by ${owner} (lease expires in ${Math.max(0, Math.ceil(expiresInMs / 1000))}s); use --force to take it over`,
      ExitCode.interrupted,
    );
  }
}

/** A task that a live runner holds cannot be deleted from under it. */
export class TaskRunningError extends AgentrunError {
  constructor(
    readonly taskId: string,
    readonly owner: string,
  ) {
    super(`task ${taskId} is being run by ${owner}; cancel it first (agentrun cancel ${taskId}), or wait until it stops`, ExitCode.interrupted);
  }
}

/**
 * The run's lease is no longer its own: another runner took the task over (its epoch moved on) while this one was
 * paused, slow or partitioned. Raised by every fenced write, which then wrote nothing; the runner stops at once.
 */
export class LeaseLostError extends AgentrunError {
  constructor(readonly taskId: string) {
    super(`another runner took over task ${taskId}; this one stopped`, ExitCode.interrupted);
  }
}

/** A `postgres://` URL that cannot be used as written (nothing was contacted). */
export class DatabaseUrlInvalidError extends UsageError {}

/**
 * The database server refused us for a reason a person must fix: wrong credentials, a database or role that does not
 * exist, no permission. Nothing was written.
 */
export class DatabaseRefusedError extends UsageError {}

/**
 * The database server cannot be reached, or the connection dropped: nothing committed is lost, and running the same
 * command again once the server is back continues where it stopped.
 */
export class DatabaseUnavailableError extends AgentrunError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, ExitCode.interrupted, options);
  }
}

/** `agentrun cancel` asked the task to stop; a fenced write that would start new work refused, writing nothing. */
export class CancelRequestedError extends AgentrunError {
  constructor(readonly taskId: string) {
    super('cancelled by `agentrun cancel`', ExitCode.failed);
  }
}

/**
 * Another process held the database's write lock longer than we wait for it (a slow disk, a long transaction).
 * Nothing was written; whatever was running is resumable.
 */
export class DatabaseBusyError extends AgentrunError {
  constructor(readonly location: string, waitedMs: number, options?: { cause?: unknown }) {
    super(
      `the database ${location} stayed locked by another process for ${(waitedMs / 1000).toFixed(1)}s; nothing was lost, run the command again`,
      ExitCode.interrupted,
      options,
    );
  }
}

/**
 * The store could not be used just now — SQLite's write lock held too long, PostgreSQL unreachable — and nothing was
 * written: trying again later works.
 */
export function isMomentaryStoreError(error: unknown): error is DatabaseBusyError | DatabaseUnavailableError {
  return error instanceof DatabaseBusyError || error instanceof DatabaseUnavailableError;
}

/** `start --id X` with a goal, task file or model other than the ones X was created with. Nothing was written. */
export class TaskDefinitionMismatchError extends UsageError {
  constructor(
    readonly taskId: string,
    readonly differences: string[],
  ) {
    const shown = differences.length > 4 ? `${differences.slice(0, 4).join(', ')} and ${differences.length - 4} more` : differences.join(', ');
    super(`task ${taskId} exists with a different definition (${shown} differ${differences.length === 1 ? 's' : ''}); use another --id, or remove it first with: agentrun delete ${taskId}`);
  }
}
