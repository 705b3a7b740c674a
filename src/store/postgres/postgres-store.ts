import { LeaseLostError } from '../../errors.js';
import { TASK_STATUSES } from '../types.js';
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
  ClaimedTask,
  WorkerRecord,
} from '../types.js';
import type { StepDefinition } from '../../task/schema.js';
import type { MemoryLanding } from '../memory-types.js';
import { toEffect, toNote, toRun, toStep, toTask, toTurn, toWorker } from '../sqlite/rows.js';
import { QueueListener, queueChannel } from './queue-listener.js';
import { parsePostgresUrl } from './connection-url.js';
import { assertHeld, fenceSql, guardSql } from './fence.js';
import { insertTaskBundle } from './insert-bundle.js';
import { writeMemoryBundles } from './memory-bundles.js';
import { migrate } from './migrate.js';
import { PostgresMemoryStore } from './postgres-memory-store.js';
import { PgPool } from './pool.js';
import { NOW_MS, SqlParams } from './sql-params.js';
import { UNFINISHED_ON_QUEUE } from '../queue-sql.js';

/** Rolls back a store bundle's insert when one task id is taken. */
class IdTaken extends Error {}

const TASK_SELECT = 'SELECT t.*, d.definition FROM tasks t JOIN task_definitions d ON d.task_id = t.id';

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

/**
 * The PostgreSQL store: the same rows as the SQLite store, in a schema of its own. Every write that must be atomic
 * is one statement (data-modifying CTEs), so a step commit is one round trip and its own transaction; a fenced write
 * folds the lease check and renewal into the statement's single UPDATE of the task row.
 */
export class PostgresStore implements Store {
  readonly location: string;
  readonly memories: PostgresMemoryStore;

  private constructor(private readonly pool: PgPool) {
    this.location = pool.target.redacted;
    this.memories = new PostgresMemoryStore(pool);
  }

  static async open(url: string): Promise<PostgresStore> {
    const pool = new PgPool(parsePostgresUrl(url));
    try {
      await migrate(pool);
    } catch (error) {
      await pool.end();
      throw error;
    }
    return new PostgresStore(pool);
  }

  async close(): Promise<void> {
    await this.pool.end();
  }

  async setDurability(durability: 'full' | 'normal'): Promise<void> {
    this.pool.setDurability(durability);
  }

  async createTask(task: NewTask): Promise<boolean> {
    // A queued task wakes the queue's idle workers: NOTIFY is delivered when (and only if) the insert commits.
    const { rows } = await this.pool.query<{ created: number }>(
      `WITH t AS (
         INSERT INTO tasks (id, agent_id, goal, workspace, namespace, model, queue, priority, status, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, CASE WHEN $7::text IS NULL THEN 'planning' ELSE 'queued' END, $9, $9)
         ON CONFLICT (id) DO NOTHING RETURNING id, queue
       ), d AS (
         INSERT INTO task_definitions (task_id, definition) SELECT id, $10 FROM t RETURNING task_id
       )
       SELECT (SELECT count(*) FROM d)::int AS created, (SELECT pg_notify($11, queue) FROM t WHERE queue IS NOT NULL) AS notified`,
      [task.id, task.agentId, task.goal, task.workspace, task.namespace, task.model, task.queue ?? null, task.priority ?? 0, task.createdAt,
        JSON.stringify(task.definition), queueChannel(this.pool.target.schema)],
    );
    return rows[0]!.created === 1;
  }

  async getTask(id: string): Promise<TaskRecord | undefined> {
    const { rows } = await this.pool.query(`${TASK_SELECT} WHERE t.id = $1`, [id]);
    return rows[0] ? toTask(rows[0]) : undefined;
  }

  async listTasks(query: TaskQuery = {}): Promise<TaskRecord[]> {
    const statuses = query.statuses?.length ? query.statuses : TASK_STATUSES;
    const { rows } = await this.pool.query(
      `${TASK_SELECT} WHERE t.status = ANY($1) AND ($2 OR t.pruned_at IS NULL) ORDER BY t.updated_at DESC, t.id LIMIT $3`,
      [statuses, query.includePruned ?? false, query.limit ?? null],
    );
    return rows.map(toTask);
  }

  async updateTask(id: string, patch: TaskPatch, condition?: { fence: LeaseFence; refuseIfCancelled?: boolean } | { guard: TaskGuard }): Promise<boolean> {
    const p = new SqlParams();
    const sets = Object.entries(patch)
      .filter(([, value]) => value !== undefined)
      .map(([key, value]) => `${PATCH_COLUMNS[key as keyof TaskPatch]} = ${p.add(value)}`);
    let holds = 'true';
    let also = '';
    if (condition && 'fence' in condition) ({ holds, renew: also } = fenceSql(condition.fence, p, { refuseIfCancelled: condition.refuseIfCancelled }));
    else if (condition) ({ holds, take: also } = guardSql(condition.guard, p));
    const { rowCount } = await this.pool.query(
      `UPDATE tasks SET ${[...sets, `updated_at = ${NOW_MS}`].join(', ')}${also} WHERE id = ${p.add(id)} AND ${holds}`,
      p.values,
    );
    if (condition && 'fence' in condition) await assertHeld(this.pool, condition.fence, rowCount ?? 0, { refuseIfCancelled: condition.refuseIfCancelled });
    return rowCount === 1;
  }

  async savePlan(id: string, steps: StepDefinition[], fence: LeaseFence): Promise<void> {
    await this.pool.transaction(async (client) => {
      // The task row first: it is the fence (and locks the row until the plan is in).
      const p = new SqlParams();
      const f = fenceSql(fence, p);
      const { rowCount } = await client.query(
        `UPDATE tasks SET status = 'running', step_count = ${p.add(steps.length)}, completed_count = 0, updated_at = ${NOW_MS}${f.renew}
         WHERE id = ${p.add(id)} AND ${f.holds}`,
        p.values,
      );
      if (rowCount === 0) throw new LeaseLostError(fence.taskId);
      await client.query('DELETE FROM steps WHERE task_id = $1', [id]);
      await client.query(
        `INSERT INTO steps (task_id, n, name, description, spec)
         SELECT $1, s.n, s.name, s.description, s.spec FROM unnest($2::text[], $3::text[], $4::text[]) WITH ORDINALITY AS s(name, description, spec, n)`,
        [id, steps.map((s) => s.name), steps.map((s) => s.description), steps.map((s) => JSON.stringify(s))],
      );
    });
  }

  async getSteps(id: string): Promise<StepRecord[]> {
    const { rows } = await this.pool.query('SELECT * FROM steps WHERE task_id = $1 ORDER BY n', [id]);
    return rows.map(toStep);
  }

  async startStep(id: string, n: number, attempt: StepAttempt, fence: LeaseFence): Promise<void> {
    const p = new SqlParams();
    const task = p.add(id);
    const step = p.add(n);
    const f = fenceSql(fence, p, { refuseIfCancelled: true });
    const { rows } = await this.pool.query<{ held: number }>(
      `WITH header AS (
         UPDATE tasks SET status = 'running', current_step = ${step}, error = NULL, reason = NULL, updated_at = ${NOW_MS}${f.renew}
         WHERE id = ${task} AND ${f.holds} RETURNING id
       ), s AS (
         UPDATE steps SET status = 'running', error = NULL, attempts = ${p.add(attempt.attempts)}, first_turn = ${p.add(attempt.firstTurn)},
           started_at = COALESCE(started_at, ${NOW_MS})
         WHERE task_id = ${task} AND n = ${step} AND EXISTS (SELECT 1 FROM header)
       )
       SELECT count(*)::int AS held FROM header`,
      p.values,
    );
    await assertHeld(this.pool, fence, rows[0]!.held, { refuseIfCancelled: true });
  }

  async completeStep(id: string, n: number, completion: StepCompletion, fence: LeaseFence, next?: NextStep): Promise<StepCommit> {
    const p = new SqlParams();
    const task = p.add(id);
    const nextStep = p.add(next?.n ?? null);
    const f = fenceSql(fence, p);
    const { notes } = completion;
    // One statement, one round trip. Parameters are the same in number and type with or without a next step (NULLs
    // then), so the text never changes and the server keeps its plan (a named statement, see PgPool.query).
    const { rows } = await this.pool.query<{ held: number; next_started: boolean }>(
      `WITH header AS (
         UPDATE tasks SET completed_count = completed_count + 1, current_step = CASE WHEN NOT cancel_requested THEN ${nextStep}::int END,
           updated_at = ${NOW_MS}${f.renew}
         WHERE id = ${task} AND ${f.holds} RETURNING id, ${nextStep}::int IS NOT NULL AND NOT cancel_requested AS next_started
       ), step AS (
         UPDATE steps SET status = 'completed', result = ${p.add(completion.result)}, error = NULL, finished_at = ${NOW_MS}
         WHERE task_id = ${task} AND n = ${p.add(n)} AND EXISTS (SELECT 1 FROM header)
       ), next_step AS (
         UPDATE steps SET status = 'running', error = NULL, attempts = ${p.add(next?.attempts ?? null)}::int, first_turn = ${p.add(next?.firstTurn ?? null)}::int,
           started_at = COALESCE(started_at, ${NOW_MS})
         WHERE task_id = ${task} AND n = ${nextStep}::int AND EXISTS (SELECT 1 FROM header WHERE next_started)
       ), new_notes AS (
         INSERT INTO notes (task_id, seq, kind, text, reasoning, step, created_at)
         SELECT ${task}, last.seq + x.i, x.kind, x.text, x.reasoning, x.step, ${NOW_MS}
         FROM unnest(${p.add(notes.map((x) => x.kind))}::text[], ${p.add(notes.map((x) => x.text))}::text[],
                     ${p.add(notes.map((x) => x.reasoning))}::text[], ${p.add(notes.map((x) => x.step))}::int[])
                WITH ORDINALITY AS x(kind, text, reasoning, step, i),
              (SELECT COALESCE(MAX(seq), 0) AS seq FROM notes WHERE task_id = ${task}) last
         WHERE EXISTS (SELECT 1 FROM header)
       )
       SELECT count(*)::int AS held, bool_or(next_started) AS next_started FROM header`,
      p.values,
      { named: true },
    );
    await assertHeld(this.pool, fence, rows[0]!.held);
    return { nextStarted: rows[0]!.next_started === true };
  }

  async failStep(id: string, n: number, error: string, finished: { finishedAt: number; expiresAt: number }, fence: LeaseFence): Promise<void> {
    const p = new SqlParams();
    const task = p.add(id);
    const [message, finishedAt] = [p.add(error), p.add(finished.finishedAt)];
    const f = fenceSql(fence, p);
    const { rows } = await this.pool.query<{ held: number }>(
      `WITH header AS (
         UPDATE tasks SET status = 'failed', error = ${message}, reason = 'step', finished_at = ${finishedAt}, expires_at = ${p.add(finished.expiresAt)},
           updated_at = ${NOW_MS}${f.renew}
         WHERE id = ${task} AND ${f.holds} RETURNING id
       ), s AS (
         UPDATE steps SET status = 'failed', error = ${message}, finished_at = ${finishedAt}
         WHERE task_id = ${task} AND n = ${p.add(n)} AND EXISTS (SELECT 1 FROM header)
       )
       SELECT count(*)::int AS held FROM header`,
      p.values,
    );
    await assertHeld(this.pool, fence, rows[0]!.held);
  }

  async getNotes(id: string): Promise<NoteRecord[]> {
    const { rows } = await this.pool.query('SELECT * FROM notes WHERE task_id = $1 ORDER BY seq', [id]);
    return rows.map(toNote);
  }

  async recordTurn(turn: Omit<TurnRecord, 'createdAt'>, fence: LeaseFence): Promise<void> {
    const p = new SqlParams();
    const task = p.add(turn.taskId);
    const f = fenceSql(fence, p);
    const [prompt, completion, step] = [p.add(turn.promptTokens), p.add(turn.completionTokens), p.add(turn.step)];
    const phase = p.add(turn.phase);
    const { rows } = await this.pool.query<{ held: number }>(
      `WITH header AS (
         UPDATE tasks SET prompt_tokens = prompt_tokens + ${prompt}, completion_tokens = completion_tokens + ${completion},
           llm_requests = llm_requests + 1, updated_at = ${NOW_MS}${f.renew}
         WHERE id = ${task} AND ${f.holds} RETURNING id
       ), journal AS (
         INSERT INTO llm_turns (task_id, phase, step, turn, response, prompt_tokens, completion_tokens, created_at)
         SELECT id, ${phase}::text, ${step}::int, ${p.add(turn.turn)}::int, ${p.add(JSON.stringify(turn.response))}::text, ${prompt}::bigint, ${completion}::bigint, ${NOW_MS} FROM header
       ), step AS (
         UPDATE steps SET prompt_tokens = prompt_tokens + ${prompt}, completion_tokens = completion_tokens + ${completion}, llm_requests = llm_requests + 1
         WHERE task_id = ${task} AND n = ${step} AND ${phase} = 'step' AND EXISTS (SELECT 1 FROM header)
       )
       SELECT count(*)::int AS held FROM header`,
      p.values,
    );
    await assertHeld(this.pool, fence, rows[0]!.held);
  }

  async getTurns(id: string, phase: TurnPhase, step: number, fromTurn = 1): Promise<TurnRecord[]> {
    const { rows } = await this.pool.query('SELECT * FROM llm_turns WHERE task_id = $1 AND phase = $2 AND step = $3 AND turn >= $4 ORDER BY turn', [
      id,
      phase,
      step,
      fromTurn,
    ]);
    return rows.map(toTurn);
  }

  async getEffect(key: string): Promise<EffectRecord | undefined> {
    const { rows } = await this.pool.query('SELECT * FROM effects WHERE key = $1', [key]);
    return rows[0] ? toEffect(rows[0]) : undefined;
  }

  async getEffects(taskId: string): Promise<EffectRecord[]> {
    const { rows } = await this.pool.query('SELECT * FROM effects WHERE task_id = $1 ORDER BY step, turn, call', [taskId]);
    return rows.map(toEffect);
  }

  async putEffect(effect: NewEffect, fence: LeaseFence): Promise<void> {
    const p = new SqlParams();
    const write = `INSERT INTO effects (key, task_id, step, turn, call, tool, args, status, output, created_at, updated_at)
      SELECT ${p.add(effect.key)}::text, ${p.add(effect.taskId)}::text, ${p.add(effect.step)}::int, ${p.add(effect.turn)}::int, ${p.add(effect.call)}::int,
             ${p.add(effect.tool)}::text, ${p.add(effect.args)}::text, ${p.add(effect.status)}::text, ${p.add(effect.output ?? null)}::text, ${NOW_MS}, ${NOW_MS}`;
    const upsert = 'ON CONFLICT (key) DO UPDATE SET status = excluded.status, output = excluded.output, updated_at = excluded.updated_at RETURNING key';
    await this.fenced(fence, p, (held) => `${write} FROM ${held} ${upsert}`, { refuseIfCancelled: effect.status === 'intent' });
  }

  async settleEffect(key: string, status: EffectStatus, output: string | null, condition: { fence: LeaseFence } | { guard: TaskGuard }): Promise<boolean> {
    const p = new SqlParams();
    const write = (held: string) =>
      `UPDATE effects SET status = ${p.add(status)}, output = ${p.add(output)}, process = NULL, process_epoch = NULL, updated_at = ${NOW_MS}
       WHERE key = ${p.add(key)} AND EXISTS (SELECT 1 FROM ${held}) RETURNING key`;
    if ('fence' in condition) return this.fenced(condition.fence, p, write);
    const g = guardSql(condition.guard, p);
    const { rows } = await this.pool.query<{ settled: number }>(
      `WITH header AS (
         UPDATE tasks SET updated_at = updated_at${g.take} WHERE id = (SELECT task_id FROM effects WHERE key = ${p.add(key)}) AND ${g.holds} RETURNING id
       ), write AS (${write('header')})
       SELECT count(*)::int AS settled FROM write`,
      p.values,
    );
    return rows[0]!.settled === 1;
  }

  /**
   * One statement: renew the fence's lease and, only if it is still ours, make the write `statement(cte)` describes.
   * True if the write changed a row (it must RETURN what it wrote for that).
   */
  private async fenced(fence: LeaseFence, p: SqlParams, statement: (heldCte: string) => string, options: { refuseIfCancelled?: boolean } = {}): Promise<boolean> {
    const task = p.add(fence.taskId);
    const f = fenceSql(fence, p, options);
    const { rows } = await this.pool.query<{ held: number; wrote: number }>(
      `WITH header AS (UPDATE tasks SET updated_at = updated_at${f.renew} WHERE id = ${task} AND ${f.holds} RETURNING id),
            write AS (${statement('header')})
       SELECT (SELECT count(*) FROM header)::int AS held, (SELECT count(*) FROM write)::int AS wrote`,
      p.values,
    );
    await assertHeld(this.pool, fence, rows[0]!.held, options);
    return rows[0]!.wrote > 0;
  }

  async setEffectProcess(key: string, process: string, fence: LeaseFence): Promise<void> {
    const p = new SqlParams();
    await this.fenced(
      fence,
      p,
      (held) => `UPDATE effects SET process = ${p.add(process)}, process_epoch = ${p.add(fence.epoch)} WHERE key = ${p.add(key)} AND EXISTS (SELECT 1 FROM ${held}) RETURNING key`,
    );
  }

  async acquireLease(id: string, owner: string, ttlMs: number, takeOverFrom?: string): Promise<LeaseResult> {
    // The epoch counts every grant, so a write fenced by an older grant can be told apart from ours.
    const { rows } = await this.pool.query<{ epoch: number | null; lease_owner: string; lease_expires_at: number }>(
      `WITH taken AS (
         UPDATE tasks SET lease_owner = $2, lease_expires_at = ${NOW_MS} + $3, heartbeat_at = ${NOW_MS}, lease_epoch = lease_epoch + 1
         WHERE id = $1 AND (lease_owner IS NULL OR lease_expires_at <= ${NOW_MS} OR lease_owner = $2 OR lease_owner = $4)
         RETURNING lease_epoch
       )
       SELECT (SELECT lease_epoch FROM taken) AS epoch, lease_owner, lease_expires_at FROM tasks WHERE id = $1`,
      [id, owner, ttlMs, takeOverFrom ?? null],
    );
    const row = rows[0]!;
    if (row.epoch !== null) return { acquired: true, epoch: row.epoch };
    return { acquired: false, owner: row.lease_owner, expiresAt: row.lease_expires_at };
  }

  async renewLease(fence: LeaseFence, progress?: string): Promise<boolean> {
    const { rowCount } = await this.pool.query(
      `UPDATE tasks SET lease_expires_at = ${NOW_MS} + $4, heartbeat_at = ${NOW_MS}, progress = COALESCE($5, progress)
       WHERE id = $1 AND lease_owner = $2 AND lease_epoch = $3`,
      [fence.taskId, fence.owner, fence.epoch, fence.ttlMs, progress ?? null],
    );
    return rowCount === 1;
  }

  async claimTask(queue: string, owner: string, ttlMs: number, retryAfterMs: number): Promise<ClaimedTask | undefined> {
    return this.pool.transaction(async (client) => {
      // A limited queue's row is locked first, so claims on it take turns: each counts the running tasks in a
      // statement of its own, which sees the claim before it (one statement would count from a snapshot taken
      // before waiting for the lock). An unlimited queue has no row, and claims on it do not wait for each other.
      await client.query('SELECT 1 FROM queues WHERE name = $1 FOR UPDATE', [queue]);
      // SKIP LOCKED lets concurrent workers pass over a row another is claiming instead of queueing behind it, and the
      // outer condition re-checks the lease once the row is locked. The epoch counts the grant; the locked row, read
      // before the update, tells whose lease it replaced.
      const { rows } = await client.query<{ id: string; lease_epoch: number; previous_owner: string | null; previous_expires_at: number | null }>(
        `UPDATE tasks t SET lease_owner = $2, lease_expires_at = ${NOW_MS} + $3, heartbeat_at = ${NOW_MS}, lease_epoch = t.lease_epoch + 1,
           status = CASE t.status WHEN 'queued' THEN 'planning' ELSE t.status END
         FROM (
           SELECT id, lease_owner, lease_expires_at FROM tasks
           WHERE queue = $1 AND ${UNFINISHED_ON_QUEUE} AND pruned_at IS NULL
             AND (lease_owner IS NULL OR lease_expires_at <= ${NOW_MS}) AND (status <> 'interrupted' OR reason = 'signal' OR updated_at <= ${NOW_MS} - $4)
             AND (NOT EXISTS (SELECT 1 FROM queues WHERE name = $1)
                  OR (SELECT count(*) FROM tasks WHERE queue = $1 AND ${UNFINISHED_ON_QUEUE} AND lease_owner IS NOT NULL AND lease_expires_at > ${NOW_MS})
                     < (SELECT max_running FROM queues WHERE name = $1))
           ORDER BY priority DESC, created_at, id LIMIT 1
           FOR UPDATE SKIP LOCKED
         ) c
         WHERE t.id = c.id AND (t.lease_owner IS NULL OR t.lease_expires_at <= ${NOW_MS})
         RETURNING t.id, t.lease_epoch, c.lease_owner AS previous_owner, c.lease_expires_at AS previous_expires_at`,
        [queue, owner, ttlMs, retryAfterMs],
      );
      const row = rows[0];
      if (!row) return undefined;
      return { taskId: row.id, epoch: row.lease_epoch, previous: row.previous_owner === null ? null : { owner: row.previous_owner, expiresAt: row.previous_expires_at } };
    });
  }

  async setQueueLimit(queue: string, maxRunning: number | null): Promise<void> {
    if (maxRunning === null) await this.pool.query('DELETE FROM queues WHERE name = $1', [queue]);
    else await this.pool.query('INSERT INTO queues (name, max_running) VALUES ($1, $2) ON CONFLICT (name) DO UPDATE SET max_running = excluded.max_running', [queue, maxRunning]);
  }

  async listQueues(): Promise<QueueRecord[]> {
    const { rows } = await this.pool.query<{ name: string; max_running: number | null; waiting: number; running: number }>(
      `SELECT names.name, q.max_running,
         (SELECT count(*)::int FROM tasks WHERE queue = names.name AND ${UNFINISHED_ON_QUEUE}
            AND (lease_owner IS NULL OR lease_expires_at <= ${NOW_MS})) AS waiting,
         (SELECT count(*)::int FROM tasks WHERE queue = names.name AND ${UNFINISHED_ON_QUEUE} AND lease_owner IS NOT NULL AND lease_expires_at > ${NOW_MS}) AS running
       FROM (SELECT name FROM queues UNION SELECT DISTINCT queue FROM tasks WHERE queue IS NOT NULL AND ${UNFINISHED_ON_QUEUE}) names
       LEFT JOIN queues q ON q.name = names.name
       ORDER BY names.name`,
    );
    return rows.map((r) => ({ name: r.name, maxRunning: r.max_running, waiting: r.waiting, running: r.running }));
  }

  async heartbeatWorker(worker: Omit<WorkerRecord, 'startedAt' | 'heartbeatAt'>): Promise<void> {
    await this.pool.query(
      `WITH upsert AS (
         INSERT INTO workers (id, queue, concurrency, running, started_at, heartbeat_at) VALUES ($1, $2, $3, $4, ${NOW_MS}, ${NOW_MS})
         ON CONFLICT (id) DO UPDATE SET queue = excluded.queue, concurrency = excluded.concurrency, running = excluded.running, heartbeat_at = excluded.heartbeat_at
       )
       DELETE FROM workers WHERE heartbeat_at < ${NOW_MS} - 86400000 AND id <> $1`,
      [worker.id, worker.queue, worker.concurrency, worker.running],
    );
  }

  async removeWorker(id: string): Promise<void> {
    await this.pool.query('DELETE FROM workers WHERE id = $1', [id]);
  }

  async listWorkers(aliveWithinMs: number): Promise<WorkerRecord[]> {
    const { rows } = await this.pool.query(`SELECT * FROM workers WHERE heartbeat_at >= ${NOW_MS} - $1 ORDER BY started_at, id`, [aliveWithinMs]);
    return rows.map(toWorker);
  }

  async watchQueue(queue: string, onWork: () => void): Promise<() => Promise<void>> {
    return QueueListener.start(this.pool.target, queueChannel(this.pool.target.schema), queue, onWork);
  }

  async beginRun(run: NewRun): Promise<number> {
    // One statement: the next number and the row together, so two runs of a task cannot take the same number.
    const { rows } = await this.pool.query<{ seq: number }>(
      `INSERT INTO runs (task_id, seq, owner, how, started_at, base_completed, base_requests)
       SELECT $1, COALESCE(MAX(seq), 0) + 1, $2, $3, $4, $5, $6 FROM runs WHERE task_id = $1
       RETURNING seq`,
      [run.taskId, run.owner, run.how, run.startedAt, run.baseCompleted, run.baseRequests],
    );
    return Number(rows[0]!.seq);
  }

  async endRun(taskId: string, seq: number, end: RunEnd): Promise<void> {
    await this.pool.query(
      `UPDATE runs SET ended_at = $3, ending = $4, detail = $5, steps_completed = $6, turns_paid = $7, turns_replayed = $8, effects = $9,
              hook_command = $10, hook_status = $11
       WHERE task_id = $1 AND seq = $2 AND ended_at IS NULL`,
      [taskId, seq, end.endedAt, end.ending, end.detail, end.stepsCompleted, end.turnsPaid, end.turnsReplayed, end.effects, end.hookCommand ?? null, end.hookCommand ? 'pending' : null],
    );
  }

  async listUnsettledRuns(limit: number): Promise<RunRecord[]> {
    const { rows } = await this.pool.query(`SELECT * FROM runs WHERE ended_at IS NULL OR hook_status = 'pending' LIMIT $1`, [limit]);
    return rows.map(toRun);
  }

  async claimHook(taskId: string, seq: number): Promise<boolean> {
    const { rowCount } = await this.pool.query(`UPDATE runs SET hook_status = 'running' WHERE task_id = $1 AND seq = $2 AND hook_status = 'pending'`, [taskId, seq]);
    return rowCount === 1;
  }

  async finishHook(taskId: string, seq: number, result: { status: 'done' | 'failed'; exitCode: number | null; output: string; finishedAt: number }): Promise<void> {
    await this.pool.query(`UPDATE runs SET hook_status = $3, hook_exit = $4, hook_output = $5, hook_at = $6 WHERE task_id = $1 AND seq = $2 AND hook_status = 'running'`, [
      taskId,
      seq,
      result.status,
      result.exitCode,
      result.output,
      result.finishedAt,
    ]);
  }

  async getRuns(taskId: string): Promise<RunRecord[]> {
    const { rows } = await this.pool.query('SELECT * FROM runs WHERE task_id = $1 ORDER BY seq', [taskId]);
    return rows.map(toRun);
  }

  async releaseLease(fence: LeaseFence): Promise<void> {
    await this.pool.query('UPDATE tasks SET lease_owner = NULL, lease_expires_at = NULL WHERE id = $1 AND lease_owner = $2 AND lease_epoch = $3', [
      fence.taskId,
      fence.owner,
      fence.epoch,
    ]);
  }

  async getLatestTurn(id: string): Promise<TurnRecord | undefined> {
    const { rows } = await this.pool.query(
      `SELECT * FROM llm_turns WHERE task_id = $1 ORDER BY created_at DESC, CASE phase WHEN 'plan' THEN 0 WHEN 'step' THEN 1 ELSE 2 END DESC, step DESC, turn DESC LIMIT 1`,
      [id],
    );
    return rows[0] ? toTurn(rows[0]) : undefined;
  }

  async getAllTurns(id: string): Promise<TurnRecord[]> {
    const { rows } = await this.pool.query(
      `SELECT * FROM llm_turns WHERE task_id = $1 ORDER BY CASE phase WHEN 'plan' THEN 0 WHEN 'step' THEN 1 ELSE 2 END, step, turn`,
      [id],
    );
    return rows.map(toTurn);
  }

  async insertTaskBundle(bundle: TaskBundle): Promise<boolean> {
    return (await this.insertStoreBundle({ tasks: [bundle], memories: [] })) !== false;
  }

  async insertStoreBundle(bundle: StoreBundle): Promise<MemoryLanding[] | false> {
    try {
      return await this.pool.transaction(async (client) => {
        for (const task of bundle.tasks) if (!(await insertTaskBundle(client, task))) throw new IdTaken();
        return writeMemoryBundles(client, bundle.memories);
      });
    } catch (error) {
      if (error instanceof IdTaken) return false;
      throw error;
    }
  }

  async deleteTask(id: string, guard: TaskGuard): Promise<boolean> {
    const p = new SqlParams();
    const task = p.add(id);
    const g = guardSql(guard, p);
    // Steps, notes, journals and the definition go with it: ON DELETE CASCADE.
    const { rowCount } = await this.pool.query(`DELETE FROM tasks WHERE id = ${task} AND ${g.holds}`, p.values);
    return rowCount === 1;
  }

  async pruneTask(id: string, guard: TaskGuard): Promise<boolean> {
    const p = new SqlParams();
    const task = p.add(id);
    const g = guardSql(guard, p);
    const gone = (table: string) => `DELETE FROM ${table} WHERE task_id = ${task} AND EXISTS (SELECT 1 FROM header)`;
    const { rows } = await this.pool.query<{ pruned: number }>(
      `WITH header AS (UPDATE tasks SET pruned_at = ${NOW_MS}${g.take} WHERE id = ${task} AND ${g.holds} RETURNING id),
            a AS (${gone('llm_turns')}), b AS (${gone('effects')}), c AS (${gone('notes')}), d AS (${gone('steps')})
       SELECT count(*)::int AS pruned FROM header`,
      p.values,
    );
    return rows[0]!.pruned === 1;
  }
}

