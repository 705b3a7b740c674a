import { z } from 'zod';
import { TaskNotFoundError } from '../errors.js';
import type { RunRecord, Store, TaskBundle, TaskRecord, TurnRecord } from '../store/types.js';
import { TASK_STATUSES } from '../store/types.js';
import type { StepDefinition, TaskDefinition } from '../task/schema.js';
import { unverifiedClaims } from './unverified-claims.js';

const iso = z.iso.datetime();
const tokens = z.object({ prompt: z.number().int().min(0), completion: z.number().int().min(0), requests: z.number().int().min(0) });

/**
 * The checkpoint document: a task's factual state, never its conversation. `inspect --json` prints it, `export`
 * writes it and `import` reads it back (validated by this schema). Field names follow the seed design: snake_case,
 * results keyed by step number. `journal` carries only what an unfinished step needs to replay.
 */
export const CheckpointSchema = z.object({
  format: z.literal('agentrun.checkpoint/1'),
  agent_id: z.string(),
  task_id: z.string().min(1),
  goal: z.string(),
  status: z.enum(TASK_STATUSES),
  model: z.string().nullable(),
  namespace: z.string(),
  workspace: z.string(),
  definition: z.looseObject({ goal: z.string() }),
  plan: z.array(
    z.object({
      step: z.number().int().positive(),
      name: z.string(),
      description: z.string(),
      done_when: z.string().nullable(),
      kind: z.enum(['llm', 'run']),
      spec: z.looseObject({ name: z.string() }),
      status: z.enum(['pending', 'running', 'completed', 'failed']),
      error: z.string().nullable(),
      attempts: z.number().int().min(0),
      first_turn: z.number().int().positive(),
      started_at: iso.nullable(),
      finished_at: iso.nullable(),
      tokens,
    }),
  ),
  completed: z.array(z.number().int()),
  results: z.record(z.string(), z.string()),
  decisions: z.array(z.object({ seq: z.number().int(), text: z.string(), reasoning: z.string().nullable(), step: z.number().int().nullable(), at: iso })),
  discoveries: z.array(z.object({ seq: z.number().int(), text: z.string(), step: z.number().int().nullable(), at: iso })),
  effects: z.array(
    z.object({
      key: z.string(),
      tool: z.string(),
      args: z.string(),
      status: z.enum(['intent', 'done', 'failed', 'uncertain', 'awaiting-approval', 'approved', 'skipped']),
      output: z.string().nullable(),
      step: z.number().int(),
      turn: z.number().int(),
      call: z.number().int(),
      at: iso,
    }),
  ),
  usage: z.object({ prompt_tokens: z.number().int().min(0), completion_tokens: z.number().int().min(0), requests: z.number().int().min(0) }),
  /** LLM steps whose result claims a change they made no tool call for (derived; absent from older exports). */
  unverified_claims: z.array(z.object({ step: z.number().int(), text: z.string() })).default([]),
  result: z.string().nullable(),
  error: z.string().nullable(),
  reason: z.string().nullable(),
  created_at: iso,
  updated_at: iso,
  finished_at: iso.nullable(),
  expires_at: iso.nullable(),
  /** The task's run history (`inspect` shows it; `import` restores it, see `importedRun`). Absent from older exports. */
  runs: z
    .array(
      z.object({
        run: z.number().int().positive(),
        owner: z.string(),
        how: z.enum(['start', 'resume', 'takeover', 'force']),
        started_at: iso,
        ended_at: iso.nullable(),
        ending: z.enum(['completed', 'failed', 'cancelled', 'needs-attention', 'interrupted', 'lease-lost', 'killed', 'error']).nullable(),
        detail: z.string().nullable(),
        steps_completed: z.number().int().min(0),
        turns_paid: z.number().int().min(0),
        turns_replayed: z.number().int().min(0).nullable(),
        effects: z.number().int().min(0),
        hook: z
          .object({
            command: z.string(),
            status: z.enum(['pending', 'running', 'done', 'failed']),
            exit_code: z.number().int().nullable(),
            output: z.string().nullable(),
            finished_at: iso.nullable(),
          })
          .nullable(),
      }),
    )
    .optional(),
  journal: z.object({
    turns: z.array(
      z.object({
        phase: z.enum(['plan', 'step', 'final']),
        step: z.number().int(),
        turn: z.number().int(),
        response: z.unknown(),
        tokens: z.object({ prompt: z.number().int(), completion: z.number().int() }),
        at: iso,
      }),
    ),
  }),
});
export type CheckpointDocument = z.infer<typeof CheckpointSchema>;

const toIso = (ms: number) => new Date(ms).toISOString();
const toIsoOrNull = (ms: number | null) => (ms === null ? null : toIso(ms));
const toMs = (text: string) => Date.parse(text);
const toMsOrNull = (text: string | null) => (text === null ? null : Date.parse(text));

export async function buildCheckpoint(store: Store, taskId: string): Promise<CheckpointDocument> {
  const task = await store.getTask(taskId);
  if (!task) throw new TaskNotFoundError(taskId);
  const [steps, notes, effects, turns, runs] = await Promise.all([
    store.getSteps(taskId),
    store.getNotes(taskId),
    store.getEffects(taskId),
    store.getAllTurns(taskId),
    store.getRuns(taskId),
  ]);
  return toDocument({ task, steps, notes, effects, turns, runs });
}

function runJson(r: RunRecord): NonNullable<CheckpointDocument['runs']>[number] {
  return {
    run: r.seq,
    owner: r.owner,
    how: r.how,
    started_at: toIso(r.startedAt),
    ended_at: toIsoOrNull(r.endedAt),
    ending: r.ending,
    detail: r.detail,
    steps_completed: r.stepsCompleted,
    turns_paid: r.turnsPaid,
    turns_replayed: r.turnsReplayed,
    effects: r.effects,
    hook: r.hook && { command: r.hook.command, status: r.hook.status, exit_code: r.hook.exitCode, output: r.hook.output, finished_at: toIsoOrNull(r.hook.finishedAt) },
  };
}

export function toDocument(bundle: TaskBundle): CheckpointDocument {
  const { task, steps, notes, effects } = bundle;
  const completed = steps.filter((s) => s.status === 'completed');
  const finishedSteps = new Set(completed.map((s) => s.n));
  // Turns of finished work are history; only an unfinished step (or the final call) replays them.
  const replayable = (t: TurnRecord) => (t.phase === 'step' && !finishedSteps.has(t.step)) || (t.phase === 'final' && task.status !== 'completed');
  return {
    format: 'agentrun.checkpoint/1',
    agent_id: task.agentId,
    task_id: task.id,
    goal: task.goal,
    status: task.status,
    model: task.model,
    namespace: task.namespace,
    workspace: task.workspace,
    definition: task.definition,
    plan: steps.map((s) => ({
      step: s.n,
      name: s.name,
      description: s.description,
      done_when: s.spec.doneWhen ?? null,
      kind: s.spec.run ? 'run' : 'llm',
      spec: s.spec,
      status: s.status,
      error: s.error,
      attempts: s.attempts,
      first_turn: s.firstTurn,
      started_at: toIsoOrNull(s.startedAt),
      finished_at: toIsoOrNull(s.finishedAt),
      tokens: { prompt: s.usage.promptTokens, completion: s.usage.completionTokens, requests: s.usage.requests },
    })),
    completed: completed.map((s) => s.n),
    results: Object.fromEntries(completed.map((s) => [String(s.n), s.result ?? ''])),
    decisions: notes.filter((n) => n.kind === 'decision').map((n) => ({ seq: n.seq, text: n.text, reasoning: n.reasoning, step: n.step, at: toIso(n.createdAt) })),
    discoveries: notes.filter((n) => n.kind === 'discovery').map((n) => ({ seq: n.seq, text: n.text, step: n.step, at: toIso(n.createdAt) })),
    effects: effects.map((e) => ({ key: e.key, tool: e.tool, args: e.args, status: e.status, output: e.output, step: e.step, turn: e.turn, call: e.call, at: toIso(e.updatedAt) })),
    usage: { prompt_tokens: task.usage.promptTokens, completion_tokens: task.usage.completionTokens, requests: task.usage.requests },
    unverified_claims: unverifiedClaims(steps, effects),
    result: task.result,
    error: task.error,
    reason: task.reason,
    created_at: toIso(task.createdAt),
    updated_at: toIso(task.updatedAt),
    finished_at: toIsoOrNull(task.finishedAt),
    expires_at: toIsoOrNull(task.expiresAt),
    journal: {
      turns: bundle.turns.filter(replayable).map((t) => ({
        phase: t.phase,
        step: t.step,
        turn: t.turn,
        response: t.response,
        tokens: { prompt: t.promptTokens, completion: t.completionTokens },
        at: toIso(t.createdAt),
      })),
    },
    runs: bundle.runs.map(runJson),
  };
}

/** The stored form of a document, under `id` (effect keys are renamed with the task). */
export function fromDocument(doc: CheckpointDocument, id: string, workspace: string): TaskBundle {
  const rename = (key: string) => (key.startsWith(`${doc.task_id}:`) ? `${id}${key.slice(doc.task_id.length)}` : key);
  // A task that was running when exported has no live runner here: it is resumable.
  const status = doc.status === 'running' || doc.status === 'planning' ? 'interrupted' : doc.status;
  const task: TaskRecord = {
    id,
    agentId: doc.agent_id,
    goal: doc.goal,
    definition: doc.definition as unknown as TaskDefinition,
    workspace,
    namespace: doc.namespace,
    model: doc.model,
    // The document does not carry a queue: an imported task is resumed by hand (`agentrun transfer` keeps queues).
    queue: null,
    priority: 0,
    status,
    stepCount: doc.plan.length,
    completedCount: doc.completed.length,
    currentStep: null,
    usage: { promptTokens: doc.usage.prompt_tokens, completionTokens: doc.usage.completion_tokens, requests: doc.usage.requests },
    result: doc.result,
    error: doc.error,
    reason: doc.reason,
    leaseOwner: null,
    leaseExpiresAt: null,
    leaseEpoch: 0,
    heartbeatAt: null,
    progress: null,
    cancelRequested: false,
    createdAt: toMs(doc.created_at),
    updatedAt: Date.now(),
    finishedAt: toMsOrNull(doc.finished_at),
    expiresAt: toMsOrNull(doc.expires_at),
    prunedAt: null,
  };
  return {
    task,
    steps: doc.plan.map((p) => ({
      taskId: id,
      n: p.step,
      name: p.name,
      description: p.description,
      spec: p.spec as unknown as StepDefinition,
      status: p.status,
      result: doc.results[String(p.step)] ?? null,
      error: p.error,
      attempts: p.attempts,
      firstTurn: p.first_turn,
      usage: { promptTokens: p.tokens.prompt, completionTokens: p.tokens.completion, requests: p.tokens.requests },
      startedAt: toMsOrNull(p.started_at),
      finishedAt: toMsOrNull(p.finished_at),
    })),
    notes: [
      ...doc.decisions.map((d) => ({ taskId: id, seq: d.seq, kind: 'decision' as const, text: d.text, reasoning: d.reasoning, step: d.step, createdAt: toMs(d.at) })),
      ...doc.discoveries.map((d) => ({ taskId: id, seq: d.seq, kind: 'discovery' as const, text: d.text, reasoning: null, step: d.step, createdAt: toMs(d.at) })),
    ].sort((a, b) => a.seq - b.seq),
    effects: doc.effects.map((e) => ({
      key: rename(e.key),
      taskId: id,
      step: e.step,
      turn: e.turn,
      call: e.call,
      tool: e.tool,
      args: e.args,
      status: e.status,
      output: e.output,
      process: null,
      processEpoch: null,
      createdAt: toMs(e.at),
      updatedAt: toMs(e.at),
    })),
    turns: doc.journal.turns.map((t) => ({
      taskId: id,
      phase: t.phase,
      step: t.step,
      turn: t.turn,
      response: t.response,
      promptTokens: t.tokens.prompt,
      completionTokens: t.tokens.completion,
      createdAt: toMs(t.at),
    })),
    runs: (doc.runs ?? []).map((r) => importedRun(id, r, Math.max(toMs(doc.updated_at), toMs(r.started_at)))),
  };
}

/**
 * A run of an exported task, as history here. The exporting database still holds the task, and settles there
 * whatever the document caught unsettled — so a run without an end is recorded as not continued here (ending
 * `interrupted` when the task was last updated), and a hook still pending as not run here: a hook runs once, not
 * once per copy, and never a command the import did not show. `base_*` matter only while a run is open; none is.
 */
function importedRun(taskId: string, r: NonNullable<CheckpointDocument['runs']>[number], lastUpdatedAt: number): RunRecord {
  const ended = toMsOrNull(r.ended_at);
  const hook = r.hook && { command: r.hook.command, status: r.hook.status, exitCode: r.hook.exit_code, output: r.hook.output, finishedAt: toMsOrNull(r.hook.finished_at) };
  return {
    taskId,
    seq: r.run,
    owner: r.owner,
    how: r.how,
    startedAt: toMs(r.started_at),
    endedAt: ended ?? lastUpdatedAt,
    ending: ended === null ? 'interrupted' : r.ending,
    detail: ended === null ? 'still open when the task was exported; imported here, where it did not continue' : r.detail,
    stepsCompleted: r.steps_completed,
    turnsPaid: r.turns_paid,
    turnsReplayed: r.turns_replayed,
    effects: r.effects,
    baseCompleted: 0,
    baseRequests: 0,
    hook: hook?.status === 'pending' ? { ...hook, status: 'failed', output: 'not run here: it was still due when the task was exported, and runs where it was exported from' } : hook,
  };
}
