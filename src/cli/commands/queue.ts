import { examples, sharedOptions, type CommandContext, type OptionsOf, type Program } from '../command-kit.js';

function declare(program: Program) {
  return program
    .command('queue')
    .description("show queues (waiting, running, limit), or set how many of a queue's tasks may run at once across all workers")
    .argument('[name]', 'the queue to show or change (default: every queue)')
    .option('--limit <n>', "at most this many of its tasks run at once, whatever the workers' --concurrency")
    .option('--no-limit', 'lift the limit')
    .addOption(sharedOptions.db())
    .addOption(sharedOptions.json('print as JSON'))
    .addHelpText('after', examples('agentrun queue nightly --limit 2   # two at a time, however many workers', 'agentrun queue nightly --no-limit', 'agentrun queue'));
}

export type QueueOptions = OptionsOf<ReturnType<typeof declare>> & { name?: string };

export function register(program: Program, context: CommandContext): void {
  declare(program).action(async (name, opts) => {
    const { run } = await import('../actions/queue.js');
    context.exit(await run({ ...opts, name }));
  });
}
