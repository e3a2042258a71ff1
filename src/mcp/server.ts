/**
 * `git ctx mcp`: the Model Context Protocol front end, over stdio. A second front end over core/,
 * beside the CLI: the same operations, the same inputs, the same JSON results and error codes.
 *
 * Built on the official SDK (v2, `@modelcontextprotocol/server`): `serveStdio` negotiates the protocol
 * revision each client speaks, the 2025 ones through `initialize` and 2026-07-28 through
 * `server/discover`. Its low-level `Server` is used rather than `McpServer`: the tool definitions are
 * plain JSON Schema (./tools.ts) whose bytes we control (they cost the agent's context on every turn),
 * and a bad argument comes back with our error code (E_USAGE). The SDK is loaded only by this command
 * (the CLI bundle keeps it external and imports this module lazily).
 *
 * Calls run concurrently: a slow one (a pickup waiting on the network, a conflict scan) never holds up
 * the next (a quick read). The store is shared (./live-ctx.ts); writers take turns through the
 * store's writer lock and compare-and-swap, within this process as between processes. A failing call
 * is a tool error (`isError: true`) carrying `{ schemaVersion: 1, error: { code, message, ... } }`, as
 * `--json` prints it; the server keeps serving.
 */
import type { Readable, Writable } from 'node:stream';
import { Server, type CallToolResult, type JSONRPCMessage, type Transport } from '@modelcontextprotocol/server';
import { serveStdio, StdioServerTransport } from '@modelcontextprotocol/server/stdio';
import type { Deps } from '../deps.js';
import type { WhoOptions } from '../core/context.js';
import { agentSessionFromEnv } from '../core/context.js';
import { LiveCtx } from './live-ctx.js';
import { TOOLS, checkArgs, BAD_ARGUMENTS, type Later } from './tools.js';
import { argumentWords, MAX_RESULT_CHARS } from './bounds.js';
import { CtxError, UsageError } from '../errors.js';

export interface McpServeOptions {
  deps: Deps;
  stdin: Readable;
  stdout: Writable;
  version: string;
  /** Who calls write as (agent, session), as --agent / --session give it on the command line. */
  who: WhoOptions;
  /** The agent that started the server (`--client`): with the agent's session id from its environment, names the session. */
  client?: string;
}

function result(payload: Record<string, unknown>, isError = false): CallToolResult {
  return { content: [{ type: 'text', text: JSON.stringify({ schemaVersion: 1, ...payload }) }], ...(isError ? { isError: true } : {}) };
}

export function errorResult(e: unknown, flags: Readonly<Record<string, string>> = {}): CallToolResult {
  if (e instanceof CtxError) {
    const json = e.toJSON() as Record<string, unknown>;
    const words = (v: unknown) => (typeof v === 'string' ? argumentWords(v, flags) : v);
    return result({ error: { ...json, message: words(json.message), ...(json.hint === undefined ? {} : { hint: words(json.hint) }) } }, true);
  }
  return result({ error: { code: 'E_INTERNAL', message: e instanceof Error ? e.message : String(e) } }, true);
}

/** Run one tool call against the live store: the tool's JSON result, or its error as a tool error. */
export async function callTool(live: LiveCtx, who: WhoOptions, name: string, args: unknown, later: Later = () => {}): Promise<CallToolResult> {
  const tool = TOOLS.find((t) => t.definition.name === name);
  try {
    if (!tool) throw new UsageError(`unknown tool: ${name}`, { hint: `tools: ${TOOLS.map((t) => t.definition.name).join(', ')}` });
    const checked = checkArgs(tool.definition, args);
    const lease = await live.acquire();
    try {
      const r = result(await tool.run(lease.ctx, checked, who, later));
      const text = (r.content[0] as { text: string }).text;
      // The tools keep within the limit; this guard only keeps a mistake from reaching a client.
      if (text.length > MAX_RESULT_CHARS + 2000) throw new CtxError('E_INTERNAL', 1, `${name} made a result of ${text.length} characters`);
      return r;
    } catch (e) {
      lease.failed(e);
      throw e;
    } finally {
      lease.release();
    }
  } catch (e) {
    return errorResult(e, tool?.flags);
  }
}

/** Tools whose answer depends on which messages were read. */
const READS_STATE = new Set(['ctx_messages', 'ctx_brief']);

export interface McpServer {
  server: Server;
  /** Wait for the calls in progress, then close the store. */
  close(): Promise<void>;
}

/**
 * The server, not yet connected to a transport (`serveMcp` serves it over stdio; benchmarks connect
 * it to memory). `afterSend` runs what a call left for once its answer was sent (see Later); a
 * transport that cannot tell (memory) runs it at once.
 */
export function createMcpServer(opts: Omit<McpServeOptions, 'stdin' | 'stdout'>, afterSend?: (id: string | number, fn: (delivered: boolean) => Promise<unknown>) => void): McpServer {
  const live = new LiveCtx(opts.deps);
  const server = new Server({ name: 'git-ctx', version: opts.version }, { capabilities: { tools: {} } });
  const calls = new Set<Promise<unknown>>();
  // Receipts still being written for answers already sent: a later call that reads what is read waits
  // for them, so that a client sees its own reading.
  const marking = new Set<Promise<unknown>>();
  const agentSession = opts.client ? agentSessionFromEnv(opts.deps.env) : undefined;
  const who: WhoOptions = { ...opts.who, ...(agentSession && agentSession.client === opts.client ? { agentSession } : {}) };
  server.setRequestHandler('tools/list', () => ({ tools: TOOLS.map((t) => t.definition) }));
  server.setRequestHandler('tools/call', async (req, ctx) => {
    const later: Later = (fn) => {
      let done!: () => void;
      const settled = new Promise<void>((r) => (done = r));
      marking.add(settled);
      void settled.then(() => marking.delete(settled));
      const run = (delivered: boolean) => (delivered ? fn() : Promise.resolve()).catch(() => {}).finally(done);
      if (afterSend) afterSend(ctx.mcpReq.id, run);
      else void run(true);
    };
    if (marking.size && READS_STATE.has(req.params.name)) await Promise.all([...marking]);
    const call = callTool(live, who, req.params.name, req.params.arguments, later);
    calls.add(call);
    void call.finally(() => calls.delete(call));
    return call;
  });
  return {
    server,
    async close() {
      await Promise.allSettled([...calls]);
      live.close();
    },
  };
}

/**
 * The stdio transport, with two guards: a `tools/call` whose arguments are not an object is passed on
 * with a marker in their place (so that it is answered as a tool error, E_USAGE, rather than refused
 * as a malformed request), and what a call left for after its answer (marking messages read) runs once
 * that answer was written to stdout.
 */
class GuardedTransport implements Transport {
  onclose?: () => void;
  onerror?: (error: Error) => void;
  onmessage?: Transport['onmessage'];
  private readonly pending = new Map<string | number, (delivered: boolean) => Promise<unknown>>();

  constructor(private readonly inner: Transport) {
    inner.onclose = () => this.onclose?.();
    inner.onerror = (e) => this.onerror?.(e);
    inner.onmessage = (message, extra) => this.onmessage?.(guardArguments(message), extra);
  }

  get sessionId(): string | undefined {
    return this.inner.sessionId;
  }

  setProtocolVersion(version: string): void {
    this.inner.setProtocolVersion?.(version);
  }

  start(): Promise<void> {
    return this.inner.start();
  }

  async send(message: JSONRPCMessage, options?: Parameters<Transport['send']>[1]): Promise<void> {
    const id = 'id' in message ? (message.id as string | number) : undefined;
    const fn = id === undefined ? undefined : this.pending.get(id);
    if (id !== undefined) this.pending.delete(id);
    try {
      await this.inner.send(message, options);
    } catch (e) {
      await fn?.(false);
      throw e;
    }
    await fn?.('result' in message);
  }

  close(): Promise<void> {
    return this.inner.close();
  }

  after(id: string | number, fn: (delivered: boolean) => Promise<unknown>): void {
    this.pending.set(id, fn);
  }
}

function guardArguments<T extends JSONRPCMessage>(message: T): T {
  const m = message as { method?: unknown; params?: { arguments?: unknown } };
  if (m.method !== 'tools/call' || !m.params || typeof m.params !== 'object') return message;
  const a = m.params.arguments;
  if (a === undefined || (a !== null && typeof a === 'object' && !Array.isArray(a))) return message;
  return { ...message, params: { ...m.params, arguments: { [BAD_ARGUMENTS]: Array.isArray(a) ? 'an array' : a === null ? 'null' : typeof a } } } as T;
}

/** Serve over stdio until the client closes stdin. */
export async function serveMcp(opts: McpServeOptions): Promise<void> {
  const transport = new GuardedTransport(new StdioServerTransport(opts.stdin, opts.stdout));
  let mcp: McpServer | null = null;
  const closed = new Promise<void>((resolveClosed) => {
    opts.stdin.once('end', () => resolveClosed());
    opts.stdin.once('close', () => resolveClosed());
  });
  const handle = serveStdio(
    () => {
      mcp = createMcpServer(opts, (id, fn) => transport.after(id, fn));
      return mcp.server;
    },
    { transport, onerror: (e) => opts.deps.stderr(`git-ctx: mcp: ${e.message}\n`) },
  );
  await closed;
  await (mcp as McpServer | null)?.close();
  await handle.close();
}
