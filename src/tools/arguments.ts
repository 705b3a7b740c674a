import { ToolError } from './types.js';

// Arguments come from the LLM, so a wrong one is reported back to it as a ToolError rather than crashing the step.

export function requiredString(args: Record<string, unknown>, name: string): string {
  const value = args[name];
  if (typeof value !== 'string') throw new ToolError(`argument "${name}" is required and must be a string`);
  return value;
}

export function optionalString(args: Record<string, unknown>, name: string, fallback: string): string {
  const value = args[name];
  if (value === undefined || value === null) return fallback;
  if (typeof value !== 'string') throw new ToolError(`argument "${name}" must be a string`);
  return value;
}

export function optionalBoolean(args: Record<string, unknown>, name: string, fallback: boolean): boolean {
  const value = args[name];
  if (value === undefined || value === null) return fallback;
  if (typeof value !== 'boolean') throw new ToolError(`argument "${name}" must be true or false`);
  return value;
}

/**
 * Minimal check of arguments against a task-defined JSON schema: every `required` argument is present, and those
 * the schema types as "string" are strings. Full JSON-schema validation is the command's own business.
 */
export function checkRequiredArguments(schema: Record<string, unknown>, args: Record<string, unknown>): void {
  const required = Array.isArray(schema.required) ? schema.required : [];
  const properties = isRecord(schema.properties) ? schema.properties : {};
  for (const name of required) {
    if (typeof name !== 'string') continue;
    const property = properties[name];
    if (isRecord(property) && property.type === 'string') requiredString(args, name);
    else if (args[name] === undefined) throw new ToolError(`argument "${name}" is required`);
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
