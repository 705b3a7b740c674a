#!/usr/bin/env node
// An MCP server for crash tests, built with the official SDK: it counts calls per idempotency key.
// Every tools/call is appended to $COUNT_FILE (one JSON line, written synchronously before anything else happens),
// so a test can count how often each key reached the server, whatever was killed when.
//
//   node counting-mcp-server.mjs            stdio
//   node counting-mcp-server.mjs --http     streamable HTTP on 127.0.0.1, port printed as "listening <port>" on stdout
//
// Environment: COUNT_FILE (required), CALL_DELAY_MS (charge answers after this long; default 0),
// BAD_SCHEMA=1 (also lists a tool whose input schema is not an object schema), OUTLIVE_CLIENT=1 (keeps running when
// its stdin closes, as some servers do: only agentrun's cleanup of a killed run's servers stops it).
import { appendFileSync, existsSync, readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { NodeStreamableHTTPServerTransport } from '@modelcontextprotocol/node';
import { Server } from '@modelcontextprotocol/server';
import { StdioServerTransport } from '@modelcontextprotocol/server/stdio';

const KEY = 'io.agentrun/idempotency-key';
const countFile = process.env.COUNT_FILE;
if (!countFile) throw new Error('COUNT_FILE is not set');
const delayMs = Number(process.env.CALL_DELAY_MS ?? 0);

const order = { type: 'object', properties: { order: { type: 'string' } }, required: ['order'] };
const TOOLS = [
  { name: 'charge', description: 'Charge an order (counted per idempotency key)', inputSchema: order, annotations: { idempotentHint: true, readOnlyHint: false } },
  { name: 'was_charged', description: 'Whether the charge with this idempotency key reached the server', inputSchema: order, annotations: { readOnlyHint: true } },
  { name: 'fail', description: 'Always answers with isError', inputSchema: { type: 'object', properties: {} } },
  { name: 'slow', description: 'Answers after 30 seconds', inputSchema: { type: 'object', properties: {} } },
  { name: 'crash', description: 'Exits in the middle of the call', inputSchema: { type: 'object', properties: {} } },
  ...(process.env.BAD_SCHEMA ? [{ name: 'bad_schema', description: 'Its schema is a string', inputSchema: { type: 'string' } }] : []),
];

function calls() {
  if (!existsSync(countFile)) return [];
  return readFileSync(countFile, 'utf8').split('\n').filter(Boolean).map((line) => JSON.parse(line));
}

function newServer() {
  const server = new Server({ name: 'counting', version: '1.0.0' }, { capabilities: { tools: {} } });
  server.setRequestHandler('tools/list', async () => ({ tools: TOOLS }));
  server.setRequestHandler('tools/call', async (request) => {
    const { name, arguments: args = {} } = request.params;
    const key = request.params._meta?.[KEY] ?? null;
    appendFileSync(countFile, `${JSON.stringify({ tool: name, key, args, pid: process.pid })}\n`);
    switch (name) {
      case 'charge':
        if (delayMs > 0) await sleep(delayMs);
        return { content: [{ type: 'text', text: `charged ${args.order}` }] };
      case 'was_charged': {
        const done = calls().some((c) => c.tool === 'charge' && c.key === key);
        return { content: [{ type: 'text', text: done ? `${key} was charged` : `${key} was not charged` }], structuredContent: { done } };
      }
      case 'fail':
        return { content: [{ type: 'text', text: 'the card was declined' }], isError: true };
      case 'slow':
        await sleep(30_000);
        return { content: [{ type: 'text', text: 'finally' }] };
      case 'crash':
        process.exit(7);
      default:
        return { content: [{ type: 'text', text: `no tool ${name}` }], isError: true };
    }
  });
  return server;
}

if (process.argv.includes('--http')) {
  // Stateless streamable HTTP: a server and transport per request, as the SDK's stateless example does.
  const http = createServer(async (req, res) => {
    const server = newServer();
    const transport = new NodeStreamableHTTPServerTransport({ sessionIdGenerator: undefined });
    res.on('close', () => void server.close());
    await server.connect(transport);
    await transport.handleRequest(req, res);
  });
  http.listen(0, '127.0.0.1', () => process.stdout.write(`listening ${http.address().port}\n`));
} else {
  await newServer().connect(new StdioServerTransport());
  if (process.env.OUTLIVE_CLIENT) setInterval(() => {}, 60_000);
}
