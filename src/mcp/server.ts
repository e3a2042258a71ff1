/**
 * `git ctx mcp`: the Model Context Protocol front end, over stdio. A second front end over core/,
 * beside the CLI: the same operations, the same inputs, the same JSON results and error codes.
 *
 * Built on the official SDK's low-level `Server` rather than its `McpServer`: the tool definitions are
 * plain JSON Schema (./tools.ts) whose bytes we control (they cost the agent's context on every turn),
 * and a bad argument comes back with our error code (E_USAGE), where McpServer's zod validation would
 * answer with a message of its own. The SDK is loaded only by this command (the CLI bundle keeps it
 * external and imports this module lazily).
 *
 * One call runs at a time (calls queue): the store takes turns between processes through its writer
 * lock, and within one process calls simply wait for each other. A failing call is a tool error
 * (`isError: true`) carrying `{ schemaVersion: 1, error: { code, message, ... } }`, as `--json`
 * prints it; the server keeps serving.
 */
import type { Readable, Writable } from 'node:stream';
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { CallToolRequestSchema, ListToolsRequestSchema, type CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import type { Deps } from '../deps.js';
import type { WhoOptions } from '../core/context.js';
import { LiveCtx } from './live-ctx.js';
import { TOOLS, checkArgs } from './tools.js';
import { CtxError, UsageError } from '../errors.js';

export interface McpServeOptions {
  deps: Deps;
  stdin: Readable;
  stdout: Writable;
  version: string;
  /** Who calls write as (agent, session), as --agent / --session give it on the command line. */
  who: WhoOptions;
}

function result(payload: Record<string, unknown>, isError = false): CallToolResult {
  return { content: [{ type: 'text', text: JSON.stringify({ schemaVersion: 1, ...payload }) }], ...(isError ? { isError: true } : {}) };
}

export function errorResult(e: unknown): CallToolResult {
  if (e instanceof CtxError) return result({ error: e.toJSON() }, true);
  return result({ error: { code: 'E_INTERNAL', message: e instanceof Error ? e.message : String(e) } }, true);
}

/** Run one tool call against the live store: the tool's JSON result, or its error as a tool error. */
export async function callTool(live: LiveCtx, who: WhoOptions, name: string, args: unknown): Promise<CallToolResult> {
  try {
    const tool = TOOLS.find((t) => t.definition.name === name);
    if (!tool) throw new UsageError(`unknown tool: ${name}`, { hint: `tools: ${TOOLS.map((t) => t.definition.name).join(', ')}` });
    const checked = checkArgs(tool.definition, args);
    return result(await tool.run(await live.get(), checked, who));
  } catch (e) {
    live.failed(e);
    return errorResult(e);
  }
}

export interface McpServer {
  server: Server;
  /** Wait for the call in progress, then close the store. */
  close(): Promise<void>;
}

/** The server, not yet connected to a transport (`serveMcp` connects it to stdio; benchmarks, to memory). */
export function createMcpServer(opts: Omit<McpServeOptions, 'stdin' | 'stdout'>): McpServer {
  const live = new LiveCtx(opts.deps);
  const server = new Server({ name: 'git-ctx', version: opts.version }, { capabilities: { tools: {} } });
  let queue: Promise<unknown> = Promise.resolve();
  server.setRequestHandler(ListToolsRequestSchema, () => ({ tools: TOOLS.map((t) => t.definition) }));
  server.setRequestHandler(CallToolRequestSchema, (req) => {
    const run = queue.then(() => callTool(live, opts.who, req.params.name, req.params.arguments));
    queue = run.catch(() => {});
    return run;
  });
  return {
    server,
    async close() {
      await queue;
      live.close();
    },
  };
}

/** Serve over stdio until the client closes stdin. */
export async function serveMcp(opts: McpServeOptions): Promise<void> {
  const mcp = createMcpServer(opts);
  const closed = new Promise<void>((resolveClosed) => {
    mcp.server.onclose = () => resolveClosed();
    opts.stdin.once('end', () => resolveClosed());
    opts.stdin.once('close', () => resolveClosed());
  });
  await mcp.server.connect(new StdioServerTransport(opts.stdin, opts.stdout));
  await closed;
  await mcp.close();
  await mcp.server.close();
}
