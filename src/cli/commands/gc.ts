import { examples, sharedOptions, type CommandContext, type OptionsOf, type Program } from '../command-kit.js';

function declare(program: Program) {
  return program
    .command('gc')
    .description('remove the journals and steps of finished tasks past retention (summary rows stay)')
    .option('--older-than <duration>', "instead of each task's own retention: finished longer ago than this (7d, 12h)")
    .option('--dry-run', 'only list what would be removed')
    .addOption(sharedOptions.confirmed())
    .addOption(sharedOptions.db())
    .addOption(sharedOptions.json('print the affected task ids as JSON'))
    .addHelpText('after', examples('agentrun gc --older-than 30d --yes'));
}

export type GcOptions = OptionsOf<ReturnType<typeof declare>>;

export function register(program: Program, context: CommandContext): void {
  declare(program).action(async (opts) => {
    const { run } = await import('../actions/gc.js');
    context.exit(await run(opts));
  });
}
