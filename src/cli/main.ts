import { createRequire } from 'node:module';
import { Command, CommanderError } from '@commander-js/extra-typings';
import { AgentrunError, ExitCode } from '../errors.js';
import type { CommandContext } from './command-kit.js';
import { COMMANDS } from './commands/index.js';
import { boundedMessage } from '../input/excerpt.js';

// Command modules only declare; each imports its run function when it runs, so `agentrun --version` and `status`
// never load the LLM SDK.
const { version } = createRequire(import.meta.url)('../../package.json') as { version: string };

const EXIT_CODES = `
Exit codes:
  0  completed, or nothing to do
  1  the task failed (or was cancelled)
  2  usage or bad input (unknown task, invalid task file, unreadable database); nothing was written
  3  interrupted, resumable (signal, LLM unavailable, or the task is running elsewhere)
  4  needs a person (an uncertain side effect or an approval)

Environment:
  AGENTRUN_DB       database file (default: agentrun.db in the user's data directory)
  AGENTRUN_MODEL    model name; OPENAI_API_KEY and OPENAI_BASE_URL configure the LLM endpoint
  AGENTRUN_EMBEDDINGS_MODEL  optional: embed memories with this model and blend meaning into recall
  NO_COLOR          any value: no colour (as --no-color); colour, spinners and prompts also stay off without a
                    terminal or with CI set`;

/** SIGINT/SIGTERM: the first asks the run to stop at a safe point; a second exits at once (the journals make it safe). */
function interruptSignal(): AbortSignal {
  const controller = new AbortController();
  let received = 0;
  const onSignal = (name: NodeJS.Signals) => {
    received += 1;
    if (received === 1) {
      process.stderr.write(`agentrun: ${name} received, stopping at the next safe point (again to exit now)\n`);
      controller.abort(name);
    } else {
      process.exit(ExitCode.interrupted);
    }
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return controller.signal;
}

/**
 * Commander's errors as ours: one line, `agentrun: …`, with its suggestion on the same line
 * (`error: unknown command 'strat'\n(Did you mean start?)` becomes `agentrun: unknown command 'strat' (did you mean start?)`).
 */
function usageLine(message: string): string {
  const text = message
    .trim()
    .replace(/^error: /, '')
    .replace(/\s*\n\(Did you mean (.*)\?\)$/s, ' (did you mean $1?)')
    .replace(/\s*\n\s*/g, ' ');
  return `agentrun: ${text}\n`;
}

function buildProgram(context: CommandContext): Command<[], { color: boolean }> {
  const program = new Command('agentrun')
    .description('Run LLM agent tasks that survive restarts: durable checkpoints, exactly-once side effects, resume.')
    .version(version)
    .showSuggestionAfterError(true)
    .option('--no-color', 'no colour in the output (also: NO_COLOR=1)')
    .addHelpText('after', EXIT_CODES)
    .exitOverride()
    // Inherited by every command declared with program.command(): help and version on stdout, errors as one line.
    .configureOutput({ outputError: (message, write) => write(usageLine(message)) })
    .hook('preAction', (root) => {
      // One switch for every colour source (chalk, ora, the prompts): they all honour NO_COLOR.
      if (root.opts().color === false) process.env.NO_COLOR = '1';
    });
  for (const register of COMMANDS) register(program, context);
  return program;
}

/** The only place that decides the process's exit code. */
async function main(argv: string[]): Promise<number> {
  let exitCode: number = ExitCode.ok;
  let signal: AbortSignal | undefined;
  const program = buildProgram({
    exit: (code) => {
      exitCode = code;
    },
    interruptSignal: () => (signal ??= interruptSignal()),
  });
  try {
    await program.parseAsync(argv);
    return exitCode;
  } catch (error) {
    if (error instanceof CommanderError) {
      // Commander already printed its message (or the help/version text).
      return error.exitCode === 0 ? ExitCode.ok : ExitCode.usage;
    }
    if (error instanceof AgentrunError) {
      process.stderr.write(`agentrun: ${boundedMessage(error.message)}\n`);
      return error.exitCode;
    }
    process.stderr.write(`agentrun: internal error: ${boundedMessage((error as Error)?.message ?? String(error))}\n`);
    if (process.env.AGENTRUN_DEBUG) process.stderr.write(`${(error as Error)?.stack}\n`);
    return ExitCode.failed;
  }
}

// `agentrun status | head -1` closes the pipe early: that is the reader's choice, not an error.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(process.exitCode ?? ExitCode.ok);
  throw error;
});

process.exitCode = await main(process.argv);
