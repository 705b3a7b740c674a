import { requiredString } from './arguments.js';
import { describeExit, runCommand } from './command.js';
import { truncateOutput } from './truncate.js';
import type { Tool } from './types.js';

const SHELL_TIMEOUT_MS = 60_000;
/** Room kept in the output limit for the status line, the stream labels and truncation notes. */
const FRAMING_BYTES = 200;

export const shellTool: Tool = {
  name: 'shell',
  description:
    'Run a command with `sh -c` in the workspace directory (60 s limit). ' +
    'Returns how it ended (exit code) followed by its stdout and stderr.',
  parameters: {
    type: 'object',
    properties: { command: { type: 'string', description: 'The shell command line to run' } },
    required: ['command'],
    additionalProperties: false,
  },
  idempotent: false,
  approve: false,
  async run(args, ctx) {
    const command = requiredString(args, 'command');
    // Each stream gets half the limit, so a flood on stdout cannot hide the stderr that says what went wrong.
    const streamLimit = Math.max(0, Math.floor((ctx.outputLimit - FRAMING_BYTES) / 2));
    const result = await runCommand({
      command,
      cwd: ctx.workspace,
      signal: ctx.signal,
      timeoutMs: SHELL_TIMEOUT_MS,
      outputLimit: streamLimit,
      onSpawn: ctx.onSpawn,
    });
    // An interrupted run has no outcome to report; the caller decides what happens to the step.
    ctx.signal.throwIfAborted();
    // A failing command is a normal result the LLM should see and react to, so it is returned, not thrown.
    const sections = [describeExit(result, SHELL_TIMEOUT_MS)];
    if (result.stdout !== '') sections.push(`--- stdout ---\n${result.stdout}`);
    if (result.stderr !== '') sections.push(`--- stderr ---\n${result.stderr}`);
    return truncateOutput(sections.join('\n'), ctx.outputLimit);
  },
};
