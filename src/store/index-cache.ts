/**
 * The derived entry index (entry-index.ts says what it answers; docs/index.md why it exists, what
 * its files hold, and how they are checked and rebuilt), in `.git/ctx/cache/<branch>/v10/`.
 *
 * Every file is an append-only log named with a serial number never reused; head.json names each
 * with its byte length and CRC-32, and is closed by its own. Readers read exactly those bytes and
 * check them: an append in progress is invisible, and a file that fails is never answered from (the
 * index is rebuilt from the branch, with a line on stderr). Appenders hold `cache.lock`, cut each
 * file to its recorded length, append, and publish a new head.json by rename. Files written anew
 * (see rewriteKind, writeAll) get new names; the ones they replace stay a minute for readers.
 */
import { readFileSync, writeFileSync, mkdirSync, renameSync, openSync, readSync, closeSync, ftruncateSync, writeSync, unlinkSync, readdirSync, fstatSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Store } from './store.js';
import { idFromPath, parseEntry, type EntryData, type StoredEntry } from '../model/entry.js';
import { KINDS, type Kind } from '../model/kinds.js';
import { acquireLock } from './lock.js';
import { splitNul } from '../git/run.js';
import { readObjects, type GitObject } from '../git/cat-file.js';
import { nodeZlib } from '../builtins.js';
import { chunkLine, encodeChunk, extendsInOrder, keyOf, KindList, lastIdOf, mergeChunks, parseChunks, type Chunk, type Row } from './columns.js';
import type { EntryIndex, EntrySummary, IndexOptions, PickList, SearchText } from './entry-index.js';

// 10: the kinds task and result (an index of 9 left their entries out as unreadable).
const VERSION = 10;

/** Up to this many objects are read through the running object reader (see readObjects). */
const FEW_OBJECTS = 256;

/** Chunks a kind's file may hold before it is rewritten as one (see persistAppend). */
const MAX_CHUNKS = 32;

/** How long a file no head names is kept for readers of an earlier head. */
const KEEP_MS = 60_000;

type EntryMeta = Omit<EntryData, 'body'>;

/** A record of the entries file: an entry found at a path, or (`d`) the removal of the path. */
interface Rec {
  p: string;
  o?: string;
  c?: string | null;
  m?: EntryMeta;
  b?: string;
  d?: 1;
  /** With `d`: the kind of the removed entry (so that only that kind's file records it), when known. */
  k?: Kind;
}

interface FileState {
  name: string;
  bytes: number;
  crc: number;
}

/** A kind's file: how many chunks it holds, and the greatest id in it (its chunks' ids ascend). */
interface KindFile extends FileState {
  chunks: number;
  last: string;
}

interface Head {
  version: number;
  tip: string;
  /** The serial number of the next file written. */
  next: number;
  entries: FileState;
  /** `removals`: byte ranges of the search file that list removed paths. */
  search: FileState & { removals: [number, number][] };
  /** Per kind that has entries, its file. */
  kinds: Partial<Record<Kind, KindFile>>;
  /** Records in the entries file, and entries on the branch (the rest are dead). */
  records: number;
  live: number;
}

/** A file of the index failed its check: caught here, and answered with a rebuild. */
class Damaged extends Error {}

/** What a question reads from the files, and how what changed since is added to that. */
interface Query<T> {
  read(head: Head): T;
  add(into: T, recs: readonly Rec[]): void;
  empty(): T;
}

/** Files of the index of the version before (a generation of logs in the branch's folder). */
const OLD_FILE = /^(?:head\.json(?:\..*\.tmp)?|(?:meta|text|kind|pick|search|removed)\.\d+\.(?:\w+\.)?(?:\d+\.)?(?:jsonl|txt))$/;
const OUR_FILE = /^(?:(?:entries|search|note|decision|postmortem|handoff|message|context|task|result)\.\d+\.(?:jsonl|txt)|head\.json\..*\.tmp)$/;

export class IndexCache implements EntryIndex {
  /** The branch's folder (the lock), and this version's files in it. */
  private readonly root: string;
  readonly dir: string;

  constructor(private readonly store: Store) {
    this.root = join(store.privateDir, 'cache', store.branch.replace(/[^\w.-]/g, '_'));
    this.dir = join(this.root, `v${VERSION}`);
  }

  cachedTip(): string | null {
    try {
      return this.readHead()?.head.tip ?? null;
    } catch {
      return null;
    }
  }

  records(): number {
    try {
      return this.readHead()?.head.live ?? 0;
    } catch {
      return 0;
    }
  }

  async slimSummaries(tip: string, kinds: readonly Kind[], opts: IndexOptions = {}): Promise<Map<Kind, PickList>> {
    const lists = await this.kindLists(tip, kinds, opts);
    return new Map(kinds.map((k) => [k, lists.get(k)!.picks()]));
  }

  async summaries(tip: string, kinds: readonly Kind[], opts: IndexOptions = {}): Promise<Map<string, EntrySummary>> {
    const out = new Map<string, EntrySummary>();
    for (const list of (await this.kindLists(tip, kinds, opts)).values()) {
      for (let i = 0; i < list.length; i++) {
        const s = list.at(i);
        out.set(list.versionPath(i) || s.id, s);
      }
    }
    return out;
  }

  async entries(tip: string, paths: readonly string[], opts: IndexOptions = {}): Promise<Map<string, StoredEntry>> {
    const recs = await this.query(tip, opts, {
      empty: () => new Map<string, Rec>(),
      read: (head) => {
        const into = new Map<string, Rec>();
        applyRecs(into, parseRecs(this.readFile(head.entries)));
        return into;
      },
      add: applyRecs,
    });
    const out = new Map<string, StoredEntry>();
    for (const path of paths) {
      const r = recs.get(path);
      if (!r?.m) continue;
      const m = r.m;
      // Spelled out, not spread: one object shape for 100k entries is several times faster.
      out.set(path, { id: m.id, kind: m.kind, title: m.title, body: r.b ?? '', topic: m.topic, tags: m.tags, refs: m.refs, to: m.to, agent: m.agent, session: m.session, worktree: m.worktree, branch: m.branch, head: m.head, author: m.author, createdAt: m.createdAt, supersedes: m.supersedes, extra: m.extra, path, commit: r.c ?? null });
    }
    return out;
  }

  searchText(tip: string, opts: IndexOptions = {}): Promise<SearchText> {
    return this.query<SearchText>(tip, opts, {
      empty: () => ({ chunks: [], removed: new Set() }),
      read: (head) => {
        const buf = this.readFile(head.search);
        const out: SearchText = { chunks: [], removed: new Set() };
        let at = 0;
        for (const [from, to] of head.search.removals) {
          if (from < at || to > buf.length) throw new Damaged('head.json names removals outside the search file');
          out.chunks.push(buf.subarray(at, from));
          for (const p of buf.toString('utf8', from, to).split('\n')) if (p) out.removed.add(p);
          at = to;
        }
        out.chunks.push(buf.subarray(at));
        return out;
      },
      add: (into, recs) => {
        into.chunks.push(Buffer.from(searchLines(recs)));
        for (const r of recs) if (r.d) into.removed.add(r.p);
      },
    });
  }

  /** The lists of some kinds as of `tip`. */
  private async kindLists(tip: string, kinds: readonly Kind[], opts: IndexOptions): Promise<Map<Kind, KindList>> {
    const chunks = await this.query(tip, opts, {
      empty: () => new Map<Kind, Chunk[]>(kinds.map((k) => [k, []])),
      read: (head) => new Map(kinds.map((k) => [k, head.kinds[k] ? parseChunks(this.readFile(head.kinds[k])) : []])),
      add: (into, recs) => {
        for (const k of kinds) {
          const c = kindChunk(recs, k);
          if (c) into.get(k)!.push(c);
        }
      },
    });
    return new Map(kinds.map((k) => [k, KindList.read(k, chunks.get(k)!)]));
  }

  /**
   * Answer `q` as of `tip`: from the files head.json names when they pass their checks, plus what
   * changed on the branch since the tip they reflect (appended to them for the next reader); else
   * from every entry on the branch, written anew.
   */
  private async query<T>(tip: string, opts: IndexOptions, q: Query<T>): Promise<T> {
    let damage: string | null = null;
    for (let attempt = 0; attempt < 3 && damage === null; attempt++) {
      let found: { head: Head; raw: string } | null;
      try {
        found = this.readHead();
      } catch (e) {
        damage = (e as Error).message;
        break;
      }
      if (!found) break;
      const { head, raw } = found;
      let out: T;
      try {
        out = q.read(head);
      } catch (e) {
        // A writer may have replaced the files since head.json was read: read the new head then.
        if (this.headText() !== raw) continue;
        damage = e instanceof Damaged ? e.message : `a file of it cannot be read (${(e as Error).message})`;
        break;
      }
      if (head.tip === tip) return out;
      if (!(await this.store.cat.read(head.tip))) break; // the branch was rewritten: start again
      const delta = await this.delta(head.tip, tip, opts);
      const failed = await this.persistAppend(raw, tip, delta);
      if (failed) {
        damage = failed;
        break;
      }
      q.add(out, delta);
      return out;
    }
    if (damage !== null) this.store.deps.stderr(`git-ctx: the entry index failed its check (${damage}); rebuilding it from the branch\n`);
    const full = await this.build(tip, opts);
    await this.withLock(() => this.writeAll(tip, full));
    const out = q.empty();
    q.add(out, full);
    return out;
  }

  private get headPath(): string {
    return join(this.dir, 'head.json');
  }

  private headText(): string | null {
    try {
      return readFileSync(this.headPath, 'utf8');
    } catch {
      return null;
    }
  }

  /** head.json, checked; null when there is none. */
  private readHead(): { head: Head; raw: string } | null {
    const raw = this.headText();
    if (raw === null) return null;
    const m = /^\{"head":(.*),"crc":(\d+)\}\n$/s.exec(raw);
    if (!m || crc32(Buffer.from(m[1]!)) !== Number(m[2])) throw new Damaged('head.json fails its checksum');
    const head = JSON.parse(m[1]!) as Head;
    if (head.version !== VERSION) throw new Damaged('head.json is of another version');
    return { head, raw };
  }

  private writeHead(head: Head): void {
    const json = JSON.stringify(head);
    const tmp = join(this.dir, `head.json.${this.store.deps.pid}.tmp`);
    writeFileSync(tmp, `{"head":${json},"crc":${crc32(Buffer.from(json))}}\n`);
    renameSync(tmp, this.headPath);
  }

  /** Exactly the bytes head.json names of a file, checked against their length and CRC-32. */
  private readFile(f: FileState): Buffer {
    let fd: number;
    try {
      fd = openSync(join(this.dir, f.name), 'r');
    } catch {
      throw new Damaged(`${f.name} is missing`);
    }
    try {
      const buf = Buffer.allocUnsafe(f.bytes);
      for (let off = 0; off < f.bytes; ) {
        const n = readSync(fd, buf, off, f.bytes - off, off);
        if (n === 0) throw new Damaged(`${f.name} is shorter than head.json says`);
        off += n;
      }
      if (crc32(buf) !== f.crc) throw new Damaged(`${f.name} fails its checksum`);
      return buf;
    } finally {
      closeSync(fd);
    }
  }

  private writeNew(name: string, data: string | Buffer): FileState {
    const buf = typeof data === 'string' ? Buffer.from(data) : data;
    writeFileSync(join(this.dir, name), buf);
    return { name, bytes: buf.length, crc: crc32(buf) };
  }

  /** Truncate a file to its recorded length (dropping anything a crashed appender left), then append. */
  private appendTo(f: FileState, data: string): FileState {
    const buf = Buffer.from(data);
    if (!buf.length) return { name: f.name, bytes: f.bytes, crc: f.crc };
    let fd: number;
    try {
      fd = openSync(join(this.dir, f.name), 'r+');
    } catch {
      throw new Damaged(`${f.name} is missing`);
    }
    try {
      const size = fstatSync(fd).size;
      if (size < f.bytes) throw new Damaged(`${f.name} is shorter than head.json says`);
      if (size > f.bytes) ftruncateSync(fd, f.bytes);
      for (let off = 0; off < buf.length; ) off += writeSync(fd, buf, off, buf.length - off, f.bytes + off);
    } finally {
      closeSync(fd);
    }
    return { name: f.name, bytes: f.bytes + buf.length, crc: crc32(buf, f.crc) };
  }

  /**
   * Append what changed between the head read (`raw`) and `tip`, unless another process moved the
   * index on meanwhile. Returns why the index is damaged, when appending found it so.
   */
  private async persistAppend(raw: string, tip: string, delta: readonly Rec[]): Promise<string | null> {
    return this.withLock(() => {
      const cur = this.readHead();
      if (!cur || cur.raw !== raw) return;
      const head = cur.head;
      const removed = delta.filter((r) => r.d).length;
      const records = head.records + delta.length;
      const live = head.live + delta.length - 2 * removed;
      if (records > live * 2 + 1000) {
        // Mostly dead records (after retention removed most of the store): write the live ones anew.
        const all = new Map<string, Rec>();
        applyRecs(all, parseRecs(this.readFile(head.entries)));
        applyRecs(all, delta);
        return this.writeAll(tip, [...all.values()], head);
      }
      let next = head.next;
      const entries = this.appendTo(head.entries, encodeRecs(delta));
      const gone = delta.filter((r) => r.d).map((r) => `${r.p}\n`).join('');
      const removals = [...head.search.removals];
      let search: FileState = head.search;
      if (gone) {
        const before = search.bytes;
        search = this.appendTo(search, gone);
        removals.push([before, search.bytes]);
      }
      search = this.appendTo(search, searchLines(delta));
      const kinds = { ...head.kinds };
      for (const kind of KINDS) {
        const chunk = kindChunk(delta, kind);
        const f = kinds[kind];
        if (!chunk || (!f && !chunk.picks.s.length)) continue;
        const inOrder = extendsInOrder(chunk, f?.last ?? '');
        if (f && inOrder && f.chunks < MAX_CHUNKS) {
          kinds[kind] = { ...this.appendTo(f, chunkLine(chunk)), chunks: f.chunks + 1, last: lastIdOf(chunk) || f.last };
          continue;
        }
        kinds[kind] = this.rewriteKind(kind, f, chunk, inOrder, next++);
      }
      const now: Head = { ...head, tip, next, entries, search: { ...search, removals }, kinds, records, live };
      this.writeHead(now);
      this.removeUnnamed(head, now);
    });
  }

  /**
   * A kind's file written anew, under a new name (a reader of the previous head still reads the old
   * one), with `chunk` added: a chunk per append would pile up in a store that only grows, and a
   * chunk out of order would make every reader sort. While the appends come in order only they are
   * merged, behind the first line copied as it is; the whole file once they reach an eighth of it.
   */
  private rewriteKind(kind: Kind, f: KindFile | undefined, chunk: Chunk, inOrder: boolean, serial: number): KindFile {
    const name = `${kind}.${serial}.jsonl`;
    const buf = f ? this.readFile(f) : Buffer.alloc(0);
    const first = buf.indexOf(10) + 1;
    if (f && inOrder && f.chunks > 1) {
      // The first line is copied, not parsed (at 100k entries, 13 MB of notes).
      const tail = chunkLine(mergeChunks(kind, [...parseChunks(buf.subarray(first)), chunk]));
      if (Buffer.byteLength(tail) * 8 <= first) {
        const state = this.writeNew(name, Buffer.concat([buf.subarray(0, first), Buffer.from(tail)]));
        return { ...state, chunks: 2, last: lastIdOf(chunk) || f.last };
      }
    }
    const list = KindList.read(kind, [...parseChunks(buf), chunk]);
    return { ...this.writeNew(name, chunkLine(list.toChunk())), chunks: 1, last: list.length ? list.id(list.length - 1) : '' };
  }

  /** Write the index of `recs` (the entries at `tip`) to new files, and name them in head.json. */
  private writeAll(tip: string, recs: readonly Rec[], prev?: Head): void {
    mkdirSync(this.dir, { recursive: true });
    let before = prev;
    if (!before) {
      try {
        before = this.readHead()?.head;
      } catch {
        before = undefined;
      }
    }
    let next = before?.next ?? 1;
    for (const f of readdirSync(this.dir)) next = Math.max(next, Number(/\.(\d+)\.\w+$/.exec(f)?.[1] ?? 0) + 1);
    const live = recs.filter((r) => !r.d);
    const entries = this.writeNew(`entries.${next++}.jsonl`, encodeRecs(live));
    const search = { ...this.writeNew(`search.${next++}.txt`, searchLines(live)), removals: [] };
    const kinds: Head['kinds'] = {};
    for (const kind of KINDS) {
      const rows = rowsOf(live, kind).sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
      if (rows.length) kinds[kind] = { ...this.writeNew(`${kind}.${next++}.jsonl`, chunkLine(encodeChunk(rows))), chunks: 1, last: rows[rows.length - 1]!.id };
    }
    const head: Head = { version: VERSION, tip, next, entries, search, kinds, records: live.length, live: live.length };
    this.writeHead(head);
    this.removeUnnamed(before, head);
    // The index of the version before, in the branch's folder (this version never reads it).
    for (const f of readdirSync(this.root)) if (OLD_FILE.test(f)) removeQuietly(join(this.root, f));
  }

  /**
   * Remove the files neither head names, once untouched for a while: a reader that read an earlier
   * head.json may still be reading them (and one that finds them gone reads head.json again).
   */
  private removeUnnamed(prev: Head | undefined, head: Head): void {
    const named = new Set([head, ...(prev ? [prev] : [])].flatMap((h) => [h.entries.name, h.search.name, ...Object.values(h.kinds).map((k) => k.name)]));
    const old = this.store.deps.now() - KEEP_MS;
    for (const f of readdirSync(this.dir)) {
      if (!OUR_FILE.test(f) || named.has(f)) continue;
      try {
        if (statSync(join(this.dir, f)).mtimeMs < old) unlinkSync(join(this.dir, f));
      } catch {
        /* already gone */
      }
    }
  }

  /**
   * Run `fn` under the cache lock, unless another process holds it (our answer in memory is enough
   * for this command). A failure only costs a rebuild later, except damage found while appending,
   * which is returned.
   */
  private async withLock(fn: () => void): Promise<string | null> {
    mkdirSync(this.dir, { recursive: true });
    const lock = await acquireLock(join(this.root, 'cache.lock'), this.store.deps, 0);
    if (!lock) return null;
    try {
      fn();
      return null;
    } catch (e) {
      return e instanceof Damaged ? e.message : null;
    } finally {
      lock.release();
    }
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

  /** Records for the entries added and removed between two tips (removals first). */
  private async delta(from: string, to: string, opts: IndexOptions): Promise<Rec[]> {
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
    return [...removed.map((r, i): Rec => ({ p: r.path, d: 1, k: kinds[i] })), ...read];
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

  /** Every entry at `tip`. */
  private async build(tip: string, opts: IndexOptions): Promise<Rec[]> {
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

  private async readEntries(files: readonly { path: string; oid: string }[], commitsPromise: Promise<Map<string, string>>, opts: IndexOptions): Promise<Rec[]> {
    const parsed: (EntryData | null)[] = new Array(files.length).fill(null);
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
          parsed[i] = parseEntry(obj.content.toString('utf8'));
        } catch (e) {
          opts.onWarning?.(`skipping unreadable entry ${files[i]!.path}: ${(e as Error).message}`);
        }
      },
    );
    const commits = await commitsPromise;
    const out: Rec[] = [];
    parsed.forEach((p, i) => {
      if (!p) return;
      const { body, ...m } = p;
      out.push({ p: files[i]!.path, o: files[i]!.oid, c: commits.get(m.id) ?? null, m, b: body });
    });
    return out;
  }
}

function applyRecs(into: Map<string, Rec>, recs: Iterable<Rec>): void {
  for (const r of recs) {
    if (r.d) into.delete(r.p);
    else into.set(r.p, r);
  }
}

function encodeRecs(recs: readonly Rec[]): string {
  let out = '';
  for (const r of recs) out += `${JSON.stringify(r)}\n`;
  return out;
}

/** The records of the entries file (whole lines only: the caller read exactly what head.json names). */
function parseRecs(buf: Buffer): Rec[] {
  const out: Rec[] = [];
  for (let from = 0, nl = buf.indexOf(10); nl >= 0; from = nl + 1, nl = buf.indexOf(10, from)) out.push(JSON.parse(buf.toString('utf8', from, nl)) as Rec);
  return out;
}

/** Whether a record belongs in a kind's file: an entry of that kind, or a removal of one (of unknown kind: every file). */
function ofKind(r: Rec, kind: Kind): boolean {
  return r.d ? !r.k || r.k === kind : r.m!.kind === kind;
}

function rowsOf(recs: readonly Rec[], kind: Kind): Row[] {
  const out: Row[] = [];
  for (const r of recs) {
    if (r.d || r.m!.kind !== kind) continue;
    const m = r.m!;
    out.push({ id: m.id, path: r.p, session: m.session, to: m.to, refs: m.refs, supersedes: m.supersedes, title: m.title, agent: m.agent, topic: m.topic, tags: m.tags, oid: r.o!, commit: r.c ?? null });
  }
  return out;
}

/** The chunk of what some records add to and remove from a kind, or null when they do neither. */
function kindChunk(recs: readonly Rec[], kind: Kind): Chunk | null {
  const mine = recs.filter((r) => ofKind(r, kind));
  if (!mine.length) return null;
  const removed = mine.filter((r) => r.d).map((r) => keyOf(idFromPath(r.p) ?? '', r.p));
  return encodeChunk(rowsOf(mine, kind), removed);
}

/** Fold text into one search field: lower case, no tabs or line breaks (they delimit fields and lines). */
function searchField(s: string): string {
  return s.toLowerCase().replace(/[\t\r\n]+/g, ' ');
}

/** The lines of the search file for the entries some records add (see SearchText). */
function searchLines(recs: readonly Rec[]): string {
  const lines: string[] = [];
  for (const r of recs) {
    if (r.d) continue;
    const m = r.m!;
    lines.push(`${r.p}\t${r.o}\t${r.c ?? '-'}\t${searchField(m.title)}\t${searchField(`${m.topic ?? ''} ${m.tags.join(' ')}`)}\t${searchField(r.b ?? '')}\n`);
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

let CRC_TABLE: Int32Array | undefined;

/** CRC-32 (zlib's) of `data`, continuing from `prev`. */
export function crc32(data: Uint8Array, prev = 0): number {
  const z = nodeZlib();
  return typeof z.crc32 === 'function' ? z.crc32(data, prev) : crc32Here(data, prev);
}

/** The same numbers, computed here, for Node before 20.15 (which has no zlib.crc32). */
export function crc32Here(data: Uint8Array, prev = 0): number {
  const t = (CRC_TABLE ??= Int32Array.from({ length: 256 }, (_, n) => {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    return c;
  }));
  let c = ~prev;
  for (let i = 0; i < data.length; i++) c = t[(c ^ data[i]!) & 0xff]! ^ (c >>> 8);
  return ~c >>> 0;
}
