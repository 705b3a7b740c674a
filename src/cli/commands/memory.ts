import { examples, sharedOptions, type CommandContext, type OptionsOf, type Program } from '../command-kit.js';

function declareGroup(program: Program) {
  return program
    .command('memory')
    .description('long-term memory: what finished tasks learned, recalled by later tasks of the same namespace')
    .addHelpText(
      'after',
      examples(
        'agentrun memory search "staging deploy key"',
        'agentrun memory list --namespace ops --limit 10',
        'agentrun memory add "CI needs Node 20" --tag ci',
        'agentrun memory forget 12',
      ),
    );
}

type Group = ReturnType<typeof declareGroup>;

function declareSearch(memory: Group) {
  return memory
    .command('search')
    .description('memories matching a query, ranked as recall ranks them, with the reason for each')
    .argument('<query...>', 'plain words; search syntax in them is taken literally')
    .option('--namespace <ns>', 'only this namespace (default: every namespace)')
    .option('--limit <n>', 'at most n memories', '10')
    .addOption(sharedOptions.db())
    .addOption(sharedOptions.json('print as JSON'))
    .addHelpText('after', examples('agentrun memory search staging deploy key --namespace ops'));
}

function declareList(memory: Group) {
  return memory
    .command('list')
    .description('memories, most recently learned first')
    .option('--namespace <ns>', 'only this namespace (default: every namespace)')
    .option('--limit <n>', 'at most n memories', '20')
    .addOption(sharedOptions.db())
    .addOption(sharedOptions.json('print as JSON'))
    .addHelpText('after', examples('agentrun memory list --namespace ops --limit 10'));
}

function declareAdd(memory: Group) {
  return memory
    .command('add')
    .description('remember a fact for later tasks (the same text twice is one memory)')
    .argument('<text...>', 'the fact, stated so it makes sense on its own')
    .option('--namespace <ns>', 'the namespace of the tasks that should recall it', 'default')
    .option('--kind <kind>', 'note, discovery, decision or result', 'note')
    .option('--tag <tag>', 'a tag (repeat for more)', (tag: string, tags: string[] | undefined) => [...(tags ?? []), tag])
    .addOption(sharedOptions.db())
    .addOption(sharedOptions.json('print as JSON'))
    .addHelpText('after', examples('agentrun memory add "The staging deploy key is in vault at secret/deploy/staging" --namespace ops --tag deploy'));
}

function declareForget(memory: Group) {
  return memory
    .command('forget')
    .description('delete a memory so no later task recalls it')
    .argument('<id>', 'the id `memory list` and `memory search` show')
    .addOption(sharedOptions.db())
    .addOption(sharedOptions.json('print as JSON'))
    .addHelpText('after', examples('agentrun memory forget 12'));
}

export type MemorySearchOptions = OptionsOf<ReturnType<typeof declareSearch>> & { query: string };
export type MemoryListOptions = OptionsOf<ReturnType<typeof declareList>>;
export type MemoryAddOptions = OptionsOf<ReturnType<typeof declareAdd>> & { text: string };
export type MemoryForgetOptions = OptionsOf<ReturnType<typeof declareForget>> & { id: string };

export function register(program: Program, context: CommandContext): void {
  const memory = declareGroup(program);
  declareSearch(memory).action(async (query, opts) => {
    const { search } = await import('../actions/memory.js');
    context.exit(await search({ query: query.join(' '), ...opts }));
  });
  declareList(memory).action(async (opts) => {
    const { list } = await import('../actions/memory.js');
    context.exit(await list(opts));
  });
  declareAdd(memory).action(async (text, opts) => {
    const { add } = await import('../actions/memory.js');
    context.exit(await add({ text: text.join(' '), ...opts }));
  });
  declareForget(memory).action(async (id, opts) => {
    const { forget } = await import('../actions/memory.js');
    context.exit(await forget({ id, ...opts }));
  });
}
