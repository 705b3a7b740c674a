import { examples, sharedOptions, type CommandContext, type OptionsOf, type Program } from '../command-kit.js';

function declare(program: Program) {
  return program
    .command('inspect')
    .description("show one task's whole state: plan, results, decisions, discoveries, effects, tokens")
    .argument('<task-id>')
    .addOption(sharedOptions.json('print the checkpoint document as JSON'))
    .option('--context', 'print the context the LLM will see at the next step')
    .addOption(sharedOptions.db())
    .addHelpText('after', examples('agentrun inspect 01JD3M4W6X0000000000000000 --json'));
}

export type InspectOptions = OptionsOf<ReturnType<typeof declare>> & { taskId: string };

export function register(program: Program, context: CommandContext): void {
  declare(program).action(async (taskId, opts) => {
    const { run } = await import('../actions/inspect.js');
    context.exit(await run({ taskId, ...opts }));
  });
}
