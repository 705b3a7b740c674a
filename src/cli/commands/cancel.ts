import { examples, sharedOptions, type CommandContext, type OptionsOf, type Program } from '../command-kit.js';

function declare(program: Program) {
  return program
    .command('cancel')
    .description('cancel a task: a running one stops at its next safe point, a stopped one is marked cancelled')
    .argument('<task-id>')
    .addOption(sharedOptions.confirmed())
    .addOption(sharedOptions.db())
    .addHelpText('after', examples('agentrun cancel nightly-2026-11-24 --yes'));
}

export type CancelOptions = OptionsOf<ReturnType<typeof declare>> & { taskId: string };

export function register(program: Program, context: CommandContext): void {
  declare(program).action(async (taskId, opts) => {
    const { run } = await import('../actions/cancel.js');
    context.exit(await run({ taskId, ...opts }));
  });
}
