import { DEFAULT_DRAIN_MS } from '../../engine/drain.js';
import { examples, sharedOptions, type CommandContext, type OptionsOf, type Program } from '../command-kit.js';

function declare(program: Program) {
  return program
    .command('worker')
    .description('run queued tasks from the database until stopped (SIGTERM/Ctrl-C drains: running tasks finish their step, leases are released)')
    .option('--queue <name>', 'the queue to take tasks from', 'default')
    .option('--concurrency <n>', 'tasks run at the same time', '1')
    .option('--poll <ms>', 'look for work this often without a wake-up (default: 1000 on PostgreSQL, which also wakes on NOTIFY; 200 on SQLite)')
    .option('--retry-after <ms>', 'an interrupted task (the LLM was down, the database connection dropped) is tried again after this long', '5000')
    .option('--drain-timeout <ms>', 'on SIGTERM, how long running tasks may go on to finish the step they are in before it is cut off', String(DEFAULT_DRAIN_MS))
    .addOption(sharedOptions.db())
    .addHelpText(
      'after',
      examples(
        'agentrun worker --queue nightly --concurrency 4 --db postgres://agentrun@db.internal/agentrun',
        'agentrun start --task tasks/nightly.yaml --queue nightly   # elsewhere: only records the task',
      ),
    );
}

export type WorkerCommandOptions = OptionsOf<ReturnType<typeof declare>> & { signal: AbortSignal };

export function register(program: Program, context: CommandContext): void {
  declare(program).action(async (opts) => {
    const { run } = await import('../actions/worker.js');
    context.exit(await run({ ...opts, signal: context.interruptSignal() }));
  });
}
