import { AgentrunError, CancelRequestedError, DatabaseBusyError, DatabaseUnavailableError, DiskFullError, ExitCode, isMomentaryStoreError, LeaseLostError, TaskNotFoundError, UsageError } from '../errors.js';
import type { LlmClient } from '../llm/client.js';
import { DEFAULT_ENDPOINT_PROFILE } from '../llm/types.js';
import type { ClaimedTask, NextStep, RunEnding, StepAttempt, StepRecord, Store, TaskRecord } from '../store/types.js';
import { McpToolRejectedError } from '../mcp/errors.js';
import type { McpPool } from '../mcp/server-pool.js';
import type { Tool } from '../tools/types.js';
import { runCommandStep } from './command-step.js';
import type { RecalledMemory } from './context.js';
import { BudgetExceededError, DeadlineExceededError, NeedsAttentionError, PlanInvalidError, RunStoppedError, StepFailedError } from './errors.js';
import type { EventListener } from './events.js';
import { failpoint } from './failpoints.js';
import { compileFinalResult } from './final-result.js';
import { Lease, leaseOwner, leaseTimingFromEnv, type LeaseTiming } from './lease.js';
import type { StepOutput } from './llm-step.js';
import { deadlineAt, watchDeadline } from './deadline.js';
import { deliverHooks } from './hooks.js';
import { RunRecorder, settleTask } from './run-history.js';
import { journaledEndpoint } from './llm-turns.js';
import { throwIfStopped, type AskPerson, type RunContext } from './run-context.js';
import { cancelRun, completeTask, failTask, failTaskAtStep, pauseTask } from './transitions.js';

/** Long-term memory as the runner sees it; absent means the task neither recalls nor remembers. */
export interface MemoryHooks {
  recall(task: TaskRecord, llm: () => Promise<LlmClient>): Promise<RecalledMemory[]>;
  remember(task: TaskRecord, llm: () => Promise<LlmClient>): Promise<void>;
}

export interface RunOptions {
  store: Store;
  taskId: string;
  /** Aborting it (SIGINT/SIGTERM) stops the run at the next safe point; the task becomes `interrupted`. */
  signal?: AbortSignal;
  /**
   * Aborting it stops the run once the step it is in has completed (a worker draining): nothing in flight is cut
   * off. The task becomes `interrupted`, as for `signal`, and resumes at the next step.
   */
  drain?: AbortSignal;
  onEvent?: EventListener;
  /** How to ask a person; leave out in unattended runs, and the task stops as needs-attention instead. */
  ask?: AskPerson;
  /** Take the lease even from a live holder. */
  force?: boolean;
  /** A worker's claim of the task: its lease is the run's (see Store.claimTask). */
  claimed?: ClaimedTask;
  timing?: LeaseTiming;
  owner?: string;
  /** Override the LLM client (library users); by default the openai SDK, configured from the environment. */
  llm?: () => Promise<LlmClient>;
  memory?: MemoryHooks;
  /**
   * Other runs share this store's connection (resume --all with concurrency): keep it fully durable rather than
   * let one task's `durability: normal` lower it for the others.
   */
  sharedStore?: boolean;
}

export interface RunOutcome {
  task: TaskRecord;
  exitCode: ExitCode;
  /** When the task needs a person: the key of the effect waiting for a decision. */
  waitingEffect?: string;
  /** This run stopped because another runner took the task over; the task is theirs now. */
  leaseLost?: boolean;
}

/**
 * Runs a task from wherever its checkpoint says it is: plans it if it has no plan, skips completed steps, resumes a
 * step that was running when the process died (replaying its journal), retries a step that failed, then compiles
 * the final result. Holds the task's lease throughout.
 */
export async function runTask(options: RunOptions): Promise<RunOutcome> {
  const { store, taskId } = options;
  const owner = options.owner ?? leaseOwner();
  const taken = await takeTask(options, owner);
  if ('finished' in taken) return taken.finished;
  const { initial, task, lease } = taken;
  // From here on this process runs the task: the run history records it, and how it ends.
  const history = await RunRecorder.begin(store, { before: initial, held: task, owner, forced: Boolean(options.force) });
  const emit: EventListener = history.listen(options.onEvent ?? (() => {}));
  // A hook an earlier run's transition called for, if that run died before running it.
  await deliverHooks(store, task, emit);
  const controller = new AbortController();
  // Why the run was told to stop: a signal or cancel, a lost lease, the deadline, or a store its heartbeat found broken.
  let stopReason: AgentrunError | undefined;
  const stop = (reason: AgentrunError) => {
    stopReason ??= reason;
    controller.abort(stopReason);
  };
  const onSignal = () => stop(new RunStoppedError('signal', 'interrupted by a signal; resume to continue'));
  // Past the task's deadline the run stops (a command in flight is killed) and the task fails, reason `deadline`.
  const due = deadlineAt(task);
  const unwatchDeadline = due === undefined ? () => {} : watchDeadline(due, () => stop(new DeadlineExceededError(due)));
  if (options.signal?.aborted) onSignal();
  options.signal?.addEventListener('abort', onSignal, { once: true });
  let progress: string | undefined;
  lease.startHeartbeat(
    () => progress,
    () => stop(new LeaseLostError(taskId)),
    () => stop(new RunStoppedError('cancel', 'cancelled by `agentrun cancel`')),
    (error) => stop(error),
  );

  let client: Promise<LlmClient> | undefined;
  // Loaded (with the SDK behind it) at the first live request only: a resume that replays or runs commands first
  // reaches its first durable progress without paying for it.
  const llm = () =>
    (client ??= options.llm
      ? options.llm()
      : import('../llm/client.js').then(({ createLlmClient }) =>
          createLlmClient({
            retry: task.definition.retry,
            timeoutMs: task.definition.limits.llmTimeout,
            onRetry: (notice) => emit({ type: 'retrying', taskId, ...notice }),
          }),
        ));
  const ctx: RunContext = {
    store,
    task,
    signal: controller.signal,
    lease,
    emit,
    ask: options.ask,
    llm,
    endpoint: task.usage.requests > 0 ? await journaledEndpoint(store, taskId) : DEFAULT_ENDPOINT_PROFILE,
    usage: { ...task.usage },
    stopped: () => stopReason ?? new RunStoppedError('signal', 'interrupted'),
    setProgress: (line) => {
      progress = line;
    },
  };

  // Servers start on first use and all stop when this run ends, however it ends.
  const mcp = hasMcpServers(task) ? await createMcpPool(store, task) : undefined;
  let outcome: RunOutcome | undefined;
  try {
    outcome = await runUnderLease();
  } catch (error) {
    await history.end('error', error instanceof Error ? error.message : String(error)).catch(() => {});
    throw error;
  } finally {
    options.signal?.removeEventListener('abort', onSignal);
    await mcp?.close();
    unwatchDeadline();
    // The history never changes how the run ends: an end that cannot be written (the database went away) is found
    // later, like a killed run's.
    if (outcome) await history.end(...runEnding(outcome, stopReason, options.signal)).catch(() => {});
    await lease.release();
  }
  // After letting go, so a hook may itself run agentrun on the task; it never changes the outcome. One that could
  // not be delivered now stays pending for the next command that settles the task (resume --all).
  if (outcome && !outcome.leaseLost) {
    try {
      await deliverHooks(store, (await store.getTask(taskId)) ?? task, emit);
    } catch (error) {
      emit({ type: 'warning', taskId, message: `could not run the task's hook now (${(error as Error).message}); resume --all runs it later` });
    }
  }
  return outcome;

  /** The run itself, under the lease: every way it stops becomes an outcome; only an internal error is thrown. */
  async function runUnderLease(): Promise<RunOutcome> {
    try {
      // Whether or not this run needs a server, none that a killed run left may keep running.
      await mcp?.stopLeftovers();
      await store.setDurability(options.sharedStore ? 'full' : task.definition.durability);
      emit({ type: 'task-started', taskId, resumed: task.status !== 'planning' || task.stepCount > 0, goal: task.goal });
      const finalResult = await runSteps(ctx, options.memory, mcp, options.drain);
      await completeTask(store, lease.fence(), task, finalResult);
      failpoint('after-finish');
      const finished = (await store.getTask(taskId))!;
      if (options.memory && task.definition.memory.write) {
        // The task is completed whatever happens here: a memory that cannot be written is worth a warning, not a status.
        // Only the run whose fenced completion committed gets here, once: a completed task is never taken over.
        try {
          await options.memory.remember(finished, llm);
        } catch (error) {
          emit({ type: 'warning', taskId, message: `could not write the task's findings to memory: ${(error as Error).message}` });
        }
      }
      emit({ type: 'task-finished', taskId, status: 'completed', result: finalResult, error: null });
      return { task: finished, exitCode: ExitCode.ok };
    } catch (error) {
      return await settleStop(ctx, error, stopReason);
    }
  }
}

/**
 * Takes the task's lease — or adopts the one a worker's claim took — and reads the task under it. A task with nothing
 * left to run (completed, cancelled, or gc'd meanwhile) is let go at once. `initial` is the task as it was before the
 * lease was ours (its holder then), for the run history.
 */
async function takeTask(options: RunOptions, owner: string): Promise<{ finished: RunOutcome } | { initial: TaskRecord; task: TaskRecord; lease: Lease }> {
  const { store, taskId, claimed } = options;
  const timing = options.timing ?? leaseTimingFromEnv();
  let initial: TaskRecord;
  let held: TaskRecord | undefined;
  let lease: Lease;
  if (claimed) {
    // The claim's lease is the run's: taking it again would only bump the epoch a second time.
    lease = Lease.adopt(store, taskId, owner, claimed.epoch, timing);
    held = await store.getTask(taskId);
    if (!held) throw new TaskNotFoundError(taskId);
    initial = { ...held, leaseOwner: claimed.previous?.owner ?? null, leaseExpiresAt: claimed.previous?.expiresAt ?? null };
  } else {
    const found = await store.getTask(taskId);
    if (!found) throw new TaskNotFoundError(taskId);
    initial = found;
    if (initial.status === 'completed' || initial.status === 'cancelled') {
      // Nothing to run; but a run that died right after finishing it may have left its hook to run.
      await settleTask(store, taskId, options.onEvent ?? (() => {}), owner);
      return { finished: { task: initial, exitCode: ExitCode.ok } };
    }
    if (initial.prunedAt !== null) throw prunedError(taskId);
    lease = await Lease.acquire(store, taskId, { owner, timing, force: options.force, currentHolder: initial.leaseOwner });
  }
  // Re-read under the lease: another runner may have moved the task on while we waited for it, and `gc` prunes
  // only a task nobody took the lease of since it looked, so a task not pruned now stays so while we hold it.
  const task = held ?? (await store.getTask(taskId))!;
  failpoint('after-lease');
  if (task.prunedAt !== null || task.status === 'completed' || task.status === 'cancelled') {
    await lease.release();
    if (task.prunedAt !== null) throw prunedError(taskId);
    return { finished: { task, exitCode: ExitCode.ok } };
  }
  return { initial, task, lease };
}

/** How a run that returned an outcome ended, for the run history: the task's status, or why this runner stopped. */
function runEnding(outcome: RunOutcome, stopReason: AgentrunError | undefined, signal: AbortSignal | undefined): [RunEnding, string | null] {
  if (outcome.leaseLost) return ['lease-lost', outcome.task.error];
  const status = outcome.task.status;
  if (status === 'completed' || status === 'failed' || status === 'cancelled' || status === 'needs-attention') return [status, outcome.task.error];
  // Stopped by SIGINT/SIGTERM: the entry point aborts with the signal's name.
  if (stopReason instanceof RunStoppedError && stopReason.why === 'signal') return ['interrupted', typeof signal?.reason === 'string' ? signal.reason : 'a signal'];
  return ['interrupted', outcome.task.error];
}

async function runSteps(ctx: RunContext, memory: MemoryHooks | undefined, mcp: McpPool | undefined, drain: AbortSignal | undefined): Promise<string> {
  const { store, task, emit } = ctx;
  let steps = await store.getSteps(task.id);
  let plannedByLlm = steps.length > 0 && !task.definition.plan;
  let memories: RecalledMemory[] | undefined;
  // Recalled once per run, for the planner and the steps alike.
  const recall = async (): Promise<RecalledMemory[]> => {
    if (memories === undefined) {
      memories = memory && task.definition.memory.recall ? await memory.recall(task, ctx.llm) : [];
      if (memories.length > 0) emit({ type: 'memory-recalled', taskId: task.id, count: memories.length });
    }
    return memories;
  };
  if (steps.length === 0) {
    // Loaded only when there is something to plan: a resumed task skips the planner and its schema library.
    const { planTask } = await import('./planner.js');
    const plan = await planTask(ctx, recall);
    await store.savePlan(task.id, plan.steps, ctx.lease.fence());
    failpoint('after-plan');
    steps = await store.getSteps(task.id);
    plannedByLlm = plan.byLlm;
    emit({ type: 'planned', taskId: task.id, steps: steps.map((s) => ({ n: s.n, name: s.name })), byLlm: plan.byLlm });
  }
  const usesLlm = plannedByLlm || steps.some((s) => !s.spec.run);
  // The factual state the LLM steps start from, read once and kept current as steps complete.
  const notes = usesLlm ? await store.getNotes(task.id) : [];
  let tools: Map<string, Tool> | undefined;

  // The step the previous step's commit already marked running (one durable write per step), if any.
  let started: NextStep | undefined;
  for (const [i, step] of steps.entries()) {
    if (step.status === 'completed') continue;
    throwIfStopped(ctx);
    if (drain?.aborted) throw new RunStoppedError('signal', `stopped between steps for a drain; another worker (or resume) continues at step ${step.n}`);
    let attempt: StepAttempt;
    if (started?.n === step.n) {
      attempt = started;
    } else {
      attempt = await nextAttempt(ctx, step);
      // Fenced, and refused once a cancel was requested (CancelRequestedError), in the same transaction.
      await store.startStep(task.id, step.n, attempt, ctx.lease.fence());
    }
    const current: StepRecord = { ...step, ...attempt, status: 'running' };
    emit({ type: 'step-started', taskId: task.id, n: step.n, total: steps.length, name: step.name, attempt: attempt.attempts });
    let output: StepOutput;
    try {
      if (step.spec.run) {
        output = { result: await runCommandStep(ctx, current), notes: [] };
      } else {
        // The tools and the LLM step's machinery are loaded when an LLM step first runs, not for `run:` steps.
        tools ??= (await import('../tools/registry.js')).createToolRegistry(task.definition.tools);
        const { runLlmStep } = await import('./llm-step.js');
        const stepTools = mcp ? await (await import('../mcp/step-tools.js')).stepToolsWithMcp(ctx, current, tools, mcp) : tools;
        output = await runLlmStep(ctx, current, { task, steps, notes, memories: await recall() }, stepTools);
      }
    } catch (error) {
      if (error instanceof StepFailedError) emit({ type: 'step-failed', taskId: task.id, n: step.n, name: step.name, error: error.message });
      throw error;
    }
    const following = steps.slice(i + 1).find((s) => s.status !== 'completed');
    const next = following && { n: following.n, ...(await nextAttempt(ctx, following)) };
    failpoint('before-step-commit');
    const { nextStarted } = await store.completeStep(task.id, step.n, output, ctx.lease.fence(), next);
    failpoint('after-step-commit');
    Object.assign(step, { status: 'completed', result: output.result });
    const now = Date.now();
    notes.push(...output.notes.map((note) => ({ ...note, taskId: task.id, seq: 0, createdAt: now })));
    emit({ type: 'step-completed', taskId: task.id, n: step.n, total: steps.length, name: step.name, result: output.result });
    // A cancel requested during this step: the commit kept the next step from starting, as startStep would have.
    if (next && !nextStarted) throw new CancelRequestedError(task.id);
    started = next;
  }
  return compileFinalResult(ctx, steps, usesLlm);
}

/**
 * A step found `running` died mid-way: continue the same attempt, replaying its journal. Otherwise this is a new
 * attempt, whose turns are numbered after every earlier one so their journal entries and effect keys never collide.
 */
async function nextAttempt(ctx: RunContext, step: StepRecord): Promise<StepAttempt> {
  if (step.status === 'running') return { attempts: Math.max(1, step.attempts), firstTurn: step.firstTurn };
  if (step.attempts === 0) return { attempts: 1, firstTurn: 1 };
  const turns = await ctx.store.getTurns(ctx.task.id, 'step', step.n, step.firstTurn);
  const lastTurn = turns.at(-1)?.turn ?? step.firstTurn;
  return { attempts: step.attempts + 1, firstTurn: lastTurn + 1 };
}

/**
 * Records why the run ended early and maps it to an exit code, in one fenced transition. Unexpected errors keep the
 * task resumable. A runner that lost its lease, or cannot reach the database, writes nothing.
 */
async function settleStop(ctx: RunContext, error: unknown, stopReason: AgentrunError | undefined): Promise<RunOutcome> {
  // An error raised because we aborted (e.g. the SDK's abort error) is really the stop reason.
  const cause = stopReason && ctx.signal.aborted ? stopReason : error;
  try {
    return await recordStop(ctx, cause);
  } catch (failure) {
    if (failure instanceof LeaseLostError || storeOutOfReach(failure)) return leftAsItWas(ctx, failure);
    throw failure;
  }
}

async function recordStop(ctx: RunContext, cause: unknown): Promise<RunOutcome> {
  const { store, task, emit } = ctx;
  if (cause instanceof LeaseLostError || storeOutOfReach(cause)) return leftAsItWas(ctx, cause);
  if (!(await ctx.lease.confirm())) return leftAsItWas(ctx, new LeaseLostError(task.id));
  const fence = ctx.lease.fence();
  const message = cause instanceof Error ? cause.message : String(cause);
  if (!(cause instanceof AgentrunError)) {
    await pauseTask(store, fence, task, 'interrupted', `internal error: ${message}`, null);
    throw cause;
  }
  if (cause instanceof CancelRequestedError || (cause instanceof RunStoppedError && cause.why === 'cancel')) {
    await cancelRun(store, fence, task, message);
  } else if (cause instanceof StepFailedError) {
    await failTaskAtStep(store, fence, task, cause.step, message);
  } else if (cause.exitCode === ExitCode.failed) {
    await failTask(store, fence, task, message, failureReason(cause));
  } else if (cause instanceof NeedsAttentionError) {
    await pauseTask(store, fence, task, 'needs-attention', message, cause.reason);
  } else {
    // Stopped by SIGINT/SIGTERM (a worker draining, say), as opposed to a failure worth waiting out: other workers
    // may claim it at once (see Store.claimTask).
    const stoppedBySignal = cause instanceof RunStoppedError && cause.why === 'signal';
    await pauseTask(store, fence, task, 'interrupted', message, stoppedBySignal ? 'signal' : null);
  }
  const after = (await store.getTask(task.id))!;
  emit({ type: 'task-finished', taskId: task.id, status: after.status, result: null, error: message });
  return { task: after, exitCode: cause.exitCode, waitingEffect: cause instanceof NeedsAttentionError ? cause.effectKey : undefined };
}

/** The database stayed locked (SQLite), cannot be reached (PostgreSQL) or its disk is full: nothing can be recorded now. */
function storeOutOfReach(error: unknown): error is DatabaseBusyError | DatabaseUnavailableError | DiskFullError {
  return isMomentaryStoreError(error) || error instanceof DiskFullError;
}

/**
 * The task belongs to another runner now, or the database is out of reach: write nothing. It is resumable as it is —
 * by its new runner, or once our lease lapses (at once, from a dead pid on this host).
 */
async function leftAsItWas(ctx: RunContext, cause: LeaseLostError | DatabaseBusyError | DatabaseUnavailableError | DiskFullError): Promise<RunOutcome> {
  const { task, emit } = ctx;
  emit({ type: 'task-finished', taskId: task.id, status: 'interrupted', result: null, error: cause.message });
  const current = cause instanceof LeaseLostError ? await ctx.store.getTask(task.id).catch(() => undefined) : undefined;
  return { task: { ...(current ?? task), status: 'interrupted', error: cause.message }, exitCode: ExitCode.interrupted, leaseLost: cause instanceof LeaseLostError };
}

function prunedError(taskId: string): UsageError {
  // Its steps and journals are gone: running it again would redo completed work.
  return new UsageError(`task ${taskId} was garbage-collected (its steps and journals are gone): it cannot be resumed`);
}

function hasMcpServers(task: TaskRecord): boolean {
  return Object.keys(task.definition.mcp ?? {}).length > 0;
}

/** Loaded only for a task with MCP servers: the MCP SDK stays out of every other run. */
async function createMcpPool(store: Store, task: TaskRecord): Promise<McpPool> {
  const [{ McpPool }, { ServerProcesses }] = await Promise.all([import('../mcp/server-pool.js'), import('../mcp/server-processes.js')]);
  return new McpPool(task.definition.mcp!, { workspace: task.workspace, processes: new ServerProcesses(store.location, task.id) });
}

function failureReason(error: AgentrunError): string {
  if (error instanceof DeadlineExceededError) return 'deadline';
  if (error instanceof BudgetExceededError) return 'budget';
  if (error instanceof PlanInvalidError) return 'plan';
  if (error instanceof McpToolRejectedError) return 'mcp';
  return 'llm';
}
