import { examples, sharedOptions, type CommandContext, type OptionsOf, type Program } from '../command-kit.js';

function declare(program: Program) {
  return program
    .command('fork')
    .description('a new task with the steps before N copied and the rest to run again (a better model, a fixed cause)')
    .argument('<task-id>')
    .requiredOption('--from-step <n>', 'the first step to run again')
    .option('--id <id>', 'the new task id')
    .option('--model <name>', 'the model for the new task')
    .addOption(sharedOptions.db())
    .addOption(sharedOptions.json('print the new task id as JSON'))
    .addHelpText('after', examples('NEW=$(agentrun fork 01JD3M4W6X0000000000000000 --from-step 3 --model gpt-4o) && agentrun resume "$NEW"'));
}

export type ForkOptions = OptionsOf<ReturnType<typeof declare>> & { taskId: string };

export function register(program: Program, context: CommandContext): void {
  declare(program).action(async (taskId, opts) => {
    const { run } = await import('../actions/fork.js');
    context.exit(await run({ taskId, ...opts }));
  });
}
