import { sharedOptions, type CommandContext, type OptionsOf, type Program } from '../command-kit.js';

function declare(program: Program) {
  return program
    .command('workers')
    .description('list live workers: their queue, what they run, their last heartbeat')
    .addOption(sharedOptions.db())
    .addOption(sharedOptions.json('print as JSON'));
}

export type WorkersOptions = OptionsOf<ReturnType<typeof declare>>;

export function register(program: Program, context: CommandContext): void {
  declare(program).action(async (opts) => {
    const { run } = await import('../actions/workers.js');
    context.exit(await run(opts));
  });
}
