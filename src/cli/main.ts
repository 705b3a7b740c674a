import { createRequire } from 'node:module';
import { Command, CommanderError } from 'commander';
import { AgentrunError, ExitCode } from '../errors.js';

// Commands are imported when they run, so `agentrun --version` and `status` never load the LLM SDK.
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
  AGENTRUN_MODEL    model name; OPENAI_API_KEY and OPENAI_BASE_URL configure the LLM endpoint`;

/** SIGINT/SIGTERM: the first asks the run to stop at a safe point; a second exits at once (the journals make it safe). */
function interruptSignal(): AbortSignal {
  const controller = new AbortController();
  let received = 0;
  const onSignal = (name: NodeJS.Signals) => {
    received += 1;
    if (received === 1) {
      process.stderr.write(`agentrun: ${name} received, stopping at the next safe point (again to exit now)\n`);
      controller.abort();
    } else {
      process.exit(ExitCode.interrupted);
    }
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return controller.signal;
}

function buildProgram(setExit: (code: number) => void): Command {
  const program = new Command('agentrun')
    .description('Run LLM agent tasks that survive restarts: durable checkpoints, exactly-once side effects, resume.')
    .version(version)
    .showSuggestionAfterError(true)
    .addHelpText('after', EXIT_CODES)
    .exitOverride();

  const dbOption = ['--db <path>', 'database file (default: $AGENTRUN_DB or the user data directory)'] as const;

  program
    .command('start')
    .description('create a task from a goal or a task file, and run it')
    .argument('[goal...]', 'what the task should achieve')
    .option('--task <file>', 'a task file (.yaml or .json)')
    .option('--id <id>', 'the task id; an existing id resumes that task (idempotent, for cron)')
    .option('--model <name>', 'the LLM model (default: $AGENTRUN_MODEL, the task file, gpt-4o-mini)')
    .option(...dbOption)
    .option('--json', 'print the outcome as JSON')
    .addHelpText('after', '\nExamples:\n  agentrun start --task tasks/hello-offline.yaml\n  agentrun start "Summarise docs/*.md into REPORT.md"\n  agentrun start --task tasks/nightly.yaml --id nightly-2026-11-24')
    .action(async (goal: string[], opts) => {
      const { run } = await import('./commands/start.js');
      setExit(await run({ goal, ...opts, signal: interruptSignal() }));
    });

  program
    .command('resume')
    .description('continue a task from its last checkpoint')
    .argument('<task-id>')
    .option('--force', 'take the task over even if another runner holds its lease')
    .option(...dbOption)
    .option('--json', 'print the outcome as JSON')
    .addHelpText('after', '\nExample:\n  agentrun resume 01JD3M4W6X0000000000000000')
    .action(async (taskId: string, opts) => {
      const { run } = await import('./commands/resume.js');
      setExit(await run({ taskId, ...opts, signal: interruptSignal() }));
    });

  program
    .command('status')
    .description('list tasks, most recently updated first')
    .option('--status <list>', 'only these statuses, comma-separated')
    .option('--limit <n>', 'at most n tasks', '20')
    .option('--all', 'include tasks whose journals were garbage-collected')
    .option(...dbOption)
    .option('--json', 'print as JSON')
    .addHelpText('after', '\nExample:\n  agentrun status --status interrupted,failed')
    .action(async (opts) => {
      const { run } = await import('./commands/status.js');
      setExit(await run(opts));
    });

  program
    .command('inspect')
    .description("show one task's whole state: plan, results, decisions, discoveries, effects, tokens")
    .argument('<task-id>')
    .option('--json', 'print the checkpoint document as JSON')
    .option('--context', 'print the context the LLM will see at the next step')
    .option(...dbOption)
    .addHelpText('after', '\nExample:\n  agentrun inspect 01JD3M4W6X0000000000000000 --json')
    .action(async (taskId: string, opts) => {
      const { run } = await import('./commands/inspect.js');
      setExit(await run({ taskId, ...opts }));
    });

  return program;
}

/** The only place that decides the process's exit code. */
async function main(argv: string[]): Promise<number> {
  let exitCode: number = ExitCode.ok;
  const program = buildProgram((code) => {
    exitCode = code;
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
      process.stderr.write(`agentrun: ${error.message}\n`);
      return error.exitCode;
    }
    process.stderr.write(`agentrun: internal error: ${(error as Error)?.message ?? String(error)}\n`);
    if (process.env.AGENTRUN_DEBUG) process.stderr.write(`${(error as Error)?.stack}\n`);
    return ExitCode.failed;
  }
}

process.exitCode = await main(process.argv);
