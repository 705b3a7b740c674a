import { examples, sharedOptions, type CommandContext, type OptionsOf, type Program } from '../command-kit.js';

function declare(program: Program) {
  return program
    .command('logs')
    .description("a task's history as a timeline: steps, LLM turns, tool calls with their keys, decisions, discoveries")
    .argument('<task-id>')
    .option('-f, --follow', 'keep printing as the task moves on; end with its exit code when it stops')
    .addOption(sharedOptions.json('one JSON object per line'))
    .addOption(sharedOptions.db())
    .addHelpText('after', examples('agentrun logs nightly-2026-11-24', 'agentrun logs nightly-2026-11-24 --follow; echo "the task ended with $?"'));
}

export type LogsOptions = OptionsOf<ReturnType<typeof declare>> & { taskId: string; signal: AbortSignal };

export function register(program: Program, context: CommandContext): void {
  declare(program).action(async (taskId, opts) => {
    const { run } = await import('../actions/logs.js');
    context.exit(await run({ taskId, ...opts, signal: context.interruptSignal() }));
  });
}
