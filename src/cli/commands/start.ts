import { examples, sharedOptions, type CommandContext, type OptionsOf, type Program } from '../command-kit.js';

function declare(program: Program) {
  return program
    .command('start')
    .description('create a task from a goal or a task file, and run it')
    .argument('[goal...]', 'what the task should achieve (on a terminal, asked for when left out)')
    .option('--task <file>', 'a task file (.yaml or .json)')
    .option('--id <id>', 'the task id; an existing id resumes that task (idempotent, for cron)')
    .option('--model <name>', 'the LLM model (default: $AGENTRUN_MODEL, the task file, gpt-4o-mini)')
    .option('--tools <names>', 'built-in tools the task may use, comma-separated (a goal alone gets read_file,list_files,write_file)')
    .option('--no-tools', 'no tools at all: a pure reasoning task (decisions and discoveries are still recorded)')
    .option('--workspace <dir>', 'the directory file tools and commands work in (default: the current directory)')
    .option('--queue <name>', 'only record the task on this queue and print its id; `agentrun worker --queue NAME` runs it')
    .option('--detach', 'only record the task on the default queue and print its id (as --queue default)')
    .option('--priority <n>', 'with --queue/--detach: higher runs first (default 0)')
    .option('--mcp-config <file>', "add the MCP servers of a .mcp.json (Claude Code / Cursor shape) to the task's")
    .option('--workspace-mcp', "add the MCP servers of the workspace's .mcp.json (never read unless asked)")
    .option('--deadline <when>', 'fail the task (reason deadline) if not done by then: a duration from now (2h, 90m) or a date-time (as limits.deadline)')
    .option('--on <event=command>', 'run a command when the task becomes completed, failed or needs-attention (repeatable; as on: in a task file)', (spec: string, specs: string[] | undefined) => [...(specs ?? []), spec])
    .addOption(sharedOptions.db())
    .addOption(sharedOptions.json())
    .addOption(sharedOptions.noInput())
    .addOption(sharedOptions.unattended())
    .addHelpText(
      'after',
      examples(
        'agentrun start --task tasks/hello-offline.yaml',
        'agentrun start                      # on a terminal: asks what the task should do',
        'agentrun start "Summarise docs/*.md into REPORT.md"',
        'agentrun start --tools read_file,list_files --workspace ~/notes "Which notes mention Berlin?"',
        'agentrun start --no-tools "Draft three names for a CLI that runs agent jobs"',
        'agentrun start --task tasks/nightly.yaml --id nightly-2026-11-24',
        'agentrun start --task tasks/nightly.yaml --queue nightly   # a worker runs it',
        'agentrun start --task tasks/nightly.yaml --mcp-config .mcp.json',
        'agentrun start --task tasks/nightly.yaml --deadline 5h --on failed=\'mail -s "$AGENTRUN_TASK_ID failed" ops < /dev/null\'',
      ),
    );
}

export type StartOptions = OptionsOf<ReturnType<typeof declare>> & { goal: string[]; signal: AbortSignal };

export function register(program: Program, context: CommandContext): void {
  declare(program).action(async (goal, opts) => {
    const { run } = await import('../actions/start.js');
    context.exit(await run({ goal, ...opts, signal: context.interruptSignal() }));
  });
}
