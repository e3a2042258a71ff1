/**
 * A derived, disposable index of the entries on the context branch, kept in the common git dir
 * (`.git/ctx/cache/<branch>/`) and shared by every worktree.
 *
 * Why: answering "decisions by agent X" or a full-text query from the branch itself means reading every
 * blob (~1 s at 100k entries; `git grep` on the tree took 1–1.8 s). The index is brought up to date from
 * git on every use: it records the tip it reflects, and a newer tip costs one `git diff-tree` between
 * the two commits plus reading the added blobs. It is never a source of truth: delete it and it is
 * rebuilt (with a progress line on stderr).
 *
 * Files: `head.json` names the tip, a generation and the byte length of every log; `meta.<gen>.jsonl`
 * and `text.<gen>.jsonl` are append-only logs of records keyed by path, and `kind.<gen>.<kind>.jsonl`
 * holds a slim summary of each entry of one kind (and the removals of that kind), so that a question
 * about handoffs or decisions parses those, not 100k notes (see `summaries`), and `pick.<gen>.<kind>.jsonl`
 * the few fields choosing entries for a session needs, by column (see picks.ts); `search.<gen>.txt` holds
 * one line per entry added (path, blob, commit, then title, labels and body lower-cased, tab-separated)
 * that `search` scans as bytes instead of parsing JSON, and `removed.<gen>.txt` the paths removed since
 * (see `searchText`). Readers read exactly the
 * bytes head.json names, so an append in progress (or one cut short by a crash) is invisible; appenders
 * hold a lock, truncate to the recorded length first, append, then publish a new head.json by rename.
 * Compaction writes a new generation.
 */
import { readFileSync, writeFileSync, mkdirSync, renameSync, openSync, readSync, closeSync, ftruncateSync, writeSync, unlinkSync, readdirSync, fstatSync } from 'node:fs';
import { join } from 'node:path';
import type { Store } from './store.js';
import { entryPath, idFromPath, parseEntry, type EntryData } from '../model/entry.js';
import { KINDS, type Kind } from '../model/kinds.js';
import { acquireLock } from './lock.js';
import { splitNul } from '../git/run.js';
import { readObjects, type GitObject } from '../git/cat-file.js';
import { chunkLine, encodeChunk, pickRec, PickList, type PickChunk, type PickRec } from './picks.js';

const INDEX_VERSION = 8;

/** Up to this many objects are read through the running object reader (see readObjects). */
const FEW_OBJECTS = 256;

/** Chunks a pick log may hold before it is rewritten as one (see persistAppend). */
const MAX_PICK_CHUNKS = 32;

export type EntryMeta = Omit<EntryData, 'body'>;

export interface IndexedEntry {
  path: string;
  oid: string;
  commit: string | null;
  meta: EntryMeta;
}

export interface EntryIndex {
  tip: string | null;
  entries: Map<string, IndexedEntry>;
  /** Entry bodies by path (only when asked for). */
  bodies: Map<string, string> | null;
}

interface Head {
  version: number;
  tip: string;
  gen: number;
  metaBytes: number;
  textBytes: number;
  records: number;
  kindBytes: Record<Kind, number>;
  pickBytes: Record<Kind, number>;
  /** Per kind, the chunks in its pick log, and which rewrite of it is current (see persistAppend). */
  pickChunks?: Partial<Record<Kind, number>>;
  pickSerial?: Partial<Record<Kind, number>>;
  searchBytes: number;
  removedBytes: number;
}

/**
 * What `summaries` gives for each entry: what choosing entries of a kind needs (who it is for, who
 * wrote it, what it is about, what it replaces), not what showing them needs: that is read from the
 * few entries chosen. Fields are parsed from the kind log as they are read (see KIND_FIELDS).
 */
export interface EntrySummary {
  readonly path: string;
  readonly id: string;
  readonly kind: Kind;
  readonly to: string | null;
  readonly session: string;
  readonly refs: readonly string[];
  readonly supersedes: readonly string[];
  readonly title: string;
  readonly agent: string;
  readonly topic: string | null;
  readonly tags: readonly string[];
  /** The entry file's blob. */
  readonly oid: string;
  /** The commit that added the entry, when known. */
  readonly commit: string | null;
}

/**
 * What choosing handoffs, messages, decisions and postmortems for a session needs of each entry, and
 * no more (see PICK): who it is for and from, what it replaces, what it is about. Whatever is shown
 * of the few chosen is read from the entries themselves.
 */
export type SlimSummary = Pick<EntrySummary, 'path' | 'id' | 'kind' | 'to' | 'session' | 'supersedes' | 'refs'>;

/**
 * A line of a kind's log: `id, path, to, session, supersedes, refs, [title, agent, topic, tags, oid,
 * commit]`, separated by tabs, each field JSON (so no field holds a tab or a line break); path is ""
 * unless the entry is a version a merge kept at another path. A removal is the JSON of its key alone
 * (the id, or the path of a version). Readers parse only the fields they use: a prefix lookup reads
 * ids only, a filtered `log` the fields it filters on, and everything else of the entries it lists.
 */
const KIND_FIELDS = 7;

/** Whole records only (readers stop at a recorded length), so a log is one JSON array once its newlines are commas. */
function parseRecords<T>(text: string): T[] {
  return text ? (JSON.parse(`[${text.slice(0, -1).replaceAll('\n', ',')}]`) as T[]) : [];
}

interface MetaRecord {
  p: string;
  d?: 1;
  /** With `d`: the kind of the removed entry (so only that kind's log gets the removal), when known. */
  k?: Kind;
  o?: string;
  c?: string | null;
  m?: EntryMeta;
}

interface TextRecord {
  p: string;
  b: string;
}

export interface IndexOptions {
  withBodies?: boolean;
  /** Called with (done, total) while reading many entries. */
  onProgress?: (done: number, total: number) => void;
  /** Called for entries that cannot be parsed (they are left out). */
  onWarning?: (message: string) => void;
}

function readPrefix(path: string, bytes: number): string {
  return readPrefixBytes(path, bytes).toString('utf8');
}

function readPrefixBytes(path: string, bytes: number): Buffer {
  if (bytes === 0) return Buffer.alloc(0);
  const fd = openSync(path, 'r');
  try {
    const buf = Buffer.allocUnsafe(bytes);
    let off = 0;
    while (off < bytes) {
      const n = readSync(fd, buf, off, bytes - off, off);
      if (n === 0) throw new Error('index file shorter than its head says');
      off += n;
    }
    return buf;
  } finally {
    closeSync(fd);
  }
}

function parseLines<T>(text: string): T[] {
  const out: T[] = [];
  for (const line of text.split('\n')) if (line) out.push(JSON.parse(line) as T);
  return out;
}


export class IndexCache {
  readonly dir: string;

  constructor(private readonly store: Store) {
    this.dir = join(store.privateDir, 'cache', store.branch.replace(/[^\w.-]/g, '_'));
  }

  /**
   * The tip the cache on disk reflects, or null when there is none usable (never built, deleted, or of
   * another index version): then the next use rebuilds it from every entry, which takes seconds on a
   * large store. Callers with a deadline (agent hooks) ask first.
   */
  cachedTip(): string | null {
    return this.readHead()?.tip ?? null;
  }

  /** How many records the index on disk holds (what loading it whole costs), 0 when there is none. */
  records(): number {
    return this.readHead()?.records ?? 0;
  }

  /** head.json, when it is of this index version (`anyVersion`: whatever version wrote it). */
  private readHead(anyVersion = false): Head | null {
    try {
      const h = JSON.parse(readFileSync(join(this.dir, 'head.json'), 'utf8')) as Head;
      return anyVersion || h.version === INDEX_VERSION ? h : null;
    } catch {
      return null;
    }
  }

  /** head.json, after upgrading an index of the version before (see upgrade). */
  private async current(): Promise<Head | null> {
    return this.readHead() ?? (await this.upgrade());
  }

  /**
   * An index of version 7 differs from this one only in its pick logs: they are written anew from its
   * kind logs (under a second at 100k entries), rather than the whole index rebuilt from the branch
   * (seconds, on the first command after an upgrade). Each goes to a new file: an older git-ctx still
   * running may read the version 7 log of the usual name.
   */
  private async upgrade(): Promise<Head | null> {
    const old = this.readHead(true);
    if (old?.version !== 7) return null;
    await this.withLock(() => {
      const head = this.readHead(true);
      if (!head || head.version !== 7 || head.gen !== old.gen) return;
      const pickBytes = {} as Record<Kind, number>;
      const pickChunks: Partial<Record<Kind, number>> = {};
      const pickSerial: Partial<Record<Kind, number>> = {};
      for (const kind of KINDS) {
        const summaries = new Map<string, EntrySummary>();
        applySummaries(summaries, kind, readPrefix(this.kindFile(kind, head.gen), head.kindBytes[kind]));
        const line = chunkLine(encodeChunk([...summaries.values()].map((e) => pickRec(e, e.path))));
        writeFileSync(this.pickFile(kind, head.gen, 1), line);
        pickBytes[kind] = Buffer.byteLength(line);
        pickChunks[kind] = 1;
        pickSerial[kind] = 1;
      }
      this.writeHead({ ...head, version: INDEX_VERSION, pickBytes, pickChunks, pickSerial });
    });
    return this.readHead();
  }

  private file(kind: 'meta' | 'text', gen: number): string {
    return join(this.dir, `${kind}.${gen}.jsonl`);
  }

  private searchFile(gen: number): string {
    return join(this.dir, `search.${gen}.txt`);
  }

  /**
   * The search file as of `tip`: one line per entry (`path\tblob\tcommit\ttitle\tlabels\tbody`, the
   * last three lower-cased), as byte chunks to scan, and the paths removed since they were written.
   * An entry may appear twice (entries never change, so both lines are the same).
   */
  async searchText(tip: string | null, opts: IndexOptions = {}): Promise<{ chunks: Buffer[]; removed: Set<string> }> {
    const removed = new Set<string>();
    if (!tip) return { chunks: [], removed };
    await this.summaries(tip, [], opts); // brings the cache up to date (and persists it when it can)
    const head = this.readHead();
    let chunks: Buffer[];
    try {
      if (!head) throw new Error('no index');
      chunks = [readPrefixBytes(this.searchFile(head.gen), head.searchBytes)];
      for (const p of readPrefix(this.removedFile(head.gen), head.removedBytes).split('\n')) if (p) removed.add(p);
    } catch {
      const full = await this.build(tip, opts);
      return { chunks: [Buffer.from(searchLines(full.meta, full.text))], removed };
    }
    if (head.tip !== tip) {
      // Another process holds the cache lock: add what it has not persisted yet from the branch.
      const delta = await this.delta(head.tip, tip, opts);
      chunks.push(Buffer.from(searchLines(delta.meta, delta.text)));
      for (const r of delta.meta) if (r.d) removed.add(r.p);
    }
    return { chunks, removed };
  }

  private removedFile(gen: number): string {
    return join(this.dir, `removed.${gen}.txt`);
  }

  private kindFile(kind: Kind, gen: number): string {
    return join(this.dir, `kind.${gen}.${kind}.jsonl`);
  }

  /** A kind's pick log: the generation's, or its `serial`th rewrite (see persistAppend). */
  private pickFile(kind: Kind, gen: number, serial = 0): string {
    return join(this.dir, serial ? `pick.${gen}.${kind}.${serial}.jsonl` : `pick.${gen}.${kind}.jsonl`);
  }

  private readPicks(kind: Kind, head: Head): PickChunk[] {
    return parseRecords<PickChunk>(readPrefix(this.pickFile(kind, head.gen, head.pickSerial?.[kind]), head.pickBytes[kind]));
  }

  /**
   * Summaries of the entries of the given kinds as of `tip`, keyed by id (by path for a version a merge
   * kept next to the entry's usual path). Reads only those kinds' logs
   * (a few thousand short records where the full index has 100k long ones); a cache that lags behind
   * is brought up to date first, as `load` does.
   */
  async summaries(tip: string | null, kinds: readonly Kind[], opts: IndexOptions = {}): Promise<Map<string, EntrySummary>> {
    return this.byKind(
      tip,
      kinds,
      opts,
      () => new Map<string, EntrySummary>(),
      (into, kind, head) => applySummaries(into, kind, readPrefix(this.kindFile(kind, head.gen), head.kindBytes[kind])),
      (into, kind, records) => applySummaries(into, kind, kindLines(records)),
    );
  }

  /**
   * What choosing entries for a session needs of the given kinds (see SlimSummary), one per id,
   * oldest first, from the pick logs (see picks.ts): much faster to read than `summaries`.
   */
  async slimSummaries(tip: string | null, kinds: readonly Kind[], opts: IndexOptions = {}): Promise<Map<Kind, PickList>> {
    const chunks = await this.byKind(
      tip,
      kinds,
      opts,
      () => new Map<Kind, PickChunk[]>(kinds.map((k) => [k, []])),
      (into, kind, head) => into.set(kind, into.get(kind)!.concat(this.readPicks(kind, head))),
      (into, kind, records) => into.get(kind)!.push(pickChunk(records)),
    );
    return new Map(kinds.map((k) => [k, PickList.read(k, chunks.get(k)!)]));
  }

  /**
   * A view of some kinds as of `tip`, accumulated in a fresh `make()`: from their logs on disk
   * (`fromLogs`), then the records of what was added and removed since (`fromRecords`), or from all
   * records of a full load.
   */
  private async byKind<A>(tip: string | null, kinds: readonly Kind[], opts: IndexOptions, make: () => A, fromLogs: (into: A, kind: Kind, head: Head) => void, fromRecords: (into: A, kind: Kind, records: MetaRecord[]) => void): Promise<A> {
    let out = make();
    if (!tip) return out;
    const head = await this.current();
    let ok = false;
    if (head) {
      try {
        for (const kind of kinds) fromLogs(out, kind, head);
        ok = true;
      } catch {
        out = make(); // compacted or damaged underneath us: fall back to a full load
      }
    }
    if (ok && head!.tip === tip) return out;
    if (ok && (await this.store.cat.read(head!.tip))) {
      const delta = await this.delta(head!.tip, tip, opts);
      for (const kind of kinds) fromRecords(out, kind, delta.meta.filter((r) => ofKind(r, kind)));
      // Compaction needs the live count, which only a full load knows: leave it to the next one.
      await this.persistAppend(head!, tip, delta.meta, delta.text, Infinity);
      return out;
    }
    out = make();
    const state = await this.load(tip, opts);
    for (const kind of kinds) fromRecords(out, kind, [...state.entries.values()].filter((e) => e.meta.kind === kind).map((e) => ({ p: e.path, o: e.oid, c: e.commit, m: e.meta })));
    return out;
  }

  /** The index as of `tip`, updating the cached copy on disk when it lags behind. */
  async load(tip: string | null, opts: IndexOptions = {}): Promise<EntryIndex> {
    if (!tip) return { tip, entries: new Map(), bodies: opts.withBodies ? new Map() : null };
    const head = await this.current();
    let state: EntryIndex | null = null;
    if (head) {
      try {
        state = this.readState(head, !!opts.withBodies);
      } catch {
        state = null; // compacted or damaged underneath us: rebuild
      }
    }
    if (state && head && head.tip === tip) return state;
    if (state && head && (await this.store.cat.read(head.tip))) {
      const delta = await this.delta(head.tip, tip, opts);
      this.apply(state, delta.meta, delta.text);
      state.tip = tip;
      await this.persistAppend(head, tip, delta.meta, delta.text, state.entries.size);
      return state;
    }
    const full = await this.build(tip, opts);
    state = { tip, entries: new Map(), bodies: opts.withBodies ? new Map() : null };
    this.apply(state, full.meta, full.text);
    await this.persistRewrite(tip, full.meta, full.text);
    return state;
  }

  private readState(head: Head, withBodies: boolean): EntryIndex {
    const state: EntryIndex = { tip: head.tip, entries: new Map(), bodies: withBodies ? new Map() : null };
    const meta = parseLines<MetaRecord>(readPrefix(this.file('meta', head.gen), head.metaBytes));
    const text = withBodies ? parseLines<TextRecord>(readPrefix(this.file('text', head.gen), head.textBytes)) : [];
    this.apply(state, meta, text);
    return state;
  }

  private apply(state: EntryIndex, meta: readonly MetaRecord[], text: readonly TextRecord[]): void {
    for (const r of meta) {
      if (r.d) {
        state.entries.delete(r.p);
        state.bodies?.delete(r.p);
      } else state.entries.set(r.p, { path: r.p, oid: r.o!, commit: r.c ?? null, meta: r.m! });
    }
    if (state.bodies) for (const r of text) if (state.entries.has(r.p)) state.bodies.set(r.p, r.b);
  }

  /**
   * Objects by id, each passed to `onObject` in order: a few through the object reader already
   * running (starting git costs the main thread more than their round trips), many through a one-shot
   * `cat-file --batch --buffer` (see readObjects).
   */
  private async readObjects(oids: readonly string[], onObject: (index: number, obj: GitObject | null) => void): Promise<void> {
    if (oids.length > FEW_OBJECTS || !this.store.cat.running) return readObjects(this.store.repo.git, oids, onObject);
    (await Promise.all(oids.map((oid) => this.store.cat.read(oid)))).forEach((obj, i) => onObject(i, obj));
  }

  /** Records for the entries added and removed between two tips. */
  private async delta(from: string, to: string, opts: IndexOptions): Promise<{ meta: MetaRecord[]; text: TextRecord[] }> {
    const git = this.store.repo.git;
    const commits = this.commitsById(`${from}..${to}`);
    const diff = await git.run(['diff-tree', '-r', '-z', '--no-renames', '--no-commit-id', from, to, '--', 'entries']);
    const parts = splitNul(diff.stdout);
    const removed: { path: string; oid: string }[] = [];
    const added: { path: string; oid: string }[] = [];
    for (let i = 0; i + 1 < parts.length; i += 2) {
      const [, , oldOid, newOid, status] = parts[i]!.slice(1).split(' ');
      const path = parts[i + 1]!;
      if (status === 'D') removed.push({ path, oid: oldOid! });
      else added.push({ path, oid: newOid! });
    }
    const [kinds, read] = await Promise.all([this.kindsOf(removed.map((r) => r.oid)), this.readEntries(added, commits, opts)]);
    return { meta: [...removed.map((r, i) => ({ p: r.path, d: 1 as const, k: kinds[i] })), ...read.meta], text: read.text };
  }

  /** The kinds of removed entries, from their blobs (still in the object store), read from the header only. */
  private async kindsOf(oids: readonly string[]): Promise<(Kind | undefined)[]> {
    const out: (Kind | undefined)[] = new Array(oids.length).fill(undefined);
    if (!oids.length) return out;
    await this.readObjects(oids, (i, obj) => {
      const m = obj ? /^kind: (\w+)$/m.exec(obj.content.toString('utf8', 0, Math.min(obj.content.length, 4096))) : null;
      out[i] = m && (KINDS as readonly string[]).includes(m[1]!) ? (m[1] as Kind) : undefined;
    });
    return out;
  }

  private async build(tip: string, opts: IndexOptions): Promise<{ meta: MetaRecord[]; text: TextRecord[] }> {
    const git = this.store.repo.git;
    // The commit log (slow on long histories) runs while the blobs are read.
    const commits = this.commitsById(tip);
    const tree = await git.run(['ls-tree', '-r', '-z', tip, '--', 'entries']);
    const files: { path: string; oid: string }[] = [];
    for (const rec of splitNul(tree.stdout)) {
      const tab = rec.indexOf('\t');
      const [, type, oid] = rec.slice(0, tab).split(' ');
      if (type === 'blob') files.push({ path: rec.slice(tab + 1), oid: oid! });
    }
    return this.readEntries(files, commits, opts);
  }

  /**
   * Map entry id -> the commit whose trailers name it. Started early and awaited late: a failure is
   * reported where it is awaited, never as an unhandled rejection meanwhile.
   */
  private commitsById(range: string): Promise<Map<string, string>> {
    const pending = this.readCommitIds(range);
    pending.catch(() => {});
    return pending;
  }

  private async readCommitIds(range: string): Promise<Map<string, string>> {
    const out = await this.store.repo.git.text(['log', '--format=%H %(trailers:key=Ctx-Id,valueonly,separator=%x20)', range, '--']);
    const map = new Map<string, string>();
    for (const line of out.split('\n')) {
      const [sha, ...ids] = line.trim().split(' ');
      for (const id of ids) if (id && !map.has(id)) map.set(id, sha!);
    }
    return map;
  }

  private async readEntries(
    files: readonly { path: string; oid: string }[],
    commitsPromise: Promise<Map<string, string>>,
    opts: IndexOptions,
  ): Promise<{ meta: MetaRecord[]; text: TextRecord[] }> {
    const parsed: ({ data: Omit<EntryData, 'body'>; body: string } | null)[] = new Array(files.length).fill(null);
    const report = (done: number) => {
      if (files.length <= 5000 || (done % 5000 !== 0 && done !== files.length)) return;
      if (opts.onProgress) opts.onProgress(done, files.length);
      else this.store.deps.progress?.('indexing entries', done, files.length);
    };
    await this.readObjects(
      files.map((f) => f.oid),
      (i, obj) => {
        report(i + 1);
        if (!obj || obj.type !== 'blob') return;
        try {
          const { body, ...data } = parseEntry(obj.content.toString('utf8'));
          parsed[i] = { data, body };
        } catch (e) {
          opts.onWarning?.(`skipping unreadable entry ${files[i]!.path}: ${(e as Error).message}`);
        }
      },
    );
    const commits = await commitsPromise;
    const meta: MetaRecord[] = [];
    const text: TextRecord[] = [];
    parsed.forEach((p, i) => {
      if (!p) return;
      const f = files[i]!;
      meta.push({ p: f.path, o: f.oid, c: commits.get(p.data.id) ?? null, m: p.data });
      text.push({ p: f.path, b: p.body });
    });
    return { meta, text };
  }

  private encode(records: readonly object[]): string {
    return records.map((r) => `${JSON.stringify(r)}\n`).join('');
  }

  /** Append a delta under the cache lock, unless another process moved the cache on meanwhile. */
  private persistAppend(base: Head, tip: string, meta: MetaRecord[], text: TextRecord[], live: number): Promise<void> {
    return this.withLock(() => {
      const head = this.readHead();
      if (!head || head.tip !== base.tip || head.gen !== base.gen) return;
      const records = head.records + meta.length;
      if (records > live * 2 + 1000) return this.compact(head, tip, meta, text);
      const metaBytes = appendAt(this.file('meta', head.gen), head.metaBytes, this.encode(meta));
      const textBytes = appendAt(this.file('text', head.gen), head.textBytes, this.encode(text));
      const kindBytes = { ...head.kindBytes };
      const pickBytes = { ...head.pickBytes };
      const pickChunks = { ...head.pickChunks };
      const pickSerial = { ...head.pickSerial };
      const stale: string[] = [];
      for (const kind of KINDS) {
        const records = meta.filter((r) => ofKind(r, kind));
        if (!records.length) continue;
        kindBytes[kind] = appendAt(this.kindFile(kind, head.gen), head.kindBytes[kind], kindLines(records));
        const chunks = (pickChunks[kind] ?? 1) + 1;
        if (chunks <= MAX_PICK_CHUNKS) {
          pickBytes[kind] = appendAt(this.pickFile(kind, head.gen, pickSerial[kind]), head.pickBytes[kind], pickLines(records));
          pickChunks[kind] = chunks;
          continue;
        }
        // A chunk per append would pile up in a store that only grows: past MAX_PICK_CHUNKS the log is
        // rewritten as one chunk, to a new file (a reader of the previous head still reads the old one).
        const all = PickList.read(kind, [...this.readPicks(kind, head), pickChunk(records)]);
        const serial = (pickSerial[kind] ?? 0) + 1;
        const line = chunkLine(encodeChunk(all.recs()));
        writeFileSync(this.pickFile(kind, head.gen, serial), line);
        pickBytes[kind] = Buffer.byteLength(line);
        pickChunks[kind] = 1;
        pickSerial[kind] = serial;
        if (serial >= 2) stale.push(this.pickFile(kind, head.gen, serial - 2));
      }
      const searchBytes = appendAt(this.searchFile(head.gen), head.searchBytes, searchLines(meta, text));
      const gone = meta.filter((r) => r.d).map((r) => `${r.p}\n`).join('');
      const removedBytes = gone ? appendAt(this.removedFile(head.gen), head.removedBytes, gone) : head.removedBytes;
      this.writeHead({ ...head, tip, metaBytes, textBytes, records, kindBytes, pickBytes, pickChunks, pickSerial, searchBytes, removedBytes });
      for (const f of stale) removeQuietly(f);
    });
  }

  private persistRewrite(tip: string, meta: MetaRecord[], text: TextRecord[]): Promise<void> {
    return this.withLock(() => this.writeGeneration(tip, meta, text));
  }

  /** Rewrite the logs keeping only live records (when deletions and duplicates pile up). */
  private compact(head: Head, tip: string, delta: MetaRecord[], deltaText: TextRecord[]): void {
    const state = this.readState(head, true);
    this.apply(state, delta, deltaText);
    const meta: MetaRecord[] = [];
    const text: TextRecord[] = [];
    for (const e of state.entries.values()) {
      meta.push({ p: e.path, o: e.oid, c: e.commit, m: e.meta });
      text.push({ p: e.path, b: state.bodies!.get(e.path) ?? '' });
    }
    this.writeGeneration(tip, meta, text);
  }

  private writeGeneration(tip: string, metaRecords: MetaRecord[], textRecords: TextRecord[]): void {
    mkdirSync(this.dir, { recursive: true });
    // Numbered after any generation before it, whatever version wrote that one: a reader of another
    // version (an older git-ctx still running) then never finds its files rewritten underneath it.
    const gen = (Number(this.readHead(true)?.gen) || 0) + 1;
    const meta = this.encode(metaRecords);
    const text = this.encode(textRecords);
    writeFileSync(this.file('meta', gen), meta);
    writeFileSync(this.file('text', gen), text);
    const kindBytes = {} as Record<Kind, number>;
    const pickBytes = {} as Record<Kind, number>;
    for (const kind of KINDS) {
      const records = metaRecords.filter((r) => r.m?.kind === kind);
      const data = kindLines(records);
      writeFileSync(this.kindFile(kind, gen), data);
      kindBytes[kind] = Buffer.byteLength(data);
      const picks = pickLines(records);
      writeFileSync(this.pickFile(kind, gen), picks);
      pickBytes[kind] = Buffer.byteLength(picks);
    }
    const search = searchLines(metaRecords, textRecords);
    writeFileSync(this.searchFile(gen), search);
    writeFileSync(this.removedFile(gen), '');
    this.writeHead({
      version: INDEX_VERSION,
      tip,
      gen,
      metaBytes: Buffer.byteLength(meta),
      textBytes: Buffer.byteLength(text),
      records: metaRecords.length,
      kindBytes,
      pickBytes,
      searchBytes: Buffer.byteLength(search),
      removedBytes: 0,
    });
    // Older generations are no longer named by head.json; a reader still on one retries from head.
    for (const f of readdirSync(this.dir)) {
      const m = /^(?:meta|text|kind|pick|search|removed)\.(\d+)\.(?:\w+\.)?(?:\d+\.)?(?:jsonl|txt)$/.exec(f);
      if (m && Number(m[1]) < gen - 1) removeQuietly(join(this.dir, f));
    }
  }

  private writeHead(head: Head): void {
    const tmp = join(this.dir, `head.json.${this.store.deps.pid}.tmp`);
    writeFileSync(tmp, JSON.stringify(head));
    renameSync(tmp, join(this.dir, 'head.json'));
  }

  private async withLock(fn: () => void): Promise<void> {
    mkdirSync(this.dir, { recursive: true });
    const lock = await acquireLock(join(this.dir, 'cache.lock'), this.store.deps, 0);
    if (!lock) return; // someone else is updating it; our copy in memory is enough for this command
    try {
      fn();
    } catch {
      /* the cache is disposable: a failed update only costs a rebuild later */
    } finally {
      lock.release();
    }
  }
}

/** Whether a record belongs in a kind's log: an entry of that kind, or a removal of one (of unknown kind: every log). */
function ofKind(r: MetaRecord, kind: Kind): boolean {
  return r.d ? !r.k || r.k === kind : r.m!.kind === kind;
}

/** The kind log lines of records (see KIND_FIELDS). */
function kindLines(records: readonly MetaRecord[]): string {
  let out = '';
  for (const r of records) {
    if (r.d) {
      out += `${JSON.stringify(keyOfPath(r.p))}\n`;
      continue;
    }
    const m = r.m!;
    const path = r.p === entryPath(m.id) ? '' : r.p;
    const rest = [m.title, m.agent, m.topic, m.tags, r.o!, r.c ?? null];
    out += `${[m.id, path, m.to, m.session, m.supersedes, m.refs, rest].map((f) => JSON.stringify(f)).join('\t')}\n`;
  }
  return out;
}

/** A JSON string field: most hold no escapes, and are then their text between the quotes. */
function jsonString(field: string): string {
  return field.includes('\\') ? (JSON.parse(field) as string) : field.slice(1, -1);
}

const NO_LABELS: readonly string[] = Object.freeze([]);

/** A JSON array of strings, without a parse for the usual empty one. */
function jsonList(field: string): readonly string[] {
  return field === '[]' ? NO_LABELS : (JSON.parse(field) as string[]);
}

type Rest = [title: string, agent: string, topic: string | null, tags: string[], oid: string, commit: string | null];

/** A summary over its kind log line, each field parsed when first read (most never are). */
class Summary implements EntrySummary {
  /** Where each field after the path starts (found when first needed). */
  private starts: number[] | undefined;
  private toField?: string | null;
  private sessionField?: string;
  private rest?: Rest;

  constructor(
    readonly kind: Kind,
    private readonly line: string,
    readonly id: string,
    private readonly versionPath: string,
    private readonly afterPath: number,
  ) {}

  private field(i: 2 | 3 | 4 | 5 | 6): string {
    if (!this.starts) {
      const starts = [this.afterPath];
      for (let at = this.line.indexOf('\t', this.afterPath); at >= 0; at = this.line.indexOf('\t', at + 1)) starts.push(at + 1);
      if (starts.length !== KIND_FIELDS - 2) throw new Error('malformed index line');
      this.starts = starts;
    }
    return this.line.slice(this.starts[i - 2], i < 6 ? this.starts[i - 1]! - 1 : undefined);
  }

  get path(): string {
    return this.versionPath || entryPath(this.id);
  }

  get to(): string | null {
    if (this.toField === undefined) {
      const f = this.field(2);
      this.toField = f === 'null' ? null : jsonString(f);
    }
    return this.toField;
  }

  get session(): string {
    return (this.sessionField ??= jsonString(this.field(3)));
  }

  get supersedes(): readonly string[] {
    return jsonList(this.field(4));
  }

  get refs(): readonly string[] {
    return jsonList(this.field(5));
  }

  private get fields(): Rest {
    return (this.rest ??= JSON.parse(this.field(6)) as Rest);
  }

  get title(): string {
    return this.fields[0];
  }

  get agent(): string {
    return this.fields[1];
  }

  get topic(): string | null {
    return this.fields[2];
  }

  get tags(): readonly string[] {
    return this.fields[3];
  }

  get oid(): string {
    return this.fields[4];
  }

  get commit(): string | null {
    return this.fields[5];
  }
}

/** The key of a summary: the id, or the path of a version kept next to the usual one. */
function keyOfPath(path: string): string {
  const id = idFromPath(path);
  return id && path === entryPath(id) ? id : path;
}

/** Apply a kind log's lines (see KIND_FIELDS): only the id and the path are read here. */
function applySummaries(into: Map<string, EntrySummary>, kind: Kind, lines: string): void {
  let from = 0;
  for (let nl = lines.indexOf('\n'); nl >= 0; from = nl + 1, nl = lines.indexOf('\n', from)) {
    const tab = lines.indexOf('\t', from);
    if (tab < 0 || tab > nl) {
      into.delete(jsonString(lines.slice(from, nl)));
      continue;
    }
    const second = lines.indexOf('\t', tab + 1);
    if (second < 0 || second > nl || lines[from] !== '"') throw new Error('malformed index line');
    const line = lines.slice(from, nl);
    const id = jsonString(line.slice(0, tab - from));
    const path = second - tab === 3 ? '' : jsonString(line.slice(tab + 1 - from, second - from));
    into.set(path || id, new Summary(kind, line, id, path, second + 1 - from));
  }
}

/** The pick chunk of a batch of records of one kind (see picks.ts). */
function pickChunk(records: readonly MetaRecord[]): PickChunk {
  const added: PickRec[] = [];
  const removed: string[] = [];
  for (const r of records) {
    if (r.d) {
      removed.push(keyOfPath(r.p));
      continue;
    }
    const m = r.m!;
    added.push(pickRec(m, r.p));
  }
  return encodeChunk(added, removed);
}

/** The pick log line of a batch of records of one kind. */
function pickLines(records: readonly MetaRecord[]): string {
  return chunkLine(pickChunk(records));
}

/** Fold text into one search field: lower case, no tabs or line breaks (they delimit fields and lines). */
function searchField(s: string): string {
  return s.toLowerCase().replace(/[\t\r\n]+/g, ' ');
}

/** The lines of the search file for the entries a batch of records adds (see searchText). */
function searchLines(meta: readonly MetaRecord[], text: readonly TextRecord[]): string {
  const bodies = new Map(text.map((t) => [t.p, t.b]));
  const lines: string[] = [];
  for (const r of meta) {
    if (r.d) continue;
    const m = r.m!;
    lines.push(`${r.p}\t${r.o}\t${r.c ?? '-'}\t${searchField(m.title)}\t${searchField(`${m.topic ?? ''} ${m.tags.join(' ')}`)}\t${searchField(bodies.get(r.p) ?? '')}\n`);
  }
  return lines.join('');
}

function removeQuietly(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    /* already gone */
  }
}

/** Truncate `path` to `offset` bytes (dropping anything a crashed appender left), append, return the new length. */
function appendAt(path: string, offset: number, data: string): number {
  const fd = openSync(path, 'r+');
  try {
    if (fstatSync(fd).size !== offset) ftruncateSync(fd, offset);
    const buf = Buffer.from(data);
    let off = 0;
    while (off < buf.length) off += writeSync(fd, buf, off, buf.length - off, offset + off);
    return offset + buf.length;
  } finally {
    closeSync(fd);
  }
}
