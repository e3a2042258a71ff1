/**
 * The tools the MCP server offers: nine, over the same core operations as the CLI, each returning the
 * JSON object its command prints with `--json` (src/cli/json.ts), kept within MAX_RESULT_CHARS
 * (./bounds.ts): lists are paged with `limit` and `cursor`, long bodies come in parts. An agent's
 * context pays for every tool definition on every turn, so they are kept small: the whole `tools/list`
 * answer stays under 2,000 tokens (test/mcp.test.ts measures it). Commands that belong together share
 * a tool (log, search and show are `ctx_read`; send and inbox are `ctx_messages`; conflicts and
 * `conflicts ack` are `ctx_conflicts`; the task commands are `ctx_task`).
 *
 * Arguments are checked against the same schemas the client is shown, by `checkArgs`: a wrong type, an
 * unknown argument or arguments that are not an object are a usage error (E_USAGE), returned as a tool
 * error; values are checked by the core operations, which report the same codes as for the CLI
 * (E_KIND, E_TITLE...), their messages naming the tool's arguments rather than the CLI's flags.
 *
 * What a tool shows is marked read only once the answer was sent (`later`): `ctx_messages` with
 * `markRead` marks the messages it returned whole, after the client has them.
 */
import { resolve } from 'node:path';
import type { Ctx, WhoOptions } from '../core/context.js';
import { resolveIdentity } from '../core/context.js';
import { addEntry } from '../core/entries/add.js';
import { logEntries } from '../core/entries/log.js';
import { showEntry } from '../core/entries/show.js';
import { searchEntries } from '../core/entries/search.js';
import { writeHandoff } from '../core/mailbox/handoff.js';
import { pickup } from '../core/mailbox/pickup.js';
import { brief } from '../core/brief/brief.js';
import { sendMessage } from '../core/mailbox/send.js';
import { inbox, markRead } from '../core/mailbox/inbox.js';
import { findConflicts } from '../core/conflicts/conflicts.js';
import { ackConflicts } from '../core/conflicts/conflicts-ack.js';
import { estimateTokens, MIN_BUDGET } from '../model/brief-layout.js';
import { KINDS } from '../model/kinds.js';
import { addJson, entryJson, handoffJson, pickupJson, sendJson, ackJson, regenerateJson, type EntryJson } from '../results/json.js';
import { conflictsJson } from '../results/conflicts.js';
import { addTasks } from '../core/tasks/task-add.js';
import { claimTasks, finishTask, releaseTask } from '../core/tasks/task-steps.js';
import { listTasks, showTask, waveView } from '../core/tasks/task-list.js';
import type { TaskInfo } from '../core/tasks/task-view.js';
import { claimJson, stepJson, taskAddJson, taskJson, taskShowJson, type TaskJson } from '../results/tasks.js';
import { UsageError } from '../errors.js';
import { cut, decodeCursor, encodeCursor, entryPart, fitList, LIST_BODY_CHARS, MAX_RESULT_CHARS, size } from './bounds.js';

type Prop = { type: 'string' | 'integer' | 'boolean'; enum?: string[]; description?: string } | { type: 'array'; items: { type: 'string' }; description?: string };

export interface ToolDefinition {
  name: string;
  description: string;
  inputSchema: { type: 'object'; properties: Record<string, Prop>; required?: string[]; additionalProperties: false };
}

type Args = Record<string, unknown>;

/** What a tool run may do once its answer was sent (mark messages read). */
export type Later = (fn: () => Promise<unknown>) => void;

interface Tool {
  definition: ToolDefinition;
  /** CLI flags the core's messages may name, and the argument each is here. */
  flags: Readonly<Record<string, string>>;
  run(ctx: Ctx, args: Args, who: WhoOptions, later: Later): Promise<Record<string, unknown>>;
}

const str = (description?: string): Prop => ({ type: 'string', ...(description ? { description } : {}) });
const int = (description?: string): Prop => ({ type: 'integer', ...(description ? { description } : {}) });
const bool = (description?: string): Prop => ({ type: 'boolean', ...(description ? { description } : {}) });
const list = (description?: string): Prop => ({ type: 'array', items: { type: 'string' }, ...(description ? { description } : {}) });
const CURSOR = str("a result's next");

function tool(name: string, description: string, properties: Record<string, Prop>, required: string[], flags: Tool['flags'], run: Tool['run']): Tool {
  return { definition: { name, description, inputSchema: { type: 'object', properties, ...(required.length ? { required } : {}), additionalProperties: false } }, flags, run };
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

function limitOf(a: Args, dflt: number, max: number): number {
  const v = n(a, 'limit') ?? dflt;
  if (v < 1) throw new UsageError('limit takes a whole number from 1');
  return Math.min(v, max);
}

function cursorOf(a: Args, kind: string): number {
  const at = decodeCursor(s(a, 'cursor'), kind);
  if (at === null) throw new UsageError(`cursor ${JSON.stringify(s(a, 'cursor'))} is not one this tool gave`, { hint: "pass a result's next as it is" });
  return at;
}

/** An entry in a list: its body cut to LIST_BODY_CHARS (ctx_read with its id gives it whole). */
const listed = (e: EntryJson) => entryPart(e, LIST_BODY_CHARS);

/** The entries of a page that fit, and the cursor of the next page (null: none). */
function page<T>(base: Record<string, unknown>, key: string, items: readonly T[], from: number, more: boolean, kind: string): Record<string, unknown> {
  const taken = fitList(base, key, items);
  const rest = taken < items.length || more;
  return { ...base, [key]: items.slice(0, taken), next: rest ? encodeCursor(kind, from + taken) : null };
}

/** One entry whole, or the part of its body that fits (`cursor` gives the next part). */
function shown(e: EntryJson, from: number, base: Record<string, unknown> = {}): Record<string, unknown> {
  if (from > e.body.length) throw new UsageError('cursor is past the end of the entry');
  const room = MAX_RESULT_CHARS - size({ ...base, entry: { ...e, body: '' }, next: 'x'.repeat(24), bodyChars: 0, bodyFrom: 0, bodyTruncated: true });
  // JSON escapes can make a character several; leave room for them.
  let part = entryPart(e, room, from);
  while (size(part) - size({ ...part, body: '' }) > room && part.body.length) part = entryPart(e, Math.floor(part.body.length * 0.8), from);
  return { ...base, entry: part, next: part.bodyTruncated ? encodeCursor('b', from + part.body.length) : null };
}

const LOG_FILTERS = ['kind', 'agent', 'session', 'topic', 'tag', 'ref', 'since', 'until'];

/** Task bodies in lists and claims are cut to this (ctx_read with the id gives one whole). */
const TASK_BODY_CHARS = 600;

const TASK_ARGS: Record<string, readonly string[]> = {
  add: ['title', 'text', 'wave', 'after', 'to', 'refs'],
  list: ['ready', 'wave', 'mine', 'limit', 'cursor'],
  claim: ['id', 'limit'],
  done: ['id', 'text', 'title', 'refs'],
  release: ['id'],
  show: ['id'],
};

function needId(a: Args, action: string): string {
  const id = s(a, 'id');
  if (id === undefined) throw new UsageError(`ctx_task ${action} needs id`);
  return id;
}

const slimTask = (t: TaskJson, max = TASK_BODY_CHARS) => {
  const cutBody = cut(t.body, max);
  return { ...t, body: cutBody, ...(cutBody.length < t.body.length ? { bodyChars: t.body.length, bodyTruncated: true } : {}) };
};

/**
 * ctx_task: the task commands as one tool (add, list, claim, done, release, show). A claim names the
 * results of the wave before (ids and titles: ctx_read gives them whole).
 */
const taskTool: Tool = tool(
  'ctx_task',
  'Shared work queue. add; list (ready, mine, wave); claim (id, or the next ready: each goes to one session); done (text: the result); release; show.',
  { action: { type: 'string', enum: Object.keys(TASK_ARGS) }, id: str(), title: str(), text: str(), wave: int(), after: list('task ids'), to: str(), refs: list(), ready: bool(), mine: bool(), limit: int(), cursor: CURSOR },
  ['action'],
  { '--wave': 'wave', '--after': 'after', '--to': 'to', '--ref': 'refs', '--limit': 'limit', '-m': 'text', '-t': 'title' },
  async (ctx, a, who) => {
    const action = s(a, 'action')!;
    only(a, `ctx_task ${action}`, ['action', ...(TASK_ARGS[action] ?? [])]);
    if (action === 'add') {
      const title = s(a, 'title');
      if (title === undefined) throw new UsageError('ctx_task add needs title');
      const r = taskAddJson(await addTasks(ctx, { ...who, title, body: s(a, 'text'), wave: n(a, 'wave'), after: l(a, 'after'), to: s(a, 'to'), refs: l(a, 'refs') }));
      return { ...r, tasks: (r.tasks as EntryJson[]).map((e) => entryPart(e, TASK_BODY_CHARS)) };
    }
    if (action === 'list') {
      const from = cursorOf(a, 'i');
      const limit = limitOf(a, 20, 100);
      const r = await listTasks(ctx, { ...who, ready: b(a, 'ready'), wave: n(a, 'wave'), mine: b(a, 'mine') });
      const tasks = r.tasks.slice(from, from + limit).map((t) => slimTask(taskJson(t), 300));
      return page({ session: r.session, agent: r.agent, counts: r.counts, total: r.tasks.length }, 'tasks', tasks, from, r.tasks.length > from + tasks.length, 'i');
    }
    if (action === 'claim') {
      const id = s(a, 'id');
      if (id !== undefined && a.limit !== undefined) throw new UsageError('ctx_task claim takes id or limit, not both');
      const r = await claimTasks(ctx, { ...who, id, limit: id === undefined ? limitOf(a, 1, 10) : undefined });
      const json = claimJson(r);
      const room = Math.max(300, Math.floor(4000 / Math.max(1, r.claimed.length)));
      return { ...json, claimed: (json.claimed as TaskJson[]).map((t) => slimTask(t, room)), previousWave: await previousWave(ctx, r.claimed) };
    }
    if (action === 'done') {
      const r = stepJson(await finishTask(ctx, { ...who, id: needId(a, 'done'), result: s(a, 'text'), title: s(a, 'title'), refs: l(a, 'refs') }));
      return { ...r, task: slimTask(r.task as TaskJson, 300), result: r.result ? entryPart(r.result as EntryJson, 1200) : null };
    }
    if (action === 'release') {
      const r = stepJson(await releaseTask(ctx, { ...who, id: needId(a, 'release') }));
      return { ...r, task: slimTask(r.task as TaskJson, 300) };
    }
    const r = taskShowJson(await showTask(ctx, { id: needId(a, 'show') }));
    return { task: slimTask(r.task as TaskJson, 2500), result: r.result ? entryPart(r.result as EntryJson, 3000) : null };
  },
);

/** For claimed tasks of wave N > 0: the results of wave N-1 (ids and titles, newest first, at most 20). */
async function previousWave(ctx: Ctx, claimed: readonly TaskInfo[]): Promise<{ wave: number; done: number; tasks: number; results: { id: string; title: string; task: string }[] }[]> {
  const waves = [...new Set(claimed.flatMap((t) => (t.wave !== null && t.wave > 0 ? [t.wave - 1] : [])))];
  const out = [];
  for (const w of waves) {
    const r = await waveView(ctx, { wave: w });
    if (!r.tasks.length) continue;
    const results = r.tasks.flatMap((t) => {
      const e = r.results.get(t.id);
      return e ? [{ id: e.id, title: e.title, task: t.id }] : [];
    });
    out.push({ wave: w, done: r.counts.done, tasks: r.tasks.length, results: results.reverse().slice(0, 20) });
  }
  return out;
}

export const TOOLS: readonly Tool[] = [
  tool(
    'ctx_add',
    'Record a note, decision, postmortem... in the shared context of this repository (git ctx add).',
    { text: str(), kind: { type: 'string', enum: [...KINDS] }, title: str(), topic: str(), tags: list(), refs: list('repo paths it is about'), to: str('session, agent or all'), supersedes: list('decision ids this replaces') },
    ['text'],
    { '--ref': 'refs', '--supersedes': 'supersedes', '-t': 'title', '-k': 'kind', '--to': 'to' },
    async (ctx, a, who) => {
      const r = addJson(await addEntry(ctx, { ...who, body: s(a, 'text')!, kind: s(a, 'kind'), title: s(a, 'title'), topic: s(a, 'topic'), tags: l(a, 'tags'), refs: l(a, 'refs'), to: s(a, 'to'), supersedes: l(a, 'supersedes') }));
      return { ...r, entry: listed(r.entry as EntryJson) };
    },
  ),
  tool(
    'ctx_read',
    'Read entries: id gives one whole (show); query, a ranked full-text search; else the newest, filtered (log). Paged: limit, cursor.',
    { id: str('or unique prefix'), query: str(), kind: { type: 'string', enum: [...KINDS] }, agent: str(), session: str(), topic: str(), tag: str(), ref: str(), since: str('7d, 2026-11-01...'), until: str(), limit: int(), cursor: CURSOR },
    [],
    { '-n': 'limit', '--since': 'since', '--until': 'until', '--ref': 'ref' },
    async (ctx, a) => {
      const id = s(a, 'id');
      const query = s(a, 'query');
      if (id !== undefined) {
        only(a, 'ctx_read with id', ['id', 'cursor']);
        return shown(entryJson((await showEntry(ctx, { id })).entry), cursorOf(a, 'b'));
      }
      if (query !== undefined) {
        only(a, 'ctx_read with query', ['query', 'limit', 'cursor']);
        const from = cursorOf(a, 'i');
        const limit = limitOf(a, 10, 50);
        const r = await searchEntries(ctx, { query, limit: from + limit });
        const hits = r.hits.slice(from).map((h) => ({ score: h.score, snippet: cut(h.snippet, 300), entry: listed(entryJson(h.entry)) }));
        return page({ query: r.query, terms: r.terms, total: r.total }, 'hits', hits, from, r.total > from + hits.length, 'i');
      }
      const from = cursorOf(a, 'i');
      const limit = limitOf(a, 20, 100);
      const r = await logEntries(ctx, { limit: from + limit, ...Object.fromEntries(LOG_FILTERS.map((k) => [k, s(a, k)])) });
      const out = page({}, 'entries', r.entries.slice(from).map((e) => listed(entryJson(e))), from, r.more, 'i');
      return { entries: out.entries, more: out.next !== null, next: out.next };
    },
  ),
  tool(
    'ctx_brief',
    'What this session must read now: handoffs, unread messages, conflicts, decisions, postmortems, notes, within a token budget (the whole result).',
    { budget: int('tokens, default 2000') },
    [],
    { '--budget': 'budget' },
    async (ctx, a, who) => briefWithin(ctx, who, n(a, 'budget') ?? 2000),
  ),
  tool(
    'ctx_handoff',
    'Hand the work over to the next session. auto adds commits, diffstat, uncommitted files and new TODOs from git.',
    { summary: str(), todo: list(), decisions: list(), auto: bool(), to: str('session, agent or all'), testLogs: list('test log files'), title: str() },
    [],
    { '--to': 'to', '--test-log': 'testLogs', '--auto': 'auto', '-t': 'title' },
    async (ctx, a, who) => {
      const r = handoffJson(await writeHandoff(ctx, { ...who, summary: s(a, 'summary'), todo: l(a, 'todo'), decisions: l(a, 'decisions'), auto: b(a, 'auto'), to: s(a, 'to'), title: s(a, 'title'), testLogs: l(a, 'testLogs')?.map((f) => resolve(ctx.deps.cwd, f)) }));
      return { ...r, entry: listed(r.entry as EntryJson) };
    },
  ),
  tool(
    'ctx_pickup',
    'Take over the handoffs waiting for this session (each goes to exactly one session; at most limit, default 3); peek marks nothing.',
    { peek: bool(), for: str('another session or agent'), limit: int(), id: str('only this handoff') },
    [],
    { '--for': 'for', '--limit': 'limit' },
    async (ctx, a, who) => {
      const limit = limitOf(a, 3, 20);
      const id = s(a, 'id');
      const r = await pickup(ctx, { ...who, peek: b(a, 'peek'), forWho: s(a, 'for'), limit, ...(id === undefined ? {} : { ids: [id] }) });
      const json = pickupJson({ ...r, handoffs: r.peek ? r.handoffs.slice(0, limit) : r.handoffs });
      // Claimed handoffs are all listed; bodies share what room there is (ctx_read id + cursor pages the rest).
      const handoffs = (json.handoffs as EntryJson[]).map((h) => h);
      const room = Math.max(400, Math.floor((MAX_RESULT_CHARS - size({ ...json, handoffs: handoffs.map((h) => ({ ...h, body: '' })) })) / Math.max(1, handoffs.length)) - 80);
      return { ...json, handoffs: handoffs.map((h) => entryPart(h, room)), more: r.peek ? Math.max(0, r.handoffs.length - limit) : undefined };
    },
  ),
  tool(
    'ctx_messages',
    "With text: send a message. Without: this session's unread messages, oldest first (all: read ones too; markRead: mark the ones returned whole). Paged: limit, cursor.",
    { text: str(), to: str('session, agent or all (default)'), title: str(), all: bool(), markRead: bool(), limit: int(), cursor: CURSOR },
    [],
    { '--to': 'to', '-t': 'title', '--mark-read': 'markRead', '--all': 'all' },
    async (ctx, a, who, later) => {
      const text = s(a, 'text');
      if (text !== undefined) {
        only(a, 'ctx_messages with text', ['text', 'to', 'title']);
        const r = sendJson(await sendMessage(ctx, { ...who, text, to: s(a, 'to'), title: s(a, 'title') }));
        return { ...r, entry: listed(r.entry as EntryJson) };
      }
      only(a, 'ctx_messages without text', ['all', 'markRead', 'limit', 'cursor']);
      const from = cursorOf(a, 'i');
      const limit = limitOf(a, 10, 50);
      const r = await inbox(ctx, { ...who, all: b(a, 'all') });
      const messages = r.messages.slice(from, from + limit).map((m) => ({ ...listed(entryJson(m.entry)), read: m.read }));
      const result = page({ session: r.session, agent: r.agent }, 'messages', messages, from, r.messages.length > from + messages.length, 'i');
      const returned = result.messages as typeof messages;
      const marked = b(a, 'markRead') ? returned.filter((m) => !m.read && !m.bodyTruncated).map((m) => m.id) : [];
      if (marked.length) {
        // Read once the client has the answer, not before.
        const me = await resolveIdentity(ctx, who);
        later(() => markRead(ctx, me, marked));
      }
      // `more`: older messages not listed at all (as `git ctx inbox`); `next`: the next page of these.
      return { session: r.session, agent: r.agent, messages: result.messages, more: r.more, marked, commit: null, next: result.next };
    },
  ),
  tool(
    'ctx_conflicts',
    'Overlapping edits between sessions (file < symbol < hunk < merge). ack silences overlaps by id. Paged: limit, cursor.',
    { level: { type: 'string', enum: ['file', 'symbol', 'hunk', 'merge'] }, mine: bool(), all: bool('acked too'), ack: list(), limit: int(), cursor: CURSOR },
    [],
    { '--level': 'level', '--mine': 'mine', '--all': 'all' },
    async (ctx, a, who) => {
      const ack = l(a, 'ack');
      if (ack !== undefined) {
        only(a, 'ctx_conflicts with ack', ['ack']);
        return ackJson(await ackConflicts(ctx, { ...who, ids: ack }));
      }
      const from = cursorOf(a, 'i');
      const limit = limitOf(a, 20, 100);
      const r = conflictsJson(await findConflicts(ctx, { ...who, level: s(a, 'level'), mine: b(a, 'mine'), all: b(a, 'all') }));
      const overlaps = r.overlaps as unknown[];
      const sessions = (r.sessions as unknown[]).slice(0, 20);
      return page({ ...r, overlaps: undefined, sessions, total: overlaps.length }, 'overlaps', overlaps.slice(from, from + limit), from, overlaps.length > from + limit, 'i');
    },
  ),
  tool(
    'ctx_regenerate',
    'Record a context entry derived from commits, diffs and test logs since a base (no model).',
    { since: str('a revision'), testLogs: list(), dryRun: bool(), cursor: CURSOR },
    [],
    { '--since': 'since', '--test-log': 'testLogs', '--dry-run': 'dryRun' },
    async (ctx, a, who) => {
      const { regenerate } = await import('../core/regenerate.js');
      const r = regenerateJson(await regenerate(ctx, { ...who, since: s(a, 'since'), testLogs: l(a, 'testLogs'), dryRun: b(a, 'dryRun') }), !!b(a, 'dryRun'));
      const from = cursorOf(a, 'b');
      const body = (r.body as string | null) ?? '';
      const slim = { ...r, body: '', entry: r.entry ? { ...(r.entry as EntryJson), body: '' } : null, files: (r.files as unknown[]).slice(0, 30), symbols: (r.symbols as unknown[]).slice(0, 30) };
      const room = Math.max(0, MAX_RESULT_CHARS - size(slim) - 200);
      const part = cut(body.slice(from), room);
      const end = from + part.length;
      return { ...slim, body: part, bodyChars: body.length, ...(from ? { bodyFrom: from } : {}), next: end < body.length ? encodeCursor('b', end) : null };
    },
  ),
  taskTool,
];

/**
 * The brief as a tool result, the whole result within `budget` tokens: the text, and per section how
 * many items it shows and leaves out (the text names every entry it shows by id). The text is laid
 * out within what the rest of the result leaves of the budget.
 */
async function briefWithin(ctx: Ctx, who: WhoOptions, budget: number): Promise<Record<string, unknown>> {
  if (!Number.isInteger(budget) || budget < MIN_BUDGET) throw new UsageError(`budget takes a whole number of tokens, at least ${MIN_BUDGET}`, { code: 'E_BUDGET', data: { min: MIN_BUDGET } });
  const shape = (r: Awaited<ReturnType<typeof brief>>) => ({
    session: r.session,
    agent: r.agent,
    budget,
    tokens: 0,
    text: r.text,
    sections: r.sections.map((sec) => ({ key: sec.key, shown: sec.items.filter((i) => i.shown !== 'omitted').length, notShown: sec.items.filter((i) => i.shown === 'omitted').length + sec.more })),
  });
  let inner = Math.max(MIN_BUDGET, budget - 150);
  for (let i = 0; i < 4; i++) {
    const r = shape(await brief(ctx, { ...who, budget: inner }));
    const tokens = estimateTokens(JSON.stringify({ schemaVersion: 1, ...r }));
    if (tokens <= budget || inner === MIN_BUDGET) return { ...r, tokens };
    inner = Math.max(MIN_BUDGET, inner - (tokens - budget) - 20);
  }
  const r = shape(await brief(ctx, { ...who, budget: MIN_BUDGET }));
  return { ...r, tokens: estimateTokens(JSON.stringify({ schemaVersion: 1, ...r })) };
}

/** A marker that stands for arguments that were not an object (see the server's transport guard). */
export const BAD_ARGUMENTS = '\u0000git-ctx:arguments';

/** Check arguments against a tool's schema (types, required, no unknown names); values are the core's to check. */
export function checkArgs(def: ToolDefinition, args: unknown): Args {
  if (args === undefined || args === null) args = {};
  if (typeof args !== 'object' || Array.isArray(args)) throw new UsageError(`${def.name}: arguments must be an object, not ${Array.isArray(args) ? 'an array' : typeof args}`);
  const given = args as Args;
  if (BAD_ARGUMENTS in given) throw new UsageError(`${def.name}: arguments must be an object, not ${String(given[BAD_ARGUMENTS])}`, { hint: `arguments: ${Object.keys(def.inputSchema.properties).join(', ')}` });
  const out: Args = {};
  for (const [k, v] of Object.entries(given)) {
    const p = def.inputSchema.properties[k];
    if (!p) throw new UsageError(`${def.name}: unknown argument ${JSON.stringify(k)}`, { hint: `arguments: ${Object.keys(def.inputSchema.properties).join(', ')}` });
    if (v === undefined || v === null) continue;
    const ok =
      p.type === 'array' ? Array.isArray(v) && v.every((x) => typeof x === 'string') : p.type === 'integer' ? typeof v === 'number' && Number.isInteger(v) : typeof v === p.type;
    if (!ok) throw new UsageError(`${def.name}: ${k} must be ${p.type === 'array' ? 'an array of strings' : `a${p.type === 'integer' ? 'n' : ''} ${p.type}`}`);
    out[k] = v;
  }
  for (const k of def.inputSchema.required ?? []) if (out[k] === undefined) throw new UsageError(`${def.name}: ${k} is required`);
  return out;
}
