import { describe, expect, it } from 'vitest';
import { UsageError } from '../src/errors.js';
import { TaskFileSchema } from '../src/task/schema.js';
import { createToolRegistry } from '../src/tools/registry.js';

/** Entries as a task file would give them, through the real schema. */
function registryFor(tools: unknown[]) {
  return createToolRegistry(TaskFileSchema.parse({ goal: 'test', tools }).tools);
}

const command = { name: 'send_email', description: 'Send an email', command: 'cat > /dev/null' };

describe('createToolRegistry', () => {
  it('always has record_decision and record_discovery', () => {
    const registry = registryFor([]);
    expect([...registry.keys()]).toEqual(['record_decision', 'record_discovery']);
    for (const tool of registry.values()) expect(tool).toMatchObject({ idempotent: true, approve: false });
  });

  it('requires the record_* arguments as strings', async () => {
    const registry = registryFor([]);
    expect(registry.get('record_decision')?.parameters).toMatchObject({ required: ['decision', 'reasoning'] });
    expect(registry.get('record_discovery')?.parameters).toMatchObject({ required: ['fact'] });
    const context = {
      workspace: '/nonexistent',
      taskId: 't',
      step: 1,
      idempotencyKey: 't:1:1:1',
      signal: new AbortController().signal,
      outputLimit: 100,
    };
    await expect(registry.get('record_discovery')?.run({ fact: 'the API is paginated' }, context)).resolves.toBe('recorded');
    await expect(registry.get('record_decision')?.run({ decision: 'use v2' }, context)).rejects.toThrow(/"reasoning"/);
  });

  it('adds the builtins and command tools the task allows, and only those', () => {
    const registry = registryFor(['read_file', 'list_files', 'write_file', 'shell', 'http_get', command]);
    expect([...registry.keys()]).toEqual([
      'record_decision',
      'record_discovery',
      'read_file',
      'list_files',
      'write_file',
      'shell',
      'http_get',
      'send_email',
    ]);
    expect(registryFor(['read_file']).has('shell')).toBe(false);
    expect(registry.get('shell')?.idempotent).toBe(false);
    expect(registry.get('send_email')).toMatchObject({ description: 'Send an email', idempotent: false });
  });

  it('carries the approve flag of builtins and command tools', () => {
    const registry = registryFor([{ builtin: 'shell', approve: true }, 'write_file', { ...command, approve: true }]);
    expect(registry.get('shell')?.approve).toBe(true);
    expect(registry.get('write_file')?.approve).toBe(false);
    expect(registry.get('send_email')?.approve).toBe(true);
    // Approval on one task's registry does not leak into another's.
    expect(registryFor(['shell']).get('shell')?.approve).toBe(false);
  });

  it('refuses duplicate names with a one-line UsageError', () => {
    const duplicates = [
      ['shell', 'shell'],
      ['shell', { builtin: 'shell', approve: true }],
      [command, command],
      [{ ...command, name: 'read_file' }, 'read_file'],
      [{ ...command, name: 'record_decision' }],
    ];
    for (const tools of duplicates) {
      let error: unknown;
      try {
        registryFor(tools);
      } catch (caught) {
        error = caught;
      }
      expect(error).toBeInstanceOf(UsageError);
      expect((error as UsageError).message).not.toContain('\n');
    }
    expect(() => registryFor([{ ...command, name: 'record_decision' }])).toThrow(
      'tool "record_decision" appears more than once in the task\'s tools (record_decision and record_discovery are always available)',
    );
  });
});
