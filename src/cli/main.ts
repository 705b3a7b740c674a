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
    .option('--no-color', 'no colour in the output (also: NO_COLOR=1)')
    .addHelpText('after', EXIT_CODES)
    .exitOverride()
    .hook('preAction', (root) => {
      // One switch for every colour source (chalk, ora, the prompts): they all honour NO_COLOR.
      if (root.opts().color === false) process.env.NO_COLOR = '1';
    });

  const dbOption = ['--db <path>', 'database file (default: $AGENTRUN_DB or the user data directory)'] as const;

  program
    .command('start')
    .description('create a task from a goal or a task file, and run it')
    .argument('[goal...]', 'what the task should achieve (on a terminal, asked for when left out)')
    .option('--task <file>', 'a task file (.yaml or .json)')
    .option('--id <id>', 'the task id; an existing id resumes that task (idempotent, for cron)')
    .option('--model <name>', 'the LLM model (default: $AGENTRUN_MODEL, the task file, gpt-4o-mini)')
    .option(...dbOption)
    .option('--json', 'print the outcome as JSON')
    .option('--no-input', 'never prompt; stop as needs-attention instead (implied without a terminal or with CI set)')
    .option('-y, --yes', 'unattended: never prompt, like --no-input (nothing is approved on your behalf)')
    .addHelpText('after', '\nExamples:\n  agentrun start --task tasks/hello-offline.yaml\n  agentrun start                      # on a terminal: asks what the task should do\n  agentrun start "Summarise docs/*.md into REPORT.md"\n  agentrun start --task tasks/nightly.yaml --id nightly-2026-11-24')
    .action(async (goal: string[], opts) => {
      const { run } = await import('./commands/start.js');
      setExit(await run({ goal, ...opts, signal: interruptSignal() }));
    });

  program
    .command('resume')
    .description('continue a task from its last checkpoint')
    .argument('[task-id]')
    .option('--all', 'resume every interrupted task and every running one whose lease expired (for cron)')
    .option('--limit <n>', 'with --all: at most n tasks')
    .option('--concurrency <n>', 'with --all: n tasks at a time', '1')
    .option('--force', 'take the task over even if another runner holds its lease')
    .option(...dbOption)
    .option('--json', 'print the outcome as JSON')
    .option('--no-input', 'never prompt; stop as needs-attention instead (implied without a terminal or with CI set)')
    .option('-y, --yes', 'unattended: never prompt, like --no-input (nothing is approved on your behalf)')
    .addHelpText('after', '\nExamples:\n  agentrun resume 01JD3M4W6X0000000000000000\n  agentrun resume                     # on a terminal: pick one of the resumable tasks\n  agentrun resume --all --concurrency 4')
    .action(async (taskId: string | undefined, opts) => {
      if (opts.all) {
        const { run } = await import('./commands/resume-all.js');
        setExit(await run({ ...opts, signal: interruptSignal() }));
        return;
      }
      const { run } = await import('./commands/resume.js');
      setExit(await run({ taskId, ...opts, signal: interruptSignal() }));
    });

  program
    .command('cancel')
    .description('cancel a task: a running one stops at its next safe point, a stopped one is marked cancelled')
    .argument('<task-id>')
    .option('-y, --yes', 'do not ask for confirmation')
    .option(...dbOption)
    .addHelpText('after', '\nExample:\n  agentrun cancel nightly-2026-11-24 --yes')
    .action(async (taskId: string, opts) => {
      const { run } = await import('./commands/cancel.js');
      setExit(await run({ taskId, ...opts }));
    });

  program
    .command('fork')
    .description('a new task with the steps before N copied and the rest to run again (a better model, a fixed cause)')
    .argument('<task-id>')
    .requiredOption('--from-step <n>', 'the first step to run again')
    .option('--id <id>', 'the new task id')
    .option('--model <name>', 'the model for the new task')
    .option(...dbOption)
    .option('--json', 'print the new task id as JSON')
    .addHelpText('after', '\nExample:\n  agentrun fork 01JD3M4W6X0000000000000000 --from-step 3 --model gpt-4o && agentrun resume <new-id>')
    .action(async (taskId: string, opts) => {
      const { run } = await import('./commands/fork.js');
      setExit(await run({ taskId, ...opts }));
    });

  program
    .command('export')
    .description("write a task's checkpoint document (JSON), to move it to another machine")
    .argument('<task-id>')
    .option('-o, --output <file>', 'write to a file instead of stdout')
    .option(...dbOption)
    .addHelpText('after', '\nExample:\n  agentrun export nightly-1 -o nightly-1.json   # then on the other machine: agentrun import nightly-1.json')
    .action(async (taskId: string, opts) => {
      const { run } = await import('./commands/export.js');
      setExit(await run({ taskId, ...opts }));
    });

  program
    .command('import')
    .description('read an exported checkpoint into this database; resume it here')
    .argument('<file>')
    .option('--as <id>', 'import under a new id (needed if the id exists here)')
    .option('--workspace <dir>', "the task's workspace here (default: the exported one if it exists, else the current directory)")
    .option(...dbOption)
    .addHelpText('after', '\nExample:\n  agentrun import nightly-1.json && agentrun resume nightly-1')
    .action(async (file: string, opts) => {
      const { run } = await import('./commands/import.js');
      setExit(await run({ file, ...opts }));
    });

  program
    .command('gc')
    .description('remove the journals and steps of finished tasks past retention (summary rows stay)')
    .option('--older-than <duration>', 'instead of each task\'s own retention: finished longer ago than this (7d, 12h)')
    .option('--dry-run', 'only list what would be removed')
    .option('-y, --yes', 'do not ask for confirmation')
    .option(...dbOption)
    .option('--json', 'print the affected task ids as JSON')
    .addHelpText('after', '\nExample:\n  agentrun gc --older-than 30d --yes')
    .action(async (opts) => {
      const { run } = await import('./commands/gc.js');
      setExit(await run(opts));
    });

  program
    .command('resolve')
    .description('decide an effect whose outcome a crash left unknown (the task is needs-attention)')
    .argument('<task-id>')
    .argument('<effect-key>', 'the key shown by `inspect` and in the needs-attention message')
    .option('--retry', 'it did not happen: run it again on resume')
    .option('--done', 'it happened: record it as done')
    .option('--skip', 'do not run it; tell the LLM it was skipped')
    .option(...dbOption)
    .addHelpText('after', '\nExample:\n  agentrun resolve nightly-1 nightly-1:3:2:1 --done && agentrun resume nightly-1')
    .action(async (taskId: string, key: string, opts) => {
      const { run } = await import('./commands/resolve.js');
      setExit(await run({ taskId, key, ...opts }));
    });

  program
    .command('approve')
    .description('approve (or --deny) calls awaiting approval, one by key or all of a task')
    .argument('<task-id>')
    .argument('[effect-key]')
    .option('--deny', 'do not run it; tell the LLM it was denied')
    .option(...dbOption)
    .addHelpText('after', '\nExample:\n  agentrun approve 01JD3M4W6X0000000000000000 && agentrun resume 01JD3M4W6X0000000000000000')
    .action(async (taskId: string, key: string | undefined, opts) => {
      const { run } = await import('./commands/approve.js');
      setExit(await run({ taskId, key, ...opts }));
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

  const memory = program
    .command('memory')
    .description('long-term memory: what finished tasks learned, recalled by later tasks of the same namespace')
    .addHelpText(
      'after',
      '\nExamples:\n  agentrun memory search "staging deploy key"\n  agentrun memory list --namespace ops --limit 10\n  agentrun memory add "CI needs Node 20" --tag ci\n  agentrun memory forget 12',
    );

  memory
    .command('search')
    .description('memories matching a query, ranked as recall ranks them, with the reason for each')
    .argument('<query...>', 'plain words; search syntax in them is taken literally')
    .option('--namespace <ns>', 'only this namespace (default: every namespace)')
    .option('--limit <n>', 'at most n memories', '10')
    .option(...dbOption)
    .option('--json', 'print as JSON')
    .addHelpText('after', '\nExample:\n  agentrun memory search staging deploy key --namespace ops')
    .action(async (query: string[], opts) => {
      const { search } = await import('./commands/memory.js');
      setExit(await search({ query: query.join(' '), ...opts }));
    });

  memory
    .command('list')
    .description('memories, most recently learned first')
    .option('--namespace <ns>', 'only this namespace (default: every namespace)')
    .option('--limit <n>', 'at most n memories', '20')
    .option(...dbOption)
    .option('--json', 'print as JSON')
    .addHelpText('after', '\nExample:\n  agentrun memory list --namespace ops --limit 10')
    .action(async (opts) => {
      const { list } = await import('./commands/memory.js');
      setExit(await list(opts));
    });

  memory
    .command('add')
    .description('remember a fact for later tasks (the same text twice is one memory)')
    .argument('<text...>', 'the fact, stated so it makes sense on its own')
    .option('--namespace <ns>', 'the namespace of the tasks that should recall it', 'default')
    .option('--kind <kind>', 'note, discovery, decision or result', 'note')
    .option('--tag <tag>', 'a tag (repeat for more)', (tag: string, tags: string[] | undefined) => [...(tags ?? []), tag])
    .option(...dbOption)
    .option('--json', 'print as JSON')
    .addHelpText('after', '\nExample:\n  agentrun memory add "The staging deploy key is in vault at secret/deploy/staging" --namespace ops --tag deploy')
    .action(async (text: string[], opts) => {
      const { add } = await import('./commands/memory.js');
      setExit(await add({ text: text.join(' '), ...opts }));
    });

  memory
    .command('forget')
    .description('delete a memory so no later task recalls it')
    .argument('<id>', 'the id `memory list` and `memory search` show')
    .option(...dbOption)
    .option('--json', 'print as JSON')
    .addHelpText('after', '\nExample:\n  agentrun memory forget 12')
    .action(async (id: string, opts) => {
      const { forget } = await import('./commands/memory.js');
      setExit(await forget({ id, ...opts }));
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

// `agentrun status | head -1` closes the pipe early: that is the reader's choice, not an error.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(process.exitCode ?? ExitCode.ok);
  throw error;
});

process.exitCode = await main(process.argv);
