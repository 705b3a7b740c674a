import { UsageError } from '../errors.js';
import { isInteractive } from './interactive.js';

/**
 * Asks for a yes/no before something destructive. `--yes` answers for the person; without a terminal (cron, CI)
 * and without `--yes` there is nobody to ask, so it refuses rather than guess.
 */
export async function confirm(message: string, options: { yes?: boolean }): Promise<boolean> {
  if (options.yes) return true;
  if (!isInteractive()) throw new UsageError(`${message.replace(/\?$/, '')}: refusing without a terminal to confirm; pass --yes`);
  const { confirm: ask } = await import('@inquirer/prompts');
  return ask({ message, default: false });
}
