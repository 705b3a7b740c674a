import { examples, sharedOptions, type CommandContext, type OptionsOf, type Program } from '../command-kit.js';

function declare(program: Program) {
  return program
    .command('import')
    .description('read an exported checkpoint into this database; resume it here')
    .argument('<file>')
    .option('--as <id>', 'import under a new id (needed if the id exists here)')
    .option('--workspace <dir>', "the task's workspace here (default: the exported one if it is inside the current directory, else the current directory)")
    .addOption(sharedOptions.confirmed())
    .addOption(sharedOptions.db())
    .addHelpText('after', examples('agentrun import nightly-1.json              # shows what it would run, asks', 'agentrun resume "$(agentrun import nightly-1.json --yes)"'));
}

export type ImportOptions = OptionsOf<ReturnType<typeof declare>> & { file: string };

export function register(program: Program, context: CommandContext): void {
  declare(program).action(async (file, opts) => {
    const { run } = await import('../actions/import.js');
    context.exit(await run({ file, ...opts }));
  });
}
