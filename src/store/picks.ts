/**
 * Pick logs: what choosing handoffs, messages, decisions and postmortems for a session needs of each
 * entry of a kind (see SlimSummary in index-cache.ts), stored by column so that a short process reads
 * thousands of them without making an object per entry.
 *
 * A pick log (`pick.<gen>.<kind>.jsonl`) is a sequence of chunks, one JSON line each: the whole kind
 * when a generation is written, then one chunk per append. A chunk holds the keys it removes and the
 * records it adds (removals first, as a delta lists them), by column: ids joined into one string,
 * sessions and recipients as numbers into a table of the chunk's distinct values, and the rare
 * fields (refs, supersedes, the path of a version a merge kept) only for the records that have them.
 * At 100k entries the 14k picks `brief` reads took ~25 ms to read as one array per entry in a cold
 * process; by column, JSON.parse makes a few dozen values per chunk instead of five per entry.
 *
 * Readers get a PickList: columns plus accessors by position, so that a filter over thousands of
 * entries (claimed or not, addressed to whom) runs on numbers and makes objects only for the few
 * entries it keeps.
 */
import type { Kind } from '../model/kinds.js';
import { entryPath } from '../model/entry.js';
import { ID_LENGTH } from '../model/id.js';

/** One entry's picks, as a chunk is built from it. */
export interface PickRec {
  id: string;
  session: string;
  to: string | null;
  refs: readonly string[];
  supersedes: readonly string[];
  /** The path of a version a merge kept next to the usual one, or "". */
  versionPath: string;
}

/** A chunk of a pick log (see the module comment). */
export interface PickChunk {
  /** The ids, joined when every one is ID_LENGTH characters long (always, but for foreign files). */
  i: string | string[];
  /** Per record, its session as an index into `d`. */
  s: number[];
  /** Per record, whom it is addressed to as an index into `d`, -1 for no one; left out when no record is addressed. */
  t?: number[];
  d: string[];
  /** By record index, for the records that have them: refs, supersedes, a version's path. */
  r?: Record<string, readonly string[]>;
  x?: Record<string, readonly string[]>;
  p?: Record<string, string>;
  /** Keys (an id, or a version's path) removed before the records are added. */
  rm?: string[];
  /** Set when the ids are joined, ascend strictly, and none is a version: what the fast read needs. */
  o?: 1;
}

const NO_LABELS: readonly string[] = Object.freeze([]);

/** The picks of an entry (or of its summary) found at `path`. */
export function pickRec(e: Omit<PickRec, 'versionPath'>, path: string): PickRec {
  return { id: e.id, session: e.session, to: e.to, refs: e.refs, supersedes: e.supersedes, versionPath: path === entryPath(e.id) ? '' : path };
}

/** A chunk as the line of a pick log. */
export function chunkLine(chunk: PickChunk): string {
  return `${JSON.stringify(chunk)}\n`;
}

export function encodeChunk(recs: readonly PickRec[], removed: readonly string[] = []): PickChunk {
  const d: string[] = [];
  const at = new Map<string, number>();
  const index = (v: string) => {
    let i = at.get(v);
    if (i === undefined) at.set(v, (i = d.push(v) - 1));
    return i;
  };
  const chunk: PickChunk = { i: '', s: [], d };
  const ids = recs.map((r) => r.id);
  const t: number[] = [];
  let sorted = true;
  recs.forEach((r, n) => {
    chunk.s.push(index(r.session));
    t.push(r.to === null ? -1 : index(r.to));
    if (r.refs.length) (chunk.r ??= {})[n] = r.refs;
    if (r.supersedes.length) (chunk.x ??= {})[n] = r.supersedes;
    if (r.versionPath) (chunk.p ??= {})[n] = r.versionPath;
    if (n > 0 && !(ids[n - 1]! < r.id)) sorted = false;
  });
  const fixed = ids.every((id) => id.length === ID_LENGTH);
  chunk.i = fixed ? ids.join('') : ids;
  if (t.some((x) => x >= 0)) chunk.t = t;
  if (removed.length) chunk.rm = [...removed];
  if (fixed && sorted && !chunk.p) chunk.o = 1;
  return chunk;
}

/** A kind's picks, oldest first, one per id (see SlimSummary), by position. */
export class PickList {
  private constructor(
    readonly kind: Kind,
    readonly length: number,
    /** Joined ids (fixed width), or one per position. */
    private readonly ids: string | readonly string[],
    /** Per position, the session as an index into `values`. */
    private readonly sessions: readonly number[],
    /** Per position, the recipient as an index into `values` (-1: no one); null when no one is addressed. */
    private readonly recipients: readonly number[] | null,
    private readonly values: readonly string[],
    private readonly refsAt: Sparse<readonly string[]>,
    private readonly supersedesAt: Sparse<readonly string[]>,
    private readonly pathAt: Sparse<string>,
  ) {}

  static empty(kind: Kind): PickList {
    return new PickList(kind, 0, '', [], null, [], new Sparse(), new Sparse(), new Sparse());
  }

  /** The kind's picks after applying `chunks` in order. */
  static read(kind: Kind, chunks: readonly PickChunk[]): PickList {
    return PickList.fast(kind, chunks) ?? PickList.fromRecs(kind, applyChunks(chunks));
  }

  id(i: number): string {
    return typeof this.ids === 'string' ? this.ids.slice(i * ID_LENGTH, (i + 1) * ID_LENGTH) : this.ids[i]!;
  }

  session(i: number): string {
    return this.values[this.sessions[i]!]!;
  }

  to(i: number): string | null {
    const t = this.recipients ? this.recipients[i]! : -1;
    return t < 0 ? null : this.values[t]!;
  }

  refs(i: number): readonly string[] {
    return this.refsAt.get(i) ?? NO_LABELS;
  }

  supersedes(i: number): readonly string[] {
    return this.supersedesAt.get(i) ?? NO_LABELS;
  }

  /** Positions of the entries that have refs (few). */
  withRefs(): number[] {
    return this.refsAt.keys();
  }

  /** Every id some entry supersedes. */
  superseded(): Set<string> {
    const out = new Set<string>();
    for (const ids of this.supersedesAt.values()) for (const id of ids) out.add(id);
    return out;
  }

  /**
   * Positions whose recipient and session pass `test`, asked once per distinct pair (a few dozen at
   * most), so that the scan of thousands of entries compares numbers.
   */
  where(test: (to: string | null, session: string) => boolean): number[] {
    const memo = new Map<number, boolean>();
    const width = this.values.length + 1;
    const out: number[] = [];
    for (let i = 0; i < this.length; i++) {
      const t = this.recipients ? this.recipients[i]! : -1;
      const s = this.sessions[i]!;
      const key = (t + 1) * width + s;
      let ok = memo.get(key);
      if (ok === undefined) memo.set(key, (ok = test(t < 0 ? null : this.values[t]!, this.values[s]!)));
      if (ok) out.push(i);
    }
    return out;
  }

  /** The entries whose recipient and session pass `test` (see `where`). */
  matching(test: (to: string | null, session: string) => boolean): SlimPick[] {
    return this.where(test).map((i) => this.at(i));
  }

  /** The entry with this id (ids ascend by position), or null. */
  find(id: string): SlimPick | null {
    const at = positionOf(this.length, (i) => this.id(i), id);
    return at < 0 ? null : this.at(at);
  }

  /** The entry at position `i` as a SlimSummary. */
  at(i: number): SlimPick {
    return new SlimPick(this.kind, this.id(i), this.session(i), this.to(i), this.refs(i), this.supersedes(i), this.pathAt.get(i) ?? '');
  }

  all(): SlimPick[] {
    return Array.from({ length: this.length }, (_, i) => this.at(i));
  }

  /** The entries as records to write again (see encodeChunk). */
  recs(): PickRec[] {
    return this.all().map((p) => pickRec(p, p.path));
  }

  /**
   * The usual log: chunks whose ids ascend across them, with no versions. Removals are found by a
   * binary search of the joined ids, and must name an entry of an earlier chunk. Null when the log is
   * not of that shape (the caller then applies it record by record).
   */
  private static fast(kind: Kind, chunks: readonly PickChunk[]): PickList | null {
    let ids = '';
    let last = '';
    const starts: number[] = [];
    for (const c of chunks) {
      if (!c.o || typeof c.i !== 'string') return null;
      starts.push(ids.length / ID_LENGTH);
      if (c.i.length) {
        if (!(last < c.i.slice(0, ID_LENGTH))) return null;
        last = c.i.slice(-ID_LENGTH);
        ids += c.i;
      }
    }
    const length = ids.length / ID_LENGTH;
    const dead = new Set<number>();
    for (let k = 0; k < chunks.length; k++) {
      for (const key of chunks[k]!.rm ?? []) {
        if (key.length !== ID_LENGTH) continue; // a version's path: there are none here
        const at = positionOf(length, (i) => ids.slice(i * ID_LENGTH, (i + 1) * ID_LENGTH), key);
        if (at < 0) continue; // not in the log: nothing to remove
        if (at >= starts[k]!) return null; // removed before it was added
        dead.add(at);
      }
    }
    // Columns over every position, then without the removed ones. The first chunk's (all of the
    // kind, when a generation was written) are taken as they are; later ones are mapped onto them.
    const [first, ...later] = chunks;
    if (!first) return PickList.empty(kind);
    const values = [...first.d];
    const valueAt = new Map(values.map((v, n) => [v, n]));
    // Copied (natively) when later chunks add to them: the chunks stay as they were read.
    const sessions = later.length ? first.s.slice() : first.s;
    let recipients: number[] | null = first.t ? (later.length ? first.t.slice() : first.t) : null;
    const refsAt = new Sparse(first.r, first.s.length);
    const supersedesAt = new Sparse(first.x, first.s.length);
    later.forEach((c, k) => {
      const start = starts[k + 1]!;
      const map = c.d.map((v) => valueAt.get(v) ?? valueAt.set(v, values.push(v) - 1).get(v)!);
      const n = c.s.length;
      for (let j = 0; j < n; j++) sessions.push(map[c.s[j]!]!);
      if (c.t && !recipients) recipients = new Array<number>(start).fill(-1);
      if (recipients) for (let j = 0; j < n; j++) recipients.push(c.t && c.t[j]! >= 0 ? map[c.t[j]!]! : -1);
      refsAt.add(start, c.r);
      supersedesAt.add(start, c.x);
    });
    if (!dead.size) return new PickList(kind, length, ids, sessions, recipients, values, refsAt, supersedesAt, new Sparse());
    const keep: number[] = [];
    for (let i = 0; i < length; i++) if (!dead.has(i)) keep.push(i);
    const moved = new Map(keep.map((old, i) => [old, i]));
    return new PickList(
      kind,
      keep.length,
      keep.map((i) => ids.slice(i * ID_LENGTH, (i + 1) * ID_LENGTH)).join(''),
      keep.map((i) => sessions[i]!),
      recipients && keep.map((i) => recipients![i]!),
      values,
      refsAt.moved(moved),
      supersedesAt.moved(moved),
      new Sparse(),
    );
  }

  private static fromRecs(kind: Kind, recs: readonly PickRec[]): PickList {
    const c = encodeChunk(recs);
    return new PickList(kind, recs.length, c.i, c.s, c.t ?? null, c.d, new Sparse(c.r, recs.length), new Sparse(c.x, recs.length), new Sparse(c.p, recs.length));
  }
}

/**
 * A field only some positions have: the first chunk's object as JSON.parse made it (positions below
 * `size`), then the later chunks' by position.
 */
class Sparse<T> {
  private readonly later = new Map<number, T>();

  constructor(
    private readonly base: Readonly<Record<string, T>> = {},
    private readonly size = 0,
  ) {}

  add(start: number, values: Readonly<Record<string, T>> | undefined): void {
    for (const [j, v] of Object.entries(values ?? {})) this.later.set(start + Number(j), v);
  }

  get(i: number): T | undefined {
    return i < this.size ? this.base[i] : this.later.get(i);
  }

  /** Positions that have a value, ascending. */
  keys(): number[] {
    return [...Object.keys(this.base).map(Number), ...[...this.later.keys()].sort((a, b) => a - b)];
  }

  values(): T[] {
    return [...Object.values(this.base), ...this.later.values()];
  }

  /** The same values at the positions `moved` maps to (positions it leaves out are dropped). */
  moved(moved: ReadonlyMap<number, number>): Sparse<T> {
    const out = new Sparse<T>();
    for (const i of this.keys()) if (moved.has(i)) out.later.set(moved.get(i)!, this.get(i)!);
    return out;
  }
}

/** Position of `id` among `length` ascending ids (`idAt` gives each), or -1. */
function positionOf(length: number, idAt: (i: number) => string, id: string): number {
  let lo = 0;
  let hi = length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const at = idAt(mid);
    if (at === id) return mid;
    if (at < id) lo = mid + 1;
    else hi = mid - 1;
  }
  return -1;
}

/**
 * Chunks applied record by record, for logs the fast read does not take: by key (the id, or a
 * version's path) in the order first written. A key written again keeps its first place, and ids out
 * of order are sorted. A version a merge kept next to an entry's usual path is left out when the
 * usual one is there (it stands for both, so every reader shows the same), and only the first is
 * kept of several versions.
 */
function applyChunks(chunks: readonly PickChunk[]): PickRec[] {
  const byKey = new Map<string, PickRec>();
  let disordered = false;
  let versions = false;
  let last = '';
  for (const c of chunks) {
    for (const key of c.rm ?? []) byKey.delete(key);
    const n = c.s.length;
    for (let j = 0; j < n; j++) {
      const id = typeof c.i === 'string' ? c.i.slice(j * ID_LENGTH, (j + 1) * ID_LENGTH) : c.i[j]!;
      const t = c.t ? c.t[j]! : -1;
      const rec: PickRec = { id, session: c.d[c.s[j]!]!, to: t < 0 ? null : c.d[t]!, refs: c.r?.[j] ?? NO_LABELS, supersedes: c.x?.[j] ?? NO_LABELS, versionPath: c.p?.[j] ?? '' };
      if (rec.versionPath) versions = true;
      const size = byKey.size;
      byKey.set(rec.versionPath || id, rec);
      if (byKey.size === size || id < last) disordered = true;
      last = id;
    }
  }
  let list = [...byKey.values()];
  if (versions) {
    const seen = new Set(list.filter((p) => !p.versionPath).map((p) => p.id));
    list = list.filter((p) => !p.versionPath || (!seen.has(p.id) && seen.add(p.id)));
  }
  if (disordered) list.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  return list;
}

/** A pick as a SlimSummary; the usual path is worked out only when asked for (most never are). */
export class SlimPick {
  constructor(
    readonly kind: Kind,
    readonly id: string,
    readonly session: string,
    readonly to: string | null,
    readonly refs: readonly string[],
    readonly supersedes: readonly string[],
    /** The path of a version a merge kept next to the usual one, or "". */
    readonly versionPath: string,
  ) {}

  get path(): string {
    return this.versionPath || entryPath(this.id);
  }
}
