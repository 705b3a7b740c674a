/**
 * Run as its own process, OPENAI_BASE_URL pointing at the fake server: the start-up costs on the way from
 * `agentrun resume` to its first LLM request, one after another in the order the CLI meets them, each measured on
 * top of the previous (a module already loaded costs nothing the second time). Uses the built CLI's own modules
 * (dist/). Prints one JSON line of milliseconds.
 */
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { REPO_ROOT } from './paths.js';

const dist = (file: string) => pathToFileURL(path.join(REPO_ROOT, 'dist', file)).href;
const lap = (() => {
  let last = performance.now();
  return () => {
    const now = performance.now();
    const ms = now - last;
    last = now;
    return ms;
  };
})();

const bootMs = performance.now();
lap();
await import(dist('cli/actions/resume.js'));
const resumeModulesMs = lap();
const { createLlmClient } = (await import(dist('llm/client.js'))) as typeof import('../../src/llm/client.js');
const client = await createLlmClient({ retry: { maxAttempts: 1, initialDelay: 0, maxDelay: 0 }, timeoutMs: 10_000 });
const openaiSdkMs = lap();
const request = { model: 'fake-model', messages: [{ role: 'user' as const, content: 'ping' }] };
await client.chat(request);
const firstChatMs = lap();
await client.chat(request);
const secondChatMs = lap();
process.stdout.write(`${JSON.stringify({ bootMs, resumeModulesMs, openaiSdkMs, firstChatMs, secondChatMs })}\n`);
