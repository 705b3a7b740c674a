import { examples, sharedOptions, type CommandContext, type OptionsOf, type Program } from '../command-kit.js';

function declare(program: Program) {
  return program
    .command('resume')
    .description('continue a task from its last checkpoint')
    .argument('[task-id]')
    .option('--last', 'the most recently updated task that can be resumed')
    .option('--all', 'resume every interrupted task and every running one whose lease expired (for cron)')
    .option('--limit <n>', 'with --all: at most n tasks')
    .option('--concurrency <n>', 'with --all: n tasks at a time', '1')
    .option('--force', 'take the task over even if another runner holds its lease')
    .addOption(sharedOptions.db())
    .addOption(sharedOptions.json())
    .addOption(sharedOptions.noInput())
    .addOption(sharedOptions.unattended())
    .addHelpText(
      'after',
      examples(
        'agentrun resume 01JD3M4W6X0000000000000000',
        'agentrun resume                     # on a terminal: pick one of the resumable tasks',
        'agentrun resume --last              # the most recently updated resumable task',
        'agentrun resume --all --concurrency 4',
      ),
    );
}

export type ResumeOptions = OptionsOf<ReturnType<typeof declare>> & { taskId: string | undefined; signal: AbortSignal };

export function register(program: Program, context: CommandContext): void {
  declare(program).action(async (taskId, opts) => {
    const options = { taskId, ...opts, signal: context.interruptSignal() };
    const { run } = opts.all ? await import('../actions/resume-all.js') : await import('../actions/resume.js');
    context.exit(await run(options));
  });
}
