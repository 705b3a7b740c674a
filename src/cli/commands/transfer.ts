import { examples, sharedOptions, type CommandContext, type OptionsOf, type Program } from '../command-kit.js';

function declare(program: Program) {
  return program
    .command('transfer')
    .description('move every task and the long-term memory of this database to another (SQLite to PostgreSQL or back): all in one transaction, then removed here')
    .requiredOption('--to <db>', 'the target: a SQLite file path or a postgres:// URL')
    .addOption(sharedOptions.db())
    .addOption(sharedOptions.json('print the counts (tasks and memories) as JSON'))
    .addHelpText('after', examples('agentrun transfer --db ~/.local/share/agentrun/agentrun.db --to postgres://agentrun@db.internal/agentrun'));
}

export type TransferOptions = OptionsOf<ReturnType<typeof declare>>;

export function register(program: Program, context: CommandContext): void {
  declare(program).action(async (opts) => {
    const { run } = await import('../actions/transfer.js');
    context.exit(await run(opts));
  });
}
