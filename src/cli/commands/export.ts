import { examples, sharedOptions, type CommandContext, type OptionsOf, type Program } from '../command-kit.js';

function declare(program: Program) {
  return program
    .command('export')
    .description("write a task's checkpoint document (JSON), to move it to another machine")
    .argument('<task-id>')
    .option('-o, --output <file>', 'write to a file instead of stdout')
    .addOption(sharedOptions.db())
    .addHelpText('after', examples('agentrun export nightly-1 -o nightly-1.json   # then on the other machine: agentrun import nightly-1.json'));
}

export type ExportOptions = OptionsOf<ReturnType<typeof declare>> & { taskId: string };

export function register(program: Program, context: CommandContext): void {
  declare(program).action(async (taskId, opts) => {
    const { run } = await import('../actions/export.js');
    context.exit(await run({ taskId, ...opts }));
  });
}
