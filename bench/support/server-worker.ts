/**
 * The scripted OpenAI-compatible server in a worker thread: answers every chat request at once with a short text
 * (a step's result, or the final result). Off the main thread, so its own work is not counted as agentrun's.
 */
import { parentPort } from 'node:worker_threads';
import { startOpenAIServer } from '../../test/support/openai-server.js';

const server = await startOpenAIServer((_request, index) => ({ content: `Done: part ${index} handled, 42 records checked.` }));
parentPort!.postMessage({ url: server.url });
parentPort!.on('message', (message: unknown) => {
  if (message === 'close') void server.close().then(() => parentPort!.close());
});
