import { examples, sharedOptions, type CommandContext, type OptionsOf, type Program } from '../command-kit.js';

function declareGroup(program: Program) {
  return program.command('mcp').description('MCP servers: the tools a task would get, and what a crash does to their calls');
}

function declareList(mcp: ReturnType<typeof declareGroup>) {
  return mcp
    .command('list')
    .description('start the configured MCP servers and list their tools with the effect semantics agentrun applies')
    .option('--task <file>', "the servers of a task file's mcp: section")
    .option('--mcp-config <file>', 'the servers of a .mcp.json (Claude Code / Cursor shape)')
    .addOption(sharedOptions.json('print as JSON'))
    .addHelpText('after', examples('agentrun mcp list --task tasks/nightly.yaml', 'agentrun mcp list --mcp-config .mcp.json'));
}

export type McpListOptions = OptionsOf<ReturnType<typeof declareList>>;

export function register(program: Program, context: CommandContext): void {
  declareList(declareGroup(program)).action(async (opts) => {
    const { list } = await import('../actions/mcp.js');
    context.exit(await list(opts));
  });
}
