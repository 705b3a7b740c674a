import type { RunEvent } from '../../engine/events.js';

/** One plain log line per event: timestamp, task id, step, what happened. Cron mails and log files read well. */
export function eventLine(event: RunEvent, now = new Date()): string | undefined {
  const text = describe(event);
  return text === undefined ? undefined : `${now.toISOString()} ${event.taskId} ${text}`;
}

function describe(event: RunEvent): string | undefined {
  switch (event.type) {
    case 'task-started':
      return `${event.resumed ? 'resuming' : 'starting'}: ${oneLine(event.goal, 100)}`;
    case 'planned':
      return `planned ${event.steps.length} ${event.steps.length === 1 ? 'step' : 'steps'}${event.byLlm ? ' (by the LLM)' : ''}: ${event.steps.map((s) => s.name).join(' → ')}`;
    case 'step-started':
      return `step ${event.n}/${event.total} started: ${event.name}${event.attempt > 1 ? ` (attempt ${event.attempt})` : ''}`;
    case 'step-completed':
      return `step ${event.n}/${event.total} done: ${oneLine(event.result, 120)}`;
    case 'step-failed':
      return `step ${event.n} failed: ${event.error}`;
    case 'llm-request': {
      const where = event.phase === 'plan' ? 'planning' : event.phase === 'final' ? 'final result' : `step ${event.step}`;
      return event.replayed ? `${where} turn ${event.turn}: replayed from the journal` : `${where} turn ${event.turn}: LLM answered (${event.estimated ? `~${event.tokens} tokens, estimated: the server reported no usage` : `${event.tokens} tokens`})`;
    }
    case 'llm-answer-rejected': {
      const where = event.phase === 'plan' ? 'planning' : event.phase === 'final' ? 'final result' : `step ${event.step}`;
      return `${where} turn ${event.turn}: ${event.reason}; ${event.action}`;
    }
    case 'tool-call':
      return `step ${event.step} tool ${event.tool} ${event.outcome} [${event.key}]`;
    case 'retrying':
      return `LLM call failed (${event.reason}); retry ${event.attempt} in ${(event.delayMs / 1000).toFixed(1)}s`;
    case 'warning':
      return `warning: ${event.message}`;
    case 'memory-recalled':
      return `recalled ${event.count} memories from earlier tasks`;
    case 'hook':
      return event.ok
        ? `hook on ${event.event} ran: ${oneLine(event.command, 80)}`
        : `hook on ${event.event} failed (${oneLine(event.output, 200)}); the task stays ${event.event}: ${oneLine(event.command, 80)}`;
    case 'task-finished':
      return event.status === 'completed' ? 'completed' : `${event.status}: ${event.error ?? ''}`;
  }
}

export function oneLine(text: string, max: number): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

/** `step 2 "check" failed: exit 3` → `exit 3`: the line already names the step. */
export function withoutStepPrefix(error: string): string {
  return error.replace(/^step \d+ "[^"]*" failed: /, '');
}
