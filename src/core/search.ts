/**
 * search: full-text search over titles, labels and bodies, ranked.
 *
 * Ranking is BM25 over one document per entry in which the title counts three times and the topic and
 * tags twice (a cheap form of field weighting), times the share of query terms the entry contains, so
 * that entries matching every term come first; ties go to the newer entry. Terms match as substrings,
 * case-insensitively ("pars" finds "parser"); "quoted phrases" match as a whole.
 */
import type { Ctx } from './context.js';
import { readEntries } from './read.js';
import type { StoredEntry } from '../model/entry.js';
import { UsageError } from '../errors.js';
import { safe } from '../model/text.js';

export interface SearchInput {
  query: string;
  limit?: number;
}

export interface SearchHit {
  entry: StoredEntry;
  score: number;
  /** The body line where the first matching term occurs (trimmed), or the title. */
  snippet: string;
}

export interface SearchResult {
  query: string;
  terms: string[];
  hits: SearchHit[];
  total: number;
}

/** Split a query into lower-case terms; "quoted phrases" stay whole. */
export function queryTerms(query: string): string[] {
  const terms: string[] = [];
  const re = /"([^"]+)"|([^\s"]+)/g;
  for (let m = re.exec(query); m; m = re.exec(query)) {
    if (m[1]) terms.push(m[1].toLowerCase().trim());
    else for (const w of m[2]!.toLowerCase().split(/[^\p{L}\p{N}_.\-/]+/u)) if (w) terms.push(w);
  }
  return [...new Set(terms.filter(Boolean))];
}

function count(haystack: string, needle: string): number {
  let n = 0;
  for (let i = haystack.indexOf(needle); i >= 0; i = haystack.indexOf(needle, i + needle.length)) n++;
  return n;
}

function snippetOf(body: string, terms: readonly string[]): string {
  const lines = body.split('\n');
  const line = lines.find((l) => terms.some((t) => l.toLowerCase().includes(t))) ?? '';
  const clean = line.trim();
  return clean.length > 160 ? `${clean.slice(0, 159)}…` : clean;
}

const K1 = 1.2;
const B = 0.75;

export async function searchEntries(ctx: Ctx, input: SearchInput): Promise<SearchResult> {
  const terms = queryTerms(input.query);
  if (terms.length === 0) throw new UsageError('the search query is empty', { code: 'E_QUERY' });
  const limit = input.limit ?? 10;
  if (!Number.isInteger(limit) || limit < 1) throw new UsageError('-n takes a whole number from 1', { code: 'E_USAGE' });
  const tip = await ctx.store.tip();
  if (!tip) return { query: input.query, terms, hits: [], total: 0 };
  const index = await ctx.index.load(tip, { withBodies: true, onWarning: (w) => ctx.deps.stderr(`git-ctx: warning: ${safe(w, false)}\n`) });

  const docs = [...index.entries.values()];
  const n = docs.length;
  const tf: number[][] = terms.map(() => new Array<number>(n).fill(0));
  const df = terms.map(() => 0);
  const lengths = new Array<number>(n);
  let total = 0;
  docs.forEach((d, i) => {
    const title = d.meta.title.toLowerCase();
    const labels = `${d.meta.topic ?? ''} ${d.meta.tags.join(' ')}`.toLowerCase();
    const body = (index.bodies!.get(d.path) ?? '').toLowerCase();
    lengths[i] = title.length * 3 + labels.length * 2 + body.length;
    total += lengths[i]!;
    terms.forEach((t, j) => {
      const c = 3 * count(title, t) + 2 * count(labels, t) + count(body, t);
      tf[j]![i] = c;
      if (c) df[j]!++;
    });
  });
  const avg = n ? total / n : 1;
  const idf = df.map((f) => Math.log(1 + (n - f + 0.5) / (f + 0.5)));
  const scored: { i: number; score: number }[] = [];
  for (let i = 0; i < n; i++) {
    let s = 0;
    let matched = 0;
    for (let j = 0; j < terms.length; j++) {
      const f = tf[j]![i]!;
      if (!f) continue;
      matched++;
      s += (idf[j]! * (f * (K1 + 1))) / (f + K1 * (1 - B + (B * lengths[i]!) / avg));
    }
    if (matched) scored.push({ i, score: s * (matched / terms.length) });
  }
  scored.sort((a, b) => b.score - a.score || (docs[b.i]!.meta.id > docs[a.i]!.meta.id ? 1 : -1));
  const top = scored.slice(0, limit);
  const entries = await readEntries(
    ctx,
    top.map(({ i }) => ({ path: docs[i]!.path, oid: docs[i]!.oid, commit: docs[i]!.commit })),
  );
  const byPath = new Map(entries.map((e) => [e.path, e]));
  const hits: SearchHit[] = [];
  for (const { i, score } of top) {
    const entry = byPath.get(docs[i]!.path);
    if (entry) hits.push({ entry, score: Math.round(score * 1000) / 1000, snippet: snippetOf(entry.body, terms) || entry.title });
  }
  return { query: input.query, terms, hits, total: scored.length };
}
