import { buildCheckpoint, type CheckpointDocument } from '../../engine/checkpoint.js';
import { resumeContext, stepSystemPrompt } from '../../engine/context.js';
import { TaskNotFoundError } from '../../errors.js';
import { recallMemories } from '../../memory/recall.js';
import type { Store } from '../../store/types.js';
import { output } from '../output.js';
import { oneLine } from '../render/event-line.js';
import { duration } from '../render/time.js';
import { withStore } from '../with-store.js';

export interface InspectOptions {
  taskId: string;
  db?: string;
  json?: boolean;
  context?: boolean;
}

/** Shows one task's whole factual state: plan, results, decisions, discoveries, effects, tokens, timings. */
export async function run(options: InspectOptions): Promise<number> {
  return withStore(options.db, async (store) => {
    if (options.context) {
      output.result(await nextContext(store, options.taskId));
      return 0;
    }
    const doc = await buildCheckpoint(store, options.taskId);
    if (options.json) output.json(doc);
    else output.result(renderCheckpoint(doc));
    return 0;
  });
}

/** What the LLM will see at the start of the next step, exactly as the runner would build it. */
async function nextContext(store: Store, taskId: string): Promise<string> {
  const task = await store.getTask(taskId);
  if (!task) throw new TaskNotFoundError(taskId);
  const [steps, notes] = await Promise.all([store.getSteps(taskId), store.getNotes(taskId)]);
  const next = steps.find((s) => s.status !== 'completed');
  if (!next) return `task ${taskId} has no step left to run (status ${task.status}).`;
  // The same recall the runner does before the step, without recording it as a recall.
  const memories = next.spec.run ? [] : await recallMemories(store, task, { mark: false });
  return `--- system ---\n${stepSystemPrompt(task)}\n\n--- user ---\n${resumeContext({ task, steps, notes, memories }, next.n)}`;
}

const MARKS: Record<string, string> = { completed: '✓', running: '▶', failed: '✗', pending: '·' };

export function renderCheckpoint(doc: CheckpointDocument): string {
  const lines: string[] = [];
  lines.push(`Task     ${doc.task_id}`, `Goal     ${doc.goal}`, `Status   ${doc.status}${doc.error ? ` — ${doc.error}` : ''}`);
  lines.push(`Model    ${doc.model ?? '-'}    Tokens ${doc.usage.prompt_tokens} in / ${doc.usage.completion_tokens} out (${doc.usage.requests} requests)`);
  lines.push(`Created  ${doc.created_at}    Updated ${doc.updated_at}`);
  lines.push('', `Plan (${doc.completed.length}/${doc.plan.length} done)`);
  for (const step of doc.plan) {
    const took = step.started_at && step.finished_at ? duration(Date.parse(step.finished_at) - Date.parse(step.started_at)) : '';
    const tokens = step.tokens.prompt + step.tokens.completion;
    const facts = [step.kind === 'run' ? 'run' : 'llm', took, tokens ? `${tokens} tokens` : '', step.attempts > 1 ? `${step.attempts} attempts` : ''].filter(Boolean).join(', ');
    lines.push(`  ${MARKS[step.status] ?? '?'} ${step.step}. ${step.name}  (${facts})`);
    const result = doc.results[String(step.step)];
    if (result) for (const line of result.split('\n').slice(0, 3)) lines.push(`      ${oneLine(line, 110)}`);
  }
  if (doc.decisions.length > 0) {
    lines.push('', 'Decisions');
    for (const d of doc.decisions) lines.push(`  - ${d.text}${d.reasoning ? ` — because ${d.reasoning}` : ''} (step ${d.step ?? '-'})`);
  }
  if (doc.discoveries.length > 0) {
    lines.push('', 'Discoveries');
    for (const d of doc.discoveries) lines.push(`  - ${d.text} (step ${d.step ?? '-'})`);
  }
  if (doc.effects.length > 0) {
    lines.push('', 'Effects');
    for (const e of doc.effects) lines.push(`  ${e.status.padEnd(17)} ${e.tool.padEnd(16)} ${e.key}`);
  }
  if (doc.result) lines.push('', 'Result', ...doc.result.split('\n').map((l) => `  ${l}`));
  return lines.join('\n');
}
