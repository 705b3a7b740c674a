import { resumeAll } from '../../engine/resume-all.js';
import { createMemoryHooks } from '../../memory/recall.js';
import { LIMITS } from '../../input/limits.js';
import { output } from '../output.js';
import { eventLine } from '../render/event-line.js';
import { positiveWholeNumber } from '../whole-number.js';
import { withStore } from '../with-store.js';
import type { ResumeOptions } from '../commands/resume.js';

/**
 * Resumes every interrupted task and every running one whose lease expired, N at a time — the cron sweeper.
 * Never prompts (unattended by nature); exits with the worst of the tasks' exit codes.
 */
export async function run(options: ResumeOptions): Promise<number> {
  const limit = positiveWholeNumber(options.limit, '--limit');
  const concurrency = positiveWholeNumber(options.concurrency, '--concurrency', LIMITS.concurrency) ?? 1;
  return withStore(options.db, async (store) => {
    const result = await resumeAll(store, {
      limit,
      concurrency,
      run: {
        signal: options.signal,
        memory: createMemoryHooks(store),
        onEvent: (event) => {
          const line = eventLine(event);
          if (line) output.info(line);
        },
      },
    });
    if (options.json) {
      output.json({ exit_code: result.exitCode, tasks: result.outcomes.map((o) => ({ task_id: o.taskId, exit_code: o.exitCode, skipped: o.skipped ?? null })) });
    } else if (result.outcomes.length === 0) {
      output.info('nothing to resume');
    } else {
      for (const o of result.outcomes) output.info(`${o.taskId}: ${o.skipped ? `skipped (${o.skipped})` : `exit ${o.exitCode}`}`);
    }
    return result.exitCode;
  });
}
