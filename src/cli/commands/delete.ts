import { examples, sharedOptions, type CommandContext, type OptionsOf, type Program } from '../command-kit.js';

function declare(program: Program) {
  return program
    .command('delete')
    .description('delete a task and everything of it (steps, journals, effects); refuses a running one')
    .argument('<task-id>')
    .addOption(sharedOptions.confirmed())
    .addOption(sharedOptions.db())
    .addHelpText('after', examples('agentrun delete nightly-2026-11-24 --yes'));
}

export type DeleteOptions = OptionsOf<ReturnType<typeof declare>> & { taskId: string };

export function register(program: Program, context: CommandContext): void {
  declare(program).action(async (taskId, opts) => {
    const { run } = await import('../actions/delete.js');
    context.exit(await run({ taskId, ...opts }));
  });
}
