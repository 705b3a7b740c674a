import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { CliResult, CliSandbox } from './support/cli.js';
import { type FakeOpenAI, type RecordedRequest, type Reply } from './support/openai-server.js';
import { useScriptedWorkspace } from './support/scripted-workspace.js';

const FACT = 'The staging deploy key lives in vault at secret/zephyr-staging';
const HEADING = 'Relevant memories from earlier tasks:';

let server: FakeOpenAI;
let dir: string;
let cli: CliSandbox['cli'];
useScriptedWorkspace((workspace) => ({ server, dir, cli } = workspace));

/**
 * A one-step LLM task's conversation: turn 1 records `fact` (if any), turn 2 answers; the final-result call (the
 * request without tools) gets a summary. Stateless, so it serves any number of tasks in a row.
 */
function oneStepScript(fact: string | null) {
  return (request: RecordedRequest): Reply => {
    if (!request.body.tools) return { content: 'All done.' };
    const turn = request.body.messages.filter((m: { role: string }) => m.role === 'assistant').length;
    if (turn === 0 && fact) return { toolCalls: [{ name: 'record_discovery', arguments: { fact } }] };
    return { content: 'step finished' };
  };
}

interface TaskRun {
  result: CliResult;
  /** The user message of the task's first chat request: the context its first step started from. */
  firstContext: string;
}

async function runTask(id: string, goal: string, options: { namespace?: string; fact?: string | null; script?: (r: RecordedRequest) => Reply } = {}): Promise<TaskRun> {
  writeFileSync(
    path.join(dir, `${id}.yaml`),
    [
      `goal: ${JSON.stringify(goal)}`,
      `namespace: ${options.namespace ?? 'default'}`,
      'retry: { maxAttempts: 1, initialDelay: 10ms, maxDelay: 10ms }',
      'plan:',
      '  - name: look into it',
      '    description: Find what the goal needs',
    ].join('\n'),
  );
  server.script(options.script ?? oneStepScript(options.fact ?? null));
  const before = server.chatRequests().length;
  const result = await cli(['start', '--task', `${id}.yaml`, '--id', id]);
  const first = server.chatRequests()[before];
  return { result, firstContext: String(first?.body.messages[1]?.content ?? '') };
}

async function memories(): Promise<{ id: number; kind: string; text: string; namespace: string; sources: string[]; recall_count: number; useful_count: number }[]> {
  const listed = await cli(['memory', 'list', '--json']);
  expect(listed.code).toBe(0);
  return JSON.parse(listed.stdout);
}

describe('long-term memory across tasks (CLI, scripted LLM)', () => {
  it('shows a later task what an earlier one discovered, under "Relevant memories from earlier tasks"', async () => {
    const first = await runTask('find-key', 'Find where the staging deploy key is kept', { fact: FACT });
    expect(first.result.code).toBe(0);
    expect(first.firstContext).not.toContain(HEADING);

    const second = await runTask('rotate-key', 'Rotate the staging deploy key');
    expect(second.result.code).toBe(0);
    expect(second.result.stderr).toMatch(/recalled \d+ memories from earlier tasks/);
    const block = second.firstContext.slice(second.firstContext.indexOf(HEADING));
    expect(second.firstContext).toContain(HEADING);
    expect(block).toMatch(new RegExp(`\\n- ${escape(FACT)} \\[matched "staging", "deploy", "key", less than a day old, not recalled before\\]`));

    // The recall is recorded, and since the second task completed it counts as useful.
    const fact = (await memories()).find((m) => m.text === FACT)!;
    expect(fact).toMatchObject({ kind: 'discovery', namespace: 'default', sources: ['find-key'], recall_count: 1, useful_count: 1 });
  });

  it('keeps namespaces apart', async () => {
    await runTask('find-key', 'Find where the staging deploy key is kept', { fact: FACT });
    const elsewhere = await runTask('payments-key', 'Rotate the staging deploy key', { namespace: 'payments' });
    expect(elsewhere.result.code).toBe(0);
    expect(elsewhere.firstContext).not.toContain(HEADING);
    expect(elsewhere.firstContext).not.toContain('zephyr');
    const same = await runTask('default-key', 'Rotate the staging deploy key');
    expect(same.firstContext).toContain(FACT);
  });

  it('makes the same discovery from two tasks one memory with two sources', async () => {
    await runTask('first', 'Find where the staging deploy key is kept', { fact: FACT });
    await runTask('second', 'Check the staging deploy key location', { fact: `${FACT}.` });
    const facts = (await memories()).filter((m) => m.kind === 'discovery');
    expect(facts).toHaveLength(1);
    expect(facts[0]).toMatchObject({ text: FACT, sources: ['first', 'second'] });
  });

  it('stops recalling a memory once it is forgotten', async () => {
    await runTask('find-key', 'Find where the staging deploy key is kept', { fact: FACT });
    const found = await cli(['memory', 'search', 'zephyr', '--json']);
    expect(found.code).toBe(0);
    const [hit] = JSON.parse(found.stdout);
    expect(hit).toMatchObject({ text: FACT, kind: 'discovery' });

    const forgot = await cli(['memory', 'forget', String(hit.id)]);
    expect(forgot).toMatchObject({ code: 0, stdout: `forgot memory ${hit.id}\n` });
    const later = await runTask('rotate-key', 'Rotate the staging deploy key');
    expect(later.result.code).toBe(0);
    expect(later.firstContext).not.toContain('zephyr');

    const again = await cli(['memory', 'forget', String(hit.id)]);
    expect(again.code).toBe(2);
    expect(again.stderr).toBe(`agentrun: no memory with id ${hit.id} (see \`agentrun memory list\`)\n`);
    const bad = await cli(['memory', 'forget', 'seven']);
    expect(bad.code).toBe(2);
    expect(bad.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('inspect --context shows the memories the next step would see, without counting a recall', async () => {
    await runTask('find-key', 'Find where the staging deploy key is kept', { fact: FACT });
    // The second task fails at its first LLM request (a rejected key fails fast), so its step is still to do.
    const failed = await runTask('rotate-key', 'Rotate the staging deploy key', { script: () => ({ error: 401, message: 'bad key' }) });
    expect(failed.result.code).not.toBe(0);
    const recalledBefore = (await memories()).find((m) => m.text === FACT)!.recall_count;

    const inspected = await cli(['inspect', 'rotate-key', '--context']);
    expect(inspected.code).toBe(0);
    const block = inspected.stdout.slice(inspected.stdout.indexOf(HEADING));
    expect(block).toContain(`\n- ${FACT} [matched "staging", "deploy", "key", less than a day old, useful 0 of 1 time]\n`);
    // It is the context the runner sent, memories included (the counts in the reasons moved on by one recall).
    expect(failed.firstContext.replace(/not recalled before/g, 'useful 0 of 1 time')).toBe(inspected.stdout.split('--- user ---\n')[1]!.trimEnd());
    expect((await memories()).find((m) => m.text === FACT)!.recall_count).toBe(recalledBefore);
  });

  it('memory search takes FTS5 syntax in a query literally and never crashes', async () => {
    expect((await cli(['memory', 'add', FACT, '--tag', 'deploy', '--tag', 'vault'])).code).toBe(0);
    expect((await cli(['memory', 'add', 'Builds need Node 20', '--namespace', 'ci', '--kind', 'decision'])).code).toBe(0);
    const queries = ['"staging', 'deploy*', 'NEAR(deploy key)', 'deploy -staging', '(vault', 'vault:secret', 'key AND OR NOT', 'staging"key"', '*', '""', 'NOT'];
    for (const query of queries) {
      const result = await cli(['memory', 'search', query, '--json']);
      expect(result.code, `${query}: ${result.stderr}`).toBe(0);
      expect(result.stderr, query).toBe('');
      const hits = JSON.parse(result.stdout) as { text: string }[];
      if (/staging|deploy|vault|key/.test(query)) expect(hits.map((h) => h.text), query).toContain(FACT);
    }
    // A query that starts with "-" goes after "--", as with any command.
    const dashed = await cli(['memory', 'search', '--json', '--', '-staging']);
    expect(dashed.code).toBe(0);
    expect(JSON.parse(dashed.stdout).map((h: { text: string }) => h.text)).toEqual([FACT]);

    const human = await cli(['memory', 'search', 'deploy', 'key']);
    expect(human.code).toBe(0);
    expect(human.stdout).toMatch(/^#1 {2}note {2}default {2}score \d\.\d\d\n {4}The staging deploy key lives in vault at secret\/zephyr-staging\n {4}matched "deploy", "key", less than a day old, not recalled before\n$/);
    const none = await cli(['memory', 'search', 'unrelated', '--namespace', 'ci']);
    expect(none).toMatchObject({ code: 0, stdout: '' });
    expect(none.stderr).toContain('no memories match "unrelated" in namespace "ci"');
  });
});

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}
