import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CancelRequestedError, LeaseLostError } from '../../src/errors.js';
import type { MemoryBundle } from '../../src/store/memory-types.js';
import type { LeaseFence, NewTask, Store, TaskBundle } from '../../src/store/types.js';
import { TaskFileSchema } from '../../src/task/schema.js';
import { takeLease } from './lease.js';

/**
 * The behaviour every Store must have, run against each implementation by a few-line test file:
 * `testStore({ name, create, destroy })`.
 */
export interface StoreUnderTest {
  name: string;
  create: () => Promise<Store>;
  destroy?: (store: Store) => Promise<void>;
}

const definition = TaskFileSchema.parse({
  goal: 'test the store',
  plan: [{ name: 'one', run: 'true' }, { name: 'two', description: 'second' }, { name: 'three' }],
});

function newTask(id: string, createdAt = Date.now(), queue?: { queue: string; priority?: number }): NewTask {
  return { id, agentId: 'agentrun', goal: `goal of ${id}`, definition, workspace: '/tmp/ws', namespace: 'default', model: 'm', createdAt, ...queue };
}

export function testStore(subject: StoreUnderTest): void {
  describe(`Store conformance: ${subject.name}`, () => {
    let store: Store;
    beforeEach(async () => {
      store = await subject.create();
    });
    afterEach(async () => {
      await subject.destroy?.(store);
      await store.close();
    });

    it('creates a task once; a second create with the same id changes nothing', async () => {
      expect(await store.createTask(newTask('t1'))).toBe(true);
      expect(await store.createTask({ ...newTask('t1'), goal: 'other' })).toBe(false);
      const task = await store.getTask('t1');
      expect(task).toMatchObject({ id: 't1', goal: 'goal of t1', status: 'planning', stepCount: 0, completedCount: 0, model: 'm' });
      expect(task!.definition.plan).toHaveLength(3);
      expect(task!.usage).toEqual({ promptTokens: 0, completionTokens: 0, requests: 0 });
      expect(await store.getTask('missing')).toBeUndefined();
    });

    it('saves a plan as ordered steps and moves the task to running', async () => {
      await store.createTask(newTask('t1'));
      await store.savePlan('t1', definition.plan!, await takeLease(store, 't1'));
      const steps = await store.getSteps('t1');
      expect(steps.map((s) => [s.n, s.name, s.status])).toEqual([
        [1, 'one', 'pending'],
        [2, 'two', 'pending'],
        [3, 'three', 'pending'],
      ]);
      expect(steps[0]!.spec.run).toBe('true');
      expect(await store.getTask('t1')).toMatchObject({ status: 'running', stepCount: 3 });
    });

    it('completes a step with its notes and the header in one go', async () => {
      await store.createTask(newTask('t1'));
      const fence = await takeLease(store, 't1');
      await store.savePlan('t1', definition.plan!, fence);
      await store.startStep('t1', 1, { attempts: 1, firstTurn: 1 }, fence);
      expect(await store.getTask('t1')).toMatchObject({ currentStep: 1 });
      await store.completeStep('t1', 1, {
        result: 'first result',
        notes: [
          { kind: 'decision', text: 'use plan A', reasoning: 'cheaper', step: 1 },
          { kind: 'discovery', text: 'the sky is blue', reasoning: null, step: 1 },
        ],
      }, fence);
      await store.startStep('t1', 2, { attempts: 1, firstTurn: 1 }, fence);
      await store.completeStep('t1', 2, { result: 'second', notes: [{ kind: 'discovery', text: 'water is wet', reasoning: null, step: 2 }] }, fence);
      const steps = await store.getSteps('t1');
      expect(steps.map((s) => s.status)).toEqual(['completed', 'completed', 'pending']);
      expect(steps[0]).toMatchObject({ result: 'first result', attempts: 1 });
      expect(steps[0]!.finishedAt).not.toBeNull();
      const notes = await store.getNotes('t1');
      expect(notes.map((n) => [n.seq, n.kind, n.text, n.reasoning, n.step])).toEqual([
        [1, 'decision', 'use plan A', 'cheaper', 1],
        [2, 'discovery', 'the sky is blue', null, 1],
        [3, 'discovery', 'water is wet', null, 2],
      ]);
      expect(await store.getTask('t1')).toMatchObject({ completedCount: 2, currentStep: null });
    });

    it('starts the next step in the commit of the one before it, as a separate start would', async () => {
      await store.createTask(newTask('t1'));
      const fence = await takeLease(store, 't1');
      await store.savePlan('t1', definition.plan!, fence);
      await store.startStep('t1', 1, { attempts: 1, firstTurn: 1 }, fence);
      expect(await store.completeStep('t1', 1, { result: 'one', notes: [] }, fence, { n: 2, attempts: 1, firstTurn: 1 })).toEqual({ nextStarted: true });
      let steps = await store.getSteps('t1');
      expect(steps.map((s) => s.status)).toEqual(['completed', 'running', 'pending']);
      expect(steps[1]).toMatchObject({ attempts: 1, firstTurn: 1, error: null });
      expect(steps[1]!.startedAt).not.toBeNull();
      expect(await store.getTask('t1')).toMatchObject({ status: 'running', completedCount: 1, currentStep: 2 });
      // A retried step starts as its next attempt, its turns numbered after the earlier attempt's.
      expect(await store.completeStep('t1', 2, { result: 'two', notes: [] }, fence, { n: 3, attempts: 2, firstTurn: 4 })).toEqual({ nextStarted: true });
      expect((await store.getSteps('t1'))[2]).toMatchObject({ status: 'running', attempts: 2, firstTurn: 4 });
      // The last step has no next one.
      expect(await store.completeStep('t1', 3, { result: 'three', notes: [] }, fence)).toEqual({ nextStarted: false });
      steps = await store.getSteps('t1');
      expect(steps.map((s) => s.status)).toEqual(['completed', 'completed', 'completed']);
      expect(await store.getTask('t1')).toMatchObject({ completedCount: 3, currentStep: null });
    });

    it('after a cancel request, commits the step but leaves the next one pending', async () => {
      await store.createTask(newTask('t1'));
      const fence = await takeLease(store, 't1');
      await store.savePlan('t1', definition.plan!, fence);
      await store.startStep('t1', 1, { attempts: 1, firstTurn: 1 }, fence);
      expect(await store.updateTask('t1', { cancelRequested: true })).toBe(true);
      const commit = await store.completeStep('t1', 1, { result: 'one', notes: [{ kind: 'discovery', text: 'kept', reasoning: null, step: 1 }] }, fence, {
        n: 2,
        attempts: 1,
        firstTurn: 1,
      });
      expect(commit).toEqual({ nextStarted: false });
      const steps = await store.getSteps('t1');
      expect(steps.map((s) => s.status)).toEqual(['completed', 'pending', 'pending']);
      expect(steps[0]!.result).toBe('one');
      expect(steps[1]!.startedAt).toBeNull();
      expect((await store.getNotes('t1')).map((n) => n.text)).toEqual(['kept']);
      expect(await store.getTask('t1')).toMatchObject({ completedCount: 1, currentStep: null });
    });

    it('fails a step and its task together', async () => {
      await store.createTask(newTask('t1'));
      const fence = await takeLease(store, 't1');
      await store.savePlan('t1', definition.plan!, fence);
      await store.startStep('t1', 1, { attempts: 1, firstTurn: 1 }, fence);
      await store.failStep('t1', 1, 'boom', { finishedAt: 1000, expiresAt: 5000 }, fence);
      expect((await store.getSteps('t1'))[0]).toMatchObject({ status: 'failed', error: 'boom', finishedAt: 1000 });
      expect(await store.getTask('t1')).toMatchObject({ status: 'failed', error: 'boom', reason: 'step', finishedAt: 1000, expiresAt: 5000 });
      // A retry clears the error and counts the attempt.
      await store.startStep('t1', 1, { attempts: 2, firstTurn: 3 }, fence);
      expect((await store.getSteps('t1'))[0]).toMatchObject({ status: 'running', error: null, attempts: 2, firstTurn: 3 });
      expect(await store.getTask('t1')).toMatchObject({ status: 'running', error: null });
    });

    it('journals LLM turns and adds their tokens to the task and the step', async () => {
      await store.createTask(newTask('t1'));
      const fence = await takeLease(store, 't1');
      await store.savePlan('t1', definition.plan!, fence);
      await store.recordTurn({ taskId: 't1', phase: 'plan', step: 0, turn: 1, response: { content: 'plan' }, promptTokens: 100, completionTokens: 20 }, fence);
      await store.recordTurn({ taskId: 't1', phase: 'step', step: 2, turn: 1, response: { content: 'a' }, promptTokens: 10, completionTokens: 5 }, fence);
      await store.recordTurn({ taskId: 't1', phase: 'step', step: 2, turn: 2, response: { content: 'b', toolCalls: [] }, promptTokens: 12, completionTokens: 6 }, fence);
      expect((await store.getTask('t1'))!.usage).toEqual({ promptTokens: 122, completionTokens: 31, requests: 3 });
      expect((await store.getSteps('t1'))[1]!.usage).toEqual({ promptTokens: 22, completionTokens: 11, requests: 2 });
      const turns = await store.getTurns('t1', 'step', 2);
      expect(turns.map((t) => [t.turn, t.response])).toEqual([
        [1, { content: 'a' }],
        [2, { content: 'b', toolCalls: [] }],
      ]);
      expect((await store.getTurns('t1', 'step', 2, 2)).map((t) => t.turn)).toEqual([2]);
      expect((await store.getLatestTurn('t1'))?.response).toEqual({ content: 'b', toolCalls: [] });
      expect(await store.getLatestTurn('no-such-task')).toBeUndefined();
      // A turn is recorded once: the journal never holds two answers for one turn.
      await expect(store.recordTurn({ taskId: 't1', phase: 'step', step: 2, turn: 2, response: {}, promptTokens: 1, completionTokens: 1 }, fence)).rejects.toThrow();
      expect((await store.getTask('t1'))!.usage.requests).toBe(3);
    });

    it('records effects as intent, then settles them', async () => {
      await store.createTask(newTask('t1'));
      const fence = await takeLease(store, 't1');
      const base = { taskId: 't1', step: 1, turn: 1, tool: 'charge', args: '{"amount":5}' };
      await store.putEffect({ ...base, key: 't1:1:1:2', call: 2, status: 'intent' }, fence);
      await store.putEffect({ ...base, key: 't1:1:1:1', call: 1, status: 'intent' }, fence);
      await store.setEffectProcess('t1:1:1:1', 'host:4242', fence);
      expect(await store.getEffect('t1:1:1:1')).toMatchObject({ process: 'host:4242', processEpoch: fence.epoch });
      expect(await store.settleEffect('t1:1:1:1', 'done', 'charged', { fence })).toBe(true);
      expect(await store.getEffect('t1:1:1:1')).toMatchObject({ status: 'done', output: 'charged', tool: 'charge', args: '{"amount":5}', process: null, processEpoch: null });
      await store.putEffect({ ...base, key: 't1:1:1:2', call: 2, status: 'awaiting-approval' }, fence);
      expect((await store.getEffects('t1')).map((e) => [e.key, e.status])).toEqual([
        ['t1:1:1:1', 'done'],
        ['t1:1:1:2', 'awaiting-approval'],
      ]);
      expect(await store.getEffect('nope')).toBeUndefined();
    });

    it('grants a lease to one owner at a time, each time at a new epoch', async () => {
      await store.createTask(newTask('t1'));
      expect((await store.getTask('t1'))!.leaseEpoch).toBe(0);
      expect(await store.acquireLease('t1', 'host:1', 60_000)).toEqual({ acquired: true, epoch: 1 });
      const refused = await store.acquireLease('t1', 'host:2', 60_000);
      expect(refused).toMatchObject({ acquired: false, owner: 'host:1' });
      expect((refused as { expiresAt: number }).expiresAt).toBeGreaterThan(Date.now());
      const one = { taskId: 't1', owner: 'host:1', epoch: 1, ttlMs: 60_000 };
      expect(await store.renewLease({ ...one, owner: 'host:2' })).toBe(false);
      expect(await store.renewLease(one, 'step 1: working')).toBe(true);
      expect(await store.getTask('t1')).toMatchObject({ leaseOwner: 'host:1', leaseEpoch: 1, progress: 'step 1: working' });
      // Taking over from a named holder (dead, or --force) works; the old holder can no longer renew or release.
      expect(await store.acquireLease('t1', 'host:2', 60_000, 'host:1')).toEqual({ acquired: true, epoch: 2 });
      expect(await store.renewLease(one)).toBe(false);
      await store.releaseLease(one);
      expect(await store.getTask('t1')).toMatchObject({ leaseOwner: 'host:2', leaseEpoch: 2 });
      await store.releaseLease({ taskId: 't1', owner: 'host:2', epoch: 2, ttlMs: 60_000 });
      expect(await store.acquireLease('t1', 'host:3', 60_000)).toEqual({ acquired: true, epoch: 3 });
      // The same owner taking it again is a new epoch too: its earlier self is fenced off like anyone else.
      expect(await store.acquireLease('t1', 'host:3', 60_000)).toEqual({ acquired: true, epoch: 4 });
      expect(await store.renewLease({ taskId: 't1', owner: 'host:3', epoch: 3, ttlMs: 60_000 })).toBe(false);
    });

    it('refuses every write of a run whose epoch another runner moved on, and writes nothing of it', async () => {
      await store.createTask(newTask('t1'));
      const old = await takeLease(store, 't1', 'host:1');
      await store.savePlan('t1', definition.plan!, old);
      const effect = { key: 't1:1:1:1', taskId: 't1', step: 1, turn: 1, call: 1, tool: 'charge', args: '{}', status: 'intent' as const };
      await store.putEffect(effect, old);
      await store.startStep('t1', 1, { attempts: 1, firstTurn: 1 }, old);
      await store.completeStep('t1', 1, { result: 'done by the first runner', notes: [] }, old);
      // The same owner (a pid reused, a worker id) takes it over: only the epoch tells the two runs apart.
      const current = await takeLease(store, 't1', 'host:1');
      expect(current.epoch).toBe(old.epoch + 1);
      const before = await store.getTask('t1');
      const refusals: [string, () => Promise<unknown>][] = [
        ['savePlan', () => store.savePlan('t1', definition.plan!, old)],
        ['startStep', () => store.startStep('t1', 2, { attempts: 1, firstTurn: 1 }, old)],
        ['completeStep', () => store.completeStep('t1', 2, { result: 'stale', notes: [{ kind: 'discovery', text: 'x', reasoning: null, step: 2 }] }, old, { n: 3, attempts: 1, firstTurn: 1 })],
        ['failStep', () => store.failStep('t1', 2, 'stale', { finishedAt: 1, expiresAt: 2 }, old)],
        ['recordTurn', () => store.recordTurn({ taskId: 't1', phase: 'step', step: 2, turn: 1, response: {}, promptTokens: 5, completionTokens: 5 }, old)],
        ['putEffect', () => store.putEffect({ ...effect, key: 't1:2:1:1' }, old)],
        ['settleEffect', () => store.settleEffect('t1:1:1:1', 'done', 'stale', { fence: old })],
        ['setEffectProcess', () => store.setEffectProcess('t1:1:1:1', 'host:99', old)],
        ['updateTask', () => store.updateTask('t1', { status: 'completed', result: 'stale' }, { fence: old })],
      ];
      for (const [name, write] of refusals) await expect(write(), name).rejects.toThrow(LeaseLostError);
      expect(await store.renewLease(old)).toBe(false);
      await store.releaseLease(old);
      const after = await store.getTask('t1');
      expect({ ...after, heartbeatAt: 0, leaseExpiresAt: 0 }).toEqual({ ...before, heartbeatAt: 0, leaseExpiresAt: 0 });
      expect((await store.getSteps('t1')).map((s) => s.status)).toEqual(['completed', 'pending', 'pending']);
      expect(await store.getEffect('t1:1:1:1')).toMatchObject({ status: 'intent', output: null, process: null });
      expect(await store.getEffect('t1:2:1:1')).toBeUndefined();
      expect(await store.getTurns('t1', 'step', 2)).toEqual([]);
      expect(await store.getNotes('t1')).toEqual([]);
      // The current runner's writes go through.
      await store.startStep('t1', 2, { attempts: 1, firstTurn: 1 }, current);
      expect(await store.getTask('t1')).toMatchObject({ currentStep: 2, leaseOwner: 'host:1', leaseEpoch: current.epoch });
    });

    it('a cancel request refuses a new step or effect intent in the same transaction, not an outcome', async () => {
      await store.createTask(newTask('t1'));
      const fence = await takeLease(store, 't1');
      await store.savePlan('t1', definition.plan!, fence);
      const effect = { key: 't1:1:1:1', taskId: 't1', step: 1, turn: 1, call: 1, tool: 'charge', args: '{}', status: 'intent' as const };
      await store.putEffect(effect, fence);
      expect(await store.updateTask('t1', { cancelRequested: true })).toBe(true);
      await expect(store.startStep('t1', 1, { attempts: 1, firstTurn: 1 }, fence)).rejects.toThrow(CancelRequestedError);
      await expect(store.putEffect({ ...effect, key: 't1:1:1:2' }, fence)).rejects.toThrow(CancelRequestedError);
      expect(await store.getEffect('t1:1:1:2')).toBeUndefined();
      expect((await store.getSteps('t1'))[0]!.status).toBe('pending');
      // What already ran is still recorded.
      expect(await store.settleEffect('t1:1:1:1', 'done', 'charged', { fence })).toBe(true);
      expect(await store.updateTask('t1', { status: 'cancelled' }, { fence })).toBe(true);
    });

    it('guarded writes from outside a run happen only if nobody runs the task and it is as the caller saw it', async () => {
      await store.createTask(newTask('t1'));
      const selected = (await store.getTask('t1'))!;
      const idle = { idle: true };
      expect(await store.updateTask('t1', { status: 'failed' }, { guard: { ...idle, statusIn: ['planning'] } })).toBe(true);
      expect(await store.updateTask('t1', { status: 'cancelled' }, { guard: { ...idle, statusIn: ['planning'] } })).toBe(false);
      const fence = await takeLease(store, 't1');
      await store.putEffect({ key: 't1:1:1:1', taskId: 't1', step: 1, turn: 1, call: 1, tool: 'charge', args: '{}', status: 'intent' }, fence);
      // A live lease: cancel, gc and a person's answer must not act behind the runner's back.
      expect(await store.updateTask('t1', { status: 'cancelled' }, { guard: { idle: true } })).toBe(false);
      expect(await store.settleEffect('t1:1:1:1', 'done', 'by a person', { guard: { idle: true } })).toBe(false);
      expect(await store.pruneTask('t1', { idle: true, statusIn: ['failed'] })).toBe(false);
      // …unless its holder is known dead; the write then takes the task from it, so it cannot write if it wakes up.
      expect(await store.updateTask('t1', { error: 'x' }, { guard: { idle: true, deadOwner: fence.owner } })).toBe(true);
      await expect(store.startStep('t1', 1, { attempts: 1, firstTurn: 1 }, fence)).rejects.toThrow(LeaseLostError);
      expect(await store.getTask('t1')).toMatchObject({ leaseOwner: null, leaseEpoch: fence.epoch + 1 });
      // Resumed since gc selected it (the epoch moved on): not pruned.
      expect(await store.pruneTask('t1', { idle: true, statusIn: ['failed'], epoch: selected.leaseEpoch })).toBe(false);
      expect((await store.getTask('t1'))!.prunedAt).toBeNull();
      expect(await store.getEffect('t1:1:1:1')).toMatchObject({ status: 'intent' });
      expect(await store.pruneTask('t1', { idle: true, statusIn: ['failed'], epoch: fence.epoch + 1 })).toBe(true);
      expect((await store.getTask('t1'))!.prunedAt).not.toBeNull();
      expect(await store.getEffect('t1:1:1:1')).toBeUndefined();
    });

    it('fenced journal writes happen only while the lease is held, and renew it', async () => {
      await store.createTask(newTask('t1'));
      const mine = await takeLease(store, 't1', 'host:1');
      await store.savePlan('t1', definition.plan!, mine);
      const stale: LeaseFence = { ...mine, owner: 'host:2' };
      const effect = { key: 't1:1:1:1', taskId: 't1', step: 1, turn: 1, call: 1, tool: 'charge', args: '{}', status: 'intent' as const };
      await store.putEffect(effect, mine);
      await expect(store.settleEffect('t1:1:1:1', 'done', 'by the stale runner', { fence: stale })).rejects.toThrow(LeaseLostError);
      await expect(store.recordTurn({ taskId: 't1', phase: 'step', step: 1, turn: 1, response: {}, promptTokens: 5, completionTokens: 5 }, stale)).rejects.toThrow(
        LeaseLostError,
      );
      await expect(store.completeStep('t1', 1, { result: 'stale', notes: [{ kind: 'discovery', text: 'x', reasoning: null, step: 1 }] }, stale)).rejects.toThrow(
        LeaseLostError,
      );
      await expect(store.putEffect({ ...effect, key: 't1:1:1:2' }, stale)).rejects.toThrow(LeaseLostError);
      // Nothing of the stale runner's writes landed.
      expect(await store.getEffect('t1:1:1:1')).toMatchObject({ status: 'intent', output: null });
      expect(await store.getEffect('t1:1:1:2')).toBeUndefined();
      expect(await store.getTurns('t1', 'step', 1)).toEqual([]);
      expect((await store.getSteps('t1'))[0]!.status).toBe('pending');
      expect(await store.getNotes('t1')).toEqual([]);
      expect((await store.getTask('t1'))!.usage.requests).toBe(0);
      await store.settleEffect('t1:1:1:1', 'done', 'ok', { fence: mine });
      expect(await store.getEffect('t1:1:1:1')).toMatchObject({ status: 'done', output: 'ok' });
    });

    it('lets anyone take an expired lease', async () => {
      await store.createTask(newTask('t1'));
      await store.acquireLease('t1', 'host:1', 1);
      await new Promise((r) => setTimeout(r, 5));
      expect(await store.acquireLease('t1', 'host:2', 60_000)).toEqual({ acquired: true, epoch: 2 });
    });

    it('lists tasks newest first, filtered by status, limited', async () => {
      for (const [i, id] of ['a', 'b', 'c'].entries()) {
        await store.createTask(newTask(id, 1000 + i));
        await new Promise((r) => setTimeout(r, 2));
        await store.updateTask(id, { status: i === 1 ? 'failed' : 'interrupted' });
      }
      expect((await store.listTasks()).map((t) => t.id)).toEqual(['c', 'b', 'a']);
      expect((await store.listTasks({ statuses: ['interrupted'] })).map((t) => t.id)).toEqual(['c', 'a']);
      expect((await store.listTasks({ limit: 1 })).map((t) => t.id)).toEqual(['c']);
    });

    it('deletes a task with everything of it, unless its lease changed hands', async () => {
      await store.createTask(newTask('t1'));
      await store.createTask(newTask('t2'));
      const fence = await takeLease(store, 't1');
      await store.savePlan('t1', definition.plan!, fence);
      await store.putEffect({ key: 't1:1:1:1', taskId: 't1', step: 1, turn: 1, call: 1, tool: 'charge', args: '{}', status: 'done' }, fence);
      await store.recordTurn({ taskId: 't1', phase: 'step', step: 1, turn: 1, response: {}, promptTokens: 1, completionTokens: 1 }, fence);
      // A runner holds it: nothing is deleted.
      expect(await store.deleteTask('t1', { idle: true })).toBe(false);
      expect(await store.getTask('t1')).toBeDefined();
      await store.releaseLease(fence);
      expect(await store.deleteTask('t1', { idle: true, statusIn: ['interrupted'] })).toBe(false);
      expect(await store.deleteTask('t1', { idle: true })).toBe(true);
      expect(await store.getTask('t1')).toBeUndefined();
      expect(await store.getSteps('t1')).toEqual([]);
      expect(await store.getEffect('t1:1:1:1')).toBeUndefined();
      expect(await store.getTurns('t1', 'step', 1)).toEqual([]);
      // The id is free again; other tasks are untouched.
      expect(await store.createTask(newTask('t1'))).toBe(true);
      expect(await store.getTask('t2')).toBeDefined();
      expect(await store.deleteTask('missing', { idle: true })).toBe(false);
    });

    it('keeps a task\'s runs in order; a run ends once; gc keeps them, delete removes them', async () => {
      await store.createTask(newTask('t1'));
      const run = { taskId: 't1', how: 'start' as const, baseCompleted: 0, baseRequests: 0 };
      expect(await store.beginRun({ ...run, owner: 'host:1', startedAt: 1000 })).toBe(1);
      expect(await store.beginRun({ ...run, owner: 'host:2', how: 'takeover', startedAt: 2000, baseCompleted: 1, baseRequests: 3 })).toBe(2);
      const end = { endedAt: 1500, ending: 'killed' as const, detail: 'gone', stepsCompleted: 1, turnsPaid: 3, turnsReplayed: null, effects: 2 };
      await store.endRun('t1', 1, end);
      // A second end (say the killed run's own late word) changes nothing.
      await store.endRun('t1', 1, { ...end, endedAt: 9999, ending: 'completed', detail: null });
      const runs = await store.getRuns('t1');
      expect(runs).toEqual([
        { taskId: 't1', seq: 1, owner: 'host:1', how: 'start', startedAt: 1000, ...end, baseCompleted: 0, baseRequests: 0, hook: null },
        { taskId: 't1', seq: 2, owner: 'host:2', how: 'takeover', startedAt: 2000, endedAt: null, ending: null, detail: null, stepsCompleted: 0, turnsPaid: 0, turnsReplayed: null, effects: 0, baseCompleted: 1, baseRequests: 3, hook: null },
      ]);
      expect(await store.getRuns('other')).toEqual([]);
      await store.updateTask('t1', { status: 'completed' });
      expect(await store.pruneTask('t1', { idle: true })).toBe(true);
      expect(await store.getRuns('t1')).toHaveLength(2);
      expect(await store.deleteTask('t1', { idle: true })).toBe(true);
      expect(await store.getRuns('t1')).toEqual([]);
    });

    it('records a run\'s hook as pending with its end, lets one claimer run it, and keeps how it ended', async () => {
      await store.createTask(newTask('t1'));
      await store.createTask(newTask('t2'));
      const run = { how: 'start' as const, owner: 'host:1', startedAt: 1000, baseCompleted: 0, baseRequests: 0 };
      await store.beginRun({ ...run, taskId: 't1' });
      await store.beginRun({ ...run, taskId: 't2' });
      // t2's run is open (its process may have died): unsettled too.
      const end = { endedAt: 1500, ending: 'completed' as const, detail: null, stepsCompleted: 1, turnsPaid: 0, turnsReplayed: 0, effects: 0 };
      await store.endRun('t1', 1, { ...end, hookCommand: './notify.sh' });
      expect((await store.listUnsettledRuns(10)).map((r) => r.taskId).sort()).toEqual(['t1', 't2']);
      expect((await store.getRuns('t1'))[0]!.hook).toEqual({ command: './notify.sh', status: 'pending', exitCode: null, output: null, finishedAt: null });
      expect(await store.claimHook('t1', 1)).toBe(true);
      expect(await store.claimHook('t1', 1)).toBe(false);
      expect((await store.listUnsettledRuns(10)).map((r) => r.taskId)).toEqual(['t2']);
      await store.finishHook('t1', 1, { status: 'failed', exitCode: 7, output: 'no mail server', finishedAt: 1600 });
      expect((await store.getRuns('t1'))[0]!.hook).toEqual({ command: './notify.sh', status: 'failed', exitCode: 7, output: 'no mail server', finishedAt: 1600 });
      // A run ended without a hook has none; a second end does not add one.
      await store.endRun('t2', 1, end);
      await store.endRun('t2', 1, { ...end, hookCommand: 'late' });
      expect((await store.getRuns('t2'))[0]!.hook).toBeNull();
      expect(await store.listUnsettledRuns(10)).toEqual([]);
    });

    it('updates only the fields a patch names', async () => {
      await store.createTask(newTask('t1'));
      await store.updateTask('t1', { status: 'completed', result: 'done!', finishedAt: 5, expiresAt: 10, cancelRequested: true });
      expect(await store.getTask('t1')).toMatchObject({ status: 'completed', result: 'done!', finishedAt: 5, expiresAt: 10, cancelRequested: true, goal: 'goal of t1' });
    });

    describe('queues and workers', () => {
      it('records a queued task as queued, and claims each waiting task once: highest priority, then oldest', async () => {
        await store.createTask(newTask('low', 1000, { queue: 'q' }));
        await store.createTask(newTask('high', 2000, { queue: 'q', priority: 5 }));
        await store.createTask(newTask('older', 500, { queue: 'q' }));
        await store.createTask(newTask('elsewhere', 1, { queue: 'other' }));
        await store.createTask(newTask('foreground', 1));
        expect(await store.getTask('low')).toMatchObject({ status: 'queued', queue: 'q', priority: 0, leaseOwner: null });
        expect(await store.getTask('foreground')).toMatchObject({ status: 'planning', queue: null });
        const claims = [];
        for (let i = 0; i < 4; i++) claims.push(await store.claimTask('q', `w:${i}`, 60_000, 60_000));
        expect(claims.map((c) => c?.taskId)).toEqual(['high', 'older', 'low', undefined]);
        // Never run before: no lease was replaced.
        expect(claims[0]!.previous).toBeNull();
        // Claimed: leased to the worker at a new epoch, and no longer waiting.
        expect(await store.getTask('high')).toMatchObject({ status: 'planning', leaseOwner: 'w:0', leaseEpoch: claims[0]!.epoch });
        expect(await store.renewLease({ taskId: 'high', owner: 'w:0', epoch: claims[0]!.epoch, ttlMs: 60_000 })).toBe(true);
      });

      it('claims concurrently without ever handing one task to two workers', async () => {
        for (let i = 0; i < 10; i++) await store.createTask(newTask(`t${i}`, i, { queue: 'q' }));
        const claims = await Promise.all(Array.from({ length: 16 }, (_, i) => store.claimTask('q', `w:${i}`, 60_000, 60_000)));
        const ids = claims.flatMap((c) => (c ? [c.taskId] : []));
        expect(ids.sort()).toEqual(Array.from({ length: 10 }, (_, i) => `t${i}`).sort());
      });

      it("takes over a dead worker's task once its lease expired, and an interrupted one after the retry delay", async () => {
        await store.createTask(newTask('t1', 1, { queue: 'q' }));
        const dead = await store.claimTask('q', 'dead:1', 1, 60_000);
        const deadFence = { taskId: 't1', owner: 'dead:1', epoch: dead!.epoch, ttlMs: 1 };
        await store.savePlan('t1', definition.plan!, deadFence);
        await new Promise((r) => setTimeout(r, 5));
        const second = await store.claimTask('q', 'w:2', 60_000, 60_000);
        // The claim tells whose lapsed lease it replaced: the run it starts is a takeover.
        expect(second).toMatchObject({ taskId: 't1', epoch: dead!.epoch + 1, previous: { owner: 'dead:1' } });
        expect(second!.previous!.expiresAt).toBeLessThanOrEqual(Date.now());
        expect(await store.renewLease(deadFence)).toBe(false);
        expect(await store.claimTask('q', 'w:3', 60_000, 60_000)).toBeUndefined();
        const secondFence = { taskId: 't1', owner: 'w:2', epoch: second!.epoch, ttlMs: 60_000 };
        await store.updateTask('t1', { status: 'interrupted' }, { fence: secondFence });
        await store.releaseLease(secondFence);
        expect(await store.claimTask('q', 'w:3', 60_000, 60_000)).toBeUndefined();
        await new Promise((r) => setTimeout(r, 5));
        const third = await store.claimTask('q', 'w:3', 60_000, 1);
        expect(third?.taskId).toBe('t1');
        // Finished tasks are never claimed.
        const thirdFence = { taskId: 't1', owner: 'w:3', epoch: third!.epoch, ttlMs: 60_000 };
        await store.updateTask('t1', { status: 'completed' }, { fence: thirdFence });
        await store.releaseLease(thirdFence);
        expect(await store.claimTask('q', 'w:4', 60_000, 0)).toBeUndefined();
      });

      it('runs at most a queue\'s limit of its tasks at once, however many workers claim at the same time', async () => {
        for (let i = 0; i < 8; i++) await store.createTask(newTask(`t${i}`, i, { queue: 'q' }));
        await store.createTask(newTask('free', 1, { queue: 'other' }));
        await store.setQueueLimit('q', 3);
        const claims = await Promise.all(Array.from({ length: 8 }, (_, i) => store.claimTask('q', `w:${i}`, 60_000, 60_000)));
        const taken = claims.filter((c) => c !== undefined);
        expect(taken).toHaveLength(3);
        // Another queue is not held back by this one's limit.
        expect((await store.claimTask('other', 'w:9', 60_000, 60_000))?.taskId).toBe('free');
        expect(await store.listQueues()).toEqual([
          { name: 'other', maxRunning: null, waiting: 0, running: 1 },
          { name: 'q', maxRunning: 3, waiting: 5, running: 3 },
        ]);
        // A task that lets go frees its place for the next claim.
        const done = taken[0]!;
        const fence = { taskId: done.taskId, owner: `w:${claims.indexOf(done)}`, epoch: done.epoch, ttlMs: 60_000 };
        await store.updateTask(done.taskId, { status: 'completed' }, { fence });
        await store.releaseLease(fence);
        expect(await store.claimTask('q', 'w:10', 60_000, 60_000)).toBeDefined();
        expect(await store.claimTask('q', 'w:11', 60_000, 60_000)).toBeUndefined();
        // Lifted: the rest can run.
        await store.setQueueLimit('q', null);
        const rest = await Promise.all(Array.from({ length: 6 }, (_, i) => store.claimTask('q', `w:${20 + i}`, 60_000, 60_000)));
        expect(rest.filter((c) => c !== undefined)).toHaveLength(4);
        expect((await store.listQueues()).find((q) => q.name === 'q')).toEqual({ name: 'q', maxRunning: null, waiting: 0, running: 7 });
      });

      it('hands a task a drained worker stopped (interrupted by a signal) to the next claim at once', async () => {
        await store.createTask(newTask('t1', 1, { queue: 'q' }));
        const first = await store.claimTask('q', 'w:1', 60_000, 60_000);
        const fence = { taskId: 't1', owner: 'w:1', epoch: first!.epoch, ttlMs: 60_000 };
        await store.updateTask('t1', { status: 'interrupted', error: 'interrupted by a signal', reason: 'signal' }, { fence });
        await store.releaseLease(fence);
        // Far inside the retry delay, which is for failures worth waiting out.
        expect(await store.claimTask('q', 'w:2', 60_000, 60_000)).toMatchObject({ taskId: 't1', epoch: first!.epoch + 1, previous: null });
      });

      it('lists live workers with their last heartbeat; a removed or silent one is not listed', async () => {
        await store.heartbeatWorker({ id: 'host:1', queue: 'q', concurrency: 2, running: 1 });
        await store.heartbeatWorker({ id: 'host:2', queue: 'q', concurrency: 1, running: 0 });
        await store.heartbeatWorker({ id: 'host:1', queue: 'q', concurrency: 2, running: 2 });
        const workers = await store.listWorkers(60_000);
        expect(workers.map((w) => [w.id, w.queue, w.concurrency, w.running])).toEqual([
          ['host:1', 'q', 2, 2],
          ['host:2', 'q', 1, 0],
        ]);
        expect(workers[0]!.heartbeatAt).toBeGreaterThanOrEqual(workers[0]!.startedAt);
        await store.removeWorker('host:2');
        expect((await store.listWorkers(60_000)).map((w) => w.id)).toEqual(['host:1']);
        await new Promise((r) => setTimeout(r, 5));
        expect(await store.listWorkers(1)).toEqual([]);
      });
    });

    describe('memories', () => {
      const fact = { namespace: 'ops', kind: 'discovery' as const, text: 'The staging deploy key lives in vault at secret/zephyr-staging' };

      it('keeps one memory per normalized text and namespace; each task that learned it is a source', async () => {
        const first = await store.memories.add({ ...fact, taskId: 'task-a', tags: ['deploy'] });
        expect(first.created).toBe(true);
        const again = await store.memories.add({ ...fact, text: '  the STAGING deploy key lives in vault at   secret/zephyr-staging. ', taskId: 'task-b', tags: ['vault', 'deploy'] });
        expect(again).toEqual({ id: first.id, created: false });
        await store.memories.add({ ...fact, taskId: 'task-b' });
        const other = await store.memories.add({ ...fact, namespace: 'dev', taskId: 'task-c' });
        expect(other.created).toBe(true);
        expect(other.id).not.toBe(first.id);
        expect(await store.memories.get(first.id)).toMatchObject({
          namespace: 'ops',
          kind: 'discovery',
          text: fact.text,
          tags: ['deploy', 'vault'],
          sources: ['task-a', 'task-b'],
          recallCount: 0,
          usefulCount: 0,
          lastRecalledAt: null,
          embeddingModel: null,
        });
        expect(await store.memories.get(9999)).toBeUndefined();
      });

      it('searches full text, best match first, within a namespace or all of them', async () => {
        const key = await store.memories.add({ ...fact, taskId: 't1' });
        const node = await store.memories.add({ namespace: 'ops', kind: 'note', text: 'Builds need Node 20 on the deploy runners' });
        await store.memories.add({ namespace: 'ops', kind: 'note', text: 'Lunch is at noon' });
        await store.memories.add({ namespace: 'dev', kind: 'note', text: 'The dev deploy key is in the wiki' });
        const hits = await store.memories.search('ops', 'where is the staging deploy key?', 10);
        expect(hits.map((h) => h.memory.id)).toEqual([key.id, node.id]);
        expect(hits[0]!.score).toBeGreaterThan(hits[1]!.score);
        expect(hits[1]!.score).toBeGreaterThan(0);
        expect(hits[0]!.matched).toEqual(expect.arrayContaining(['staging', 'deploy', 'key']));
        expect(hits[0]!.memory.sources).toEqual(['t1']);
        // Stemming: "deploying" finds "deploy".
        expect((await store.memories.search('ops', 'deploying', 10)).map((h) => h.memory.id).sort()).toEqual([key.id, node.id].sort());
        expect((await store.memories.search(null, 'deploy key', 10)).map((h) => h.memory.namespace).sort()).toEqual(['dev', 'ops', 'ops']);
        expect(await store.memories.search('ops', 'deploy', 1)).toHaveLength(1);
        expect(await store.memories.search('nowhere', 'deploy', 10)).toEqual([]);
      });

      it('takes search syntax in a query literally and finds nothing for a query without words', async () => {
        const key = await store.memories.add(fact);
        for (const query of ['"staging', 'staging*', 'NEAR(staging vault)', '-staging', '(staging', 'text:staging', 'staging AND OR NOT', "staging'; DROP TABLE memories; --"]) {
          const hits = await store.memories.search('ops', query, 10);
          expect(hits.map((h) => h.memory.id), query).toEqual([key.id]);
        }
        for (const query of ['', '   ', '"', '*', '()', 'AND OR NOT', ':-']) expect(await store.memories.search('ops', query, 10), query).toEqual([]);
      });

      it('lists the most recently confirmed first, by namespace, limited; forget removes a memory everywhere', async () => {
        const a = await store.memories.add({ namespace: 'ops', kind: 'note', text: 'alpha fact' });
        const b = await store.memories.add({ namespace: 'dev', kind: 'note', text: 'beta fact' });
        const c = await store.memories.add({ namespace: 'ops', kind: 'result', text: 'gamma fact' });
        expect((await store.memories.list()).map((m) => m.id)).toEqual([c.id, b.id, a.id]);
        expect((await store.memories.list({ namespace: 'ops' })).map((m) => m.id)).toEqual([c.id, a.id]);
        expect((await store.memories.list({ limit: 1 })).map((m) => m.id)).toEqual([c.id]);
        expect(await store.memories.forget(c.id)).toBe(true);
        expect(await store.memories.forget(c.id)).toBe(false);
        expect(await store.memories.get(c.id)).toBeUndefined();
        expect(await store.memories.search('ops', 'gamma', 10)).toEqual([]);
        expect((await store.memories.list({ namespace: 'ops' })).map((m) => m.id)).toEqual([a.id]);
        // A forgotten id is never handed out again.
        expect((await store.memories.add({ namespace: 'ops', kind: 'note', text: 'delta fact' })).id).toBeGreaterThan(c.id);
      });

      it('counts a recall once per task, and credits it once when that task completes', async () => {
        const a = await store.memories.add({ namespace: 'ops', kind: 'note', text: 'alpha fact' });
        const b = await store.memories.add({ namespace: 'ops', kind: 'note', text: 'beta fact' });
        await store.memories.markRecalled([a.id, b.id], 'task-1');
        await store.memories.markRecalled([a.id], 'task-1'); // resumed: same task, no second count
        await store.memories.markRecalled([a.id], 'task-2');
        await store.memories.markRecalled([], 'task-3');
        await store.memories.markRecalled([9999], 'task-3'); // forgotten meanwhile: ignored
        expect(await store.memories.get(a.id)).toMatchObject({ recallCount: 2, usefulCount: 0 });
        expect((await store.memories.get(a.id))!.lastRecalledAt).not.toBeNull();
        expect(await store.memories.creditTask('task-1')).toBe(2);
        expect(await store.memories.creditTask('task-1')).toBe(0);
        expect(await store.memories.creditTask('never-recalled')).toBe(0);
        expect(await store.memories.get(a.id)).toMatchObject({ recallCount: 2, usefulCount: 1 });
        expect(await store.memories.get(b.id)).toMatchObject({ recallCount: 1, usefulCount: 1 });
      });

      it('keeps an embedding per memory with the model that made it', async () => {
        const a = await store.memories.add({ namespace: 'ops', kind: 'note', text: 'alpha fact' });
        const b = await store.memories.add({ namespace: 'ops', kind: 'note', text: 'beta fact' });
        await store.memories.add({ namespace: 'dev', kind: 'note', text: 'gamma fact' });
        expect((await store.memories.needingEmbedding('ops', 'emb-1', 10)).map((m) => m.id)).toEqual([b.id, a.id]);
        await store.memories.setEmbedding(a.id, 'emb-1', [0.5, -0.25, 1]);
        await store.memories.setEmbedding(b.id, 'emb-0', [1, 0, 0]);
        const embedded = await store.memories.listEmbedded('ops', 'emb-1', 10);
        expect(embedded.map((e) => [e.memory.id, e.memory.embeddingModel, e.vector])).toEqual([[a.id, 'emb-1', [0.5, -0.25, 1]]]);
        expect(await store.memories.listEmbedded(null, 'emb-1', 10)).toHaveLength(1);
        // b's embedding is another model's: it needs a new one.
        expect((await store.memories.needingEmbedding('ops', 'emb-1', 10)).map((m) => m.id)).toEqual([b.id]);
      });
    });

    describe('moving a store (transfer)', () => {
      const FACT = 'The staging deploy key lives in vault at secret/zephyr-staging';

      /** A second, empty store of the same kind: where a transfer writes. */
      async function withTarget(work: (target: Store) => Promise<void>): Promise<void> {
        const target = await subject.create();
        try {
          await work(target);
        } finally {
          await subject.destroy?.(target);
          await target.close();
        }
      }

      /** A task that ran twice (the first run's completion hook still to deliver) and learned one fact, recalled by another task. */
      async function taskWithHistory(): Promise<TaskBundle> {
        await store.createTask(newTask('t1'));
        const fence = await takeLease(store, 't1');
        await store.savePlan('t1', definition.plan!, fence);
        await store.startStep('t1', 1, { attempts: 1, firstTurn: 1 }, fence);
        await store.recordTurn({ taskId: 't1', phase: 'step', step: 1, turn: 1, response: { content: 'ok' }, promptTokens: 3, completionTokens: 2 }, fence);
        await store.completeStep('t1', 1, { result: 'one', notes: [{ kind: 'discovery', text: FACT, reasoning: null, step: 1 }] }, fence);
        await store.releaseLease(fence);
        const run = { taskId: 't1', owner: 'host:1', how: 'start' as const, startedAt: 1000, baseCompleted: 0, baseRequests: 0 };
        await store.beginRun(run);
        await store.endRun('t1', 1, { endedAt: 1500, ending: 'completed', detail: null, stepsCompleted: 1, turnsPaid: 1, turnsReplayed: 0, effects: 0, hookCommand: './notify.sh' });
        await store.beginRun({ ...run, owner: 'host:2', how: 'resume', startedAt: 2000, baseCompleted: 1, baseRequests: 1 });
        const fact = await store.memories.add({ namespace: 'ops', kind: 'discovery', text: FACT, taskId: 't1', tags: ['vault'] });
        await store.memories.add({ namespace: 'dev', kind: 'note', text: 'Builds need Node 20' });
        await store.memories.markRecalled([fact.id], 'later-task');
        await store.memories.creditTask('later-task');
        await store.memories.setEmbedding(fact.id, 'emb-1', [0.5, -0.25, 1]);
        const task = (await store.getTask('t1'))!;
        const [steps, notes, effects, turns, runs] = await Promise.all([
          store.getSteps('t1'), store.getNotes('t1'), store.getEffects('t1'), store.getAllTurns('t1'), store.getRuns('t1'),
        ]);
        return { task, steps, notes, effects, turns, runs };
      }

      const withoutIds = (bundles: MemoryBundle[]) => bundles.map(({ id: _id, ...rest }) => rest);

      it('writes tasks with their run history and memories with everything of them in one go, and reads them back whole', async () => {
        const task = await taskWithHistory();
        const memories = await store.memories.listBundles();
        expect(memories.map((m) => [m.namespace, m.sources, m.recalls, m.recallCount, m.usefulCount, m.embedding?.model])).toEqual([
          ['ops', [{ taskId: 't1', addedAt: expect.any(Number) }], [{ taskId: 'later-task', recalledAt: expect.any(Number), credited: true }], 1, 1, 'emb-1'],
          ['dev', [], [], 0, 0, undefined],
        ]);
        await withTarget(async (target) => {
          expect(await target.insertStoreBundle({ tasks: [task], memories })).toEqual(['created', 'created']);
          expect(await target.getRuns('t1')).toEqual(task.runs);
          expect((await target.getRuns('t1'))[0]!.hook).toEqual({ command: './notify.sh', status: 'pending', exitCode: null, output: null, finishedAt: null });
          // The pending hook and the open run moved with the task: the target settles them, once.
          expect((await target.listUnsettledRuns(10)).map((r) => r.seq)).toEqual([1, 2]);
          expect(await target.getSteps('t1')).toEqual(task.steps);
          expect(await target.getAllTurns('t1')).toEqual(task.turns);
          expect(withoutIds(await target.memories.listBundles())).toEqual(withoutIds(memories));
          // Searchable, embedded and creditable there as in the source.
          const [hit] = await target.memories.search('ops', 'staging deploy key', 10);
          expect(hit!.memory).toMatchObject({ text: FACT, tags: ['vault'], sources: ['t1'], recallCount: 1, usefulCount: 1 });
          expect((await target.memories.listEmbedded('ops', 'emb-1', 10)).map((e) => e.vector)).toEqual([[0.5, -0.25, 1]]);
          expect(await target.memories.creditTask('later-task')).toBe(0);

          // Written again (a transfer run again after one cut short): nothing is added, nothing counted twice.
          expect(await target.insertStoreBundle({ tasks: [], memories })).toEqual(['unchanged', 'unchanged']);
          expect(withoutIds(await target.memories.listBundles())).toEqual(withoutIds(memories));
          // A task id taken: nothing at all is written, not even the memories.
          const extra = { ...memories[1]!, text: 'A fact that must not arrive' };
          expect(await target.insertStoreBundle({ tasks: [task], memories: [extra] })).toBe(false);
          expect((await target.memories.list()).map((m) => m.text)).not.toContain(extra.text);
        });
      });

      it('merges a moved memory into the same text the target holds: sources and tags united, each task recalled once', async () => {
        const there = await store.memories.add({ namespace: 'ops', kind: 'discovery', text: FACT, taskId: 'a', tags: ['vault'] });
        await store.memories.markRecalled([there.id], 'r1');
        await store.memories.markRecalled([there.id], 'r2');
        await store.memories.creditTask('r1');
        const before = (await store.memories.listBundles())[0]!;
        const moved: MemoryBundle = {
          ...before,
          id: 999_999,
          kind: 'note',
          text: ` ${FACT.toUpperCase()}. `,
          tags: ['deploy', 'vault'],
          sources: [{ taskId: 'a', addedAt: 1 }, { taskId: 'b', addedAt: before.sources[0]!.addedAt + 1 }],
          recalls: [{ taskId: 'r2', recalledAt: 5, credited: true }, { taskId: 'r3', recalledAt: 6, credited: false }],
          createdAt: before.createdAt - 1000,
          confirmedAt: before.confirmedAt - 1000,
          recallCount: 2,
          usefulCount: 1,
          embedding: { model: 'emb-1', vector: [1, 0] },
        };
        expect(await store.insertStoreBundle({ tasks: [], memories: [moved] })).toEqual(['merged']);
        const merged = (await store.memories.get(there.id))!;
        expect(merged).toMatchObject({ kind: 'discovery', text: FACT, tags: ['vault', 'deploy'], sources: ['a', 'b'], createdAt: before.createdAt - 1000, confirmedAt: before.confirmedAt });
        // r1, r2 and r3 recalled it (r2 in both stores: once); r1 and r2 were credited.
        expect(merged).toMatchObject({ recallCount: 3, usefulCount: 2, embeddingModel: 'emb-1' });
        expect(await store.insertStoreBundle({ tasks: [], memories: [moved] })).toEqual(['unchanged']);
        expect(await store.memories.get(there.id)).toEqual(merged);
        expect(await store.memories.list()).toHaveLength(1);
        // r3's recall arrived uncredited: r3 completing here credits it.
        expect(await store.memories.creditTask('r3')).toBe(1);
      });

      it('removes from the source only the memories still as they were read', async () => {
        const a = await store.memories.add({ namespace: 'ops', kind: 'note', text: 'alpha fact' });
        const b = await store.memories.add({ namespace: 'ops', kind: 'note', text: 'beta fact' });
        const read = await store.memories.listBundles();
        await store.memories.markRecalled([b.id], 'task-meanwhile');
        // b changed: kept (so is its new recall); a is deleted.
        expect(await store.memories.removeMoved(read)).toBe(1);
        expect(await store.memories.get(a.id)).toBeUndefined();
        expect(await store.memories.get(b.id)).toMatchObject({ recallCount: 1 });
        // One gone already is neither deleted nor kept.
        expect(await store.memories.removeMoved(read.filter((m) => m.id === a.id))).toBe(0);
        expect(await store.memories.removeMoved([])).toBe(0);
      });
    });
  });
}
