/**
 * A scripted model on 127.0.0.1 (an ephemeral port) for the real agent CLIs: the Anthropic Messages
 * API (streamed as server-sent events, and plain JSON) for Claude Code, the OpenAI Responses API
 * (server-sent events) for Codex, and a valid answer on every other route they call (token counts,
 * model lists). Every request is logged, body included, in order: in memory for the assertions and as
 * JSON lines in a file for whoever reads a failed run.
 *
 * What the model says is the test's `respond` function, asked for each request; it sees which prompt
 * the request answers and what the client sent back, so a script is a pure function of the
 * conversation (call ToolSearch, then the tool, then end the turn with text) and needs no counter.
 * Requests it does not answer (a compaction summary, a title) get a short text.
 *
 * It also answers as an HTTP proxy (the clients run with HTTPS_PROXY pointing here): any attempt to
 * reach another host is logged and refused, so nothing leaves the machine and a test can see it.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { appendFileSync } from 'node:fs';
import type { AddressInfo, Socket } from 'node:net';
import { brotliDecompressSync, gunzipSync, inflateSync } from 'node:zlib';
import { lastPrompt, type Api, type Json, type JsonObject, type LoggedRequest } from './requests.js';

export type Reply =
  | { text: string; bigUsage?: boolean }
  | { tool: string; namespace?: string; input: JsonObject; bigUsage?: boolean };

export type Responder = (req: LoggedRequest) => Reply | undefined;

/** Token counts reported for a reply with `bigUsage` (to push a client over its compaction limit). */
const BIG_USAGE = 180_000;
/** Prompts of the tests start with this, so that a request can be told from the clients' own. */
export const PROMPT_PREFIX = 'E2E-P';

export class ModelServer {
  readonly requests: LoggedRequest[] = [];
  /** Connections refused as a proxy (host:port), in order. */
  readonly outside: string[] = [];
  respond: Responder = () => undefined;
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();
  private port = 0;

  private logFile: string | null = null;

  /** Also append every request, as a JSON line, to `file`. */
  logTo(file: string): void {
    this.logFile = file;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async start(): Promise<this> {
    const server = createServer((req, res) => this.handle(req, res));
    server.on('connection', (s) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
    server.on('connect', (req, socket) => {
      this.outside.push(req.url ?? '?');
      this.log({ seq: this.requests.length, at: Date.now(), method: 'CONNECT', path: req.url ?? '', headers: {}, api: 'other', body: null, session: null, prompt: null, turn: false });
      socket.end('HTTP/1.1 403 Forbidden\r\n\r\n');
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    this.server = server;
    this.port = (server.address() as AddressInfo).port;
    return this;
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  /** The turn requests of the agent loop, in order. */
  turns(): LoggedRequest[] {
    return this.requests.filter((r) => r.turn);
  }

  private log(r: LoggedRequest): void {
    this.requests.push(r);
    if (this.logFile) appendFileSync(this.logFile, `${JSON.stringify(r)}\n`);
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      try {
        this.route(req, res, decode(Buffer.concat(chunks), req.headers['content-encoding']));
      } catch (e) {
        json(res, 500, { type: 'error', error: { type: 'api_error', message: `fake model server: ${(e as Error).message}` } });
      }
    });
  }

  private route(req: IncomingMessage, res: ServerResponse, raw: string): void {
    const target = req.url ?? '/';
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(req.headers)) if (typeof v === 'string' && !/^(authorization|x-api-key)$/i.test(k)) headers[k] = v;
    if (/^https?:\/\//.test(target) && !target.startsWith(this.url)) {
      // A plain-HTTP proxy request to another host.
      this.outside.push(target);
      this.log({ seq: this.requests.length, at: Date.now(), method: req.method ?? '', path: target, headers, api: 'other', body: null, session: null, prompt: null, turn: false });
      res.writeHead(403).end();
      return;
    }
    const path = target.replace(/^https?:\/\/[^/]+/, '');
    let body: JsonObject | null = null;
    try {
      const v = raw ? (JSON.parse(raw) as Json) : null;
      body = v && typeof v === 'object' && !Array.isArray(v) ? v : null;
    } catch {
      body = null;
    }
    const api: Api = /^\/v1\/messages(\?|$)/.test(path) ? 'anthropic' : /^\/v1\/responses(\?|$)/.test(path) ? 'openai' : 'other';
    const session = headers['x-claude-code-session-id'] ?? headers['session-id'] ?? headers['session_id'] ?? null;
    const prompt = lastPrompt(api, body);
    const tools = Array.isArray(body?.tools) ? body.tools.length : 0;
    const turn = api !== 'other' && tools > 0 && !!prompt?.startsWith(PROMPT_PREFIX);
    const logged: LoggedRequest = { seq: this.requests.length, at: Date.now(), method: req.method ?? '', path, headers, api, body, session, prompt, turn };
    this.log(logged);

    if (api === 'other') {
      if (path.startsWith('/v1/messages/count_tokens')) return json(res, 200, { input_tokens: Math.ceil(raw.length / 4) });
      if (/^\/v1\/models/.test(path)) return json(res, 200, { object: 'list', data: [], models: [], has_more: false });
      return json(res, 404, { type: 'error', error: { type: 'not_found_error', message: `no route ${req.method} ${path}` } });
    }
    const reply = (turn ? this.respond(logged) : undefined) ?? { text: turn ? 'Done.' : 'Summary: the session added a note and edited src/parser.ts.' };
    if (api === 'anthropic') return anthropic(res, body!, logged.seq, reply);
    return responses(res, body!, logged.seq, reply);
  }
}

function decode(buf: Buffer, encoding: string | string[] | undefined): string {
  const enc = String(encoding ?? '').toLowerCase();
  if (!enc || enc === 'identity') return buf.toString('utf8');
  if (enc === 'gzip') return gunzipSync(buf).toString('utf8');
  if (enc === 'br') return brotliDecompressSync(buf).toString('utf8');
  if (enc === 'deflate') return inflateSync(buf).toString('utf8');
  throw new Error(`request body encoding ${enc} is not supported`);
}

function json(res: ServerResponse, status: number, v: Json): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(v));
}

function sse(res: ServerResponse): (event: string, data: JsonObject) => void {
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
  return (event, data) => res.write(`event: ${event}\ndata: ${JSON.stringify({ type: event, ...data })}\n\n`);
}

/** The Anthropic Messages API: one content block, text or tool_use, streamed or whole. */
function anthropic(res: ServerResponse, body: JsonObject, seq: number, reply: Reply): void {
  const id = `msg_e2e_${seq}`;
  const model = typeof body.model === 'string' ? body.model : 'claude-e2e';
  const inputTokens = reply.bigUsage ? BIG_USAGE : 100;
  const block: JsonObject = 'tool' in reply ? { type: 'tool_use', id: `toolu_e2e_${seq}`, name: reply.tool, input: reply.input } : { type: 'text', text: reply.text };
  const stop = 'tool' in reply ? 'tool_use' : 'end_turn';
  if (body.stream !== true) {
    return json(res, 200, { id, type: 'message', role: 'assistant', model, content: [block], stop_reason: stop, stop_sequence: null, usage: { input_tokens: inputTokens, output_tokens: 12 } });
  }
  const ev = sse(res);
  ev('message_start', { message: { id, type: 'message', role: 'assistant', model, content: [], stop_reason: null, stop_sequence: null, usage: { input_tokens: inputTokens, output_tokens: 1 } } });
  if ('tool' in reply) {
    ev('content_block_start', { index: 0, content_block: { type: 'tool_use', id: `toolu_e2e_${seq}`, name: reply.tool, input: {} } });
    // The arguments in two pieces, as a real stream splits them.
    const args = JSON.stringify(reply.input);
    const cut = Math.floor(args.length / 2);
    ev('content_block_delta', { index: 0, delta: { type: 'input_json_delta', partial_json: args.slice(0, cut) } });
    ev('content_block_delta', { index: 0, delta: { type: 'input_json_delta', partial_json: args.slice(cut) } });
  } else {
    ev('content_block_start', { index: 0, content_block: { type: 'text', text: '' } });
    ev('content_block_delta', { index: 0, delta: { type: 'text_delta', text: reply.text } });
  }
  ev('content_block_stop', { index: 0 });
  ev('message_delta', { delta: { stop_reason: stop, stop_sequence: null }, usage: { output_tokens: 12 } });
  ev('message_stop', {});
  res.end();
}

/** The OpenAI Responses API: one output item, a message or a function call, as server-sent events. */
function responses(res: ServerResponse, body: JsonObject, seq: number, reply: Reply): void {
  const id = `resp_e2e_${seq}`;
  const usage = reply.bigUsage
    ? { input_tokens: BIG_USAGE, input_tokens_details: { cached_tokens: 0 }, output_tokens: 12, output_tokens_details: { reasoning_tokens: 0 }, total_tokens: BIG_USAGE + 12 }
    : { input_tokens: 100, input_tokens_details: { cached_tokens: 0 }, output_tokens: 12, output_tokens_details: { reasoning_tokens: 0 }, total_tokens: 112 };
  const item: JsonObject =
    'tool' in reply
      ? { type: 'function_call', id: `fc_e2e_${seq}`, call_id: `call_e2e_${seq}`, name: reply.tool, ...(reply.namespace ? { namespace: reply.namespace } : {}), arguments: JSON.stringify(reply.input), status: 'completed' }
      : { type: 'message', id: `msg_e2e_${seq}`, role: 'assistant', status: 'completed', content: [{ type: 'output_text', text: reply.text, annotations: [] }] };
  const model = typeof body.model === 'string' ? body.model : 'gpt-e2e';
  const ev = sse(res);
  ev('response.created', { response: { id, object: 'response', model, status: 'in_progress', output: [] } });
  ev('response.output_item.added', { output_index: 0, item: 'tool' in reply ? { ...item, arguments: '' } : { ...item, content: [] } });
  if ('tool' in reply) {
    ev('response.function_call_arguments.delta', { output_index: 0, item_id: item.id as string, delta: item.arguments as string });
  } else {
    ev('response.output_text.delta', { output_index: 0, content_index: 0, item_id: item.id as string, delta: reply.text });
  }
  ev('response.output_item.done', { output_index: 0, item });
  ev('response.completed', { response: { id, object: 'response', model, status: 'completed', output: [item], usage } });
  res.end();
}
