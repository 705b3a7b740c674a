import { buildCheckpoint } from '../../engine/checkpoint.js';
import { resumeContext, stepSystemPrompt } from '../../engine/context.js';
import { TaskNotFoundError } from '../../errors.js';
import { recallMemories } from '../../memory/recall.js';
import type { Store } from '../../store/types.js';
import { output } from '../output.js';
import { renderCheckpoint } from '../render/checkpoint.js';
import { nextStepHint } from '../render/next-step.js';
import { styleFor } from '../render/style.js';
import { hasLiveLease, isResumable } from '../../engine/task-state.js';
import { statusLabel } from '../render/status-label.js';
import { withStore } from '../with-store.js';
import type { InspectOptions } from '../commands/inspect.js';

/** Shows one task's whole factual state: plan, results, decisions, discoveries, effects, tokens, timings. */
export async function run(options: InspectOptions): Promise<number> {
  return withStore(options.db, async (store) => {
    if (options.context) {
      output.result(await nextContext(store, options.taskId));
      return 0;
    }
    const doc = await buildCheckpoint(store, options.taskId);
    if (options.json) {
      output.json(doc);
      return 0;
    }
    const task = (await store.getTask(options.taskId))!;
    const now = Date.now();
    const view = {
      style: await styleFor(process.stdout),
      width: process.stdout.columns ?? 120,
      now,
      statusLabel: statusLabel(task, now),
      resumable: isResumable(task, now),
      liveOwner: hasLiveLease(task, now) ? task.leaseOwner : null,
      pruned: task.prunedAt === null ? undefined : { at: task.prunedAt, completed: task.completedCount, steps: task.stepCount },
    };
    output.result(renderCheckpoint(doc, view));
    const waiting = doc.effects.find((e) => e.status === 'uncertain' || e.status === 'awaiting-approval')?.key;
    const hint = nextStepHint(task, waiting);
    if (hint) output.info((await styleFor(process.stderr)).dim(hint));
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
