import type { TaskBundle } from '../types.js';
import type { Queryable } from './pool.js';

/**
 * Writes a whole task inside the caller's transaction: one statement per table, the rows passed as one JSON array
 * (so a task with a thousand steps is still seven round trips). False, writing nothing, if the id is taken.
 */
export async function insertTaskBundle(client: Queryable, bundle: TaskBundle): Promise<boolean> {
  const { task } = bundle;
  const { rowCount } = await client.query(
    `INSERT INTO tasks (id, agent_id, goal, workspace, namespace, model, status, step_count, completed_count, current_step,
       prompt_tokens, completion_tokens, llm_requests, result, error, reason, cancel_requested, created_at, updated_at, finished_at, expires_at,
       queue, priority, pruned_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, false, $17, $18, $19, $20, $21, $22, $23) ON CONFLICT (id) DO NOTHING`,
    [
      task.id, task.agentId, task.goal, task.workspace, task.namespace, task.model, task.status, task.stepCount, task.completedCount, task.currentStep,
      task.usage.promptTokens, task.usage.completionTokens, task.usage.requests, task.result, task.error, task.reason,
      task.createdAt, task.updatedAt, task.finishedAt, task.expiresAt, task.queue, task.priority, task.prunedAt,
    ],
  );
  if (rowCount === 0) return false;
  await client.query('INSERT INTO task_definitions (task_id, definition) VALUES ($1, $2)', [task.id, JSON.stringify(task.definition)]);
  const rows = (table: string, columns: string, json: unknown[]) =>
    json.length === 0
      ? Promise.resolve()
      : client.query(`INSERT INTO ${table} SELECT $1, x.* FROM jsonb_to_recordset($2::jsonb) AS x(${columns})`, [task.id, JSON.stringify(json)]);
  await rows(
    'steps (task_id, n, name, description, spec, status, result, error, attempts, first_turn, prompt_tokens, completion_tokens, llm_requests, started_at, finished_at)',
    'n int, name text, description text, spec text, status text, result text, error text, attempts int, first_turn int, prompt_tokens bigint, completion_tokens bigint, llm_requests int, started_at bigint, finished_at bigint',
    bundle.steps.map((s) => ({
      n: s.n, name: s.name, description: s.description, spec: JSON.stringify(s.spec), status: s.status, result: s.result, error: s.error,
      attempts: s.attempts, first_turn: s.firstTurn, prompt_tokens: s.usage.promptTokens, completion_tokens: s.usage.completionTokens,
      llm_requests: s.usage.requests, started_at: s.startedAt, finished_at: s.finishedAt,
    })),
  );
  await rows(
    'notes (task_id, seq, kind, text, reasoning, step, created_at)',
    'seq int, kind text, text text, reasoning text, step int, created_at bigint',
    bundle.notes.map((n) => ({ seq: n.seq, kind: n.kind, text: n.text, reasoning: n.reasoning, step: n.step, created_at: n.createdAt })),
  );
  await rows(
    'effects (task_id, key, step, turn, call, tool, args, status, output, created_at, updated_at)',
    'key text, step int, turn int, call int, tool text, args text, status text, output text, created_at bigint, updated_at bigint',
    bundle.effects.map((e) => ({
      key: e.key, step: e.step, turn: e.turn, call: e.call, tool: e.tool, args: e.args, status: e.status, output: e.output, created_at: e.createdAt, updated_at: e.updatedAt,
    })),
  );
  await rows(
    'llm_turns (task_id, phase, step, turn, response, prompt_tokens, completion_tokens, created_at)',
    'phase text, step int, turn int, response text, prompt_tokens bigint, completion_tokens bigint, created_at bigint',
    bundle.turns.map((t) => ({
      phase: t.phase, step: t.step, turn: t.turn, response: JSON.stringify(t.response), prompt_tokens: t.promptTokens, completion_tokens: t.completionTokens, created_at: t.createdAt,
    })),
  );
  await rows(
    `runs (task_id, seq, owner, how, started_at, ended_at, ending, detail, steps_completed, turns_paid, turns_replayed, effects, base_completed, base_requests,
       hook_command, hook_status, hook_exit, hook_output, hook_at)`,
    `seq int, owner text, how text, started_at bigint, ended_at bigint, ending text, detail text, steps_completed int, turns_paid int, turns_replayed int,
       effects int, base_completed int, base_requests int, hook_command text, hook_status text, hook_exit int, hook_output text, hook_at bigint`,
    bundle.runs.map((r) => ({
      seq: r.seq, owner: r.owner, how: r.how, started_at: r.startedAt, ended_at: r.endedAt, ending: r.ending, detail: r.detail, steps_completed: r.stepsCompleted,
      turns_paid: r.turnsPaid, turns_replayed: r.turnsReplayed, effects: r.effects, base_completed: r.baseCompleted, base_requests: r.baseRequests,
      hook_command: r.hook?.command ?? null, hook_status: r.hook?.status ?? null, hook_exit: r.hook?.exitCode ?? null, hook_output: r.hook?.output ?? null,
      hook_at: r.hook?.finishedAt ?? null,
    })),
  );
  return true;
}
