import { runInTerminal } from '../run-in-terminal.js';
import { withStore } from '../with-store.js';

export interface ResumeOptions {
  taskId: string;
  db?: string;
  force?: boolean;
  json?: boolean;
  signal: AbortSignal;
}

/** Continues a task from its last checkpoint: completed steps are never run again. */
export async function run(options: ResumeOptions): Promise<number> {
  return withStore(options.db, (store) => runInTerminal(store, options.taskId, options));
}
