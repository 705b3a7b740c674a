import type Database from 'better-sqlite3';
import { CancelRequestedError, LeaseLostError } from '../../errors.js';
import type { StepDefinition } from '../../task/schema.js';
import type {
  EffectRecord,
  EffectStatus,
  LeaseFence,
  LeaseResult,
  NewEffect,
  NewRun,
  NextStep,
  NewTask,
  NoteRecord,
  QueueRecord,
  RunEnd,
  RunRecord,
  StepAttempt,
  StepCommit,
  StepCompletion,
  StepRecord,
  Store,
  StoreBundle,
  TaskBundle,
  TaskGuard,
  TaskPatch,
  TaskQuery,
  TaskRecord,
  TurnPhase,
  TurnRecord,
  WorkerRecord,
  ClaimedTask,
} from '../types.js';
import { TASK_STATUSES } from '../types.js';
import type { MemoryLanding } from '../memory-types.js';
import { writeMemoryBundle } from './memory-bundles.js';
import { openDatabase, type OpenDatabaseOptions } from './open-database.js';
import { SqliteMemoryStore } from './sqlite-memory-store.js';
import { toEffect, toNote, toRun, toStep, toTask, toTurn, toWorker, type Row } from './rows.js';
import { preparedStatements } from './prepared.js';
import { UNFINISHED_ON_QUEUE } from '../queue-sql.js';

const DAY_MS = 86_400_000;

/** Rolls back a store bundle's insert when one task id is taken. */
class IdTaken extends Error {}

/** A task row with its definition, as `toTask` reads it. */
const TASK_COLUMNS = 't.*, d.definition';

const PATCH_COLUMNS: Record<keyof TaskPatch, string> = {
  status: 'status',
  model: 'model',
  result: 'result',
  error: 'error',
  reason: 'reason',
  currentStep: 'current_step',
  cancelRequested: 'cancel_requested',
  finishedAt: 'finished_at',
  expiresAt: 'expires_at',
};

/** The claim's condition on the queue's limit, if it has one: fewer of its tasks hold a live lease than it allows. */
const UNDER_QUEUE_LIMIT = `(NOT EXISTS (SELECT 1 FROM queues WHERE name = @queue)
  OR (SELECT count(*) FROM tasks WHERE queue = @queue AND ${UNFINISHED_ON_QUEUE} AND lease_owner IS NOT NULL AND lease_expires_at > @now)
     < (SELECT max_running FROM queues WHERE name = @queue))`;

/**
 * The SQLite store. better-sqlite3 is synchronous; the methods are async only to honour the `Store` interface
 * that the PostgreSQL store shares. Statements are prepared once per connection.
 */
export class SqliteStore implements Store {
  readonly location: string;
  private readonly db: Database.Database;
  private readonly sql: (text: string) => Database.Statement;
  /** One transaction function for every write (its body is the argument): made once, not per write. */
  private readonly transaction: Database.Transaction<(body: () => unknown) => unknown>;
  readonly memories: SqliteMemoryStore;

  private constructor(file: string, options: OpenDatabaseOptions) {
    this.location = file;
    this.db = openDatabase(file, options);
    this.sql = preparedStatements(this.db);
    this.transaction = this.db.transaction((body: () => unknown) => body());
    this.memories = new SqliteMemoryStore(this.db);
  }

  static async open(file: string, options: OpenDatabaseOptions = {}): Promise<SqliteStore> {
    return new SqliteStore(file, options);
  }


  async close(): Promise<void> {
    this.db.close();
  }

  async setDurability(durability: 'full' | 'normal'): Promise<void> {
    this.db.pragma(`synchronous = ${durability === 'full' ? 'FULL' : 'NORMAL'}`);
  }

  async createTask(task: NewTask): Promise<boolean> {
    return this.write(() => {
      const info = this.sql(
        `INSERT INTO tasks (id, agent_id, goal, workspace, namespace, model, queue, priority, status, created_at, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING`,
      ).run(task.id, task.agentId, task.goal, task.workspace, task.namespace, task.model, task.queue ?? null, task.priority ?? 0,
        task.queue ? 'queued' : 'planning', task.createdAt, task.createdAt);
      if (info.changes === 0) return false;
      this.sql('INSERT INTO task_definitions (task_id, definition) VALUES (?, ?)').run(task.id, JSON.stringify(task.definition));
      return true;
    });
  }

  async getTask(id: string): Promise<TaskRecord | undefined> {
    const row = this.sql(`SELECT ${TASK_COLUMNS} FROM tasks t JOIN task_definitions d ON d.task_id = t.id WHERE t.id = ?`).get(id) as Row | undefined;
    return row ? toTask(row) : undefined;
  }

  async listTasks(query: TaskQuery = {}): Promise<TaskRecord[]> {
    const limit = query.limit ?? -1;
    const pruned = query.includePruned ? '' : 'AND t.pruned_at IS NULL';
    const statuses = query.statuses?.length ? query.statuses : TASK_STATUSES;
    // One range of the (status, updated_at) index per status, merged: `ORDER BY updated_at` over the whole table (or
    // `status IN (…)`) would sort every match instead. It also spares a second index that every step's commit updates.
    const perStatus = `SELECT * FROM (SELECT ${TASK_COLUMNS} FROM tasks t JOIN task_definitions d ON d.task_id = t.id WHERE t.status = ? ${pruned} ORDER BY t.updated_at DESC, t.id LIMIT ?)`;
    const sql = `SELECT * FROM (${statuses.map(() => perStatus).join(' UNION ALL ')}) ORDER BY updated_at DESC, id LIMIT ?`;
    const params = [...statuses.flatMap((status) => [status, limit]), limit];
    return (this.sql(sql).all(...params) as Row[]).map(toTask);
  }

  async updateTask(id: string, patch: TaskPatch, condition?: { fence: LeaseFence; refuseIfCancelled?: boolean } | { guard: TaskGuard }): Promise<boolean> {
    const entries = Object.entries(patch).filter(([, value]) => value !== undefined) as [keyof TaskPatch, unknown][];
    const sets = entries.map(([key]) => `${PATCH_COLUMNS[key]} = ?`);
    const values = entries.map(([, value]) => (typeof value === 'boolean' ? Number(value) : value));
    const now = Date.now();
    return this.write(() => {
      if (!this.holds(id, condition, now)) return false;
      // As on PostgreSQL: false for a task that is not there.
      return this.sql(`UPDATE tasks SET ${[...sets, 'updated_at = ?'].join(', ')} WHERE id = ?`).run(...values, now, id).changes === 1;
    });
  }

  async savePlan(id: string, steps: StepDefinition[], fence: LeaseFence): Promise<void> {
    const insert = this.sql('INSERT INTO steps (task_id, n, name, description, spec) VALUES (?, ?, ?, ?, ?)');
    const now = Date.now();
    this.write(() => {
      this.holdFence(fence, now);
      this.sql('DELETE FROM steps WHERE task_id = ?').run(id);
      steps.forEach((step, i) => insert.run(id, i + 1, step.name, step.description, JSON.stringify(step)));
      this.sql(`UPDATE tasks SET status = 'running', step_count = ?, completed_count = 0, updated_at = ? WHERE id = ?`).run(steps.length, now, id);
    });
  }

  async getSteps(id: string): Promise<StepRecord[]> {
    return (this.sql('SELECT * FROM steps WHERE task_id = ? ORDER BY n').all(id) as Row[]).map(toStep);
  }

  async startStep(id: string, n: number, attempt: StepAttempt, fence: LeaseFence): Promise<void> {
    const now = Date.now();
    this.write(() => {
      this.holdFence(fence, now, { refuseIfCancelled: true });
      this.markStepRunning(id, n, attempt, now);
      this.sql(`UPDATE tasks SET status = 'running', current_step = ?, error = NULL, reason = NULL, updated_at = ? WHERE id = ?`).run(n, now, id);
    });
  }

  async completeStep(id: string, n: number, completion: StepCompletion, fence: LeaseFence, next?: NextStep): Promise<StepCommit> {
    const now = Date.now();
    return this.write(() => {
      // The fence and the header in one UPDATE: the next step becomes current unless a cancel was asked for.
      const header = this.sql(
        `UPDATE tasks SET completed_count = completed_count + 1, current_step = CASE WHEN cancel_requested = 0 THEN ? END,
           lease_expires_at = ?, heartbeat_at = ?, updated_at = ?
         WHERE id = ? AND lease_owner = ? AND lease_epoch = ? RETURNING cancel_requested`,
      ).get(next?.n ?? null, now + fence.ttlMs, now, now, id, fence.owner, fence.epoch) as { cancel_requested: number } | undefined;
      if (!header) throw new LeaseLostError(fence.taskId);
      this.sql(`UPDATE steps SET status = 'completed', result = ?, error = NULL, finished_at = ? WHERE task_id = ? AND n = ?`).run(completion.result, now, id, n);
      if (completion.notes.length > 0) {
        const { next: seq } = this.sql('SELECT COALESCE(MAX(seq), 0) + 1 AS next FROM notes WHERE task_id = ?').get(id) as { next: number };
        const insert = this.sql('INSERT INTO notes (task_id, seq, kind, text, reasoning, step, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)');
        completion.notes.forEach((note, i) => insert.run(id, seq + i, note.kind, note.text, note.reasoning, note.step, now));
      }
      const nextStarted = next !== undefined && !header.cancel_requested;
      if (nextStarted) this.markStepRunning(id, next.n, next, now);
      return { nextStarted };
    });
  }

  /** Inside a transaction: the step's row as a running attempt (its first start time kept across attempts). */
  private markStepRunning(id: string, n: number, attempt: StepAttempt, now: number): void {
    this.sql(`UPDATE steps SET status = 'running', error = NULL, attempts = ?, first_turn = ?, started_at = COALESCE(started_at, ?) WHERE task_id = ? AND n = ?`).run(
      attempt.attempts,
      attempt.firstTurn,
      now,
      id,
      n,
    );
  }

  async failStep(id: string, n: number, error: string, finished: { finishedAt: number; expiresAt: number }, fence: LeaseFence): Promise<void> {
    const now = Date.now();
    this.write(() => {
      this.holdFence(fence, now);
      this.sql(`UPDATE steps SET status = 'failed', error = ?, finished_at = ? WHERE task_id = ? AND n = ?`).run(error, finished.finishedAt, id, n);
      this.sql(`UPDATE tasks SET status = 'failed', error = ?, reason = 'step', finished_at = ?, expires_at = ?, updated_at = ? WHERE id = ?`).run(
        error,
        finished.finishedAt,
        finished.expiresAt,
        now,
        id,
      );
    });
  }

  async getNotes(id: string): Promise<NoteRecord[]> {
    return (this.sql('SELECT * FROM notes WHERE task_id = ? ORDER BY seq').all(id) as Row[]).map(toNote);
  }

  async recordTurn(turn: Omit<TurnRecord, 'createdAt'>, fence: LeaseFence): Promise<void> {
    const now = Date.now();
    this.write(() => {
      this.holdFence(fence, now);
      this.sql(
        `INSERT INTO llm_turns (task_id, phase, step, turn, response, prompt_tokens, completion_tokens, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
      ).run(turn.taskId, turn.phase, turn.step, turn.turn, JSON.stringify(turn.response), turn.promptTokens, turn.completionTokens, now);
      this.sql(
        `UPDATE tasks SET prompt_tokens = prompt_tokens + ?, completion_tokens = completion_tokens + ?, llm_requests = llm_requests + 1, updated_at = ? WHERE id = ?`,
      ).run(turn.promptTokens, turn.completionTokens, now, turn.taskId);
      if (turn.phase === 'step') {
        this.sql(
          `UPDATE steps SET prompt_tokens = prompt_tokens + ?, completion_tokens = completion_tokens + ?, llm_requests = llm_requests + 1 WHERE task_id = ? AND n = ?`,
        ).run(turn.promptTokens, turn.completionTokens, turn.taskId, turn.step);
      }
    });
  }

  async getTurns(id: string, phase: TurnPhase, step: number, fromTurn = 1): Promise<TurnRecord[]> {
    return (
      this.sql('SELECT * FROM llm_turns WHERE task_id = ? AND phase = ? AND step = ? AND turn >= ? ORDER BY turn').all(id, phase, step, fromTurn) as Row[]
    ).map(toTurn);
  }

  async getEffect(key: string): Promise<EffectRecord | undefined> {
    const row = this.sql('SELECT * FROM effects WHERE key = ?').get(key) as Row | undefined;
    return row ? toEffect(row) : undefined;
  }

  async getEffects(taskId: string): Promise<EffectRecord[]> {
    return (this.sql('SELECT * FROM effects WHERE task_id = ? ORDER BY step, turn, call').all(taskId) as Row[]).map(toEffect);
  }

  async putEffect(effect: NewEffect, fence: LeaseFence): Promise<void> {
    const now = Date.now();
    this.write(() => {
      this.holdFence(fence, now, { refuseIfCancelled: effect.status === 'intent' });
      this.sql(
        `INSERT INTO effects (key, task_id, step, turn, call, tool, args, status, output, created_at, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (key) DO UPDATE SET status = excluded.status, output = excluded.output, updated_at = excluded.updated_at`,
      ).run(effect.key, effect.taskId, effect.step, effect.turn, effect.call, effect.tool, effect.args, effect.status, effect.output ?? null, now, now);
    });
  }

  async settleEffect(key: string, status: EffectStatus, output: string | null, condition: { fence: LeaseFence } | { guard: TaskGuard }): Promise<boolean> {
    const now = Date.now();
    return this.write(() => {
      const effect = this.sql('SELECT task_id FROM effects WHERE key = ?').get(key) as { task_id: string } | undefined;
      if (!effect || !this.holds(effect.task_id, condition, now)) return false;
      this.sql('UPDATE effects SET status = ?, output = ?, process = NULL, process_epoch = NULL, updated_at = ? WHERE key = ?').run(status, output, now, key);
      return true;
    });
  }

  async setEffectProcess(key: string, process: string, fence: LeaseFence): Promise<void> {
    this.write(() => {
      this.holdFence(fence, Date.now());
      this.sql('UPDATE effects SET process = ?, process_epoch = ? WHERE key = ?').run(process, fence.epoch, key);
    });
  }

  /**
   * A write transaction that takes the write lock first (BEGIN IMMEDIATE), so waiting for another process's commit
   * is the busy timeout's job; past it, the guard reports DatabaseBusyError (resumable, storage-errors.ts).
   */
  private write<T>(body: () => T): T {
    return this.transaction.immediate(body) as T;
  }

  /** Inside a transaction: does the run's fence or the caller's guard still hold? A lost fence throws instead. */
  private holds(id: string, condition: { fence: LeaseFence; refuseIfCancelled?: boolean } | { guard: TaskGuard } | undefined, now: number): boolean {
    if (!condition) return true;
    if ('fence' in condition) {
      this.holdFence(condition.fence, now, { refuseIfCancelled: condition.refuseIfCancelled });
      return true;
    }
    const { guard } = condition;
    const clauses = ['id = ?'];
    const params: unknown[] = [id];
    if (guard.idle) {
      clauses.push('(lease_owner IS NULL OR lease_expires_at IS NULL OR lease_expires_at <= ? OR lease_owner = ?)');
      params.push(now, guard.deadOwner ?? null);
    }
    if (guard.statusIn) {
      clauses.push(`status IN (${guard.statusIn.map(() => '?').join(', ')})`);
      params.push(...guard.statusIn);
    }
    if (guard.epoch !== undefined) {
      clauses.push('lease_epoch = ?');
      params.push(guard.epoch);
    }
    if (this.sql(`SELECT 1 FROM tasks WHERE ${clauses.join(' AND ')}`).get(...params) === undefined) return false;
    // Taken from a lapsed holder: should it wake up (a paused process), its fenced writes must fail.
    if (guard.idle) this.sql('UPDATE tasks SET lease_owner = NULL, lease_expires_at = NULL, lease_epoch = lease_epoch + 1 WHERE id = ?').run(id);
    return true;
  }

  /**
   * Inside a transaction: renews the fence's lease, or throws (rolling the transaction back) if another runner took
   * it — a different owner or a later epoch. With `refuseIfCancelled`, a cancel request also refuses the write.
   */
  private holdFence(fence: LeaseFence, now: number, options: { refuseIfCancelled?: boolean } = {}): void {
    const held = this.sql('UPDATE tasks SET lease_expires_at = ?, heartbeat_at = ? WHERE id = ? AND lease_owner = ? AND lease_epoch = ? RETURNING cancel_requested').get(
      now + fence.ttlMs,
      now,
      fence.taskId,
      fence.owner,
      fence.epoch,
    ) as { cancel_requested: number } | undefined;
    if (!held) throw new LeaseLostError(fence.taskId);
    if (options.refuseIfCancelled && held.cancel_requested) throw new CancelRequestedError(fence.taskId);
  }

  async acquireLease(id: string, owner: string, ttlMs: number, takeOverFrom?: string): Promise<LeaseResult> {
    const now = Date.now();
    return this.write(() => {
      const taken = this.sql(
        `UPDATE tasks SET lease_owner = ?, lease_expires_at = ?, heartbeat_at = ?, lease_epoch = lease_epoch + 1
         WHERE id = ? AND (lease_owner IS NULL OR lease_expires_at <= ? OR lease_owner = ? OR lease_owner = ?) RETURNING lease_epoch`,
      ).get(owner, now + ttlMs, now, id, now, owner, takeOverFrom ?? null) as { lease_epoch: number } | undefined;
      if (taken) return { acquired: true, epoch: taken.lease_epoch };
      const row = this.sql('SELECT lease_owner, lease_expires_at FROM tasks WHERE id = ?').get(id) as { lease_owner: string; lease_expires_at: number };
      return { acquired: false, owner: row.lease_owner, expiresAt: row.lease_expires_at };
    });
  }

  async renewLease(fence: LeaseFence, progress?: string): Promise<boolean> {
    const now = Date.now();
    return this.write(
      () =>
        this.sql(
          `UPDATE tasks SET lease_expires_at = ?, heartbeat_at = ?, progress = COALESCE(?, progress) WHERE id = ? AND lease_owner = ? AND lease_epoch = ?`,
        ).run(now + fence.ttlMs, now, progress ?? null, fence.taskId, fence.owner, fence.epoch).changes === 1,
    );
  }

  async getAllTurns(id: string): Promise<TurnRecord[]> {
    return (this.sql(`SELECT * FROM llm_turns WHERE task_id = ? ORDER BY CASE phase WHEN 'plan' THEN 0 WHEN 'step' THEN 1 ELSE 2 END, step, turn`).all(id) as Row[]).map(toTurn);
  }

  async getLatestTurn(id: string): Promise<TurnRecord | undefined> {
    const row = this.sql(
      `SELECT * FROM llm_turns WHERE task_id = ? ORDER BY created_at DESC, CASE phase WHEN 'plan' THEN 0 WHEN 'step' THEN 1 ELSE 2 END DESC, step DESC, turn DESC LIMIT 1`,
    ).get(id) as Row | undefined;
    return row ? toTurn(row) : undefined;
  }

  async insertTaskBundle(bundle: TaskBundle): Promise<boolean> {
    return (await this.insertStoreBundle({ tasks: [bundle], memories: [] })) !== false;
  }

  async insertStoreBundle(bundle: StoreBundle): Promise<MemoryLanding[] | false> {
    try {
      return this.write(() => {
        for (const task of bundle.tasks) if (!this.insertBundleRows(task)) throw new IdTaken();
        return bundle.memories.map((memory) => writeMemoryBundle(this.sql, memory));
      });
    } catch (error) {
      if (error instanceof IdTaken) return false;
      throw error;
    }
  }

  /** Inside a transaction: one task's rows; false (writing nothing) if its id is taken. */
  private insertBundleRows(bundle: TaskBundle): boolean {
    const { task } = bundle;
    const inserted = this.sql(
      `INSERT INTO tasks (id, agent_id, goal, workspace, namespace, model, queue, priority, status, step_count, completed_count, current_step,
         prompt_tokens, completion_tokens, llm_requests, result, error, reason, cancel_requested, created_at, updated_at, finished_at, expires_at, pruned_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING`,
    ).run(
      task.id, task.agentId, task.goal, task.workspace, task.namespace, task.model, task.queue, task.priority, task.status,
      task.stepCount, task.completedCount, task.currentStep, task.usage.promptTokens, task.usage.completionTokens, task.usage.requests,
      task.result, task.error, task.reason, task.createdAt, task.updatedAt, task.finishedAt, task.expiresAt, task.prunedAt,
    );
    if (inserted.changes === 0) return false;
    this.sql('INSERT INTO task_definitions (task_id, definition) VALUES (?, ?)').run(task.id, JSON.stringify(task.definition));
    const step = this.sql(
      `INSERT INTO steps (task_id, n, name, description, spec, status, result, error, attempts, first_turn, prompt_tokens, completion_tokens, llm_requests, started_at, finished_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    for (const s of bundle.steps) {
      step.run(task.id, s.n, s.name, s.description, JSON.stringify(s.spec), s.status, s.result, s.error, s.attempts, s.firstTurn,
        s.usage.promptTokens, s.usage.completionTokens, s.usage.requests, s.startedAt, s.finishedAt);
    }
    const note = this.sql('INSERT INTO notes (task_id, seq, kind, text, reasoning, step, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)');
    for (const n of bundle.notes) note.run(task.id, n.seq, n.kind, n.text, n.reasoning, n.step, n.createdAt);
    const effect = this.sql(
      'INSERT INTO effects (key, task_id, step, turn, call, tool, args, status, output, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
    );
    for (const e of bundle.effects) effect.run(e.key, task.id, e.step, e.turn, e.call, e.tool, e.args, e.status, e.output, e.createdAt, e.updatedAt);
    const turn = this.sql(
      'INSERT INTO llm_turns (task_id, phase, step, turn, response, prompt_tokens, completion_tokens, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
    );
    for (const t of bundle.turns) turn.run(task.id, t.phase, t.step, t.turn, JSON.stringify(t.response), t.promptTokens, t.completionTokens, t.createdAt);
    const run = this.sql(
      `INSERT INTO runs (task_id, seq, owner, how, started_at, ended_at, ending, detail, steps_completed, turns_paid, turns_replayed, effects,
         base_completed, base_requests, hook_command, hook_status, hook_exit, hook_output, hook_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    for (const r of bundle.runs) {
      run.run(task.id, r.seq, r.owner, r.how, r.startedAt, r.endedAt, r.ending, r.detail, r.stepsCompleted, r.turnsPaid, r.turnsReplayed, r.effects,
        r.baseCompleted, r.baseRequests, r.hook?.command ?? null, r.hook?.status ?? null, r.hook?.exitCode ?? null, r.hook?.output ?? null, r.hook?.finishedAt ?? null);
    }
    return true;
  }

  async pruneTask(id: string, guard: TaskGuard): Promise<boolean> {
    const now = Date.now();
    return this.write(() => {
      if (!this.holds(id, { guard }, now)) return false;
      for (const table of ['llm_turns', 'effects', 'notes', 'steps']) this.sql(`DELETE FROM ${table} WHERE task_id = ?`).run(id);
      this.sql('UPDATE tasks SET pruned_at = ? WHERE id = ?').run(now, id);
      return true;
    });
  }

  async deleteTask(id: string, guard: TaskGuard): Promise<boolean> {
    return this.write(() => {
      if (!this.holds(id, { guard }, Date.now())) return false;
      // Steps, notes, journals and the definition go with it: ON DELETE CASCADE (foreign keys are on).
      return this.sql('DELETE FROM tasks WHERE id = ?').run(id).changes === 1;
    });
  }

  async claimTask(queue: string, owner: string, ttlMs: number, retryAfterMs: number): Promise<ClaimedTask | undefined> {
    // One write transaction, and SQLite runs one writer at a time: two workers can never claim the same task.
    const now = Date.now();
    return this.write(() => {
      const found = this.sql(
        `SELECT id, lease_owner, lease_expires_at FROM tasks
         WHERE queue = @queue AND ${UNFINISHED_ON_QUEUE} AND pruned_at IS NULL
           AND (lease_owner IS NULL OR lease_expires_at <= @now) AND (status <> 'interrupted' OR reason = 'signal' OR updated_at <= @now - @retry)
           AND ${UNDER_QUEUE_LIMIT}
         ORDER BY priority DESC, created_at, id LIMIT 1`,
      ).get({ now, queue, retry: retryAfterMs }) as { id: string; lease_owner: string | null; lease_expires_at: number | null } | undefined;
      if (!found) return undefined;
      const { lease_epoch: epoch } = this.sql(
        `UPDATE tasks SET lease_owner = ?, lease_expires_at = ?, heartbeat_at = ?, lease_epoch = lease_epoch + 1,
           status = CASE status WHEN 'queued' THEN 'planning' ELSE status END
         WHERE id = ? RETURNING lease_epoch`,
      ).get(owner, now + ttlMs, now, found.id) as { lease_epoch: number };
      return { taskId: found.id, epoch, previous: found.lease_owner === null ? null : { owner: found.lease_owner, expiresAt: found.lease_expires_at } };
    });
  }

  async setQueueLimit(queue: string, maxRunning: number | null): Promise<void> {
    this.write(() => {
      if (maxRunning === null) this.sql('DELETE FROM queues WHERE name = ?').run(queue);
      else this.sql('INSERT INTO queues (name, max_running) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET max_running = excluded.max_running').run(queue, maxRunning);
    });
  }

  async listQueues(): Promise<QueueRecord[]> {
    const rows = this.sql(
      `SELECT name, (SELECT max_running FROM queues WHERE queues.name = names.name) AS max_running,
         (SELECT count(*) FROM tasks WHERE queue = names.name AND ${UNFINISHED_ON_QUEUE}
            AND (lease_owner IS NULL OR lease_expires_at <= @now)) AS waiting,
         (SELECT count(*) FROM tasks WHERE queue = names.name AND ${UNFINISHED_ON_QUEUE} AND lease_owner IS NOT NULL AND lease_expires_at > @now) AS running
       FROM (SELECT name FROM queues UNION SELECT DISTINCT queue FROM tasks WHERE queue IS NOT NULL AND ${UNFINISHED_ON_QUEUE}) names
       ORDER BY name`,
    ).all({ now: Date.now() }) as { name: string; max_running: number | null; waiting: number; running: number }[];
    return rows.map((r) => ({ name: r.name, maxRunning: r.max_running, waiting: r.waiting, running: r.running }));
  }

  async heartbeatWorker(worker: Omit<WorkerRecord, 'startedAt' | 'heartbeatAt'>): Promise<void> {
    const now = Date.now();
    this.write(() => {
      this.sql(
        `INSERT INTO workers (id, queue, concurrency, running, started_at, heartbeat_at) VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT (id) DO UPDATE SET queue = excluded.queue, concurrency = excluded.concurrency, running = excluded.running, heartbeat_at = excluded.heartbeat_at`,
      ).run(worker.id, worker.queue, worker.concurrency, worker.running, now, now);
      // Workers that died without a word: forgotten a day after their last heartbeat.
      this.sql('DELETE FROM workers WHERE heartbeat_at < ?').run(now - DAY_MS);
    });
  }

  async removeWorker(id: string): Promise<void> {
    this.sql('DELETE FROM workers WHERE id = ?').run(id);
  }

  async listWorkers(aliveWithinMs: number): Promise<WorkerRecord[]> {
    const rows = this.sql('SELECT * FROM workers WHERE heartbeat_at >= ? ORDER BY started_at, id').all(Date.now() - aliveWithinMs) as Row[];
    return rows.map(toWorker);
  }

  async beginRun(run: NewRun): Promise<number> {
    return this.write(() => {
      const { next } = this.sql('SELECT COALESCE(MAX(seq), 0) + 1 AS next FROM runs WHERE task_id = ?').get(run.taskId) as { next: number };
      this.sql('INSERT INTO runs (task_id, seq, owner, how, started_at, base_completed, base_requests) VALUES (?, ?, ?, ?, ?, ?, ?)').run(
        run.taskId,
        next,
        run.owner,
        run.how,
        run.startedAt,
        run.baseCompleted,
        run.baseRequests,
      );
      return next;
    });
  }

  async endRun(taskId: string, seq: number, end: RunEnd): Promise<void> {
    this.write(() =>
      this.sql(
        `UPDATE runs SET ended_at = ?, ending = ?, detail = ?, steps_completed = ?, turns_paid = ?, turns_replayed = ?, effects = ?,
                hook_command = ?, hook_status = ?
         WHERE task_id = ? AND seq = ? AND ended_at IS NULL`,
      ).run(
        end.endedAt,
        end.ending,
        end.detail,
        end.stepsCompleted,
        end.turnsPaid,
        end.turnsReplayed,
        end.effects,
        end.hookCommand ?? null,
        end.hookCommand ? 'pending' : null,
        taskId,
        seq,
      ),
    );
  }

  async listUnsettledRuns(limit: number): Promise<RunRecord[]> {
    return (this.sql(`SELECT * FROM runs WHERE ended_at IS NULL OR hook_status = 'pending' LIMIT ?`).all(limit) as Row[]).map(toRun);
  }

  async claimHook(taskId: string, seq: number): Promise<boolean> {
    return this.write(() => this.sql(`UPDATE runs SET hook_status = 'running' WHERE task_id = ? AND seq = ? AND hook_status = 'pending'`).run(taskId, seq).changes === 1);
  }

  async finishHook(taskId: string, seq: number, result: { status: 'done' | 'failed'; exitCode: number | null; output: string; finishedAt: number }): Promise<void> {
    this.write(() =>
      this.sql(`UPDATE runs SET hook_status = ?, hook_exit = ?, hook_output = ?, hook_at = ? WHERE task_id = ? AND seq = ? AND hook_status = 'running'`).run(
        result.status,
        result.exitCode,
        result.output,
        result.finishedAt,
        taskId,
        seq,
      ),
    );
  }

  async getRuns(taskId: string): Promise<RunRecord[]> {
    return (this.sql('SELECT * FROM runs WHERE task_id = ? ORDER BY seq').all(taskId) as Row[]).map(toRun);
  }

  async releaseLease(fence: LeaseFence): Promise<void> {
    this.write(() =>
      this.sql('UPDATE tasks SET lease_owner = NULL, lease_expires_at = NULL WHERE id = ? AND lease_owner = ? AND lease_epoch = ?').run(fence.taskId, fence.owner, fence.epoch),
    );
  }
}
