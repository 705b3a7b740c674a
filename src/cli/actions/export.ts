import { closeSync, fchmodSync, openSync, writeFileSync } from 'node:fs';
import { exportTask } from '../../engine/transfer.js';
import { output } from '../output.js';
import { withStore } from '../with-store.js';
import type { ExportOptions } from '../commands/export.js';

/** Writes the checkpoint document (JSON) to stdout or a file, to move the task to another machine. */
export async function run(options: ExportOptions): Promise<number> {
  return withStore(options.db, async (store) => {
    const doc = await exportTask(store, options.taskId);
    const text = `${JSON.stringify(doc, null, 2)}\n`;
    if (options.output) {
      // Private like the database, also over an existing file (whose mode `open` would keep), before any byte is in it.
      const fd = openSync(options.output, 'w', 0o600);
      try {
        fchmodSync(fd, 0o600);
        writeFileSync(fd, text);
      } finally {
        closeSync(fd);
      }
      output.result(`exported ${doc.task_id} (${doc.status}, ${doc.completed.length}/${doc.plan.length} steps) to ${options.output}`);
    } else {
      process.stdout.write(text);
    }
    return 0;
  });
}
