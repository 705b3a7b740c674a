import { UsageError } from '../../errors.js';
import { importTask, previewImport, type ImportPreview } from '../../engine/transfer.js';
import { isInteractive } from '../interactive.js';
import { output } from '../output.js';
import { confirm } from '../prompts.js';
import { withStore } from '../with-store.js';
import type { ImportOptions } from '../commands/import.js';

/**
 * Reads an exported checkpoint into this database; the task can then be resumed here. A checkpoint may come from
 * anyone and says what commands the task runs, so what it would run is shown first, and written only once a person
 * confirmed it on a terminal, or `--yes` said so in advance.
 */
export async function run(options: ImportOptions): Promise<number> {
  const preview = previewImport(options.file, { as: options.as, workspace: options.workspace, cwd: process.cwd() });
  for (const line of describe(preview)) output.info(line);
  if (!options.yes) {
    if (!isInteractive(options)) throw new UsageError(`importing ${options.file} runs the commands above when resumed: refusing without a terminal to confirm; pass --yes`);
    if (!(await confirm(`Import task ${preview.id}?`, options))) {
      output.info('not imported');
      return 0;
    }
  }
  return withStore(options.db, async (store) => {
    const task = await importTask(store, preview);
    // The id alone on stdout, so `agentrun resume "$(agentrun import FILE --yes)"` works; the details are for the person.
    output.result(task.id);
    output.info(`imported ${task.id} (${task.status}, ${task.completedCount}/${task.stepCount} steps, workspace ${task.workspace})`);
    if (task.status !== 'completed' && task.status !== 'cancelled') output.info(`continue with: agentrun resume ${task.id}`);
    return 0;
  });
}

function describe(preview: ImportPreview): string[] {
  const { doc } = preview;
  const lines = [`task ${preview.id}: ${doc.goal.split('\n')[0]!.slice(0, 200)}`, `  status     ${doc.status}, ${doc.completed.length}/${doc.plan.length} steps done`];
  lines.push(`  workspace  ${preview.workspace}`);
  if (preview.exportedWorkspace) lines.push(`             (not the exported ${preview.exportedWorkspace}: it is outside the current directory; pass --workspace to use it)`);
  lines.push(`  tools      ${preview.tools.length > 0 ? preview.tools.join(', ') : '(none)'}`);
  if (preview.commands.length === 0) lines.push('  commands   (none)');
  for (const [i, command] of preview.commands.entries()) lines.push(`  ${i === 0 ? 'commands' : '        '}   ${command}`);
  return lines;
}
