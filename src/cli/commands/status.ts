import { examples, sharedOptions, type CommandContext, type OptionsOf, type Program } from '../command-kit.js';

function declare(program: Program) {
  return program
    .command('status')
    .description('list tasks, most recently updated first')
    .option('--status <list>', 'only these statuses, comma-separated')
    .option('--limit <n>', 'at most n tasks', '20')
    .option('--all', 'include tasks whose journals were garbage-collected')
    .addOption(sharedOptions.db())
    .addOption(sharedOptions.json('print as JSON'))
    .addHelpText('after', examples('agentrun status --status interrupted,failed'));
}

export type StatusOptions = OptionsOf<ReturnType<typeof declare>>;

export function register(program: Program, context: CommandContext): void {
  declare(program).action(async (opts) => {
    const { run } = await import('../actions/status.js');
    context.exit(await run(opts));
  });
}
