import { UsageError } from '../../errors.js';
import { runInTerminal } from '../run-in-terminal.js';
import { withStore } from '../with-store.js';

export interface ResumeOptions {
  taskId: string | undefined;
  db?: string;
  force?: boolean;
  json?: boolean;
  signal: AbortSignal;
}

/** Continues a task from its last checkpoint: completed steps are never run again. */
export async function run(options: ResumeOptions): Promise<number> {
  const { taskId } = options;
  if (!taskId) throw new UsageError('give a task id (see `agentrun status`), or --all');
  return withStore(options.db, (store) => runInTerminal(store, taskId, options));
}
