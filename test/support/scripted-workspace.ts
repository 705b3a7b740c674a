import path from 'node:path';
import { afterEach, beforeEach } from 'vitest';
import { startOpenAIServer, type FakeOpenAI } from './openai-server.js';
import { tempDir } from './temp-dir.js';

export interface ScriptedWorkspace {
  server: FakeOpenAI;
  dir: string;
  db: string;
}

/**
 * Per test: a scripted OpenAI-compatible server (closed afterwards) and a fresh workspace directory with the path of
 * its database, handed to `assign` before each test.
 */
export function useScriptedWorkspace(assign: (workspace: ScriptedWorkspace) => void): void {
  let server: FakeOpenAI | undefined;
  beforeEach(async () => {
    server = await startOpenAIServer();
    const dir = tempDir();
    assign({ server, dir, db: path.join(dir, 'agentrun.db') });
  });
  afterEach(() => server?.close());
}
