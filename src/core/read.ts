/**
 * Reading entries back: from blobs (the truth), with the commit that added each one.
 */
import type { Ctx } from './context.js';
import { parseEntry, type StoredEntry } from '../model/entry.js';
import { readObjects } from '../git/cat-file.js';
import { parseWhen } from '../model/when.js';
import { UsageError } from '../errors.js';
import { safe } from '../model/text.js';

export interface EntryRef {
  path: string;
  oid: string;
  commit?: string | null;
}

/** Parse the entry blobs named by `items`, in order. Unreadable ones are reported and left out. */
export async function readEntries(ctx: Ctx, items: readonly EntryRef[]): Promise<StoredEntry[]> {
  const parsed: (StoredEntry | null)[] = new Array(items.length).fill(null);
  const take = (n: number, blob: Buffer | null) => {
    const item = items[n]!;
    if (!blob) return;
    try {
      parsed[n] = Object.assign(parseEntry(blob.toString('utf8')), { path: item.path, commit: item.commit ?? null });
    } catch (e) {
      ctx.deps.stderr(`git-ctx: warning: skipping unreadable entry ${safe(`${item.path}: ${(e as Error).message}`, false)}\n`);
    }
  };
  if (items.length > 200) {
    // Many at once: one buffered `cat-file` streams them far faster than the interactive reader.
    await readObjects(ctx.repo.git, items.map((i) => i.oid), (n, obj) => take(n, obj?.type === 'blob' ? obj.content : null));
  } else {
    const blobs = await Promise.all(items.map((i) => ctx.store.readBlob(i.oid)));
    blobs.forEach((b, n) => take(n, b));
  }
  return parsed.filter((e): e is StoredEntry => e !== null);
}

/** Entry id -> commit, for the entries written by the newest `n` commits of the branch. */
export async function recentCommitIds(ctx: Ctx, tip: string, n: number): Promise<Map<string, string>> {
  const out = await ctx.repo.git.text(['log', `-n${n}`, '--format=%H %(trailers:key=Ctx-Id,valueonly,separator=%x20)', tip, '--']);
  const map = new Map<string, string>();
  for (const line of out.split('\n')) {
    const [sha, ...ids] = line.trim().split(' ');
    for (const id of ids) if (id && !map.has(id)) map.set(id, sha!);
  }
  return map;
}

/** The commit whose trailer names entry `id`, searching back from `tip`. */
export async function commitOfEntry(ctx: Ctx, tip: string, id: string): Promise<string | null> {
  const out = await ctx.repo.git.text(['log', '-n1', '--format=%H', '--fixed-strings', `--grep=Ctx-Id: ${id}`, tip, '--']);
  return out.trim() || null;
}

/** A --since / --until value as milliseconds; relative phrases go to git's own date parser. */
export async function resolveWhen(ctx: Ctx, text: string, flag: string): Promise<number> {
  // A negative duration ("-5d") is no time git reads either: it turns it into some other day.
  if (text.trim().startsWith('-')) throw new UsageError(`${flag}: cannot read "${text}" as a time (a duration counts back from now: 5d, not -5d)`, { code: 'E_WHEN', hint: 'use a date (2026-11-21), a duration (36h, 7d, 2w) or a phrase git understands ("2 weeks ago")' });
  const quick = parseWhen(text, ctx.deps.now());
  if (quick !== null) return quick;
  const { stdout, status } = await ctx.repo.git.run(['rev-parse', `--since=${text}`], { okStatus: [0, 128] });
  const m = /--max-age=(\d+)/.exec(stdout.toString('utf8'));
  // git turns anything it cannot read into "now" (or, with "never" in it, the epoch): treat both as a mistake.
  if (status === 0 && m && Number(m[1]) > 0 && Math.abs(Number(m[1]) * 1000 - ctx.deps.now()) > 2000) return Number(m[1]) * 1000;
  throw new UsageError(`${flag}: cannot read "${text}" as a time`, { code: 'E_WHEN', hint: 'use a date (2026-11-21), a duration (36h, 7d, 2w) or a phrase git understands ("2 weeks ago")' });
}
