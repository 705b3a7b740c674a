import path from 'node:path';
import { parseDocument } from 'yaml';
import type { z } from 'zod';
import { TaskFileInvalidError } from '../errors.js';
import { excerpt } from '../input/excerpt.js';
import { LIMITS } from '../input/limits.js';
import { readTextFile } from '../input/read-text.js';
import { TaskFileSchema, type TaskDefinition } from './schema.js';

/** Reads and validates a task file (.yaml, .yml or .json). Every problem is one line naming its field path. */
export function loadTaskFile(file: string): TaskDefinition {
  return parseTaskDefinition(readTextFile(file, LIMITS.taskFileBytes, 'task file'), file);
}

export function parseTaskDefinition(text: string, file: string): TaskDefinition {
  const data = path.extname(file).toLowerCase() === '.json' ? parseJson(text, file) : parseYaml(text, file);
  return validateTaskDefinition(data, file);
}

/** Builds a definition for `agentrun start "<goal>"`, with the same defaults as a task file. */
export function definitionFromGoal(goal: string, overrides: Record<string, unknown> = {}): TaskDefinition {
  return validateTaskDefinition({ ...overrides, goal }, 'command line');
}

export function validateTaskDefinition(data: unknown, source: string): TaskDefinition {
  const parsed = TaskFileSchema.safeParse(data);
  if (!parsed.success) throw new TaskFileInvalidError(source, parsed.error.issues.flatMap((issue) => describeIssue(issue)));
  return parsed.data;
}

export function describeIssue(issue: z.core.$ZodIssue, prefix: PropertyKey[] = []): string[] {
  // "Invalid input" for a union says nothing; report the alternative that came closest (fewest problems) instead.
  if (issue.code === 'invalid_union' && issue.errors.length > 0) {
    // A wrong kind of value altogether (a string where an object goes) is the furthest off.
    const weight = (i: z.core.$ZodIssue) =>
      i.path.length === 0 && (i.code === 'invalid_type' || i.code === 'invalid_value') ? 100 : i.code === 'unrecognized_keys' ? i.keys.length : 1;
    const problems = (issues: z.core.$ZodIssue[]) => issues.reduce((n, i) => n + weight(i), 0);
    const closest = issue.errors.reduce((best, branch) => (problems(branch) < problems(best) ? branch : best));
    return closest.flatMap((inner) => describeIssue(inner, [...prefix, ...issue.path]));
  }
  return [describeOne(issue, prefix)];
}

function describeOne(issue: z.core.$ZodIssue, prefix: PropertyKey[]): string {
  const path = [...prefix, ...issue.path];
  const where = path.length > 0 ? path.map(String).join('.') : '(top level)';
  if (issue.code === 'unrecognized_keys') {
    const shown = issue.keys.slice(0, LIMITS.reportedProblems).map((k) => excerpt(k));
    const more = issue.keys.length > shown.length ? ` and ${issue.keys.length - shown.length} more` : '';
    return `${where}: unknown key${issue.keys.length > 1 ? 's' : ''} ${shown.join(', ')}${more}`;
  }
  return `${where}: ${issue.message}`;
}

function parseYaml(text: string, file: string): unknown {
  const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length > 0) {
    throw new TaskFileInvalidError(
      file,
      doc.errors.map((e) => {
        const line = e.linePos?.[0];
        const first = e.message.split('\n')[0] ?? e.message;
        return `${line ? `line ${line.line}, column ${line.col}: ` : ''}invalid YAML: ${first.replace(/ at line \d+, column \d+.*$/, '')}`;
      }),
    );
  }
  try {
    // Aliases can multiply a small file into billions of nodes ("billion laughs"); the yaml library counts them.
    return doc.toJS({ maxAliasCount: 100 });
  } catch (error) {
    if (error instanceof ReferenceError && /alias/i.test(error.message)) {
      throw new TaskFileInvalidError(file, ['invalid YAML: its aliases (*name) expand to too many nodes; write the values out instead']);
    }
    throw error;
  }
}

function parseJson(text: string, file: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    // V8's message quotes the text around the mistake; keep only what it says is wrong, and where.
    const message = (error as Error).message.replace(/, ".*" is not valid JSON$/s, '');
    throw new TaskFileInvalidError(file, [`invalid JSON: ${message}`]);
  }
}
