import { statSync } from 'node:fs';
import type Database from 'better-sqlite3';
import { AgentrunError, DatabaseDamagedError } from '../../errors.js';
import { storageError } from './storage-errors.js';

/**
 * Up to this size the whole file is checked (`PRAGMA quick_check`, about 0.2 s for 100 MB from the page cache)
 * before a process first writes to it; a larger one only by the pages each statement reads.
 */
const QUICK_CHECK_MAX_BYTES = 256 * 1024 * 1024;

type Guard = <A extends unknown[], R>(call: (...args: A) => R) => (...args: A) => R;

/**
 * Makes every call on `db` — each statement, pragma, exec and transaction — report storage failures as agentrun's
 * errors (storage-errors.ts), and stop at the first sign of damage: after one SQLITE_CORRUPT/NOTADB, wherever it
 * came from, every later call throws that error without touching the file, so a run that meets a damaged page
 * cannot go on to record its failure (or anything else) in it. Before the first statement that writes, the file is
 * checked whole (up to QUICK_CHECK_MAX_BYTES): a damaged page the writes would never read is found before them too.
 * Commands that only read pay nothing for it.
 */
export function guardDatabase(db: Database.Database, file: string): Database.Database {
  let damage: AgentrunError | undefined;
  let checked = false;
  const pragma = db.pragma.bind(db);
  const checkBeforeFirstWrite = () => {
    if (checked) return;
    checked = true;
    if (statSync(file).size > QUICK_CHECK_MAX_BYTES) return;
    const problems = pragma('quick_check(1)', { simple: false }) as { quick_check: string }[];
    const first = problems[0]?.quick_check ?? 'ok';
    if (first !== 'ok') {
      const problem = first.replace(/^\*\*\* in database \w+ \*\*\*\n/, '').replace(/\n/g, '; ');
      throw new DatabaseDamagedError(file, `SQLITE_CORRUPT: ${problem}`);
    }
  };
  const guard: Guard =
    (call) =>
    (...args) => {
      if (damage) throw damage;
      try {
        return call(...args);
      } catch (error) {
        const mapped = storageError(error, file) ?? error;
        if (mapped instanceof DatabaseDamagedError) damage = mapped;
        throw mapped;
      }
    };

  const prepare = db.prepare.bind(db);
  db.prepare = ((source: string) => guardStatement(guard(prepare)(source), guard, checkBeforeFirstWrite)) as typeof db.prepare;
  const exec = db.exec.bind(db);
  db.exec = guard((source: string) => {
    checkBeforeFirstWrite();
    return exec(source);
  });
  db.pragma = guard(pragma) as typeof db.pragma;
  const transaction = db.transaction.bind(db);
  db.transaction = ((fn: (...args: unknown[]) => unknown) => {
    const inner = transaction(fn);
    // COMMIT itself can fail (a full disk shows there): guard the call, and each of its variants.
    return Object.assign(guard(inner), {
      default: guard(inner.default),
      deferred: guard(inner.deferred),
      immediate: guard(inner.immediate),
      exclusive: guard(inner.exclusive),
    });
  }) as typeof db.transaction;
  return db;
}

function guardStatement(statement: Database.Statement, guard: Guard, beforeWrite: () => void): Database.Statement {
  const methods = statement as unknown as Record<'run' | 'get' | 'all' | 'iterate', (...args: unknown[]) => unknown>;
  for (const name of ['run', 'get', 'all', 'iterate'] as const) {
    const call = methods[name].bind(statement);
    // `reader` is false for INSERT/UPDATE/DELETE without RETURNING and for DDL: the statements that write.
    methods[name] = guard(statement.reader ? call : (...args: unknown[]) => (beforeWrite(), call(...args)));
  }
  return statement;
}
