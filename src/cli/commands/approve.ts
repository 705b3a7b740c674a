import { examples, sharedOptions, type CommandContext, type OptionsOf, type Program } from '../command-kit.js';

function declare(program: Program) {
  return program
    .command('approve')
    .description('approve (or --deny) calls awaiting approval, one by key or all of a task')
    .argument('<task-id>')
    .argument('[effect-key]')
    .option('--deny', 'do not run it; tell the LLM it was denied')
    .addOption(sharedOptions.db())
    .addHelpText('after', examples('agentrun approve 01JD3M4W6X0000000000000000 && agentrun resume 01JD3M4W6X0000000000000000'));
}

export type ApproveOptions = OptionsOf<ReturnType<typeof declare>> & { taskId: string; key: string | undefined };

export function register(program: Program, context: CommandContext): void {
  declare(program).action(async (taskId, key, opts) => {
    const { run } = await import('../actions/approve.js');
    context.exit(await run({ taskId, key, ...opts }));
  });
}
