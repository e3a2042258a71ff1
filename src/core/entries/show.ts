/**
 * show: one entry, whole, by id or unique id prefix.
 *
 * A prefix of 10 or more characters fixes the millisecond the entry was made, hence its hour shard:
 * one tree read finds it. Shorter prefixes are looked up in the derived index.
 */
import type { Ctx } from '../context.js';
import { commitOfEntry, readEntries, type EntryRef } from '../read.js';
import { entryPath, idFromPath, type StoredEntry } from '../../model/entry.js';
import { idTime, normalizeIdPrefix } from '../../model/id.js';
import { NotFoundError, UsageError } from '../../errors.js';
import { KINDS } from '../../model/kinds.js';

export interface ShowInput {
  id: string;
}

export interface ShowResult {
  entry: StoredEntry;
}

/** Find the entries whose id starts with `prefix` (at most `max`). */
export async function findByPrefix(ctx: Ctx, tip: string, prefix: string, max = 10): Promise<EntryRef[]> {
  if (prefix.length >= 10) {
    const hourDir = entryPath(prefix.slice(0, 10).padEnd(26, '0')).replace(/\/[^/]+$/, '');
    const tree = await ctx.store.lookup(await ctx.store.treeOf(tip), hourDir);
    if (!tree || tree.mode !== '40000') return [];
    const items = await ctx.store.readTree(tree.oid);
    return items
      .filter((i) => i.name.startsWith(prefix) && i.name.endsWith('.md'))
      .slice(0, max)
      .map((i) => ({ path: `${hourDir}/${i.name}`, oid: i.oid }));
  }
  const out: EntryRef[] = [];
  for (const e of (await ctx.index.summaries(tip, KINDS)).values()) {
    if (e.id.startsWith(prefix)) out.push({ path: e.path, oid: e.oid, commit: e.commit });
    if (out.length >= max) break;
  }
  return out;
}

export async function showEntry(ctx: Ctx, input: ShowInput): Promise<ShowResult> {
  const prefix = normalizeIdPrefix(input.id);
  if (!prefix) throw new UsageError(`not an entry id: ${JSON.stringify(input.id.slice(0, 60))}`, { code: 'E_BAD_ID', hint: 'ids look like 01jd8x3m5q7k2v9w0a1b2c3d4e; a unique prefix is enough' });
  if (prefix.length >= 10 && Number.isNaN(new Date(idTime(prefix.padEnd(26, '0'))).getTime())) {
    throw new NotFoundError(`no entry ${prefix}`, { data: { id: prefix } });
  }
  const tip = await ctx.store.tip();
  const found = tip ? await findByPrefix(ctx, tip, prefix) : [];
  if (found.length === 0) throw new NotFoundError(`no entry ${prefix}`, { data: { id: prefix }, hint: 'list entries with git ctx log' });
  if (found.length > 1) {
    const ids = found.map((f) => idFromPath(f.path) ?? f.path);
    throw new UsageError(`id prefix ${prefix} is ambiguous: ${ids.join(', ')}`, { code: 'E_AMBIGUOUS', data: { candidates: ids }, hint: 'give more characters of the id' });
  }
  const ref = found[0]!;
  if (ref.commit === undefined) ref.commit = await commitOfEntry(ctx, tip!, idFromPath(ref.path)!);
  const [entry] = await readEntries(ctx, [ref]);
  if (!entry) throw new NotFoundError(`entry ${prefix} cannot be read`, { data: { id: prefix } });
  return { entry };
}
