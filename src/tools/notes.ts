import { requiredString } from './arguments.js';
import type { Tool } from './types.js';

// These tools have no effect of their own: the engine reads their arguments from the call to build the checkpoint's
// decisions and discoveries. Running them only confirms the arguments are usable.

export const recordDecisionTool: Tool = {
  name: 'record_decision',
  description:
    'Record a decision you made and why. Recorded decisions are kept across restarts and shown to later steps.',
  parameters: {
    type: 'object',
    properties: {
      decision: { type: 'string', description: 'What was decided' },
      reasoning: { type: 'string', description: 'Why' },
    },
    required: ['decision', 'reasoning'],
    additionalProperties: false,
  },
  idempotent: true,
  approve: false,
  async run(args) {
    requiredString(args, 'decision');
    requiredString(args, 'reasoning');
    return 'recorded';
  },
};

export const recordDiscoveryTool: Tool = {
  name: 'record_discovery',
  description: 'Record a fact you found out. Recorded facts are kept across restarts and shown to later steps.',
  parameters: {
    type: 'object',
    properties: { fact: { type: 'string', description: 'The fact, stated so it makes sense on its own' } },
    required: ['fact'],
    additionalProperties: false,
  },
  idempotent: true,
  approve: false,
  async run(args) {
    requiredString(args, 'fact');
    return 'recorded';
  },
};

/** The note tools' names: calls the engine reads for the checkpoint, never side effects. */
export const NOTE_TOOLS: ReadonlySet<string> = new Set([recordDecisionTool.name, recordDiscoveryTool.name]);
