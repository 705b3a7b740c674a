import type { TimelineEntry } from '../../engine/timeline.js';
import type { RunHow } from '../../store/types.js';
import { oneLine, withoutStepPrefix } from './event-line.js';

const RUN_HOW: Record<RunHow, string> = {
  start: 'started the task',
  resume: 'resumed it',
  takeover: 'took it over from a runner that was gone',
  force: 'took it over with --force',
};

/** One line per timeline entry, in the shape of the progress lines a run prints: timestamp, task id, what happened. */
export function timelineLine(entry: TimelineEntry): string {
  return `${new Date(entry.at).toISOString()} ${entry.taskId} ${describe(entry)}`;
}

function describe(entry: TimelineEntry): string {
  switch (entry.type) {
    case 'task-created':
      return `created: ${oneLine(entry.goal, 100)}`;
    case 'run-began':
      return `run ${entry.run} began: ${entry.owner} ${RUN_HOW[entry.how]}`;
    case 'run-ended': {
      const did = [`${entry.stepsCompleted} ${entry.stepsCompleted === 1 ? 'step' : 'steps'}`, `${entry.turnsPaid} LLM turns paid`];
      if (entry.turnsReplayed) did.push(`${entry.turnsReplayed} replayed`);
      if (entry.effects) did.push(`${entry.effects} ${entry.effects === 1 ? 'effect' : 'effects'}`);
      return `run ${entry.run} ended: ${entry.ending}${entry.detail ? ` (${oneLine(entry.detail, 160)})` : ''}; ${did.join(', ')}`;
    }
    case 'step-started':
      return `step ${entry.step}/${entry.total} started: ${entry.name}${entry.attempt > 1 ? ` (attempt ${entry.attempt})` : ''}`;
    case 'step-completed':
      return `step ${entry.step}/${entry.total} done: ${oneLine(entry.result, 120)}`;
    case 'step-failed':
      return `step ${entry.step}/${entry.total} failed: ${oneLine(withoutStepPrefix(entry.error), 160)}`;
    case 'llm-turn': {
      const where = entry.phase === 'plan' ? 'planning' : entry.phase === 'final' ? 'final result' : `step ${entry.step}`;
      return `${where} turn ${entry.turn}: LLM answered (${entry.promptTokens + entry.completionTokens} tokens)`;
    }
    case 'tool-call':
      return `step ${entry.step} tool ${entry.tool} ${entry.status} [${entry.key}] ${oneLine(entry.args, 80)}${entry.output ? ` → ${oneLine(entry.output, 80)}` : ''}`;
    case 'note':
      return `${entry.kind}${entry.step === null ? '' : ` (step ${entry.step})`}: ${oneLine(entry.text, 160)}`;
    case 'task-finished':
      return entry.status === 'completed' ? 'completed' : `${entry.status}${entry.error ? `: ${oneLine(entry.error, 200)}` : ''}`;
  }
}

/** The entry as one JSON object (one per line with `--json`): snake_case, times as ISO strings, like the checkpoint document. */
export function timelineJson(entry: TimelineEntry): Record<string, unknown> {
  const { id, at, taskId, type, ...rest } = entry;
  const fields = Object.fromEntries(Object.entries(rest).map(([k, v]) => [k.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`), v]));
  return { at: new Date(at).toISOString(), task_id: taskId, type, id, ...fields };
}
