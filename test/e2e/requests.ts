/**
 * Reading the requests the agent clients sent to the model: which session and prompt a request belongs
 * to, which tools it offered, what tool results it carried, and what it added to the model's context
 * since the previous request of the same session. The assertions of the e2e suite read only this (and
 * the context branch), never git-ctx's own output.
 *
 * Two wire formats: the Anthropic Messages API (`system`, `messages` of content blocks, `tools`) that
 * Claude Code speaks, and the OpenAI Responses API (`instructions`, `input` items, `tools` with MCP
 * servers as `namespace` tools) that Codex speaks.
 */

export type Api = 'anthropic' | 'openai' | 'other';

export type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
export type JsonObject = { [k: string]: Json };

export interface LoggedRequest {
  seq: number;
  /** ms since the epoch, when the request was complete. */
  at: number;
  method: string;
  path: string;
  headers: Record<string, string>;
  api: Api;
  /** The parsed JSON body (null when there was none or it was not JSON). */
  body: JsonObject | null;
  /** The client's session (Claude Code's session id, Codex's thread id). */
  session: string | null;
  /** The user prompt this request answers (the last one in it), or null. */
  prompt: string | null;
  /** A request of the agent's own loop for one of the test's prompts (not a summary, title or count). */
  turn: boolean;
}

export const isObject = (v: Json | undefined): v is JsonObject => !!v && typeof v === 'object' && !Array.isArray(v);
export const asArray = (v: Json | undefined): Json[] => (Array.isArray(v) ? v : []);
const str = (v: Json | undefined): string | null => (typeof v === 'string' ? v : null);

/** Content blocks of an Anthropic message (a string content is one text block). */
function blocksOf(content: Json | undefined): JsonObject[] {
  if (typeof content === 'string') return [{ type: 'text', text: content }];
  return asArray(content).filter(isObject);
}

/** The prompt a request answers: the text of the last user message that is not a tool result. */
export function lastPrompt(api: Api, body: JsonObject | null): string | null {
  if (!body) return null;
  if (api === 'anthropic') {
    const messages = asArray(body.messages).filter(isObject);
    for (let i = messages.length - 1; i >= 0; i--) {
      const m = messages[i]!;
      if (m.role !== 'user') continue;
      const blocks = blocksOf(m.content);
      if (blocks.some((b) => b.type === 'tool_result')) continue; // a tool's answer, within the turn
      // Claude Code adds its own blocks to the user's message (`<system-reminder>`, `<local-command-...>`,
      // `<command-name>`): the prompt is the last block that is not one of those.
      const texts = blocks.filter((b) => b.type === 'text').map((b) => str(b.text) ?? '').filter((t) => t && !t.trimStart().startsWith('<'));
      if (texts.length) return texts[texts.length - 1]!;
    }
    return null;
  }
  if (api === 'openai') {
    const input = asArray(body.input).filter(isObject);
    for (let i = input.length - 1; i >= 0; i--) {
      const it = input[i]!;
      if (it.type !== 'message' || it.role !== 'user') continue;
      const texts = asArray(it.content)
        .filter(isObject)
        .map((c) => str(c.text) ?? '')
        .filter(Boolean);
      if (texts.length) return texts.join('\n');
    }
    return null;
  }
  return null;
}

/** Names of the tools a request offers; MCP tools in a Responses `namespace` tool as `namespace/name`. */
export function toolNames(req: LoggedRequest): string[] {
  const out: string[] = [];
  for (const t of asArray(req.body?.tools).filter(isObject)) {
    if (t.type === 'namespace') for (const inner of asArray(t.tools).filter(isObject)) out.push(`${str(t.name)}/${str(inner.name)}`);
    else if (typeof t.name === 'string') out.push(t.name);
  }
  return out;
}

/** A tool the request offers with its full schema (not deferred behind a tool search). */
export function offersToolWithSchema(req: LoggedRequest, name: string): boolean {
  for (const t of asArray(req.body?.tools).filter(isObject)) {
    if (t.type === 'namespace') {
      const [ns, inner] = name.split('/');
      if (t.name === ns && asArray(t.tools).filter(isObject).some((x) => x.name === inner && isObject(x.parameters))) return true;
    } else if (t.name === name && (isObject(t.input_schema) || isObject(t.parameters))) return true;
  }
  return false;
}

/**
 * The context a request carries, as a list of items: the system prompt or instructions, then each
 * content block (Anthropic) or input item (Responses), each as canonical JSON text. Cache markers are
 * left out: Claude Code moves them from one request to the next on unchanged blocks.
 */
export function contextItems(req: LoggedRequest): string[] {
  const body = req.body;
  if (!body) return [];
  const strip = (v: Json): Json => {
    if (Array.isArray(v)) return v.map(strip);
    if (!isObject(v)) return v;
    const o: JsonObject = {};
    for (const k of Object.keys(v).sort()) if (k !== 'cache_control') o[k] = strip(v[k]!);
    return o;
  };
  const items: string[] = [];
  if (req.api === 'anthropic') {
    for (const b of blocksOf(body.system)) items.push(`system ${JSON.stringify(strip(b))}`);
    for (const m of asArray(body.messages).filter(isObject)) for (const b of blocksOf(m.content)) items.push(`${str(m.role)} ${JSON.stringify(strip(b))}`);
  } else if (req.api === 'openai') {
    if (typeof body.instructions === 'string') items.push(`instructions ${JSON.stringify(body.instructions)}`);
    for (const it of asArray(body.input)) items.push(JSON.stringify(strip(it)));
  }
  return items;
}

/**
 * What each turn request added to the model's context: its items less those (counted with
 * multiplicity) that the previous turn request of the same session already carried. A text the client
 * keeps in its history is new once; the same text injected again by a hook is new again.
 */
export function newContent(requests: readonly LoggedRequest[]): Map<LoggedRequest, string[]> {
  const out = new Map<LoggedRequest, string[]>();
  const previous = new Map<string, string[]>();
  for (const r of requests) {
    if (!r.turn) continue;
    const key = r.session ?? '';
    const seen = new Map<string, number>();
    for (const it of previous.get(key) ?? []) seen.set(it, (seen.get(it) ?? 0) + 1);
    const items = contextItems(r);
    const fresh: string[] = [];
    for (const it of items) {
      const n = seen.get(it) ?? 0;
      if (n > 0) seen.set(it, n - 1);
      else fresh.push(it);
    }
    out.set(r, fresh);
    previous.set(key, items);
  }
  return out;
}

/** The turn requests whose new content contains `text`, in order. */
export function showings(requests: readonly LoggedRequest[], text: string): LoggedRequest[] {
  const fresh = newContent(requests);
  return requests.filter((r) => (fresh.get(r) ?? []).some((it) => it.includes(text)));
}

/** Tool calls the model made (from the replies recorded in later requests): Anthropic tool_use blocks, Responses function_call items. */
export interface ToolCall {
  id: string;
  name: string;
  input: Json;
}

/** A tool's result as the client sent it back to the model. */
export interface ToolResult {
  id: string;
  text: string;
  isError: boolean;
}

export function toolResults(req: LoggedRequest): ToolResult[] {
  const out: ToolResult[] = [];
  if (req.api === 'anthropic') {
    for (const m of asArray(req.body?.messages).filter(isObject)) {
      for (const b of blocksOf(m.content)) {
        if (b.type === 'tool_result') out.push({ id: str(b.tool_use_id) ?? '', text: JSON.stringify(b.content ?? ''), isError: b.is_error === true });
      }
    }
  } else if (req.api === 'openai') {
    for (const it of asArray(req.body?.input).filter(isObject)) {
      if (it.type === 'function_call_output') {
        const text = JSON.stringify(it.output ?? '');
        // Codex reports a failed MCP call in the output text itself.
        out.push({ id: str(it.call_id) ?? '', text, isError: /requires approval|"success":false|"isError":true|"is_error":true/i.test(text) });
      }
    }
  }
  return out;
}

/** All text of a request's body, for a plain search. */
export function bodyText(req: LoggedRequest): string {
  return JSON.stringify(req.body ?? '');
}
