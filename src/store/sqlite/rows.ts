import type { EffectRecord, HookStatus, NoteRecord, RunRecord, StepRecord, TaskRecord, TurnRecord, WorkerRecord } from '../types.js';

/** A row as better-sqlite3 returns it; column names are the schema's snake_case. */
export type Row = Record<string, unknown>;

const str = (value: unknown) => value as string;
const num = (value: unknown) => value as number;
const strOrNull = (value: unknown) => (value ?? null) as string | null;
const numOrNull = (value: unknown) => (value ?? null) as number | null;

export function toTask(row: Row): TaskRecord {
  return {
    id: str(row.id),
    agentId: str(row.agent_id),
    goal: str(row.goal),
    definition: JSON.parse(str(row.definition)),
    workspace: str(row.workspace),
    namespace: str(row.namespace),
    model: strOrNull(row.model),
    queue: strOrNull(row.queue),
    priority: num(row.priority),
    status: str(row.status) as TaskRecord['status'],
    stepCount: num(row.step_count),
    completedCount: num(row.completed_count),
    currentStep: numOrNull(row.current_step),
    usage: { promptTokens: num(row.prompt_tokens), completionTokens: num(row.completion_tokens), requests: num(row.llm_requests) },
    result: strOrNull(row.result),
    error: strOrNull(row.error),
    reason: strOrNull(row.reason),
    leaseOwner: strOrNull(row.lease_owner),
    leaseExpiresAt: numOrNull(row.lease_expires_at),
    leaseEpoch: num(row.lease_epoch),
    heartbeatAt: numOrNull(row.heartbeat_at),
    progress: strOrNull(row.progress),
    cancelRequested: Boolean(row.cancel_requested),
    createdAt: num(row.created_at),
    updatedAt: num(row.updated_at),
    finishedAt: numOrNull(row.finished_at),
    expiresAt: numOrNull(row.expires_at),
    prunedAt: numOrNull(row.pruned_at),
  };
}

export function toStep(row: Row): StepRecord {
  return {
    taskId: str(row.task_id),
    n: num(row.n),
    name: str(row.name),
    description: str(row.description),
    spec: JSON.parse(str(row.spec)),
    status: str(row.status) as StepRecord['status'],
    result: strOrNull(row.result),
    error: strOrNull(row.error),
    attempts: num(row.attempts),
    firstTurn: num(row.first_turn),
    usage: { promptTokens: num(row.prompt_tokens), completionTokens: num(row.completion_tokens), requests: num(row.llm_requests) },
    startedAt: numOrNull(row.started_at),
    finishedAt: numOrNull(row.finished_at),
  };
}

export function toNote(row: Row): NoteRecord {
  return {
    taskId: str(row.task_id),
    seq: num(row.seq),
    kind: str(row.kind) as NoteRecord['kind'],
    text: str(row.text),
    reasoning: strOrNull(row.reasoning),
    step: numOrNull(row.step),
    createdAt: num(row.created_at),
  };
}

export function toTurn(row: Row): TurnRecord {
  return {
    taskId: str(row.task_id),
    phase: str(row.phase) as TurnRecord['phase'],
    step: num(row.step),
    turn: num(row.turn),
    response: JSON.parse(str(row.response)),
    promptTokens: num(row.prompt_tokens),
    completionTokens: num(row.completion_tokens),
    createdAt: num(row.created_at),
  };
}

export function toEffect(row: Row): EffectRecord {
  return {
    key: str(row.key),
    taskId: str(row.task_id),
    step: num(row.step),
    turn: num(row.turn),
    call: num(row.call),
    tool: str(row.tool),
    args: str(row.args),
    status: str(row.status) as EffectRecord['status'],
    output: strOrNull(row.output),
    process: strOrNull(row.process),
    processEpoch: numOrNull(row.process_epoch),
    createdAt: num(row.created_at),
    updatedAt: num(row.updated_at),
  };
}

export function toWorker(row: Row): WorkerRecord {
  return {
    id: str(row.id),
    queue: str(row.queue),
    concurrency: num(row.concurrency),
    running: num(row.running),
    startedAt: num(row.started_at),
    heartbeatAt: num(row.heartbeat_at),
  };
}

export function toRun(row: Row): RunRecord {
  return {
    taskId: str(row.task_id),
    seq: num(row.seq),
    owner: str(row.owner),
    how: str(row.how) as RunRecord['how'],
    startedAt: num(row.started_at),
    endedAt: numOrNull(row.ended_at),
    ending: strOrNull(row.ending) as RunRecord['ending'],
    detail: strOrNull(row.detail),
    stepsCompleted: num(row.steps_completed),
    turnsPaid: num(row.turns_paid),
    turnsReplayed: numOrNull(row.turns_replayed),
    effects: num(row.effects),
    baseCompleted: num(row.base_completed),
    baseRequests: num(row.base_requests),
    hook:
      row.hook_command === null || row.hook_command === undefined
        ? null
        : {
            command: str(row.hook_command),
            status: str(row.hook_status) as HookStatus,
            exitCode: numOrNull(row.hook_exit),
            output: strOrNull(row.hook_output),
            finishedAt: numOrNull(row.hook_at),
          },
  };
}
