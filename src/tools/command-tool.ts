import type { CommandToolDefinition } from '../task/schema.js';
import { checkRequiredArguments } from './arguments.js';
import { checkCannotTell, describeExit, runCommand, type CommandResult } from './command.js';
import { truncateOutput } from './truncate.js';
import { ToolError, type Tool, type ToolContext } from './types.js';

/**
 * Captured per stream, more than is shown: the tail of stderr, where a failing command says why, is only there
 * if enough of the stream was kept (runCommand keeps the head).
 */
const MIN_CAPTURE_BYTES = 64 * 1024;

/**
 * A tool the task file defines as a shell command. The command gets the arguments as JSON on stdin and
 * AGENTRUN_IDEMPOTENCY_KEY / AGENTRUN_TASK_ID / AGENTRUN_STEP in its environment, so it can make its effect
 * exactly-once and its `check` command can tell whether that effect already happened.
 */
export function createCommandTool(definition: CommandToolDefinition): Tool {
  const { name, command, check, timeout } = definition;
  const tool: Tool = {
    name,
    description: definition.description,
    parameters: definition.parameters,
    idempotent: definition.idempotent,
    approve: definition.approve,
    async run(args, ctx) {
      checkRequiredArguments(definition.parameters, args);
      const result = await runWithArguments(command, timeout, args, ctx);
      if (result.exitCode !== 0) throw failure(name, result, timeout, ctx);
      return truncateOutput(result.stdout.trim(), ctx.outputLimit);
    },
  };
  if (check !== undefined) tool.check = commandCheck(name, check, timeout);
  return tool;
}

/**
 * A `check` command: gets the call's arguments on stdin and its idempotency key in AGENTRUN_IDEMPOTENCY_KEY.
 * Exit 0: the effect happened; exit 1: it did not; anything else: the check itself failed.
 */
export function commandCheck(toolName: string, command: string, timeoutMs: number): NonNullable<Tool['check']> {
  return async (args, ctx) => {
    const result = await runWithArguments(command, timeoutMs, args, ctx);
    // One line: it ends up in the needs-attention message and in `inspect`, where its own words show why.
    const cannotTell = checkCannotTell(result, timeoutMs);
    if (cannotTell) throw new ToolError(`check of ${toolName} ${cannotTell}`);
    return { done: result.exitCode === 0, output: truncateOutput(result.stdout.trim(), ctx.outputLimit) };
  };
}

async function runWithArguments(
  command: string,
  timeoutMs: number,
  args: Record<string, unknown>,
  ctx: ToolContext,
): Promise<CommandResult> {
  const result = await runCommand({
    command,
    cwd: ctx.workspace,
    stdin: JSON.stringify(args),
    env: {
      AGENTRUN_IDEMPOTENCY_KEY: ctx.idempotencyKey,
      AGENTRUN_TASK_ID: ctx.taskId,
      AGENTRUN_STEP: String(ctx.step),
    },
    timeoutMs,
    signal: ctx.signal,
    outputLimit: Math.max(MIN_CAPTURE_BYTES, ctx.outputLimit),
    onSpawn: ctx.onSpawn,
  });
  // An interrupted run has no outcome to report; the caller decides what happens to the step.
  ctx.signal.throwIfAborted();
  return result;
}

function failure(what: string, result: CommandResult, timeoutMs: number, ctx: ToolContext): ToolError {
  const said = result.stderr.trim() || result.stdout.trim();
  const detail = said === '' ? '' : `:\n${tail(said, ctx.outputLimit)}`;
  return new ToolError(`${what} ${describeExit(result, timeoutMs)}${detail}`);
}

/** The last `limitBytes` of text, cut on a character boundary, saying how much came before. */
function tail(text: string, limitBytes: number): string {
  const bytes = Buffer.from(text, 'utf8');
  if (bytes.length <= limitBytes) return text;
  // A cut inside a character leaves up to three continuation bytes, each decoded as U+FFFD.
  const kept = bytes.subarray(bytes.length - limitBytes).toString('utf8').replace(/^\uFFFD{1,3}/, '');
  return `[${bytes.length - Buffer.byteLength(kept, 'utf8')} earlier bytes not shown]\n${kept}`;
}
