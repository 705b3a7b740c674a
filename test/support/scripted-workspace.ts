import { afterEach, beforeEach } from 'vitest';
import { cliSandbox, type CliSandbox } from './cli.js';
import { startOpenAIServer, type FakeOpenAI } from './openai-server.js';

export interface ScriptedWorkspace extends CliSandbox {
  server: FakeOpenAI;
}

/**
 * Per test: a scripted OpenAI-compatible server (closed afterwards) and a fresh CLI sandbox pointed at it, handed to
 * `assign` before each test.
 */
export function useScriptedWorkspace(assign: (workspace: ScriptedWorkspace) => void): void {
  let server: FakeOpenAI | undefined;
  beforeEach(async () => {
    server = await startOpenAIServer();
    assign({ server, ...cliSandbox({ server }) });
  });
  afterEach(() => server?.close());
}
