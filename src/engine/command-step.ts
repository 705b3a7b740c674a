import path from 'node:path';
import { checkCannotTell, describeExit, runCommand, type CommandResult } from '../tools/command.js';
import { truncateOutput } from '../tools/truncate.js';
import type { StepRecord } from '../store/types.js';
import { performEffect } from './effects.js';
import { StepFailedError } from './errors.js';
import type { RunContext } from './run-context.js';

/**
 * Runs a `run:` step. The command is a side effect like any tool call: journaled under the key
 * `<task>:<step>:<attempt>:0`, re-run after a crash if the step is idempotent (the default), otherwise settled by
 * its `check` or by a person.
 */
export async function runCommandStep(ctx: RunContext, step: StepRecord): Promise<string> {
  const spec = step.spec;
  const command = spec.run!;
  const limits = ctx.task.definition.limits;
  const timeoutMs = spec.timeout ?? limits.stepTimeout;
  const cwd = path.resolve(ctx.task.workspace, spec.cwd ?? '.');
  const key = `${ctx.task.id}:${step.n}:${step.firstTurn}:0`;
  const env = { ...spec.env, AGENTRUN_TASK_ID: ctx.task.id, AGENTRUN_STEP: String(step.n), AGENTRUN_IDEMPOTENCY_KEY: key };
  const invoke = (commandLine: string, onSpawn?: (pid: number) => Promise<void>): Promise<CommandResult> =>
    runCommand({ command: commandLine, cwd, env, timeoutMs, signal: ctx.signal, outputLimit: limits.toolOutputBytes, onSpawn });

  ctx.setProgress(`step ${step.n}: running ${command.split('\n')[0]}`);
  const outcome = await performEffect(ctx, {
    key,
    step: step.n,
    turn: step.firstTurn,
    call: 0,
    tool: 'run',
    args: command,
    idempotent: spec.idempotent,
    approve: false,
    run: async (onSpawn) => {
      const result = await invoke(command, onSpawn);
      const output = combinedOutput(result);
      if (result.exitCode !== 0) throw new Error(`command ${describeExit(result, timeoutMs)}${output ? `: ${lastLines(output)}` : ''}`);
      return truncateOutput(result.stdout.trimEnd(), limits.toolOutputBytes);
    },
    check: spec.check
      ? async () => {
          // Same contract as command tools' checks: 0 = it happened, 1 = it did not, anything else = cannot tell.
          const result = await invoke(spec.check!);
          const cannotTell = checkCannotTell(result, timeoutMs);
          if (cannotTell) throw new Error(`check ${cannotTell}`);
          return { done: result.exitCode === 0, output: result.stdout.trimEnd() };
        }
      : undefined,
  });
  if (outcome.status === 'failed') throw new StepFailedError(step.n, `step ${step.n} "${step.name}" failed: ${outcome.output}`);
  return outcome.output;
}

function combinedOutput(result: CommandResult): string {
  return [result.stdout.trimEnd(), result.stderr.trimEnd()].filter(Boolean).join('\n');
}

/** The end of the output is where a failing command says why; keep the message to a few lines. */
function lastLines(text: string, count = 5): string {
  const lines = text.split('\n');
  return (lines.length > count ? ['…', ...lines.slice(-count)] : lines).join(' | ');
}
