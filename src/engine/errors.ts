import { AgentrunError, ExitCode } from '../errors.js';

/** A step could not finish: its command failed, or the LLM ran out of turns. The task fails; resume retries it. */
export class StepFailedError extends AgentrunError {
  constructor(
    readonly step: number,
    message: string,
  ) {
    super(message, ExitCode.failed);
  }
}

/** The LLM could not produce a valid plan, even when told what was wrong. */
export class PlanInvalidError extends AgentrunError {
  constructor(message: string) {
    super(message, ExitCode.failed);
  }
}

/** Every step completed, but the LLM gave no usable final result: the task is not completed with an empty one. */
export class FinalResultError extends AgentrunError {
  constructor(problem: string) {
    super(`the LLM did not write a usable final result: ${problem}`, ExitCode.failed);
  }
}

/** The task's `limits.maxTokens` was crossed. */
export class BudgetExceededError extends AgentrunError {
  constructor(used: number, limit: number) {
    super(`token budget exceeded: ${used} tokens used, limits.maxTokens is ${limit}`, ExitCode.failed);
  }
}

/** A side effect's outcome is unknown, or a call awaits approval: a person decides. */
export class NeedsAttentionError extends AgentrunError {
  constructor(
    message: string,
    readonly effectKey: string,
    readonly reason: 'effect' | 'approval',
  ) {
    super(message, ExitCode.needsAttention);
  }
}

/** The runner stopped at a safe point: a signal, or a cancel (by `agentrun cancel` or a person's abort). */
export class RunStoppedError extends AgentrunError {
  constructor(readonly why: 'signal' | 'cancel', message: string) {
    super(message, why === 'cancel' ? ExitCode.failed : ExitCode.interrupted);
  }
}

/**
 * An earlier run's command for this effect outlived SIGKILL (uninterruptible I/O): deciding now could run the effect
 * a second time beside it. The task stays resumable.
 */
export class EffectStillRunningError extends AgentrunError {
  constructor(
    readonly effectKey: string,
    readonly process: string,
  ) {
    super(`the command of effect ${effectKey} (process group ${process}) is still running after SIGKILL; resume once it has ended`, ExitCode.interrupted);
  }
}

/** The task's `limits.deadline` passed before it finished: it stops as failed, reason `deadline`. */
export class DeadlineExceededError extends AgentrunError {
  constructor(readonly deadline: number) {
    super(`deadline passed: the task had to finish by ${new Date(deadline).toISOString()} (limits.deadline)`, ExitCode.failed);
  }
}
