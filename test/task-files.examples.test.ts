import { readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadTaskFile } from '../src/task/load.js';
import { REPO_ROOT } from './support/cli.js';

describe('the example task files in tasks/', () => {
  const files = readdirSync(path.join(REPO_ROOT, 'tasks')).filter((f) => /\.(ya?ml|json)$/.test(f));

  it('include an offline one and LLM ones', () => {
    expect(files).toEqual(expect.arrayContaining(['hello-offline.yaml', 'summarise-docs.yaml', 'nightly.yaml']));
  });

  for (const file of files) {
    it(`${file} is valid`, () => {
      const definition = loadTaskFile(path.join(REPO_ROOT, 'tasks', file));
      expect(definition.goal.length).toBeGreaterThan(0);
    });
  }

  it('hello-offline needs no LLM: every step is a run: step', () => {
    const definition = loadTaskFile(path.join(REPO_ROOT, 'tasks/hello-offline.yaml'));
    expect(definition.plan!.length).toBeGreaterThanOrEqual(3);
    expect(definition.plan!.every((step) => step.run)).toBe(true);
  });
});
