import { RESUMABLE_STATUSES, type Store } from '../store/types.js';
import { UsageError } from '../errors.js';
import { isInteractive, type AttendedOptions } from './interactive.js';
import { paintStatus, styleFor } from './render/style.js';
import { renderTable } from './render/table.js';
import { isResumable, isStale } from '../engine/task-state.js';
import { statusLabel } from './render/status-label.js';
import { ago } from './render/time.js';
import { terminalSafe } from './render/terminal-text.js';

/**
 * Questions asked at the terminal, with @inquirer/prompts (imported only when a person is there to answer).
 * Prompts are drawn on stderr, so stdout keeps only results even when it is redirected.
 */

/** Esc/Ctrl-C at a prompt: nothing was done. */
export class PromptCancelledError extends UsageError {
  constructor() {
    super('no answer given at the prompt; nothing was done');
  }
}

/** Where prompts draw, and the signal that takes them down (SIGTERM while waiting for an answer). */
export function promptContext(signal?: AbortSignal): { output: NodeJS.WriteStream; signal?: AbortSignal } {
  return signal ? { output: process.stderr, signal } : { output: process.stderr };
}

/** Whether an error is a prompt closed without an answer (Ctrl-C, Esc, or its signal aborted). */
export function isPromptClosed(error: unknown): boolean {
  const name = (error as Error | undefined)?.name;
  return name === 'ExitPromptError' || name === 'AbortPromptError' || name === 'CancelPromptError';
}

async function answered<T>(question: Promise<T>): Promise<T> {
  try {
    return await question;
  } catch (error) {
    if (isPromptClosed(error)) throw new PromptCancelledError();
    throw error;
  }
}

/**
 * Asks for a yes/no before something destructive. `--yes` answers for the person; without a terminal (cron, CI)
 * and without `--yes` there is nobody to ask, so it refuses rather than guess. Esc/Ctrl-C at the prompt is a no.
 */
export async function confirm(message: string, options: AttendedOptions): Promise<boolean> {
  if (options.yes) return true;
  if (!isInteractive(options)) throw new UsageError(`${message.replace(/\?$/, '')}: refusing without a terminal to confirm; pass --yes`);
  const { confirm: ask } = await import('@inquirer/prompts');
  try {
    return await ask({ message, default: false }, promptContext());
  } catch (error) {
    if (isPromptClosed(error)) return false;
    throw error;
  }
}

/** `start` without a goal or task file: ask for the goal on a terminal; elsewhere it is a usage error. */
export async function askForGoal(options: AttendedOptions): Promise<string> {
  if (!isInteractive(options)) throw new UsageError('what should the task do? give a goal (agentrun start "…") or --task FILE');
  const { input } = await import('@inquirer/prompts');
  const goal = await answered(
    input(
      {
        message: 'What should the task do?',
        validate: (value) => (value.trim() ? true : 'describe the goal in a sentence (or Ctrl-C, then use --task FILE)'),
      },
      promptContext(),
    ),
  );
  return goal.trim();
}

/** `resume` without an id: say how to name one when nobody can be asked. Call before opening the store. */
export function requireTaskIdOrTerminal(taskId: string | undefined, options: AttendedOptions): void {
  if (!taskId && !isInteractive(options)) throw new UsageError('give a task id (see `agentrun status`), or --all');
}

/**
 * `resume` without an id on a terminal: a list of the tasks that can be resumed, most recently updated first.
 * Returns undefined when there is none.
 */
export async function chooseTaskToResume(store: Store): Promise<string | undefined> {
  const now = Date.now();
  const tasks = (await store.listTasks({ statuses: RESUMABLE_STATUSES, limit: 50 })).filter((t) => isResumable(t, now));
  if (tasks.length === 0) return undefined;
  const style = await styleFor(process.stderr);
  const rows = tasks.map((t) => [
    t.id,
    paintStatus(style, t.status, statusLabel(t, now), isStale(t, now)),
    `${t.completedCount}/${t.stepCount}`,
    t.goal.replace(/\s+/g, ' ').trim(),
    style.dim(ago(t.updatedAt, now)),
  ]);
  // The rows of an aligned table make the choices; its header stays above them as a separator.
  const [header = '', ...lines] = renderTable(['ID', 'STATUS', 'STEPS', 'GOAL', 'UPDATED'], rows, { flex: 3, width: (process.stderr.columns ?? 100) - 4 }).split('\n');
  const { select, Separator } = await import('@inquirer/prompts');
  return answered(
    select(
      {
        message: 'Resume which task?',
        choices: [
          new Separator(` ${style.dim(header)}`),
          ...tasks.map((t, i) => ({ name: terminalSafe(lines[i] ?? t.id), value: t.id, short: t.id, description: t.error ? terminalSafe(t.error) : undefined })),
        ],
        pageSize: 12,
        loop: false,
      },
      promptContext(),
    ),
  );
}
