import type { TaskDefinition } from '../task/schema.js';

/**
 * Where two task definitions differ, as field paths (`goal`, `plan[2].run`, `limits.maxTokens`), in definition order.
 * `start --id X` uses it to refuse a task file that is not the one X was created from.
 */
export function definitionDifferences(stored: TaskDefinition, given: TaskDefinition): string[] {
  const paths: string[] = [];
  diff(stored, given, '', paths);
  return paths;
}

function diff(a: unknown, b: unknown, at: string, out: string[]): void {
  if (Object.is(a, b)) return;
  if (Array.isArray(a) && Array.isArray(b)) {
    for (let i = 0; i < Math.max(a.length, b.length); i++) diff(a[i], b[i], `${at}[${i + 1}]`, out);
    return;
  }
  if (isRecord(a) && isRecord(b)) {
    const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])];
    for (const key of keys) diff(a[key], b[key], at ? `${at}.${key}` : key, out);
    return;
  }
  out.push(at || '(the whole definition)');
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
