import { LeaseLostError } from '../errors.js';
import type { EffectRecord } from '../store/types.js';
import { ToolOutcomeUnknownError } from '../tools/types.js';
import { EffectStillRunningError, NeedsAttentionError, RunStoppedError } from './errors.js';
import { failpoint } from './failpoints.js';
import { processTag, stopOrphanedProcess } from './orphans.js';
import { throwIfStopped, type RunContext } from './run-context.js';

/** One side effect the runner is about to cause: a tool call or a `run:` step's command. */
export interface EffectCall {
  /** `<task-id>:<step>:<turn>:<call>` — stable across replays, handed to the tool. */
  key: string;
  step: number;
  turn: number;
  call: number;
  tool: string;
  args: string;
  idempotent: boolean;
  approve: boolean;
  /** Gets ready (starts a server) before the intent is written: what fails here did not happen, and stops the run. */
  prepare?: () => Promise<void>;
  /**
   * Does it; throws to report a failure (recorded as `failed`, output = message). Reports each process it starts to
   * `onSpawn` and lets it begin only once the returned promise resolves (the process is journaled by then).
   */
  run: (onSpawn: (pid: number) => Promise<void>) => Promise<string>;
  /** For non-idempotent effects: did the effect with this key already happen? */
  check?: () => Promise<{ done: boolean; output: string }>;
}

export interface EffectOutcome {
  status: 'done' | 'failed' | 'skipped';
  output: string;
  /** True when the outcome came from the journal and nothing ran. */
  replayed: boolean;
}

/**
 * Runs an effect at most once per key: the intent is committed before it runs and the outcome after. On resume a
 * recorded outcome is returned as it was; an intent without outcome is settled by the effect's kind (run again if
 * idempotent, ask its check, or stop for a person).
 */
export async function performEffect(ctx: RunContext, call: EffectCall): Promise<EffectOutcome> {
  const { store } = ctx;
  const existing = await store.getEffect(call.key);
  if (existing?.process) await stopEarlierRunsProcess(ctx, existing);
  if (existing) {
    const recorded = recordedOutcome(existing);
    if (recorded) return recorded;
    if (existing.status === 'intent') {
      const settled = await settleUnknownOutcome(ctx, call);
      if (settled) return settled;
    } else if (existing.status === 'uncertain' || existing.status === 'awaiting-approval') {
      const answer = await askPerson(ctx, call, existing.status === 'uncertain' ? 'uncertain-effect' : 'approval');
      if (answer) return answer;
    }
    // 'approved' (by a person, or `resolve --retry`) falls through and runs.
  } else if (call.approve) {
    await store.putEffect(journalEntry(ctx, call, 'awaiting-approval'), ctx.lease.fence());
    const answer = await askPerson(ctx, call, 'approval');
    if (answer) return answer;
  }
  return execute(ctx, call);
}

/**
 * Whatever an earlier run (killed, or paused and taken over) left running for this effect must stop before anyone
 * decides about it. Only a process an earlier epoch started, and only while we hold the lease: a runner that was
 * itself taken over must never kill the command the live runner is running.
 */
async function stopEarlierRunsProcess(ctx: RunContext, effect: EffectRecord): Promise<void> {
  if ((effect.processEpoch ?? 0) >= ctx.lease.epoch) return;
  await assertLeaseHeld(ctx);
  if ((await stopOrphanedProcess(effect.process!)) === 'still-running') throw new EffectStillRunningError(effect.key, effect.process!);
}

function recordedOutcome(effect: EffectRecord): EffectOutcome | undefined {
  if (effect.status === 'done' || effect.status === 'failed' || effect.status === 'skipped') {
    return { status: effect.status, output: effect.output ?? '', replayed: true };
  }
  return undefined;
}

/** A crash left an intent without outcome. Returns the outcome if settled without running, undefined to run. */
async function settleUnknownOutcome(ctx: RunContext, call: EffectCall): Promise<EffectOutcome | undefined> {
  if (call.idempotent) return undefined;
  if (call.check) {
    let answer: { done: boolean; output: string };
    try {
      answer = await call.check();
    } catch (error) {
      if (ctx.signal.aborted) throw ctx.stopped();
      // A check that cannot tell leaves the outcome as unknown as no check at all: a person decides, told what the
      // check said (its exit and the end of its output — often a check that errors before the first call happened).
      const said = oneLine((error as Error).message);
      await ctx.store.settleEffect(call.key, 'uncertain', `its check failed: ${said}`, { fence: ctx.lease.fence() });
      return askPerson(ctx, call, 'uncertain-effect', `its check failed (${said})`);
    }
    if (!answer.done) return undefined;
    const output = answer.output || 'already done (confirmed by check)';
    await ctx.store.settleEffect(call.key, 'done', output, { fence: ctx.lease.fence() });
    return { status: 'done', output, replayed: true };
  }
  await ctx.store.settleEffect(call.key, 'uncertain', null, { fence: ctx.lease.fence() });
  return askPerson(ctx, call, 'uncertain-effect', 'it has no check');
}

/**
 * Asks a person (on a TTY) or stops the task as needs-attention. Returns an outcome, or undefined when the answer
 * is to run the effect now.
 */
async function askPerson(
  ctx: RunContext,
  call: EffectCall,
  kind: 'uncertain-effect' | 'approval',
  why = 'it has no check',
  when = 'before the crash',
): Promise<EffectOutcome | undefined> {
  const what =
    kind === 'approval'
      ? `${call.tool} needs approval before it runs (effect ${call.key})`
      : `${call.tool} may or may not have happened ${when}, and ${why} (effect ${call.key})`;
  if (!ctx.ask) throw new NeedsAttentionError(what, call.key, kind === 'approval' ? 'approval' : 'effect');
  const answer = await ctx.ask({ kind, taskId: ctx.task.id, key: call.key, tool: call.tool, args: call.args, step: call.step });
  switch (answer) {
    case 'retry':
      return undefined;
    case 'done': {
      const output = 'marked done by a person';
      await ctx.store.settleEffect(call.key, 'done', output, { fence: ctx.lease.fence() });
      return { status: 'done', output, replayed: true };
    }
    case 'skip': {
      const output = 'skipped by a person: it did not run';
      await ctx.store.settleEffect(call.key, 'skipped', output, { fence: ctx.lease.fence() });
      return { status: 'skipped', output, replayed: true };
    }
    case 'abort':
      throw new RunStoppedError('cancel', `cancelled by a person at effect ${call.key}`);
  }
}

async function execute(ctx: RunContext, call: EffectCall): Promise<EffectOutcome> {
  throwIfStopped(ctx);
  await call.prepare?.();
  // Fenced, and refused once a cancel was requested: a stopped runner, or a cancelled task, starts nothing new.
  await ctx.store.putEffect(journalEntry(ctx, call, 'intent'), ctx.lease.fence());
  failpoint('after-intent');
  // A pause here (a frozen process) can outlast the lease: ask the database, not our clock, before starting anything.
  await assertLeaseHeld(ctx);
  let outcome: EffectOutcome;
  let refused: unknown;
  try {
    const onSpawn = async (pid: number) => {
      failpoint('after-spawn');
      try {
        // Fenced: if another runner took over meanwhile, this throws and the process is killed before it begins.
        await ctx.store.setEffectProcess(call.key, processTag(pid), ctx.lease.fence());
      } catch (error) {
        refused = error;
        throw error;
      }
    };
    outcome = { status: 'done', output: await call.run(onSpawn), replayed: false };
  } catch (error) {
    // The journal refused the process (lease lost, database locked): it never began, and the run stops here.
    if (refused !== undefined) throw refused;
    // Stopped mid-effect: its outcome is unknown, so the intent stays and resume settles it by the tool's kind.
    if (ctx.signal.aborted) throw ctx.stopped();
    if (error instanceof ToolOutcomeUnknownError) return settleLostAnswer(ctx, call, error.message);
    outcome = { status: 'failed', output: (error as Error).message, replayed: false };
  }
  failpoint('before-outcome');
  // Fenced: a runner that was taken over meanwhile must not write the journal the new holder now owns.
  await ctx.store.settleEffect(call.key, outcome.status, outcome.output, { fence: ctx.lease.fence() });
  failpoint('after-tool');
  return outcome;
}

/** A message as one bounded line, for the task's error and the effect's record. */
function oneLine(text: string, maxChars = 600): string {
  const line = text.trim().replace(/\s*\n\s*/g, ' | ');
  return line.length <= maxChars ? line : `${line.slice(0, maxChars - 1)}…`;
}

/**
 * The request went out and no answer came (a timeout, a server that died mid-call): the same uncertainty as a crash
 * after the intent, settled the same way — except that a tool safe to repeat, or one whose check says it did not
 * happen, is reported to the LLM as failed rather than run again here, so a server that keeps timing out cannot loop.
 */
async function settleLostAnswer(ctx: RunContext, call: EffectCall, message: string): Promise<EffectOutcome> {
  let output = message;
  if (!call.idempotent) {
    if (!call.check) {
      await ctx.store.settleEffect(call.key, 'uncertain', null, { fence: ctx.lease.fence() });
      return (await askPerson(ctx, call, 'uncertain-effect', 'it has no check', `(${message})`)) ?? execute(ctx, call);
    }
    const settled = await settleUnknownOutcome(ctx, call);
    if (settled) return settled;
    output = `${message}; its check says it did not happen`;
  }
  await ctx.store.settleEffect(call.key, 'failed', output, { fence: ctx.lease.fence() });
  return { status: 'failed', output, replayed: false };
}

function journalEntry(ctx: RunContext, call: EffectCall, status: 'intent' | 'awaiting-approval') {
  return { key: call.key, taskId: ctx.task.id, step: call.step, turn: call.turn, call: call.call, tool: call.tool, args: call.args, status };
}

/** Fencing: a runner whose lease another runner took must neither act nor record. */
export async function assertLeaseHeld(ctx: RunContext): Promise<void> {
  if (!(await ctx.lease.confirm())) throw new LeaseLostError(ctx.task.id);
}
