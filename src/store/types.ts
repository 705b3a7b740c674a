import type { MemoryBundle, MemoryLanding, MemoryStore } from './memory-types.js';
import type { StepDefinition, TaskDefinition } from '../task/schema.js';

export const TASK_STATUSES = ['planning', 'running', 'interrupted', 'needs-attention', 'completed', 'failed', 'cancelled', 'queued'] as const;
export type TaskStatus = (typeof TASK_STATUSES)[number];
/** Statuses a task can be resumed from. */
export const RESUMABLE_STATUSES: readonly TaskStatus[] = ['queued', 'planning', 'running', 'interrupted', 'needs-attention', 'failed'];
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
  /** The queue `agentrun worker` takes it from; null for a task run by the process that started it. */
  queue: string | null;
  /** Higher runs first among a queue's waiting tasks. */
  priority: number;
  status: TaskStatus;
  stepCount: number;
  completedCount: number;
  currentStep: number | null;
  usage: Usage;
  result: string | null;
  error: string | null;
  /** Why a task failed or stopped, machine-readable: "step", "budget", "plan", "llm", "effect", "approval", "signal". */
  reason: string | null;
  leaseOwner: string | null;
  leaseExpiresAt: number | null;
  /** Fencing epoch: incremented by every successful `acquireLease`, so a runner that was taken over can tell. */
  leaseEpoch: number;
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
export type NewTask = Pick<TaskRecord, 'id' | 'agentId' | 'goal' | 'definition' | 'workspace' | 'namespace' | 'model' | 'createdAt'> &
  Partial<Pick<TaskRecord, 'queue' | 'priority'>>;

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
  /** Lease epoch of the run that started `process`: only a later run may stop it. */
  processEpoch: number | null;
  createdAt: number;
  updatedAt: number;
}
export type NewEffect = Omit<EffectRecord, 'createdAt' | 'updatedAt' | 'output' | 'process' | 'processEpoch'> & { output?: string | null };

export type TaskPatch = Partial<
  Pick<TaskRecord, 'status' | 'model' | 'result' | 'error' | 'reason' | 'currentStep' | 'cancelRequested' | 'finishedAt' | 'expiresAt'>
>;

export interface TaskQuery {
  statuses?: readonly TaskStatus[];
  limit?: number;
  /** Include tasks whose journals `gc` removed. */
  includePruned?: boolean;
}

export type LeaseResult = { acquired: true; epoch: number } | { acquired: false; owner: string; expiresAt: number };

export interface StepCompletion {
  result: string;
  notes: NewNote[];
}

/** A step's attempt as it starts: which attempt, and the turn number its LLM turns start at. */
export interface StepAttempt {
  attempts: number;
  firstTurn: number;
}

/** The step to mark running in the same transaction that completes the one before it. */
export interface NextStep extends StepAttempt {
  n: number;
}

export interface StepCommit {
  /** The next step was marked running; false when none was given or a cancel had been requested (the run stops). */
  nextStarted: boolean;
}

/**
 * Makes a write conditional on still holding the task's lease — same owner, same epoch — in the same transaction
 * (and renews it): a runner that was taken over gets LeaseLostError and writes nothing.
 */
export interface LeaseFence {
  taskId: string;
  owner: string;
  /** The epoch `acquireLease` returned; a takeover increments it. */
  epoch: number;
  ttlMs: number;
}

/**
 * What must still hold for a write made outside a run (cancel, gc, resolve), checked in the write's own transaction.
 * Every part given must hold; a write whose guard fails changes nothing and reports false.
 */
export interface TaskGuard {
  /**
   * Nobody runs the task now (by the database's clock): no lease, an expired one, or one held by `deadOwner`. The
   * write then also takes the task from that lapsed holder (a new epoch), so a paused runner that wakes up can change
   * nothing.
   */
  idle?: boolean;
  /** A holder known to be dead (a pid on this host that no longer exists): its lease does not count. */
  deadOwner?: string | null;
  statusIn?: readonly TaskStatus[];
  /** No runner has taken the lease since the caller read the task with this epoch. */
  epoch?: number;
}

/** A running `agentrun worker`, as it last reported itself. */
export interface WorkerRecord {
  /** `host:pid`: also the lease owner of every task it runs. */
  id: string;
  queue: string;
  concurrency: number;
  /** Tasks it is running now. */
  running: number;
  startedAt: number;
  heartbeatAt: number;
}

/** A queue as `agentrun queue` shows it. */
export interface QueueRecord {
  name: string;
  /** At most this many of its tasks run at once; null: only the workers' --concurrency limits it. */
  maxRunning: number | null;
  /** Unfinished tasks nobody runs now: queued, interrupted, or left by a runner whose lease expired. */
  waiting: number;
  /** Tasks with a live lease. */
  running: number;
}

/**
 * What a worker's claim took: a task of its queue, now leased to it at this epoch — the lease its run is fenced by
 * (the run does not take the lease again). `previous` is the lease the claim replaced (a dead runner's, expired), so
 * the run history can tell a takeover from a first start.
 */
export interface ClaimedTask {
  taskId: string;
  epoch: number;
  previous: { owner: string; expiresAt: number | null } | null;
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
  /**
   * Patches the task. With a fence: only while the run holds the lease (else LeaseLostError), and with
   * `refuseIfCancelled` only while no cancel was requested (else CancelRequestedError). With a guard: only if it holds,
   * returning false otherwise. All are checked in the write's own transaction.
   */
  updateTask(id: string, patch: TaskPatch, condition?: { fence: LeaseFence; refuseIfCancelled?: boolean } | { guard: TaskGuard }): Promise<boolean>;

  /**
   * Every write below that takes a `LeaseFence` happens only while that lease is held (owner and epoch), checked
   * and renewed in its own transaction; otherwise it throws LeaseLostError and writes nothing.
   */
  /** Stores the plan as one row per step and moves the task to `running`, in one transaction. */
  savePlan(id: string, steps: StepDefinition[], fence: LeaseFence): Promise<void>;
  getSteps(id: string): Promise<StepRecord[]>;
  /** Marks the step running. Refuses with CancelRequestedError once `agentrun cancel` asked the task to stop. */
  startStep(id: string, n: number, attempt: StepAttempt, fence: LeaseFence): Promise<void>;
  /**
   * One transaction — the run's one durable write per step: the step's row, its notes, the task's header and, given
   * `next`, the next step marked running as `startStep` would (so a crash right after finds it running, attempt 1,
   * nothing journaled: the same state as a crash just after a separate start). A cancel request already made leaves
   * `next` pending (the completion still commits) and reports `nextStarted: false`. Bytes written do not grow with
   * the task.
   */
  completeStep(id: string, n: number, completion: StepCompletion, fence: LeaseFence, next?: NextStep): Promise<StepCommit>;
  /** One transaction: the step failed, and the task with it (finished at, kept until). */
  failStep(id: string, n: number, error: string, finished: { finishedAt: number; expiresAt: number }, fence: LeaseFence): Promise<void>;
  getNotes(id: string): Promise<NoteRecord[]>;

  /** Journals an LLM response and adds its tokens to the task (and step) in one transaction. */
  recordTurn(turn: Omit<TurnRecord, 'createdAt'>, fence: LeaseFence): Promise<void>;
  getTurns(id: string, phase: TurnPhase, step: number, fromTurn?: number): Promise<TurnRecord[]>;

  getEffect(key: string): Promise<EffectRecord | undefined>;
  getEffects(taskId: string): Promise<EffectRecord[]>;
  /**
   * Inserts the effect, or replaces the status of an existing one with the same key. An `intent` is refused with
   * CancelRequestedError once `agentrun cancel` asked the task to stop: no new effect starts after a cancel.
   */
  putEffect(effect: NewEffect, fence: LeaseFence): Promise<void>;
  /** Records an effect's outcome (clearing its process). Fenced in a run; guarded (false if unmet) outside one. */
  settleEffect(key: string, status: EffectStatus, output: string | null, condition: { fence: LeaseFence } | { guard: TaskGuard }): Promise<boolean>;
  /**
   * Journals the process group an effect runs in, with the run's epoch, so a later run can stop an orphan before
   * deciding (and never stops one a later run started).
   */
  setEffectProcess(key: string, process: string, fence: LeaseFence): Promise<void>;

  /**
   * Takes the task's lease if it is free, expired, already ours, or held by `takeOverFrom` (a holder known to be dead,
   * or `--force`). Atomic: two runners racing for one task cannot both win.
   */
  acquireLease(id: string, owner: string, ttlMs: number, takeOverFrom?: string): Promise<LeaseResult>;
  /** Extends our lease and records progress; false if it is not ours (owner and epoch) any more. */
  renewLease(fence: LeaseFence, progress?: string): Promise<boolean>;
  /** Gives the lease up, if it is still ours (owner and epoch). */
  releaseLease(fence: LeaseFence): Promise<void>;

  /**
   * Workers: takes the best waiting task of `queue` and leases it to `owner`, in one atomic statement — a task never
   * ran (`queued`), one whose runner died (`running`/`planning` with an expired lease), one `interrupted` by a signal
   * (reason `signal`: a worker drained for a deploy hands it over at once), or one `interrupted` otherwise (the LLM
   * was down, say) at least `retryAfterMs` ago. Highest priority first, then oldest. Nothing while the queue runs as
   * many tasks as its limit allows (`setQueueLimit`). Undefined when there is none; two workers never get one task.
   */
  claimTask(queue: string, owner: string, ttlMs: number, retryAfterMs: number): Promise<ClaimedTask | undefined>;
  /** Records (or refreshes) a worker and its heartbeat. */
  heartbeatWorker(worker: Omit<WorkerRecord, 'startedAt' | 'heartbeatAt'>): Promise<void>;
  removeWorker(id: string): Promise<void>;
  /** Workers whose last heartbeat is at most `aliveWithinMs` old, by the store's clock. */
  listWorkers(aliveWithinMs: number): Promise<WorkerRecord[]>;
  /**
   * Sets how many of a queue's tasks may run at once across every worker (a live lease counts as running), or lifts
   * the limit (null). `claimTask` honours it atomically: two workers never both take the last free place.
   */
  setQueueLimit(queue: string, maxRunning: number | null): Promise<void>;
  /** Every queue that has unfinished tasks or a limit, by name. */
  listQueues(): Promise<QueueRecord[]>;
  /**
   * Calls `onWork` (a hint, never a promise) when a task may have been queued on `queue` — PostgreSQL's LISTEN/NOTIFY.
   * Absent on stores that have no such signal: workers poll them. Resolves to a function that stops listening.
   */
  watchQueue?(queue: string, onWork: () => void): Promise<() => Promise<void>>;

  /** Every journaled LLM turn of a task, in order (for export). */
  getAllTurns(id: string): Promise<TurnRecord[]>;
  /** The task's most recently journaled LLM turn (what a resumed run learns the endpoint from), if any. */
  getLatestTurn(id: string): Promise<TurnRecord | undefined>;
  /** Writes a whole task — header, steps, notes, effects, turns, runs — in one transaction (import, fork). False if the id is taken. */
  insertTaskBundle(bundle: TaskBundle): Promise<boolean>;
  /**
   * Moving a store (`transfer`): every task and every memory of `bundle` in one transaction — all of it, or, if one
   * task id is taken, nothing and false. Each memory is merged into the one of its namespace with the same
   * normalized text, if there is one (`mergeMemory`), so writing the same memories again adds nothing; returns how
   * each landed, in order.
   */
  insertStoreBundle(bundle: StoreBundle): Promise<MemoryLanding[] | false>;
  /**
   * Deletes a finished task's steps, notes and journals, keeping its summary row (marked pruned), if the guard
   * still holds in the same transaction; false (and nothing deleted) otherwise.
   */
  pruneTask(id: string, guard: TaskGuard): Promise<boolean>;
  /**
   * Deletes the task and all of it (steps, notes, journals), if the guard still holds in the same transaction (a task
   * somebody runs is never deleted from under them); false (and nothing deleted) otherwise.
   */
  deleteTask(id: string, guard: TaskGuard): Promise<boolean>;

  /** Records that a run began; returns its number (one more than the task's last). */
  beginRun(run: NewRun): Promise<number>;
  /** Records how a run ended. Only the first end counts: a run already ended is left as it is. */
  endRun(taskId: string, seq: number, end: RunEnd): Promise<void>;
  /** The task's runs, first first. */
  getRuns(taskId: string): Promise<RunRecord[]>;
  /** Runs, of any task, with no end yet or with a hook still pending: what `resume --all` settles. */
  listUnsettledRuns(limit: number): Promise<RunRecord[]>;
  /** Moves a pending hook to running; false if it was not pending (someone else took it, or it ran). */
  claimHook(taskId: string, seq: number): Promise<boolean>;
  /** Records how a hook that was running ended. */
  finishHook(taskId: string, seq: number, result: { status: 'done' | 'failed'; exitCode: number | null; output: string; finishedAt: number }): Promise<void>;
}

/** How a run came to hold the task: its first run, a resume, taking over from a runner that died, or --force. */
export type RunHow = 'start' | 'resume' | 'takeover' | 'force';
/**
 * How a run ended. `killed`: its process vanished (kill -9, crash, reboot) and a later run found it so;
 * `lease-lost`: another runner took the task over (--force, or an expired lease); `error`: an internal error.
 */
export type RunEnding = 'completed' | 'failed' | 'cancelled' | 'needs-attention' | 'interrupted' | 'lease-lost' | 'killed' | 'error';

/** One process's run of a task, from taking its lease to letting go (or dying). */
export interface RunRecord {
  taskId: string;
  /** 1, 2, … per task. */
  seq: number;
  /** "host:pid" of the runner. */
  owner: string;
  how: RunHow;
  startedAt: number;
  /** Null while it runs, and for a killed run until a later one notices; then its last sign of life. */
  endedAt: number | null;
  ending: RunEnding | null;
  /** The signal, the error, or who noticed the run was gone. */
  detail: string | null;
  stepsCompleted: number;
  /** LLM requests sent and paid for in this run. */
  turnsPaid: number;
  /** LLM turns taken from the journal instead of sent again; null when not known (a killed run). */
  turnsReplayed: number | null;
  /** Side effects (tool calls, `run:` commands) carried out to an outcome in this run. */
  effects: number;
  /** The task's completed steps and LLM requests when the run began: what a killed run did is the difference. */
  baseCompleted: number;
  baseRequests: number;
  /** The hook (task file `on:`) the run's ending called for, and its delivery: run once, never twice. */
  hook: HookRecord | null;
}

/** pending: to run; running: started (if its runner died then, it is not run again); done/failed: its exit. */
export type HookStatus = 'pending' | 'running' | 'done' | 'failed';
export interface HookRecord {
  command: string;
  status: HookStatus;
  exitCode: number | null;
  /** The end of what it printed, bounded. */
  output: string | null;
  finishedAt: number | null;
}
export type NewRun = Pick<RunRecord, 'taskId' | 'owner' | 'how' | 'startedAt' | 'baseCompleted' | 'baseRequests'>;
export type RunEnd = Pick<RunRecord, 'ending' | 'detail' | 'stepsCompleted' | 'turnsPaid' | 'turnsReplayed' | 'effects'> & {
  endedAt: number;
  ending: RunEnding;
  /** A hook command to run for this ending: recorded as pending with the end, in the same write. */
  hookCommand?: string | null;
};

/** Everything a task is, as stored: what export writes, import reads back, and fork derives a new task from. */
export interface TaskBundle {
  task: TaskRecord;
  steps: StepRecord[];
  notes: NoteRecord[];
  effects: EffectRecord[];
  turns: TurnRecord[];
  /** Its run history, hook deliveries included. */
  runs: RunRecord[];
}

/** What moving a store writes to the target: its tasks, whole, and its long-term memory. */
export interface StoreBundle {
  tasks: readonly TaskBundle[];
  memories: readonly MemoryBundle[];
}
