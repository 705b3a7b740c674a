import path from 'node:path';
import { TaskDefinitionMismatchError, UsageError } from '../../errors.js';
import { definitionDifferences } from '../../engine/definition-diff.js';
import { loadMcpConfigFile, mergeMcpServers } from '../../mcp/config-file.js';
import { leaseOwner } from '../../engine/lease.js';
import { settleTask } from '../../engine/run-history.js';
import { plainProgress } from '../render/progress.js';
import { createTask } from '../../engine/create-task.js';
import { DEFAULT_QUEUE } from '../../engine/ids.js';
import { assertLlmConfigured } from '../../llm/client.js';
import { definitionFromGoal, loadTaskFile } from '../../task/load.js';
import { deadline, HOOK_EVENTS, HooksSchema, type TaskDefinition } from '../../task/schema.js';
import { applyToolChoice } from '../../task/tool-choice.js';
import { isInteractive } from '../interactive.js';
import { output } from '../output.js';
import { askForGoal } from '../prompts.js';
import { reportOutcome, runInTerminal } from '../run-in-terminal.js';
import { withStore } from '../with-store.js';
import type { StartOptions } from '../commands/start.js';
import { wholeNumber } from '../whole-number.js';
import { excerpt } from '../../input/excerpt.js';

/**
 * Creates a task and runs it. With `--id` it is idempotent, which is the cron recipe: the first run starts the task,
 * a rerun after a crash resumes it, a rerun after completion prints the result and does nothing else.
 */
export async function run(options: StartOptions): Promise<number> {
  let goal = options.goal.join(' ').trim();
  if (options.task && goal) throw new UsageError('give either a goal or --task FILE, not both');
  // No goal: asked for on a terminal; elsewhere the usage error, before anything is written. A goal alone is
  // planned by the LLM, so before asking a person to type one, say if there is no LLM to plan it.
  if (!options.task && !goal) {
    if (isInteractive(options)) assertLlmConfigured();
    goal = await askForGoal(options);
  }
  // Validate everything before the database is touched: a bad task file writes nothing.
  const loaded = withFlags(options.task ? loadTaskFile(options.task) : definitionFromGoal(goal), options);
  const definition = withMcpConfig(applyToolChoice(loaded, { tools: options.tools, workspace: options.workspace }, { bareGoal: !options.task, cwd: process.cwd() }), options);
  const model = options.model ?? process.env.AGENTRUN_MODEL;
  const queue = options.queue ?? (options.detach ? DEFAULT_QUEUE : undefined);
  const priority = parsePriority(options.priority, queue);
  // A queued task calls the LLM from the worker that runs it, configured there.
  if (queue === undefined && needsLlm(definition)) assertLlmConfigured();

  return withStore(options.db, async (store) => {
    if (options.id) {
      const existing = await store.getTask(options.id);
      if (existing) {
        // The cron recipe reruns the same line: the same definition is the same task. Anything else is a mistake
        // (an edited task file, a reused id) that would otherwise print an old result as if it were new.
        const differences = definitionDifferences(existing.definition, definition);
        if (options.model !== undefined && options.model !== existing.model) differences.push('model');
        if (differences.length > 0) throw new TaskDefinitionMismatchError(existing.id, differences);
      }
      if (existing?.status === 'completed') {
        // A run that died right after completing it may have left its hook to run: run it now, once.
        await settleTask(store, existing.id, plainProgress().onEvent, leaseOwner());
        reportOutcome(existing, 0, options.json);
        return 0;
      }
      if (existing && queue !== undefined) {
        output.result(options.json ? JSON.stringify({ task_id: existing.id, status: existing.status, queue: existing.queue }) : existing.id);
        output.info(`task ${existing.id} exists (${existing.status}); nothing queued`);
        return 0;
      }
      if (existing) {
        output.info(`task ${existing.id} exists (${existing.status}); resuming it`);
        return runInTerminal(store, existing.id, options);
      }
    }
    const { task } = await createTask(store, { id: options.id, definition, cwd: process.cwd(), model, queue, priority });
    if (queue !== undefined) {
      // Recorded only: the id on stdout (for scripts), the hint on stderr.
      output.result(options.json ? JSON.stringify({ task_id: task.id, status: task.status, queue }) : task.id);
      output.info(`task ${task.id} queued on "${queue}": \`agentrun worker --queue ${queue}\` runs it`);
      return 0;
    }
    output.info(`task ${task.id} created`);
    return runInTerminal(store, task.id, options);
  });
}

function parsePriority(value: string | undefined, queue: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (queue === undefined) throw new UsageError('--priority orders a queue: give --queue NAME or --detach');
  return wholeNumber(value, '--priority', -Number.MAX_SAFE_INTEGER);
}

/** The task's MCP servers plus those of `--mcp-config` and `--workspace-mcp`, stored with the task (unexpanded). */
function withMcpConfig(definition: TaskDefinition, options: StartOptions): TaskDefinition {
  const files = [options.mcpConfig, options.workspaceMcp ? path.join(path.resolve(definition.workspace ?? '.'), '.mcp.json') : undefined];
  let mcp = definition.mcp;
  for (const file of files) if (file) mcp = mergeMcpServers(mcp, loadMcpConfigFile(file), file);
  return mcp === definition.mcp ? definition : { ...definition, mcp };
}

/** A task with no fixed plan, or with an LLM step in it, will call the LLM. */
function needsLlm(definition: TaskDefinition): boolean {
  return !definition.plan || definition.plan.some((step) => !step.run);
}

/** `--deadline` and `--on` over what the task file says (flags win), validated as the task file's fields are. */
function withFlags(definition: TaskDefinition, options: Pick<StartOptions, 'deadline' | 'on'>): TaskDefinition {
  let result = definition;
  if (options.deadline !== undefined) {
    const parsed = deadline.safeParse(options.deadline);
    if (!parsed.success) throw new UsageError(`--deadline: ${parsed.error.issues[0]?.message ?? 'invalid'}`);
    result = { ...result, limits: { ...result.limits, deadline: parsed.data } };
  }
  for (const spec of options.on ?? []) {
    const at = spec.indexOf('=');
    const event = spec.slice(0, Math.max(0, at)).trim();
    const command = spec.slice(at + 1).trim();
    if (at < 0 || !(HOOK_EVENTS as readonly string[]).includes(event) || !command) {
      throw new UsageError(`--on takes EVENT=COMMAND with EVENT one of ${HOOK_EVENTS.join(', ')}, got ${excerpt(spec)}`);
    }
    // The task file's rules for the command (its length limit).
    const parsed = HooksSchema.safeParse({ [event]: command });
    if (!parsed.success) throw new UsageError(`--on ${event}: ${parsed.error.issues[0]?.message ?? 'invalid'}`);
    result = { ...result, on: { ...result.on, ...parsed.data } };
  }
  return result;
}
