import { TaskNotFoundError } from '../errors.js';
import type { EffectRecord, Store } from '../store/types.js';
import type { TaskDefinition } from '../task/schema.js';

/**
 * The checkpoint document: a task's factual state, never its conversation. `inspect --json` prints it and
 * `export` writes it; field names follow the seed design (snake_case, results keyed by step number).
 */
export interface CheckpointDocument {
  format: 'agentrun.checkpoint/1';
  agent_id: string;
  task_id: string;
  goal: string;
  status: string;
  model: string | null;
  namespace: string;
  workspace: string;
  definition: TaskDefinition;
  plan: {
    step: number;
    name: string;
    description: string;
    done_when: string | null;
    kind: 'llm' | 'run';
    status: string;
    attempts: number;
    started_at: string | null;
    finished_at: string | null;
    tokens: { prompt: number; completion: number };
  }[];
  completed: number[];
  results: Record<string, string>;
  decisions: { text: string; reasoning: string | null; step: number | null; at: string }[];
  discoveries: { text: string; step: number | null; at: string }[];
  effects: { key: string; tool: string; args: string; status: string; output: string | null; step: number; at: string }[];
  usage: { prompt_tokens: number; completion_tokens: number; requests: number };
  result: string | null;
  error: string | null;
  reason: string | null;
  created_at: string;
  updated_at: string;
  finished_at: string | null;
  expires_at: string | null;
}

const iso = (ms: number) => new Date(ms).toISOString();
const isoOrNull = (ms: number | null) => (ms === null ? null : iso(ms));

export async function buildCheckpoint(store: Store, taskId: string): Promise<CheckpointDocument> {
  const task = await store.getTask(taskId);
  if (!task) throw new TaskNotFoundError(taskId);
  const [steps, notes, effects] = await Promise.all([store.getSteps(taskId), store.getNotes(taskId), store.getEffects(taskId)]);
  const completed = steps.filter((s) => s.status === 'completed');
  return {
    format: 'agentrun.checkpoint/1',
    agent_id: task.agentId,
    task_id: task.id,
    goal: task.goal,
    status: task.status,
    model: task.model,
    namespace: task.namespace,
    workspace: task.workspace,
    definition: task.definition,
    plan: steps.map((s) => ({
      step: s.n,
      name: s.name,
      description: s.description,
      done_when: s.spec.doneWhen ?? null,
      kind: s.spec.run ? 'run' : 'llm',
      status: s.status,
      attempts: s.attempts,
      started_at: isoOrNull(s.startedAt),
      finished_at: isoOrNull(s.finishedAt),
      tokens: { prompt: s.usage.promptTokens, completion: s.usage.completionTokens },
    })),
    completed: completed.map((s) => s.n),
    results: Object.fromEntries(completed.map((s) => [String(s.n), s.result ?? ''])),
    decisions: notes.filter((n) => n.kind === 'decision').map((n) => ({ text: n.text, reasoning: n.reasoning, step: n.step, at: iso(n.createdAt) })),
    discoveries: notes.filter((n) => n.kind === 'discovery').map((n) => ({ text: n.text, step: n.step, at: iso(n.createdAt) })),
    effects: effects.map(effectEntry),
    usage: { prompt_tokens: task.usage.promptTokens, completion_tokens: task.usage.completionTokens, requests: task.usage.requests },
    result: task.result,
    error: task.error,
    reason: task.reason,
    created_at: iso(task.createdAt),
    updated_at: iso(task.updatedAt),
    finished_at: isoOrNull(task.finishedAt),
    expires_at: isoOrNull(task.expiresAt),
  };
}

function effectEntry(e: EffectRecord): CheckpointDocument['effects'][number] {
  return { key: e.key, tool: e.tool, args: e.args, status: e.status, output: e.output, step: e.step, at: iso(e.updatedAt) };
}
