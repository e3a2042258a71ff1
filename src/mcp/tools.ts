/**
 * The tools the MCP server offers: eight, over the same core operations as the CLI, each returning the
 * JSON object its command prints with `--json` (src/cli/json.ts). An agent's context pays for every
 * tool definition on every turn, so they are kept small: the whole `tools/list` answer stays under
 * 2,000 tokens (test/mcp.test.ts measures it). Commands that belong together share a tool (log, search
 * and show are `ctx_read`; send and inbox are `ctx_messages`; conflicts and `conflicts ack` are
 * `ctx_conflicts`).
 *
 * Arguments are checked against the same schemas the client is shown, by `checkArgs`: a wrong type or
 * an unknown argument is a usage error (E_USAGE), as a wrong flag is on the command line; values are
 * checked by the core operations, which report the same codes as for the CLI (E_KIND, E_TITLE...).
 */
import { resolve } from 'node:path';
import type { Ctx, WhoOptions } from '../core/context.js';
import { addEntry } from '../core/add.js';
import { logEntries } from '../core/log.js';
import { showEntry } from '../core/show.js';
import { searchEntries } from '../core/search.js';
import { writeHandoff } from '../core/handoff.js';
import { pickup } from '../core/pickup.js';
import { brief } from '../core/brief.js';
import { sendMessage } from '../core/send.js';
import { inbox } from '../core/inbox.js';
import { findConflicts } from '../core/conflicts.js';
import { ackConflicts } from '../core/conflicts-ack.js';
import { KINDS } from '../model/kinds.js';
import { addJson, logJson, showJson, searchJson, handoffJson, pickupJson, briefJson, sendJson, inboxJson, ackJson, regenerateJson } from '../cli/json.js';
import { conflictsJson } from '../cli/conflicts-render.js';
import { UsageError } from '../errors.js';

type Prop = { type: 'string' | 'integer' | 'boolean'; enum?: readonly string[]; description?: string } | { type: 'array'; items: { type: 'string' }; description?: string };

export interface ToolDefinition {
  name: string;
  description: string;
  inputSchema: { type: 'object'; properties: Record<string, Prop>; required?: string[]; additionalProperties: false };
}

type Args = Record<string, unknown>;

interface Tool {
  definition: ToolDefinition;
  run(ctx: Ctx, args: Args, who: WhoOptions): Promise<Record<string, unknown>>;
}

const str = (description?: string): Prop => ({ type: 'string', ...(description ? { description } : {}) });
const int = (description?: string): Prop => ({ type: 'integer', ...(description ? { description } : {}) });
const bool = (description?: string): Prop => ({ type: 'boolean', ...(description ? { description } : {}) });
const list = (description?: string): Prop => ({ type: 'array', items: { type: 'string' }, ...(description ? { description } : {}) });

function tool(name: string, description: string, properties: Record<string, Prop>, required: string[], run: Tool['run']): Tool {
  return { definition: { name, description, inputSchema: { type: 'object', properties, ...(required.length ? { required } : {}), additionalProperties: false } }, run };
}

const s = (a: Args, k: string) => a[k] as string | undefined;
const b = (a: Args, k: string) => a[k] as boolean | undefined;
const n = (a: Args, k: string) => a[k] as number | undefined;
const l = (a: Args, k: string) => a[k] as string[] | undefined;

/** Arguments that only some forms of a tool take: giving them to another form is a usage error. */
function only(a: Args, form: string, allowed: readonly string[]): void {
  const extra = Object.keys(a).filter((k) => a[k] !== undefined && !allowed.includes(k));
  if (extra.length) throw new UsageError(`${form} does not take ${extra.join(', ')}`);
}

const LOG_FILTERS = ['kind', 'agent', 'session', 'topic', 'tag', 'ref', 'since', 'until'];

export const TOOLS: readonly Tool[] = [
  tool(
    'ctx_add',
    'Record a note, decision, postmortem... in the shared context of this repository (git ctx add).',
    { text: str(), kind: { type: 'string', enum: KINDS }, title: str(), topic: str(), tags: list(), refs: list('repo paths it is about'), to: str('session, agent or all'), supersedes: list('decision ids this replaces') },
    ['text'],
    async (ctx, a, who) => addJson(await addEntry(ctx, { ...who, body: s(a, 'text')!, kind: s(a, 'kind'), title: s(a, 'title'), topic: s(a, 'topic'), tags: l(a, 'tags'), refs: l(a, 'refs'), to: s(a, 'to'), supersedes: l(a, 'supersedes') })),
  ),
  tool(
    'ctx_read',
    'Read entries: id gives one whole (show); query, a ranked full-text search; else the newest, filtered (log).',
    { id: str('or unique prefix'), query: str(), kind: { type: 'string', enum: KINDS }, agent: str(), session: str(), topic: str(), tag: str(), ref: str(), since: str('7d, 2026-11-01...'), until: str(), limit: int() },
    [],
    async (ctx, a) => {
      const id = s(a, 'id');
      const query = s(a, 'query');
      if (id !== undefined) {
        only(a, 'ctx_read with id', ['id']);
        return showJson(await showEntry(ctx, { id }));
      }
      if (query !== undefined) {
        only(a, 'ctx_read with query', ['query', 'limit']);
        return searchJson(await searchEntries(ctx, { query, limit: n(a, 'limit') ?? 10 }));
      }
      return logJson(await logEntries(ctx, { limit: n(a, 'limit') ?? 20, ...Object.fromEntries(LOG_FILTERS.map((k) => [k, s(a, k)])) }));
    },
  ),
  tool('ctx_brief', 'What this session must read now: handoffs, unread messages, conflicts, decisions, postmortems, notes, within a token budget.', { budget: int('tokens, default 2000') }, [], async (ctx, a, who) => briefJson(await brief(ctx, { ...who, budget: n(a, 'budget') }))),
  tool(
    'ctx_handoff',
    'Hand the work over to the next session. auto adds commits, diffstat, uncommitted files and new TODOs from git.',
    { summary: str(), todo: list(), decisions: list(), auto: bool(), to: str('session, agent or all'), testLogs: list('test log files'), title: str() },
    [],
    async (ctx, a, who) =>
      handoffJson(await writeHandoff(ctx, { ...who, summary: s(a, 'summary'), todo: l(a, 'todo'), decisions: l(a, 'decisions'), auto: b(a, 'auto'), to: s(a, 'to'), title: s(a, 'title'), testLogs: l(a, 'testLogs')?.map((f) => resolve(ctx.deps.cwd, f)) })),
  ),
  tool('ctx_pickup', 'Take over the handoffs waiting for this session (each goes to exactly one session); peek marks nothing.', { peek: bool(), for: str('another session or agent') }, [], async (ctx, a, who) => pickupJson(await pickup(ctx, { ...who, peek: b(a, 'peek'), forWho: s(a, 'for') }))),
  tool(
    'ctx_messages',
    "With text: send a message. Without: this session's unread messages (all: read ones too).",
    { text: str(), to: str('session, agent or all (default)'), title: str(), all: bool(), markRead: bool() },
    [],
    async (ctx, a, who) => {
      const text = s(a, 'text');
      if (text !== undefined) {
        only(a, 'ctx_messages with text', ['text', 'to', 'title']);
        return sendJson(await sendMessage(ctx, { ...who, text, to: s(a, 'to'), title: s(a, 'title') }));
      }
      only(a, 'ctx_messages without text', ['all', 'markRead']);
      return inboxJson(await inbox(ctx, { ...who, all: b(a, 'all'), markRead: b(a, 'markRead') }));
    },
  ),
  tool(
    'ctx_conflicts',
    'Overlapping edits between sessions (file < symbol < hunk < merge). ack silences overlaps by id.',
    { level: { type: 'string', enum: ['file', 'symbol', 'hunk', 'merge'] }, mine: bool(), all: bool('acked too'), ack: list() },
    [],
    async (ctx, a, who) => {
      const ack = l(a, 'ack');
      if (ack !== undefined) {
        only(a, 'ctx_conflicts with ack', ['ack']);
        return ackJson(await ackConflicts(ctx, { ...who, ids: ack }));
      }
      return conflictsJson(await findConflicts(ctx, { ...who, level: s(a, 'level'), mine: b(a, 'mine'), all: b(a, 'all') }));
    },
  ),
  tool('ctx_regenerate', 'Record a context entry derived from commits, diffs and test logs since a base (no model).', { since: str('a revision'), testLogs: list(), dryRun: bool() }, [], async (ctx, a, who) => {
    const { regenerate } = await import('../core/regenerate.js');
    return regenerateJson(await regenerate(ctx, { ...who, since: s(a, 'since'), testLogs: l(a, 'testLogs'), dryRun: b(a, 'dryRun') }), !!b(a, 'dryRun'));
  }),
];

/** Check arguments against a tool's schema (types, required, no unknown names); values are the core's to check. */
export function checkArgs(def: ToolDefinition, args: unknown): Args {
  if (args === undefined || args === null) args = {};
  if (typeof args !== 'object' || Array.isArray(args)) throw new UsageError(`${def.name}: arguments must be an object`);
  const out = args as Args;
  for (const [k, v] of Object.entries(out)) {
    const p = def.inputSchema.properties[k];
    if (!p) throw new UsageError(`${def.name}: unknown argument ${JSON.stringify(k)}`, { hint: `arguments: ${Object.keys(def.inputSchema.properties).join(', ')}` });
    if (v === undefined || v === null) {
      delete out[k];
      continue;
    }
    const ok =
      p.type === 'array' ? Array.isArray(v) && v.every((x) => typeof x === 'string') : p.type === 'integer' ? typeof v === 'number' && Number.isInteger(v) : typeof v === p.type;
    if (!ok) throw new UsageError(`${def.name}: ${k} must be ${p.type === 'array' ? 'an array of strings' : `a${p.type === 'integer' ? 'n' : ''} ${p.type}`}`);
  }
  for (const k of def.inputSchema.required ?? []) if (out[k] === undefined) throw new UsageError(`${def.name}: ${k} is required`);
  return out;
}
