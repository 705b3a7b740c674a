import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { expect } from 'vitest';
import { createTask } from '../../src/engine/create-task.js';
import type { Store } from '../../src/store/types.js';
import { loadTaskFile } from '../../src/task/load.js';
import type { RecordedRequest, Reply } from './openai-server.js';
import { callKind, planReply, stepOf, turnOf } from './llm-script.js';

/**
 * A task that charges customers through a non-idempotent command tool appending to ledger.txt, and writes files
 * with the idempotent write_file. `check` decides whether a charge with a given key already happened.
 */
export function ledgerTask(options: { steps: number; withCheck: boolean; approve?: boolean; checkLog?: boolean }): string {
  // With checkLog, the check first appends its key to checks.log and takes a moment: a test can see it running.
  const check = `${options.checkLog ? 'echo "$AGENTRUN_IDEMPOTENCY_KEY" >> checks.log; sleep 0.05; ' : ''}test -f ledger.txt && grep -q "^$AGENTRUN_IDEMPOTENCY_KEY " ledger.txt && echo charged`;
  return `goal: Process ${options.steps} orders
tools:
  - write_file
  - name: charge
    description: Charge the customer of an order, once
    parameters:
      type: object
      properties: { order: { type: string } }
      required: [order]
    command: sleep 0.02; printf '%s %s\\n' "$AGENTRUN_IDEMPOTENCY_KEY" "$(cat)" >> ledger.txt && echo charged
    idempotent: false
${options.withCheck ? `    check: ${check}\n` : ''}${options.approve ? '    approve: true\n' : ''}limits: { maxSteps: ${options.steps} }
retry: { maxAttempts: 3, initialDelay: 10ms, maxDelay: 50ms }
`;
}

/** The scripted LLM for the ledger task: a pure function of the request, so replays and live turns agree. */
export function ledgerScript(steps: number): (request: RecordedRequest) => Reply {
  return (request) => {
    const kind = callKind(request);
    if (kind === 'plan') return planReply(Array.from({ length: steps }, (_, i) => `order-${i + 1}`));
    if (kind === 'final') return { content: `all ${steps} orders processed` };
    const step = stepOf(request);
    switch (turnOf(request)) {
      case 0:
        return {
          toolCalls: [
            { name: 'charge', arguments: { order: `order-${step}` } },
            { name: 'write_file', arguments: { path: `out/order-${step}.txt`, content: `order ${step} processed\n` } },
          ],
        };
      case 1:
        return {
          toolCalls: [
            { name: 'record_discovery', arguments: { fact: `order ${step} was charged` } },
            { name: 'record_decision', arguments: { decision: `ship order ${step}`, reasoning: 'it is paid' } },
          ],
        };
      default:
        return { content: `order ${step} done` };
    }
  };
}

/** Which journaled turn a request asks for: [phase, step, turn]. */
export function turnKey(request: RecordedRequest): string {
  const kind = callKind(request);
  if (kind !== 'step') return `${kind}:0:${turnOf(request) + 1}`;
  return `step:${stepOf(request)}:${turnOf(request) + 1}`;
}

/** The charges a ledger task's workspace recorded, one line each: `<idempotency key> <arguments>`. */
export function ledger(dir: string): string[] {
  const file = path.join(dir, 'ledger.txt');
  return existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter(Boolean) : [];
}

/**
 * What a run of ledger tasks (one per workspace in `dirs`) must leave however often it was cut short: every task
 * completed with each step committed once (completed_count counts commits) and one set of notes, and every order
 * charged exactly once, each under its own idempotency key.
 */
export async function expectEveryChargeOnce(store: Store, dirs: readonly string[], steps: number): Promise<void> {
  const tasks = await store.listTasks({ limit: 1000 });
  expect(tasks).toHaveLength(dirs.length);
  for (const task of tasks) {
    expect(task, task.id).toMatchObject({ status: 'completed', stepCount: steps, completedCount: steps });
    const notes = await store.getNotes(task.id);
    expect(notes.filter((n) => n.kind === 'discovery'), task.id).toHaveLength(steps);
    expect(notes.filter((n) => n.kind === 'decision'), task.id).toHaveLength(steps);
  }
  for (const [i, dir] of dirs.entries()) {
    const entries = ledger(dir);
    expect(entries.map((e) => e.split(' ')[1]).sort(), `task ${i}`).toEqual(Array.from({ length: steps }, (_, n) => `{"order":"order-${n + 1}"}`).sort());
    expect(new Set(entries.map((e) => e.split(' ')[0])).size, `task ${i}`).toBe(steps);
  }
}

/**
 * Queues `count` ledger tasks (ids `<queue>-0`, `<queue>-1`, …) on `queue`, each with a workspace of its own under
 * `root` holding its task file and, later, its ledger. Returns the workspaces, in task order.
 */
export async function queueLedgerTasks(store: Store, options: { root: string; queue: string; count: number; steps: number }): Promise<string[]> {
  const dirs: string[] = [];
  for (let i = 0; i < options.count; i++) {
    const dir = path.join(options.root, `task-${i}`);
    mkdirSync(dir);
    writeFileSync(path.join(dir, 'task.yaml'), ledgerTask({ steps: options.steps, withCheck: true }));
    await createTask(store, { id: `${options.queue}-${i}`, definition: loadTaskFile(path.join(dir, 'task.yaml')), cwd: dir, queue: options.queue });
    dirs.push(dir);
  }
  return dirs;
}
