import { requiredString } from './arguments.js';
import { truncateOutput } from './truncate.js';
import { ToolError, type Tool } from './types.js';

const HTTP_TIMEOUT_MS = 30_000;
/** Bodies are read up to this (or the output limit, if larger) so a huge or endless response cannot exhaust memory. */
const MAX_BODY_BYTES = 1024 * 1024;

export const httpGetTool: Tool = {
  name: 'http_get',
  description:
    'Fetch an http(s) URL with GET (30 s limit). Returns "HTTP <status>" on the first line, then the response body.',
  parameters: {
    type: 'object',
    properties: { url: { type: 'string', description: 'An http:// or https:// URL' } },
    required: ['url'],
    additionalProperties: false,
  },
  idempotent: true,
  approve: false,
  async run(args, ctx) {
    const url = parseHttpUrl(requiredString(args, 'url'));
    const timeout = AbortSignal.timeout(HTTP_TIMEOUT_MS);
    try {
      const response = await fetch(url, { signal: AbortSignal.any([ctx.signal, timeout]), redirect: 'follow' });
      const body = await readBody(response, Math.max(MAX_BODY_BYTES, ctx.outputLimit));
      // A 4xx/5xx is returned like any other status: its body often says what was wrong.
      const status = `HTTP ${response.status} ${response.statusText}`.trimEnd();
      const cut = body.complete ? '' : ` (body longer than ${body.bytes} bytes; the rest was not read)`;
      return truncateOutput(`${status}${cut}\n${body.text}`, ctx.outputLimit);
    } catch (error) {
      // An interrupted run has no outcome to report; the caller decides what happens to the step.
      if (ctx.signal.aborted) throw error;
      if (timeout.aborted) throw new ToolError(`GET ${url.href} timed out after ${HTTP_TIMEOUT_MS / 1000}s`);
      throw new ToolError(`GET ${url.href} failed: ${describeFetchError(error)}`);
    }
  },
};

function parseHttpUrl(text: string): URL {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new ToolError(`not a valid URL: ${text}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new ToolError(`only http and https URLs can be fetched: ${text}`);
  }
  return url;
}

async function readBody(response: Response, maxBytes: number): Promise<{ text: string; bytes: number; complete: boolean }> {
  const chunks: Uint8Array[] = [];
  let bytes = 0;
  let complete = true;
  if (response.body !== null) {
    const reader = response.body.getReader();
    for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) {
      chunks.push(chunk.value);
      bytes += chunk.value.byteLength;
      if (bytes > maxBytes) {
        complete = false;
        await reader.cancel();
        break;
      }
    }
  }
  return { text: Buffer.concat(chunks).toString('utf8'), bytes, complete };
}

/** fetch reports network failures as TypeError("fetch failed") with the useful part (ECONNREFUSED, …) in `cause`. */
function describeFetchError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  return error.cause instanceof Error ? error.cause.message : error.message;
}
