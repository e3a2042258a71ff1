/**
 * search: full-text search over titles, labels and bodies, ranked.
 *
 * Ranking is BM25 over one document per entry in which the title counts three times and the topic and
 * tags twice (a cheap form of field weighting), times the share of query terms the entry contains, so
 * that entries matching every term come first; ties go to the newer entry. Terms match as substrings,
 * case-insensitively ("pars" finds "parser"), a whole-word hit counting double; "quoted phrases" match
 * as a whole.
 *
 * The index keeps a search file of lower-cased lines, one per entry; each term is found with one
 * byte search over it (no JSON parsing), and only the best entries are read from the branch.
 */
import type { Ctx } from '../context.js';
import { readEntries } from '../read.js';
import { idFromPath, type StoredEntry } from '../../model/entry.js';
import { UsageError } from '../../errors.js';
import { safe } from '../../model/text.js';

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
    if (m[1]) terms.push(m[1].toLowerCase().trim().replace(/\s+/g, ' '));
    else for (const w of m[2]!.toLowerCase().split(/[^\p{L}\p{N}_.\-/]+/u)) if (w) terms.push(w);
  }
  return [...new Set(terms.filter(Boolean))];
}

function snippetOf(body: string, terms: readonly string[]): string {
  const line = body.split('\n').find((l) => terms.some((t) => l.toLowerCase().includes(t))) ?? '';
  const clean = line.trim();
  return clean.length > 160 ? `${clean.slice(0, 159)}…` : clean;
}

const K1 = 1.2;
const B = 0.75;
const TAB = 0x09;
const NL = 0x0a;

/** One entry's line in the search file, with its term counts (field-weighted: title x3, labels x2, body x1). */
interface Doc {
  path: string;
  oid: string;
  commit: string | null;
  tf: number[];
  /** Field-weighted length, for BM25's length normalisation. */
  length: number;
}

/** Line layout: path, blob, commit, title, labels, body, separated by tabs (see SearchText). */
const FIELDS = 6;

/**
 * Find every term in one chunk of the search file with a byte search, and count it for the line it
 * falls in. Only lines that contain a term are looked at, so a rare term costs little whatever the size.
 */
function scanChunk(chunk: Buffer, terms: readonly Buffer[], docs: Map<string, Doc>, removed: ReadonlySet<string>): void {
  const lines = new Map<number, { doc: Doc | null; tabs: number[] }>();
  const lineAt = (pos: number) => {
    const start = chunk.lastIndexOf(NL, pos) + 1;
    let info = lines.get(start);
    if (info) return info;
    const nl = chunk.indexOf(NL, pos);
    const end = nl < 0 ? chunk.length : nl;
    const tabs: number[] = [];
    for (let i = start; tabs.length < FIELDS - 1; ) {
      const t = chunk.indexOf(TAB, i);
      if (t < 0 || t >= end) break;
      tabs.push(t);
      i = t + 1;
    }
    let doc: Doc | null = null;
    const path = chunk.toString('utf8', start, tabs[0] ?? end);
    if (tabs.length === FIELDS - 1 && !removed.has(path) && !docs.has(path)) {
      const commit = chunk.toString('latin1', tabs[1]! + 1, tabs[2]!);
      doc = {
        path,
        oid: chunk.toString('latin1', tabs[0]! + 1, tabs[1]!),
        commit: commit === '-' ? null : commit,
        tf: terms.map(() => 0),
        length: 3 * (tabs[3]! - tabs[2]! - 1) + 2 * (tabs[4]! - tabs[3]! - 1) + (end - tabs[4]! - 1),
      };
      docs.set(path, doc);
    }
    info = { doc, tabs };
    lines.set(start, info);
    return info;
  };
  terms.forEach((term, j) => {
    for (let pos = chunk.indexOf(term, 0); pos >= 0; pos = chunk.indexOf(term, pos + term.length)) {
      const { doc, tabs } = lineAt(pos);
      if (!doc || pos < tabs[2]!) continue; // a duplicate line, a removed entry, or a hit in path/blob/commit
      // A whole-word hit counts twice as much as one inside a longer word ("8320" in "88320").
      const whole = !isWordByte(chunk[pos - 1]) && !isWordByte(chunk[pos + term.length]) ? 2 : 1;
      doc.tf[j]! += whole * (pos < tabs[3]! ? 3 : pos < tabs[4]! ? 2 : 1);
    }
  });
}

/** ASCII letters, digits and underscore (bytes of multi-byte characters count as word bytes too). */
function isWordByte(b: number | undefined): boolean {
  return b !== undefined && (b >= 0x80 || (b >= 0x30 && b <= 0x39) || (b >= 0x61 && b <= 0x7a) || (b >= 0x41 && b <= 0x5a) || b === 0x5f);
}

/** How many lines a set of chunks holds (each entry once, give or take a rare duplicate). */
function countLines(chunks: readonly Buffer[]): number {
  let n = 0;
  for (const c of chunks) for (let i = c.indexOf(NL); i >= 0; i = c.indexOf(NL, i + 1)) n++;
  return n;
}

export async function searchEntries(ctx: Ctx, input: SearchInput): Promise<SearchResult> {
  const terms = queryTerms(input.query);
  if (terms.length === 0) throw new UsageError('the search query is empty', { code: 'E_QUERY' });
  const limit = input.limit ?? 10;
  if (!Number.isInteger(limit) || limit < 1) throw new UsageError('-n takes a whole number from 1', { code: 'E_USAGE' });
  const tip = await ctx.store.tip();
  if (!tip) return { query: input.query, terms, hits: [], total: 0 };
  const { chunks, removed } = await ctx.index.searchText(tip, { onWarning: (w: string) => ctx.deps.stderr(`git-ctx: warning: ${safe(w, false)}\n`) });
  const docs = new Map<string, Doc>();
  const termBytes = terms.map((t) => Buffer.from(t, 'utf8'));
  for (const chunk of chunks) scanChunk(chunk, termBytes, docs, removed);

  // Collection statistics: the number of entries, and the average length of those that matched
  // (standing in for the average of all, which would mean measuring every line).
  const n = Math.max(1, countLines(chunks) - removed.size);
  const matched = [...docs.values()];
  const df = terms.map((_, j) => matched.filter((d) => d.tf[j]! > 0).length);
  const avg = matched.length ? matched.reduce((s, d) => s + d.length, 0) / matched.length : 1;
  const idf = df.map((f) => Math.log(1 + (n - f + 0.5) / (f + 0.5)));
  const scored = matched.map((d) => {
    let s = 0;
    let hit = 0;
    d.tf.forEach((f, j) => {
      if (!f) return;
      hit++;
      s += (idf[j]! * (f * (K1 + 1))) / (f + K1 * (1 - B + (B * d.length) / avg));
    });
    return { d, id: idFromPath(d.path) ?? d.path, score: s * (hit / terms.length) };
  });
  scored.sort((a, b) => b.score - a.score || (b.id > a.id ? 1 : b.id < a.id ? -1 : 0));
  const top = scored.slice(0, limit);
  const entries = await readEntries(
    ctx,
    top.map(({ d }) => ({ path: d.path, oid: d.oid, commit: d.commit })),
  );
  const read = new Map(entries.map((e) => [e.path, e]));
  const hits: SearchHit[] = [];
  for (const { d, score } of top) {
    const entry = read.get(d.path);
    if (entry) hits.push({ entry, score: Math.round(score * 1000) / 1000, snippet: snippetOf(entry.body, terms) || entry.title });
  }
  return { query: input.query, terms, hits, total: scored.length };
}
