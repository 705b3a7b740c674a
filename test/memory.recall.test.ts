import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTask } from '../src/engine/create-task.js';
import { createLlmClient } from '../src/llm/client.js';
import { createMemoryHooks, rankForQuery, recallMemories } from '../src/memory/recall.js';
import { rememberTask } from '../src/memory/remember.js';
import { SqliteStore } from '../src/store/sqlite/sqlite-store.js';
import type { NewNote, Store, TaskRecord } from '../src/store/types.js';
import { TaskFileSchema } from '../src/task/schema.js';
import { takeLease } from './support/lease.js';
import { setOpenAIEnv, startOpenAIServer } from './support/openai-server.js';
import { tempDir } from './support/temp-dir.js';

let store: Store;
let dir: string;
let savedEmbeddingsModel: string | undefined;

beforeEach(async () => {
  // Recall reads AGENTRUN_EMBEDDINGS_MODEL; a developer's shell must not switch embeddings on here.
  savedEmbeddingsModel = process.env.AGENTRUN_EMBEDDINGS_MODEL;
  delete process.env.AGENTRUN_EMBEDDINGS_MODEL;
  dir = tempDir();
  store = await SqliteStore.open(path.join(dir, 'agentrun.db'));
});

afterEach(async () => {
  await store.close();
  if (savedEmbeddingsModel === undefined) delete process.env.AGENTRUN_EMBEDDINGS_MODEL;
  else process.env.AGENTRUN_EMBEDDINGS_MODEL = savedEmbeddingsModel;
});

async function newTask(id: string, goal: string, options: { namespace?: string; memory?: Record<string, unknown>; step?: string } = {}): Promise<TaskRecord> {
  const definition = TaskFileSchema.parse({
    goal,
    namespace: options.namespace ?? 'default',
    memory: options.memory ?? {},
    plan: [{ name: options.step ?? 'work', description: '' }],
  });
  const { task } = await createTask(store, { id, definition, cwd: dir });
  await store.savePlan(id, definition.plan!, await takeLease(store, id));
  return (await store.getTask(task.id))!;
}

/** What the runner leaves behind when a task completes: its step's notes, then the completed header. */
async function complete(task: TaskRecord, result: string, notes: NewNote[]): Promise<TaskRecord> {
  const fence = await takeLease(store, task.id);
  await store.startStep(task.id, 1, { attempts: 1, firstTurn: 1 }, fence);
  await store.completeStep(task.id, 1, { result: 'step done', notes }, fence);
  await store.updateTask(task.id, { status: 'completed', result, finishedAt: Date.now() }, { fence });
  return (await store.getTask(task.id))!;
}

const discovery = (text: string): NewNote => ({ kind: 'discovery', text, reasoning: null, step: 1 });

describe('recall', () => {
  it('returns the best memories for the goal and step, with reasons, at most k', async () => {
    const key = await store.memories.add({ namespace: 'default', kind: 'discovery', text: 'The staging deploy key lives in vault at secret/zephyr-staging' });
    const runners = await store.memories.add({ namespace: 'default', kind: 'note', text: 'Deploys run on the blue runners' });
    await store.memories.add({ namespace: 'default', kind: 'note', text: 'Lunch is at noon' });
    const task = await newTask('t1', 'Deploy the staging build', { step: 'fetch the key' });

    const all = await recallMemories(store, task, { mark: false });
    expect(all.map((m) => m.id)).toEqual([key.id, runners.id]);
    expect(all[0]!.reason).toBe('matched "staging", "deploy", "key", less than a day old, not recalled before');
    expect(all[1]).toEqual({ id: runners.id, text: 'Deploys run on the blue runners', reason: 'matched "deploys", less than a day old, not recalled before' });

    const one = await recallMemories(store, { ...task, definition: { ...task.definition, memory: { ...task.definition.memory, k: 1 } } }, { mark: false });
    expect(one.map((m) => m.id)).toEqual([key.id]);
  });

  it('leaves out what does not fit the token budget', async () => {
    await store.memories.add({ namespace: 'default', kind: 'note', text: `Deploy checklist: ${'check everything twice. '.repeat(40)}` });
    const short = await store.memories.add({ namespace: 'default', kind: 'note', text: 'Deploy on Tuesdays' });
    const task = await newTask('t1', 'Deploy the checklist', { memory: { tokenBudget: 60 } });
    expect((await recallMemories(store, task, { mark: false })).map((m) => m.id)).toEqual([short.id]);
  });

  it('records the recall once per task only when asked to (the runner does, inspect does not)', async () => {
    const key = await store.memories.add({ namespace: 'default', kind: 'discovery', text: 'The deploy key is in vault' });
    const task = await newTask('t1', 'Deploy with the key');
    await recallMemories(store, task, { mark: false });
    expect(await store.memories.get(key.id)).toMatchObject({ recallCount: 0, lastRecalledAt: null });
    await recallMemories(store, task, { mark: true });
    await recallMemories(store, task, { mark: true });
    expect(await store.memories.get(key.id)).toMatchObject({ recallCount: 1 });
    // The next recall says so.
    expect((await recallMemories(store, task, { mark: false }))[0]!.reason).toContain('useful 0 of 1 time');
  });

  it('stays inside the task’s namespace', async () => {
    await store.memories.add({ namespace: 'ops', kind: 'discovery', text: 'The deploy key is in vault' });
    expect(await recallMemories(store, await newTask('t1', 'Deploy with the key'), { mark: true })).toEqual([]);
    expect(await recallMemories(store, await newTask('t2', 'Deploy with the key', { namespace: 'ops' }), { mark: true })).toHaveLength(1);
  });

  it('falls back to the most recent memories when the goal has no searchable word, and recalls nothing when its words match nothing', async () => {
    await store.memories.add({ namespace: 'default', kind: 'note', text: 'older fact' });
    const newer = await store.memories.add({ namespace: 'default', kind: 'note', text: 'newer fact' });
    const vague = await recallMemories(store, await newTask('t1', 'Do it again', { step: 'again', memory: { k: 1 } }), { mark: false });
    expect(vague).toEqual([{ id: newer.id, text: 'newer fact', reason: 'recent, less than a day old, not recalled before' }]);
    expect(await recallMemories(store, await newTask('t2', 'Write a haiku about autumn'), { mark: false })).toEqual([]);
  });

  it('is off with memory.recall false or k 0', async () => {
    await store.memories.add({ namespace: 'default', kind: 'note', text: 'The deploy key is in vault' });
    expect(await recallMemories(store, await newTask('t1', 'Deploy', { memory: { recall: false } }), { mark: true })).toEqual([]);
    expect(await recallMemories(store, await newTask('t2', 'Deploy', { memory: { k: 0 } }), { mark: true })).toEqual([]);
  });
});

describe('remember', () => {
  it('writes the result, discoveries and decisions with the task as source, and credits what the task recalled', async () => {
    const earlier = await store.memories.add({ namespace: 'default', kind: 'note', text: 'Deploys need the vault token' });
    const task = await newTask('t1', 'Deploy the staging build');
    expect(await recallMemories(store, task, { mark: true })).toHaveLength(1);
    const done = await complete(task, 'Deployed build 42 to staging.', [
      discovery('The staging deploy key lives in vault at secret/zephyr-staging'),
      { kind: 'decision', text: 'Deploy with the blue runners', reasoning: 'the green ones are down', step: 1 },
    ]);
    await rememberTask(store, done);

    const memories = await store.memories.list({ namespace: 'default' });
    expect(memories.filter((m) => m.id !== earlier.id).map((m) => [m.kind, m.text, m.sources]).sort()).toEqual([
      ['decision', 'Deploy with the blue runners (because: the green ones are down)', ['t1']],
      ['discovery', 'The staging deploy key lives in vault at secret/zephyr-staging', ['t1']],
      ['result', 'Result of "Deploy the staging build": Deployed build 42 to staging.', ['t1']],
    ]);
    expect(await store.memories.get(earlier.id)).toMatchObject({ recallCount: 1, usefulCount: 1 });

    // Remembering twice changes nothing.
    await rememberTask(store, done);
    expect(await store.memories.list({ namespace: 'default' })).toHaveLength(4);
    expect(await store.memories.get(earlier.id)).toMatchObject({ usefulCount: 1 });
  });

  it('makes the same fact from two tasks one memory with two sources', async () => {
    const fact = 'The staging deploy key lives in vault at secret/zephyr-staging';
    await rememberTask(store, await complete(await newTask('t1', 'First'), '', [discovery(fact)]));
    await rememberTask(store, await complete(await newTask('t2', 'Second'), '', [discovery(`${fact}.`)]));
    const memories = await store.memories.list();
    expect(memories.map((m) => [m.text, m.sources])).toEqual([[fact, ['t1', 't2']]]);
  });

  it('writes nothing with memory.write false', async () => {
    const task = await newTask('t1', 'Secret work', { memory: { write: false } });
    await rememberTask(store, await complete(task, 'classified', [discovery('something private')]));
    expect(await store.memories.list()).toEqual([]);
  });
});

describe('embeddings', () => {
  it('are computed on write and blended into recall when a model is configured', async () => {
    const server = await startOpenAIServer();
    const restore = setOpenAIEnv({ baseUrl: server.url, apiKey: 'test-key' });
    try {
      const llm = () => createLlmClient({ retry: { maxAttempts: 1, initialDelay: 10, maxDelay: 10 }, timeoutMs: 5000 });
      const hooks = createMemoryHooks(store, { embeddingsModel: 'fake-embed' });
      const first = await complete(await newTask('t1', 'Find the deploy key'), '', [discovery('The staging deploy key lives in vault')]);
      await hooks.remember(first, llm);
      const [stored] = await store.memories.list();
      expect(stored).toMatchObject({ embeddingModel: 'fake-embed' });
      const embeddingRequests = () => server.requests.filter((r) => r.path === '/v1/embeddings');
      expect(embeddingRequests().at(-1)?.body).toMatchObject({ model: 'fake-embed', input: ['The staging deploy key lives in vault'] });

      const recalled = await hooks.recall(await newTask('t2', 'Use the staging deploy key'), llm);
      expect(recalled).toHaveLength(1);
      expect(recalled[0]!.reason).toMatch(/^matched "staging", "deploy", "key", similar in meaning \(0\.\d\d\), /);

      const ranked = await rankForQuery(store.memories, { namespace: 'default', query: 'staging deploy key', embeddingsModel: 'fake-embed', llm });
      expect(ranked[0]!.parts.similarity).toBeGreaterThan(0.5);
    } finally {
      restore();
      await server.close();
    }
  });

  it('make no request at all when no model is configured', async () => {
    const server = await startOpenAIServer();
    const restore = setOpenAIEnv({ baseUrl: server.url, apiKey: 'test-key' });
    try {
      const llm = () => createLlmClient({ retry: { maxAttempts: 1, initialDelay: 10, maxDelay: 10 }, timeoutMs: 5000 });
      const hooks = createMemoryHooks(store);
      await hooks.remember(await complete(await newTask('t1', 'Find the deploy key'), 'found', [discovery('The deploy key is in vault')]), llm);
      expect(await hooks.recall(await newTask('t2', 'Use the deploy key'), llm)).not.toHaveLength(0);
      expect(server.requests).toEqual([]);
      expect((await store.memories.list()).every((m) => m.embeddingModel === null)).toBe(true);
    } finally {
      restore();
      await server.close();
    }
  });

  it('never fail a task: an unreachable endpoint leaves memories without embeddings and recall on full text', async () => {
    const server = await startOpenAIServer();
    const restore = setOpenAIEnv({ baseUrl: server.url, apiKey: 'test-key' });
    await server.close();
    try {
      const llm = () => createLlmClient({ retry: { maxAttempts: 1, initialDelay: 10, maxDelay: 10 }, timeoutMs: 2000 });
      const hooks = createMemoryHooks(store, { embeddingsModel: 'fake-embed' });
      await hooks.remember(await complete(await newTask('t1', 'Find the deploy key'), '', [discovery('The deploy key is in vault')]), llm);
      expect(await store.memories.list()).toMatchObject([{ embeddingModel: null }]);
      const recalled = await hooks.recall(await newTask('t2', 'Use the deploy key'), llm);
      expect(recalled.map((m) => m.reason)).toEqual(['matched "deploy", "key", less than a day old, not recalled before']);
    } finally {
      restore();
    }
  });
});
