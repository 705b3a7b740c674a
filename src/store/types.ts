import type { MemoryStore } from '../memory/types.js';
import type { StepDefinition, TaskDefinition } from '../task/schema.js';

export const TASK_STATUSES = ['planning', 'running', 'interrupted', 'needs-attention', 'completed', 'failed', 'cancelled'] as const;
export type TaskStatus = (typeof TASK_STATUSES)[number];
/** Statuses a task can be resumed from. */
export const RESUMABLE_STATUSES: readonly TaskStatus[] = ['planning', 'running', 'interrupted', 'needs-attention', 'failed'];
export const FINISHED_STATUSES: readonly TaskStatus[] = ['completed', 'failed', 'cancelled'];

export type StepStatus = 'pending' | 'running' | 'completed' | 'failed';

export interface Usage {
  promptTokens: number;
  completionTokens: number;
  /** LLM requests answered (recorded turns). */
  requests: number;
}

export interface TaskRecord {
  id: string;
  agentId: string;
  goal: string;
  definition: TaskDefinition;
  /** Absolute directory the task's commands and file tools work in. */
  workspace: string;
  namespace: string;
  model: string | null;
  status: TaskStatus;
  stepCount: number;
  completedCount: number;
  currentStep: number | null;
  usage: Usage;
  result: string | null;
  error: string | null;
  /** Why a task failed or stopped, machine-readable: "step", "budget", "plan", "llm", "effect", "approval". */
  reason: string | null;
  leaseOwner: string | null;
  leaseExpiresAt: number | null;
  heartbeatAt: number | null;
  /** Last progress line of a long step, written by the heartbeat. */
  progress: string | null;
  cancelRequested: boolean;
  createdAt: number;
  updatedAt: number;
  finishedAt: number | null;
  expiresAt: number | null;
  /** Set when `gc` removed the task's journals; the summary row stays. */
  prunedAt: number | null;
}

/** What creating a task needs; the rest of the record starts at its defaults. */
export type NewTask = Pick<TaskRecord, 'id' | 'agentId' | 'goal' | 'definition' | 'workspace' | 'namespace' | 'model' | 'createdAt'>;

export interface StepRecord {
  taskId: string;
  /** 1-based position in the plan. */
  n: number;
  name: string;
  description: string;
  spec: StepDefinition;
  status: StepStatus;
  result: string | null;
  error: string | null;
  attempts: number;
  /** Turn number this attempt's LLM turns start at: turns of failed attempts are kept but never replayed. */
  firstTurn: number;
  usage: Usage;
  startedAt: number | null;
  finishedAt: number | null;
}

export type NoteKind = 'decision' | 'discovery';
export interface NewNote {
  kind: NoteKind;
  text: string;
  reasoning: string | null;
  step: number | null;
}
export interface NoteRecord extends NewNote {
  taskId: string;
  seq: number;
  createdAt: number;
}

/** Which part of a task an LLM turn belongs to. */
export type TurnPhase = 'plan' | 'step' | 'final';
export interface TurnRecord {
  taskId: string;
  phase: TurnPhase;
  /** Step number for `step` turns, 0 otherwise. */
  step: number;
  turn: number;
  /** The LLM response as the runner acted on it (JSON). */
  response: unknown;
  promptTokens: number;
  completionTokens: number;
  createdAt: number;
}

/**
 * intent: about to run, outcome unknown if we crash now. done/failed: outcome recorded.
 * uncertain: a crash left a non-idempotent effect without outcome and no check could tell; a person decides.
 * awaiting-approval / approved: the tool needs a person's yes before it runs.
 * skipped: a person chose not to run it.
 */
export type EffectStatus = 'intent' | 'done' | 'failed' | 'uncertain' | 'awaiting-approval' | 'approved' | 'skipped';
export interface EffectRecord {
  key: string;
  taskId: string;
  step: number;
  turn: number;
  call: number;
  tool: string;
  args: string;
  status: EffectStatus;
  output: string | null;
  /** "host:pid" of the process group carrying the effect out, while it may still be running. */
  process: string | null;
  createdAt: number;
  updatedAt: number;
}
export type NewEffect = Omit<EffectRecord, 'createdAt' | 'updatedAt' | 'output' | 'process'> & { output?: string | null };

export type TaskPatch = Partial<
  Pick<TaskRecord, 'status' | 'model' | 'result' | 'error' | 'reason' | 'currentStep' | 'cancelRequested' | 'finishedAt' | 'expiresAt'>
>;

export interface TaskQuery {
  statuses?: readonly TaskStatus[];
  limit?: number;
  /** Include tasks whose journals `gc` removed. */
  includePruned?: boolean;
}

export type LeaseResult = { acquired: true } | { acquired: false; owner: string; expiresAt: number };

export interface StepCompletion {
  result: string;
  notes: NewNote[];
}

/**
 * Makes a journal write conditional on still holding the task's lease, in the same transaction (and renews it): a
 * runner that was taken over gets LeaseLostError and writes nothing.
 */
export interface LeaseFence {
  taskId: string;
  owner: string;
  ttlMs: number;
}

export interface Store {
  /** Where the data lives, for messages (a file path or a redacted URL). */
  readonly location: string;
  /** Long-term memory shared by the tasks of a namespace (see src/memory/). */
  readonly memories: MemoryStore;
  close(): Promise<void>;
  /** `full` fsyncs every commit (survives power loss); `normal` survives a process crash only. */
  setDurability(durability: 'full' | 'normal'): Promise<void>;

  /** Creates the task; returns false if the id is taken. */
  createTask(task: NewTask): Promise<boolean>;
  getTask(id: string): Promise<TaskRecord | undefined>;
  listTasks(query?: TaskQuery): Promise<TaskRecord[]>;
  updateTask(id: string, patch: TaskPatch): Promise<void>;

  /** Stores the plan as one row per step and moves the task to `running`, in one transaction. */
  savePlan(id: string, steps: StepDefinition[]): Promise<void>;
  getSteps(id: string): Promise<StepRecord[]>;
  startStep(id: string, n: number, attempt: { attempts: number; firstTurn: number }): Promise<void>;
  /** One transaction: the step's row, its notes and the task's header. Bytes written do not grow with the task. */
  completeStep(id: string, n: number, completion: StepCompletion, fence?: LeaseFence): Promise<void>;
  /** One transaction: the step failed, and the task with it. */
  failStep(id: string, n: number, error: string): Promise<void>;
  getNotes(id: string): Promise<NoteRecord[]>;

  /** Journals an LLM response and adds its tokens to the task (and step) in one transaction. */
  recordTurn(turn: Omit<TurnRecord, 'createdAt'>, fence?: LeaseFence): Promise<void>;
  getTurns(id: string, phase: TurnPhase, step: number, fromTurn?: number): Promise<TurnRecord[]>;

  getEffect(key: string): Promise<EffectRecord | undefined>;
  getEffects(taskId: string): Promise<EffectRecord[]>;
  /** Inserts the effect, or replaces the status of an existing one with the same key. */
  putEffect(effect: NewEffect, fence?: LeaseFence): Promise<void>;
  settleEffect(key: string, status: EffectStatus, output: string | null, fence?: LeaseFence): Promise<void>;
  /** Journals the process group an effect runs in, so a resume after a crash can stop an orphan before deciding. */
  setEffectProcess(key: string, process: string | null): Promise<void>;

  /**
   * Takes the task's lease if it is free, expired, already ours, or held by `takeOverFrom` (a holder known to be dead,
   * or `--force`). Atomic: two runners racing for one task cannot both win.
   */
  acquireLease(id: string, owner: string, ttlMs: number, takeOverFrom?: string): Promise<LeaseResult>;
  /** Extends our lease and records progress; false if someone else holds it now. */
  renewLease(id: string, owner: string, ttlMs: number, progress?: string): Promise<boolean>;
  releaseLease(id: string, owner: string): Promise<void>;

  /** Every journaled LLM turn of a task, in order (for export). */
  getAllTurns(id: string): Promise<TurnRecord[]>;
  /** Writes a whole task — header, steps, notes, effects, turns — in one transaction (import, fork). False if the id is taken. */
  insertTaskBundle(bundle: TaskBundle): Promise<boolean>;
  /** Deletes a finished task's steps, notes and journals, keeping its summary row (marked pruned). */
  pruneTask(id: string): Promise<void>;
}

/** Everything a task is, as stored: what export writes, import reads back, and fork derives a new task from. */
export interface TaskBundle {
  task: TaskRecord;
  steps: StepRecord[];
  notes: NoteRecord[];
  effects: EffectRecord[];
  turns: TurnRecord[];
}
