/**
 * log: entries newest first, optionally filtered.
 *
 * Unfiltered (or only bounded in time) it walks the sharded tree from the newest shard and reads just
 * the entries it shows: the newest 20 of 100k cost a few tree reads. Any other filter consults the
 * derived index, which is brought up to date from the branch first.
 */
import type { Ctx } from './context.js';
import { readEntries, recentCommitIds, resolveWhen, type EntryRef } from './read.js';
import type { StoredEntry } from '../model/entry.js';
import type { EntryMeta, IndexedEntry } from '../store/index-cache.js';
import { idFromPath } from '../model/entry.js';
import { idTime } from '../model/id.js';
import { shardKey } from '../model/when.js';
import { isKind, KINDS } from '../model/kinds.js';
import { checkRef, checkLabel } from '../model/validate.js';
import { UsageError } from '../errors.js';

export interface LogInput {
  /** 0 or undefined: no limit. */
  limit?: number;
  kind?: string;
  agent?: string;
  session?: string;
  topic?: string;
  tag?: string;
  ref?: string;
  since?: string;
  until?: string;
}

export interface LogResult {
  entries: StoredEntry[];
  /** More entries matched than the limit let through. */
  more: boolean;
}

export interface EntryFilter {
  kind?: string;
  agent?: string;
  session?: string;
  topic?: string;
  tag?: string;
  ref?: string;
  sinceMs?: number;
  untilMs?: number;
}

/** Whether a path given with --ref and a path an entry refers to overlap (same file, or one contains the other). */
export function refsOverlap(a: string, b: string): boolean {
  return a === b || a.startsWith(`${b}/`) || b.startsWith(`${a}/`);
}

export function matchesFilter(m: EntryMeta, f: EntryFilter): boolean {
  if (f.kind && m.kind !== f.kind) return false;
  if (f.agent && m.agent !== f.agent) return false;
  if (f.session && m.session !== f.session) return false;
  if (f.topic && m.topic !== f.topic) return false;
  if (f.tag && !m.tags.includes(f.tag)) return false;
  if (f.ref && !m.refs.some((r) => refsOverlap(r, f.ref!))) return false;
  const t = idTime(m.id);
  if (f.sinceMs !== undefined && t < f.sinceMs) return false;
  if (f.untilMs !== undefined && t > f.untilMs) return false;
  return true;
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

export async function logEntries(ctx: Ctx, input: LogInput): Promise<LogResult> {
  const limit = input.limit && input.limit > 0 ? input.limit : Infinity;
  if (input.limit !== undefined && (!Number.isInteger(input.limit) || input.limit < 0)) throw new UsageError('-n takes a whole number (0 for all)', { code: 'E_USAGE' });
  const filter = await buildFilter(ctx, input);
  const tip = await ctx.store.tip();
  if (!tip) return { entries: [], more: false };

  let picked: EntryRef[];
  let more = false;
  if (needsIndex(filter)) {
    const index = await ctx.index.load(tip, { onWarning: (w) => ctx.deps.stderr(`git-ctx: warning: ${w}\n`) });
    const hits: IndexedEntry[] = [];
    for (const e of index.entries.values()) if (matchesFilter(e.meta, filter)) hits.push(e);
    hits.sort((a, b) => (a.meta.id < b.meta.id ? 1 : a.meta.id > b.meta.id ? -1 : 0));
    more = hits.length > limit;
    picked = hits.slice(0, limit === Infinity ? undefined : limit);
  } else {
    const bounds = {
      from: filter.sinceMs === undefined ? undefined : shardKey(filter.sinceMs),
      to: filter.untilMs === undefined ? undefined : shardKey(filter.untilMs),
    };
    picked = [];
    for await (const item of ctx.store.walkEntries(tip, bounds)) {
      const id = idFromPath(item.path);
      if (!id) continue;
      const t = idTime(id);
      if ((filter.sinceMs !== undefined && t < filter.sinceMs) || (filter.untilMs !== undefined && t > filter.untilMs)) continue;
      if (picked.length === limit) {
        more = true;
        break;
      }
      picked.push({ path: item.path, oid: item.oid });
    }
    // The newest entries were written by the newest commits; name them. (Older ones come from the index.)
    if (picked.length && picked.length <= 500) {
      const commits = await recentCommitIds(ctx, tip, picked.length * 2 + 50);
      for (const p of picked) p.commit = commits.get(idFromPath(p.path)!) ?? null;
    } else if (picked.length) {
      const index = await ctx.index.load(tip);
      for (const p of picked) p.commit = index.entries.get(p.path)?.commit ?? null;
    }
  }
  return { entries: await readEntries(ctx, picked), more };
}
