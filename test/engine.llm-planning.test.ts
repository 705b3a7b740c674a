import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTask } from '../src/engine/create-task.js';
import { runTask } from '../src/engine/runner.js';
import { SqliteStore } from '../src/store/sqlite/sqlite-store.js';
import type { Store } from '../src/store/types.js';
import { definitionFromGoal } from '../src/task/load.js';
import { callKind, planReply } from './support/llm-script.js';
import { setOpenAIEnv, startOpenAIServer, type FakeOpenAI, type Reply } from './support/openai-server.js';
import { tempDir } from './support/temp-dir.js';

let server: FakeOpenAI;
let restoreEnv: () => void;
let store: Store;
let dir: string;

beforeEach(async () => {
  server = await startOpenAIServer();
  restoreEnv = setOpenAIEnv({ baseUrl: server.url, apiKey: 'test-key' });
  dir = tempDir();
  store = await SqliteStore.open(path.join(dir, 'agentrun.db'));
});
afterEach(async () => {
  await store.close();
  restoreEnv();
  await server.close();
});

/** Planning replies come from `plans` in order; steps and the final result answer at once. */
function scriptPlanning(plans: Reply[]): void {
  const queue = [...plans];
  server.script((request) => {
    const kind = callKind(request);
    if (kind === 'plan') return queue.shift() ?? { error: 500, message: 'no more plans scripted' };
    if (kind === 'final') return { content: 'all done' };
    return { content: 'step finished' };
  });
}

async function runGoal(goal: string, overrides: Record<string, unknown> = {}) {
  const { task } = await createTask(store, { definition: definitionFromGoal(goal, overrides), cwd: dir, model: 'test-model' });
  return runTask({ store, taskId: task.id });
}

describe('LLM planning', () => {
  it('asks for structured output and runs the plan it gets', async () => {
    scriptPlanning([planReply(['collect', 'summarise'])]);
    const outcome = await runGoal('write a report');
    expect(outcome.exitCode).toBe(0);
    expect((await store.getSteps(outcome.task.id)).map((s) => [s.name, s.status, s.spec.doneWhen])).toEqual([
      ['collect', 'completed', 'collect is done'],
      ['summarise', 'completed', 'summarise is done'],
    ]);
    const planRequest = server.chatRequests()[0]!;
    expect(planRequest.body.model).toBe('test-model');
    expect(planRequest.body.response_format).toMatchObject({ type: 'json_schema', json_schema: { name: 'plan' } });
    expect(planRequest.body.messages[1].content).toContain('Goal: write a report');
    expect(outcome.task.result).toBe('all done');
  });

  it('accepts a fenced ```json reply from servers that ignore response_format', async () => {
    const fenced = '```json\n' + JSON.stringify({ steps: [{ name: 'only', description: 'the one step', doneWhen: 'done' }] }) + '\n```';
    scriptPlanning([{ content: `Here is the plan:\n${fenced}\nGood luck!` }]);
    const outcome = await runGoal('fenced plan');
    expect(outcome.exitCode).toBe(0);
    expect((await store.getSteps(outcome.task.id)).map((s) => s.name)).toEqual(['only']);
  });

  it('sends an invalid plan back once with what was wrong, and uses the repaired one', async () => {
    scriptPlanning([{ content: JSON.stringify({ steps: [{ name: 'x' }] }) }, planReply(['fixed'])]);
    const outcome = await runGoal('repair me');
    expect(outcome.exitCode).toBe(0);
    const repair = server.chatRequests()[1]!;
    const lastMessage = repair.body.messages.at(-1).content as string;
    expect(lastMessage).toContain('That plan is not valid');
    expect(lastMessage).toContain('steps.0.description');
    expect((await store.getSteps(outcome.task.id)).map((s) => s.name)).toEqual(['fixed']);
  });

  it('fails the task, quoting the problem, when the plan is invalid twice', async () => {
    scriptPlanning([{ content: 'I would rather not.' }, { content: '{"steps": []}' }]);
    const outcome = await runGoal('hopeless');
    expect(outcome.exitCode).toBe(1);
    expect(outcome.task.status).toBe('failed');
    expect(outcome.task.reason).toBe('plan');
    expect(outcome.task.error).toMatch(/did not produce a valid plan after 2 attempts: steps: .*>=1/);
  });

  it('bounds the plan by maxSteps', async () => {
    scriptPlanning([planReply(['a', 'b', 'c']), planReply(['a', 'b', 'c'])]);
    const outcome = await runGoal('too long', { limits: { maxSteps: 2 } });
    expect(outcome.task.status).toBe('failed');
    expect(outcome.task.error).toMatch(/steps: .*<=2/);
    expect(server.chatRequests()[0]!.body.messages[0].content).toContain('at most 2 ordered steps');
  });
});
