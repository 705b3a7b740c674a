import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { httpGetTool } from '../src/tools/http-get.js';
import { ToolError, type ToolContext } from '../src/tools/types.js';
import { toolContext } from './support/tool-context.js';

let server: http.Server;
let base: string;

beforeAll(async () => {
  server = http.createServer((request, response) => {
    switch (request.url) {
      case '/hello':
        response.writeHead(200, { 'content-type': 'text/plain' }).end('hello, agent');
        return;
      case '/missing':
        response.writeHead(404, { 'content-type': 'text/plain' }).end('no such page');
        return;
      case '/moved':
        response.writeHead(302, { location: '/hello' }).end();
        return;
      case '/big':
        response.writeHead(200).end('b'.repeat(5000));
        return;
      case '/endless': {
        // Never ends on its own: the tool must stop reading.
        response.writeHead(200);
        const chunk = 'e'.repeat(64 * 1024);
        const write = () => {
          while (response.write(chunk));
        };
        response.on('drain', write);
        write();
        request.on('close', () => response.destroy());
        return;
      }
      case '/hang':
        // Sends headers, then nothing; the request is only ended by the client.
        response.writeHead(200);
        response.flushHeaders();
        return;
      default:
        response.writeHead(500).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

const context = (overrides: Partial<ToolContext> = {}) => toolContext(os.tmpdir(), overrides);

describe('http_get', () => {
  it('is idempotent and needs no approval', () => {
    expect(httpGetTool).toMatchObject({ name: 'http_get', idempotent: true, approve: false });
  });

  it('returns the status line and the body', async () => {
    expect(await httpGetTool.run({ url: `${base}/hello` }, context())).toBe('HTTP 200 OK\nhello, agent');
  });

  it('returns an HTTP error status as output, with its body', async () => {
    expect(await httpGetTool.run({ url: `${base}/missing` }, context())).toBe('HTTP 404 Not Found\nno such page');
  });

  it('follows redirects', async () => {
    expect(await httpGetTool.run({ url: `${base}/moved` }, context())).toBe('HTTP 200 OK\nhello, agent');
  });

  it('truncates a body over the output limit and says so', async () => {
    expect(await httpGetTool.run({ url: `${base}/big` }, context({ outputLimit: 100 }))).toBe(
      `HTTP 200 OK\n${'b'.repeat(88)}\n[output truncated: 100 of 5012 bytes shown]`,
    );
  });

  it('stops reading a response that never ends', async () => {
    const output = await httpGetTool.run({ url: `${base}/endless` }, context({ outputLimit: 100 }));
    expect(output).toMatch(/^HTTP 200 OK \(body longer than \d+ bytes; the rest was not read\)\ne+\n\[output truncated/);
  });

  it('refuses anything but http and https, and malformed URLs', async () => {
    await expect(httpGetTool.run({ url: 'file:///etc/passwd' }, context())).rejects.toThrow(
      new ToolError('only http and https URLs can be fetched: file:///etc/passwd'),
    );
    await expect(httpGetTool.run({ url: 'ftp://example.com/x' }, context())).rejects.toThrow(ToolError);
    await expect(httpGetTool.run({ url: 'not a url' }, context())).rejects.toThrow(new ToolError('not a valid URL: not a url'));
    await expect(httpGetTool.run({}, context())).rejects.toThrow(/"url"/);
  });

  it('reports a network error as a ToolError', async () => {
    // A port that was just free: nothing listens there.
    const closed = http.createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    await expect(httpGetTool.run({ url: `http://127.0.0.1:${port}/` }, context())).rejects.toThrow(
      new ToolError(`GET http://127.0.0.1:${port}/ failed: connect ECONNREFUSED 127.0.0.1:${port}`),
    );
  });

  it('rethrows the abort, not a ToolError, when the step is aborted', async () => {
    const controller = new AbortController();
    const run = httpGetTool.run({ url: `${base}/hang` }, context({ signal: controller.signal }));
    setTimeout(() => controller.abort(), 100);
    const error = await run.catch((e: unknown) => e);
    expect(error).not.toBeInstanceOf(ToolError);
    expect(error).toMatchObject({ name: 'AbortError' });
  });
});
