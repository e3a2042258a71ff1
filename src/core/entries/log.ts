/**
 * log: entries newest first, optionally filtered.
 *
 * Unfiltered (or only bounded in time) it walks the sharded tree from the newest shard and reads just
 * the entries it shows: the newest 20 of 100k cost a few tree reads. Any other filter consults the
 * derived index, which is brought up to date from the branch first.
 */
import type { Ctx } from '../context.js';
import { readEntries, recentCommitIds, resolveWhen, type EntryRef } from '../read.js';
import type { StoredEntry } from '../../model/entry.js';
import type { EntrySummary } from '../../store/entry-index.js';
import { idFromPath } from '../../model/entry.js';
import { idTime } from '../../model/id.js';
import { shardKey } from '../../model/when.js';
import { isKind, KINDS, type Kind } from '../../model/kinds.js';
import { checkRef, checkLabel } from '../../model/validate.js';
import { UsageError } from '../../errors.js';
import { safe } from '../../model/text.js';

/** What an entry may be selected by, as given and as matched. */
interface EntryFields {
  kind?: string;
  agent?: string;
  session?: string;
  topic?: string;
  tag?: string;
  ref?: string;
}

export interface LogInput extends EntryFields {
  /** 0 or undefined: no limit. */
  limit?: number;
  since?: string;
  until?: string;
  /**
   * Whether whole entries are needed (default true). Without, entries past the newest 200 come from
   * the index's summaries: id, kind, title, agent, session, topic, tags, refs, to, supersedes,
   * createdAt, path and commit are set; body, worktree, branch, head and author are empty. The newest
   * 200 are read whole even so, but without their commit (null): naming it costs a `git log`.
   */
  bodies?: boolean;
}

export interface LogResult {
  entries: StoredEntry[];
  /** More entries matched than the limit let through. */
  more: boolean;
}

export interface EntryFilter extends EntryFields {
  sinceMs?: number;
  untilMs?: number;
}

/** Whether a path given with --ref and a path an entry refers to overlap (same file, or one contains the other). */
export function refsOverlap(a: string, b: string): boolean {
  return a === b || a.startsWith(`${b}/`) || b.startsWith(`${a}/`);
}

/** The fields of an entry a filter looks at (an entry, or its summary in the index). */
export type Filterable = Pick<EntrySummary, 'id' | 'kind' | 'agent' | 'session' | 'topic' | 'tags' | 'refs'>;

export function matchesFilter(m: Filterable, f: EntryFilter): boolean {
  if (f.kind && m.kind !== f.kind) return false;
  if (f.agent && m.agent !== f.agent) return false;
  if (f.session && m.session !== f.session) return false;
  if (f.topic && m.topic !== f.topic) return false;
  if (f.tag && !m.tags.includes(f.tag)) return false;
  if (f.ref && !m.refs.some((r) => refsOverlap(r, f.ref!))) return false;
  return inTime(m.id, f);
}

export async function buildFilter(ctx: Ctx, input: LogInput): Promise<EntryFilter> {
  if (input.kind !== undefined && !isKind(input.kind)) throw new UsageError(`unknown kind: ${input.kind}`, { code: 'E_KIND', hint: `kinds: ${KINDS.join(', ')}` });
  return {
    kind: input.kind,
    agent: input.agent,
    session: input.session,
    topic: input.topic === undefined ? undefined : checkLabel(input.topic, 'topic'),
    tag: input.tag === undefined ? undefined : checkLabel(input.tag, 'tag'),
    ref: input.ref === undefined ? undefined : checkRef(input.ref),
    sinceMs: input.since === undefined ? undefined : await resolveWhen(ctx, input.since, '--since'),
    untilMs: input.until === undefined ? undefined : await resolveWhen(ctx, input.until, '--until'),
  };
}

function needsIndex(f: EntryFilter): boolean {
  return !!(f.kind || f.agent || f.session || f.topic || f.tag || f.ref);
}

/** Past this many entries, listing from the index beats walking the tree and reading each blob. */
const WALK_LIMIT = 200;

export async function logEntries(ctx: Ctx, input: LogInput): Promise<LogResult> {
  if (input.limit !== undefined && (!Number.isInteger(input.limit) || input.limit < 0)) throw new UsageError('-n takes a whole number (0 for all)', { code: 'E_USAGE' });
  const limit = input.limit && input.limit > 0 ? input.limit : Infinity;
  const bodies = input.bodies ?? true;
  const filter = await buildFilter(ctx, input);
  const tip = await ctx.store.tip();
  if (!tip) return { entries: [], more: false };
  if (!needsIndex(filter) && limit <= WALK_LIMIT) return walkNewest(ctx, tip, filter, limit, bodies);

  const summaries = await ctx.index.summaries(tip, filter.kind ? [filter.kind as Kind] : KINDS, {
    onWarning: (w) => ctx.deps.stderr(`git-ctx: warning: ${safe(w, false)}\n`),
  });
  const hits: EntrySummary[] = [];
  for (const e of summaries.values()) if (matchesFilter(e, filter)) hits.push(e);
  hits.sort((a, b) => (a.id < b.id ? 1 : a.id > b.id ? -1 : 0) || (a.path < b.path ? -1 : 1));
  const picked = hits.slice(0, limit === Infinity ? undefined : limit);
  const more = hits.length > picked.length;
  if (!bodies) return { entries: picked.map(listed), more };
  // Most of the store: the index holds every header and body, and loading it whole takes less than half
  // the time git takes to inflate that many blobs (at 100k: ~1 s against ~2.5 s).
  if (picked.length * 2 > ctx.index.records()) return { entries: await fromIndex(ctx, tip, picked), more };
  return { entries: await readEntries(ctx, picked), more };
}

/** Whole entries from the index, which `summaries` has just brought up to `tip`. */
async function fromIndex(ctx: Ctx, tip: string, picked: readonly EntrySummary[]): Promise<StoredEntry[]> {
  const paths = picked.map((s) => s.path);
  const whole = await ctx.index.entries(tip, paths);
  const missing = picked.filter((s, i) => !whole.has(paths[i]!));
  // None expected (the summaries and the entries are one index): read any from git rather than drop it.
  const read = new Map(missing.length ? (await readEntries(ctx, missing)).map((e) => [e.path, e]) : []);
  return paths.flatMap((p) => whole.get(p) ?? read.get(p) ?? []);
}

function inTime(id: string, f: EntryFilter): boolean {
  if (f.sinceMs === undefined && f.untilMs === undefined) return true;
  const t = idTime(id);
  return (f.sinceMs === undefined || t >= f.sinceMs) && (f.untilMs === undefined || t <= f.untilMs);
}

/** An entry as far as a listing needs it, from its summary (see LogInput.bodies). */
function listed(s: EntrySummary): StoredEntry {
  return {
    id: s.id,
    kind: s.kind,
    title: s.title,
    body: '',
    topic: s.topic,
    tags: [...s.tags],
    refs: [...s.refs],
    to: s.to,
    supersedes: [...s.supersedes],
    agent: s.agent,
    session: s.session,
    worktree: null,
    branch: null,
    head: null,
    author: { name: '', email: '' },
    createdAt: new Date(idTime(s.id)).toISOString(),
    extra: {},
    path: s.path,
    commit: s.commit,
  };
}

/** The newest entries, read straight from the tree: a few tree reads and one blob per entry. */
async function walkNewest(ctx: Ctx, tip: string, filter: EntryFilter, limit: number, withCommits: boolean): Promise<LogResult> {
  const bounds = {
    from: filter.sinceMs === undefined ? undefined : shardKey(filter.sinceMs),
    to: filter.untilMs === undefined ? undefined : shardKey(filter.untilMs),
  };
  const picked: EntryRef[] = [];
  let more = false;
  for await (const item of ctx.store.walkEntries(tip, bounds)) {
    const id = idFromPath(item.path);
    if (!id) continue;
    if (!inTime(id, filter)) continue;
    if (picked.length === limit) {
      more = true;
      break;
    }
    picked.push({ path: item.path, oid: item.oid });
  }
  // The newest entries were written by the newest commits: one short `git log` names them.
  if (picked.length && withCommits) {
    const commits = await recentCommitIds(ctx, tip, picked.length * 2 + 50);
    for (const p of picked) p.commit = commits.get(idFromPath(p.path)!) ?? null;
  }
  return { entries: await readEntries(ctx, picked), more };
}
