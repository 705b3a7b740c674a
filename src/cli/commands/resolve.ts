import { examples, sharedOptions, type CommandContext, type OptionsOf, type Program } from '../command-kit.js';

function declare(program: Program) {
  return program
    .command('resolve')
    .description('decide an effect whose outcome a crash left unknown (the task is needs-attention)')
    .argument('<task-id>')
    .argument('<effect-key>', 'the key shown by `inspect` and in the needs-attention message')
    .option('--retry', 'it did not happen: run it again on resume')
    .option('--done', 'it happened: record it as done')
    .option('--skip', 'do not run it; tell the LLM it was skipped')
    .addOption(sharedOptions.db())
    .addHelpText('after', examples('agentrun resolve nightly-1 nightly-1:3:2:1 --done && agentrun resume nightly-1'));
}

export type ResolveOptions = OptionsOf<ReturnType<typeof declare>> & { taskId: string; key: string };

export function register(program: Program, context: CommandContext): void {
  declare(program).action(async (taskId, key, opts) => {
    const { run } = await import('../actions/resolve.js');
    context.exit(await run({ taskId, key, ...opts }));
  });
}
