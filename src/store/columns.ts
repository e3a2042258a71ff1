/**
 * The index's summaries of one kind, stored by column, so that a short process reads thousands of
 * them without making an object per entry (in V8's interpreter each object and call costs about a
 * microsecond; see docs/index.md).
 *
 * A kind's file is a sequence of chunks, one line each: the whole kind when the file is written, then
 * one chunk per append. A line is six JSON values separated by tabs (JSON never holds a raw tab),
 * each parsed only when a reader first needs it:
 *
 * - what choosing entries for a session needs (`Picks`): ids joined into one string, sessions and
 *   recipients as numbers into a table of the chunk's distinct values, supersedes and the path of a
 *   version a merge kept only for the records that have them; then the keys (an id, or a version's
 *   path) the chunk removes before adding its records;
 * - then (`Rest`) the refs of the records that have them (`brief` reads them for postmortems only);
 *   the titles; agents, topics and tags; the blobs; the commits.
 *
 * Readers get a KindList: columns plus accessors by position, so that a filter over thousands of
 * entries runs on numbers and makes objects only for the entries it keeps.
 */
import type { Kind } from '../model/kinds.js';
import { entryPath } from '../model/entry.js';
import { ID_LENGTH } from '../model/id.js';
import type { EntrySummary, PickList } from './entry-index.js';

/** One entry's summary, as a chunk is made from it. */
export interface Row {
  id: string;
  path: string;
  session: string;
  to: string | null;
  refs: readonly string[];
  supersedes: readonly string[];
  title: string;
  agent: string;
  topic: string | null;
  tags: readonly string[];
  oid: string;
  commit: string | null;
}

interface Picks {
  /** The ids, joined when each is ID_LENGTH characters long (always, but for foreign files). */
  i: string | string[];
  /** Distinct sessions and recipients. */
  v: string[];
  /** Per record, its session as an index into `v`. */
  s: number[];
  /** Per record, its recipient as an index into `v`, -1 for no one; left out when no one is addressed. */
  t?: number[];
  /** By record index, for the records that have them: supersedes, a version's path. */
  x?: Record<string, readonly string[]>;
  p?: Record<string, string>;
  /** Keys removed before the records are added. */
  rm?: string[];
  /** Set when the ids are joined, ascend strictly, and none is a version: what the fast read needs. */
  asc?: 1;
}

interface Labels {
  /** Distinct agents and topics. */
  v: string[];
  a: number[];
  /** Per record, its topic as an index into `v`, -1 for none; left out when none has one. */
  g?: number[];
  tg?: Record<string, readonly string[]>;
}

/** Read from a file, each field is parsed when first read. */
interface Rest {
  /** By record index, the refs of the records that have them (null: none has). */
  readonly r: Record<string, readonly string[]> | null;
  /** Titles joined by line breaks (a title is one line), or listed when one holds a line break. */
  readonly ti: string | string[];
  readonly m: Labels;
  /** Blobs and commits, joined when all are of one width (commits: and all are known), else listed. */
  readonly o: string | string[];
  readonly c: string | (string | null)[];
}

export interface Chunk {
  picks: Picks;
  rest: Rest;
}

const NONE: readonly string[] = Object.freeze([]);

function versionPath(id: string, path: string): string {
  return path === entryPath(id) ? '' : path;
}

function table(): { values: string[]; index: (v: string) => number } {
  const values: string[] = [];
  const at = new Map<string, number>();
  return {
    values,
    index(v) {
      let i = at.get(v);
      if (i === undefined) at.set(v, (i = values.push(v) - 1));
      return i;
    },
  };
}

function joined(xs: readonly string[]): string | string[] {
  const w = xs[0]?.length ?? 0;
  return w > 0 && xs.every((x) => x.length === w) ? xs.join('') : [...xs];
}

/** What a chunk is made from: summaries by position (new entries' rows, or a list read back). */
interface Source {
  readonly length: number;
  id(i: number): string;
  /** The path of a version a merge kept next to the usual one, or "". */
  versionPath(i: number): string;
  session(i: number): string;
  to(i: number): string | null;
  refs(i: number): readonly string[];
  supersedes(i: number): readonly string[];
  title(i: number): string;
  agent(i: number): string;
  topic(i: number): string | null;
  tags(i: number): readonly string[];
  oid(i: number): string;
  commit(i: number): string | null;
}

/** The chunk of some rows (and removed keys) of one kind. */
export function encodeChunk(rows: readonly Row[], removed: readonly string[] = []): Chunk {
  const at = (i: number) => rows[i]!;
  const source: Source = {
    length: rows.length,
    id: (i) => at(i).id,
    versionPath: (i) => versionPath(at(i).id, at(i).path),
    session: (i) => at(i).session,
    to: (i) => at(i).to,
    refs: (i) => at(i).refs,
    supersedes: (i) => at(i).supersedes,
    title: (i) => at(i).title,
    agent: (i) => at(i).agent,
    topic: (i) => at(i).topic,
    tags: (i) => at(i).tags,
    oid: (i) => at(i).oid,
    commit: (i) => at(i).commit,
  };
  return encode(source, removed);
}

function encode(src: Source, removed: readonly string[]): Chunk {
  const pv = table();
  const rv = table();
  const n = src.length;
  const ids: string[] = [];
  const picks: Picks = { i: '', v: pv.values, s: [] };
  const t: number[] = [];
  const titles: string[] = [];
  const g: number[] = [];
  const oids: string[] = [];
  const commits: (string | null)[] = [];
  const m: Labels = { v: rv.values, a: [] };
  let r: Record<string, readonly string[]> | null = null;
  let asc = true;
  for (let i = 0; i < n; i++) {
    const id = src.id(i);
    if (i > 0 && !(ids[i - 1]! < id)) asc = false;
    ids.push(id);
    picks.s.push(pv.index(src.session(i)));
    const to = src.to(i);
    t.push(to === null ? -1 : pv.index(to));
    const refs = src.refs(i);
    if (refs.length) (r ??= {})[i] = refs;
    const supersedes = src.supersedes(i);
    if (supersedes.length) (picks.x ??= {})[i] = supersedes;
    const vp = src.versionPath(i);
    if (vp) (picks.p ??= {})[i] = vp;
    titles.push(src.title(i));
    m.a.push(rv.index(src.agent(i)));
    const topic = src.topic(i);
    g.push(topic === null ? -1 : rv.index(topic));
    const tags = src.tags(i);
    if (tags.length) (m.tg ??= {})[i] = tags;
    oids.push(src.oid(i));
    commits.push(src.commit(i));
  }
  const fixed = ids.every((id) => id.length === ID_LENGTH);
  picks.i = fixed ? ids.join('') : ids;
  if (t.some((x) => x >= 0)) picks.t = t;
  if (removed.length) picks.rm = [...removed];
  if (fixed && asc && !picks.p) picks.asc = 1;
  if (g.some((x) => x >= 0)) m.g = g;
  const ti = titles.some((x) => x.includes('\n')) ? titles : titles.join('\n');
  return { picks, rest: { r, ti, m, o: joined(oids), c: commits.every((c): c is string => c !== null) ? joined(commits) : commits } };
}

/** A chunk as a line of a kind's file. */
export function chunkLine(c: Chunk): string {
  const r = c.rest;
  return `${[c.picks, r.r, r.ti, r.m, r.o, r.c].map((v) => JSON.stringify(v)).join('\t')}\n`;
}

/** The chunks of a kind's file (whole lines only: the caller read exactly what the index names). */
export function parseChunks(buf: Buffer): Chunk[] {
  const out: Chunk[] = [];
  for (let from = 0; from < buf.length; ) {
    const nl = buf.indexOf(10, from);
    const tabs: number[] = [];
    for (let t = buf.indexOf(9, from); t >= 0 && t < nl && tabs.length < 5; t = buf.indexOf(9, t + 1)) tabs.push(t);
    if (nl < 0 || tabs.length !== 5) throw new Error('malformed index line');
    const field = (k: number) => {
      let v: unknown;
      return () => (v ??= JSON.parse(buf.toString('utf8', tabs[k]! + 1, tabs[k + 1] ?? nl)));
    };
    const [r, ti, m, o, c] = [0, 1, 2, 3, 4].map(field) as [() => Rest['r'], () => Rest['ti'], () => Labels, () => Rest['o'], () => Rest['c']];
    const rest: Rest = {
      get r() { return r(); },
      get ti() { return ti(); },
      get m() { return m(); },
      get o() { return o(); },
      get c() { return c(); },
    };
    out.push({ picks: JSON.parse(buf.toString('utf8', from, tabs[0])) as Picks, rest });
    from = nl + 1;
  }
  return out;
}

function once<T>(make: () => T): () => T {
  let v: T | undefined;
  return () => (v ??= make());
}

function countOf(p: Picks): number {
  return p.s.length;
}

/** Element `j` of a joined (fixed-width, `n` elements) or listed column. */
function nth<T extends string | null>(col: string | readonly T[], n: number, j: number): string | T {
  if (typeof col !== 'string') return col[j]!;
  const w = col.length / n;
  return col.slice(j * w, (j + 1) * w);
}

/** A chunk's rest, for access by index within the chunk. */
class RestView {
  private titles?: readonly string[];

  constructor(
    private readonly r: Rest,
    private readonly n: number,
  ) {}

  title(j: number): string {
    this.titles ??= typeof this.r.ti === 'string' ? (this.n ? this.r.ti.split('\n') : []) : this.r.ti;
    return this.titles[j]!;
  }
  agent(j: number): string {
    return this.r.m.v[this.r.m.a[j]!]!;
  }
  topic(j: number): string | null {
    const m = this.r.m;
    const g = m.g ? m.g[j]! : -1;
    return g < 0 ? null : m.v[g]!;
  }
  tags(j: number): readonly string[] {
    return this.r.m.tg?.[j] ?? NONE;
  }
  oid(j: number): string {
    return nth(this.r.o, this.n, j);
  }
  commit(j: number): string | null {
    return nth(this.r.c, this.n, j);
  }
}

/** The columns of choosing, by position. */
interface Columns {
  length: number;
  /** Joined ids (fixed width), or one per position. */
  ids: string | readonly string[];
  /** Sessions and recipients (-1: no one; null: no one is addressed) as indexes into `values`. */
  sessions: readonly number[];
  recipients: readonly number[] | null;
  values: readonly string[];
  /** Parsed when first read (see Rest). */
  refs: () => Sparse<readonly string[]>;
  supersedes: Sparse<readonly string[]>;
  /** The path of a version a merge kept next to the usual one. */
  paths: Sparse<string>;
}

function idOf(c: Columns, i: number): string {
  return typeof c.ids === 'string' ? c.ids.slice(i * ID_LENGTH, (i + 1) * ID_LENGTH) : c.ids[i]!;
}

/** Every record of some chunks, in order, before removals; and where each chunk starts. */
function concat(chunks: readonly Chunk[]): { cols: Columns; starts: number[] } {
  const picks = chunks.map((c) => c.picks);
  const starts: number[] = [];
  let length = 0;
  for (const p of picks) {
    starts.push(length);
    length += countOf(p);
  }
  const [first, ...later] = picks;
  if (!first) return { cols: { length: 0, ids: '', sessions: [], recipients: null, values: [], refs: () => new Sparse(), supersedes: new Sparse(), paths: new Sparse() }, starts };
  let ids: string | string[];
  if (picks.every((p) => typeof p.i === 'string')) ids = picks.map((p) => p.i as string).join('');
  else {
    ids = [];
    for (const p of picks) {
      const n = countOf(p);
      for (let j = 0; j < n; j++) ids.push(typeof p.i === 'string' ? p.i.slice(j * ID_LENGTH, (j + 1) * ID_LENGTH) : p.i[j]!);
    }
  }
  // The first chunk's columns (all of the kind, when the file was written) are taken as they are;
  // later ones are mapped onto them.
  const values = [...first.v];
  const valueAt = new Map(values.map((v, n) => [v, n]));
  const sessions = later.length ? first.s.slice() : first.s;
  let recipients: number[] | null = first.t ? (later.length ? first.t.slice() : first.t) : null;
  const refs = once(() => {
    const col = new Sparse(chunks[0]!.rest.r ?? undefined, first.s.length);
    for (let k = 1; k < chunks.length; k++) col.add(starts[k]!, chunks[k]!.rest.r ?? undefined);
    return col;
  });
  const supersedes = new Sparse(first.x, first.s.length);
  const paths = new Sparse(first.p, first.s.length);
  later.forEach((c, k) => {
    const start = starts[k + 1]!;
    const map = c.v.map((v) => valueAt.get(v) ?? valueAt.set(v, values.push(v) - 1).get(v)!);
    const n = c.s.length;
    for (let j = 0; j < n; j++) sessions.push(map[c.s[j]!]!);
    if (c.t && !recipients) recipients = new Array<number>(start).fill(-1);
    if (recipients) for (let j = 0; j < n; j++) recipients.push(c.t && c.t[j]! >= 0 ? map[c.t[j]!]! : -1);
    supersedes.add(start, c.x);
    paths.add(start, c.p);
  });
  return { cols: { length, ids, sessions, recipients, values, refs, supersedes, paths }, starts };
}

/**
 * Which records are live, in order (by id, then path), as positions among all of them; null when all
 * are, in the order they are. The usual file (ids ascending across chunks, no versions) is read as it
 * is, removals found by a binary search of the joined ids; any other is applied record by record, by
 * key (the id, or a version's path), a later record of a key replacing an earlier one.
 */
function liveOrder(chunks: readonly Chunk[], cols: Columns, starts: readonly number[]): number[] | null {
  const fast = typeof cols.ids === 'string' && chunks.every((c, k) => c.picks.asc && (!starts[k] || !countOf(c.picks) || idOf(cols, starts[k]! - 1) < idOf(cols, starts[k]!)));
  if (fast) {
    const dead = new Set<number>();
    let ok = true;
    chunks.forEach((c, k) => {
      for (const key of c.picks.rm ?? []) {
        if (key.length !== ID_LENGTH) continue; // a version's path: there are none here
        const at = positionOf(cols.length, (i) => idOf(cols, i), key);
        if (at < 0) continue; // not there: nothing to remove
        if (at >= starts[k]!) ok = false; // removed before it was added
        dead.add(at);
      }
    });
    if (ok) {
      if (!dead.size) return null;
      const keep: number[] = [];
      for (let i = 0; i < cols.length; i++) if (!dead.has(i)) keep.push(i);
      return keep;
    }
  }
  const live = new Map<string, number>();
  chunks.forEach((c, k) => {
    for (const key of c.picks.rm ?? []) live.delete(key);
    const end = starts[k]! + countOf(c.picks);
    for (let i = starts[k]!; i < end; i++) live.set(cols.paths.get(i) || idOf(cols, i), i);
  });
  const pathOf = (i: number) => cols.paths.get(i) || entryPath(idOf(cols, i));
  return [...live.values()].sort((a, b) => {
    const x = idOf(cols, a);
    const y = idOf(cols, b);
    return x < y ? -1 : x > y ? 1 : pathOf(a) < pathOf(b) ? -1 : 1;
  });
}

/** The columns of the positions `order` lists, in that order. */
function select(cols: Columns, order: readonly number[]): Columns {
  const at = new Int32Array(cols.length).fill(-1);
  order.forEach((p, i) => (at[p] = i));
  return {
    length: order.length,
    ids: typeof cols.ids === 'string' ? order.map((p) => idOf(cols, p)).join('') : order.map((p) => idOf(cols, p)),
    sessions: order.map((p) => cols.sessions[p]!),
    recipients: cols.recipients && order.map((p) => cols.recipients![p]!),
    values: cols.values,
    refs: once(() => cols.refs().moved(at)),
    supersedes: cols.supersedes.moved(at),
    paths: cols.paths.moved(at),
  };
}

/** One kind's summaries after applying its chunks: oldest first, each version a merge kept included. */
export class KindList implements PickList, Source {
  private readonly rests: (RestView | null)[];
  private j = 0;

  private constructor(
    readonly kind: Kind,
    private readonly cols: Columns,
    /** The chunks, for their rest, and where each starts among the records before removals. */
    private readonly chunks: readonly Chunk[],
    private readonly starts: readonly number[],
    /** Per position, its record among those of the chunks; null when it is the same position. */
    private readonly record: readonly number[] | null,
  ) {
    this.rests = chunks.map(() => null);
  }

  /** The kind's summaries after applying `chunks` in order. */
  static read(kind: Kind, chunks: readonly Chunk[]): KindList {
    const { cols, starts } = concat(chunks);
    const order = liveOrder(chunks, cols, starts);
    return new KindList(kind, order ? select(cols, order) : cols, chunks, starts, order);
  }

  get length(): number {
    return this.cols.length;
  }

  id(i: number): string {
    return idOf(this.cols, i);
  }

  session(i: number): string {
    return this.cols.values[this.cols.sessions[i]!]!;
  }

  to(i: number): string | null {
    const t = this.cols.recipients ? this.cols.recipients[i]! : -1;
    return t < 0 ? null : this.cols.values[t]!;
  }

  refs(i: number): readonly string[] {
    return this.cols.refs().get(i) ?? NONE;
  }

  supersedes(i: number): readonly string[] {
    return this.cols.supersedes.get(i) ?? NONE;
  }

  path(i: number): string {
    return this.cols.paths.get(i) || entryPath(this.id(i));
  }

  /** The path of a version a merge kept next to the usual one, or "". */
  versionPath(i: number): string {
    return this.cols.paths.get(i) ?? '';
  }

  /** The rest of position `i` (its chunk's view; `j` is set to its index in the chunk). */
  private rest(i: number): RestView {
    const r = this.record ? this.record[i]! : i;
    let lo = 0;
    let hi = this.starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.starts[mid]! <= r) lo = mid;
      else hi = mid - 1;
    }
    this.j = r - this.starts[lo]!;
    const c = this.chunks[lo]!;
    return (this.rests[lo] ??= new RestView(c.rest, countOf(c.picks)));
  }

  title(i: number): string {
    return this.rest(i).title(this.j);
  }
  agent(i: number): string {
    return this.rest(i).agent(this.j);
  }
  topic(i: number): string | null {
    return this.rest(i).topic(this.j);
  }
  tags(i: number): readonly string[] {
    return this.rest(i).tags(this.j);
  }
  oid(i: number): string {
    return this.rest(i).oid(this.j);
  }
  commit(i: number): string | null {
    return this.rest(i).commit(this.j);
  }

  withRefs(): number[] {
    return this.cols.refs().keys();
  }

  superseded(): Set<string> {
    const out = new Set<string>();
    for (const ids of this.cols.supersedes.values()) for (const id of ids) out.add(id);
    return out;
  }

  where(test: (to: string | null, session: string) => boolean): number[] {
    const { sessions, recipients, values } = this.cols;
    const memo = new Map<number, boolean>();
    const width = values.length + 1;
    const out: number[] = [];
    for (let i = 0; i < this.length; i++) {
      const t = recipients ? recipients[i]! : -1;
      const s = sessions[i]!;
      const key = (t + 1) * width + s;
      let ok = memo.get(key);
      if (ok === undefined) memo.set(key, (ok = test(t < 0 ? null : values[t]!, values[s]!)));
      if (ok) out.push(i);
    }
    return out;
  }

  matching(test: (to: string | null, session: string) => boolean): Summary[] {
    return this.where(test).map((i) => this.at(i));
  }

  /** The entry with this id (with versions, the first of them), or null. */
  find(id: string): Summary | null {
    let lo = 0;
    let hi = this.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (this.id(mid) < id) lo = mid + 1;
      else hi = mid - 1;
    }
    return lo < this.length && this.id(lo) === id ? this.at(lo) : null;
  }

  at(i: number): Summary {
    return new Summary(this, i);
  }

  all(): Summary[] {
    return Array.from({ length: this.length }, (_, i) => this.at(i));
  }

  /**
   * One per id, for choosing: a version a merge kept next to an entry's usual path is left out while
   * the usual one is there (it stands for both, so every reader shows the same), and of several
   * versions without it only the first (by path) is kept.
   */
  picks(): KindList {
    if (this.cols.paths.empty) return this;
    const keep: number[] = [];
    for (let i = 0; i < this.length; i++) if (i === 0 || this.id(i - 1) !== this.id(i)) keep.push(i);
    return new KindList(this.kind, select(this.cols, keep), this.chunks, this.starts, keep.map((i) => (this.record ? this.record[i]! : i)));
  }

  /** The whole list as one chunk (a file written anew). */
  toChunk(): Chunk {
    return this.chunks.length === 1 && !this.record ? this.chunks[0]! : encode(this, []);
  }
}

/** An entry's summary over its list's columns; each field is looked up when read (most never are). */
class Summary implements EntrySummary {
  /** Read first and most often (lists are sorted by it). */
  readonly id: string;

  constructor(
    private readonly list: KindList,
    private readonly i: number,
  ) {
    this.id = list.id(i);
  }

  get kind(): Kind { return this.list.kind; }
  get path(): string { return this.list.path(this.i); }
  get session(): string { return this.list.session(this.i); }
  get to(): string | null { return this.list.to(this.i); }
  get refs(): readonly string[] { return this.list.refs(this.i); }
  get supersedes(): readonly string[] { return this.list.supersedes(this.i); }
  get title(): string { return this.list.title(this.i); }
  get agent(): string { return this.list.agent(this.i); }
  get topic(): string | null { return this.list.topic(this.i); }
  get tags(): readonly string[] { return this.list.tags(this.i); }
  get oid(): string { return this.list.oid(this.i); }
  get commit(): string | null { return this.list.commit(this.i); }
}

/**
 * A field only some positions have: the first chunk's object as JSON.parse made it (positions below
 * `baseSize`), then the later chunks' by position.
 */
class Sparse<T> {
  private readonly later = new Map<number, T>();

  constructor(
    private readonly base: Readonly<Record<string, T>> = {},
    private readonly baseSize = 0,
  ) {}

  /** Whether no position has a value. */
  get empty(): boolean {
    return !this.later.size && !Object.keys(this.base).length;
  }

  add(start: number, values: Readonly<Record<string, T>> | undefined): void {
    for (const [j, v] of Object.entries(values ?? {})) this.later.set(start + Number(j), v);
  }

  get(i: number): T | undefined {
    return i < this.baseSize ? this.base[i] : this.later.get(i);
  }

  /** Positions that have a value, ascending. */
  keys(): number[] {
    return [...Object.keys(this.base).map(Number), ...[...this.later.keys()].sort((a, b) => a - b)];
  }

  values(): T[] {
    return [...Object.values(this.base), ...this.later.values()];
  }

  /** The same values at the positions `at` gives (-1: dropped). */
  moved(at: Int32Array): Sparse<T> {
    const out = new Sparse<T>();
    for (const i of this.keys()) if (at[i]! >= 0) out.later.set(at[i]!, this.get(i)!);
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

/** The last id of a chunk whose ids ascend (see `asc`), or "" when it has none. */
export function lastIdOf(c: Chunk): string {
  const i = c.picks.i;
  return typeof i === 'string' ? i.slice(-ID_LENGTH) : (i[i.length - 1] ?? '');
}

/** Whether a chunk appended after ids up to `last` keeps a file as the fast read takes it. */
export function extendsInOrder(c: Chunk, last: string): boolean {
  const p = c.picks;
  return !!p.asc && (!countOf(p) || (p.i as string).slice(0, ID_LENGTH) > last);
}

/**
 * Consecutive chunks as one: the records they leave, and every key they remove (so that what they
 * removed from the chunks before them stays removed).
 */
export function mergeChunks(kind: Kind, chunks: readonly Chunk[]): Chunk {
  const merged = KindList.read(kind, chunks).toChunk();
  const rm = [...new Set(chunks.flatMap((c) => c.picks.rm ?? []))];
  const { rm: _, ...picks } = merged.picks;
  return { picks: rm.length ? { ...picks, rm } : picks, rest: merged.rest };
}

/** The key of a record: its id, or the path of a version kept next to the usual one. */
export function keyOf(id: string, path: string): string {
  return versionPath(id, path) || id;
}
