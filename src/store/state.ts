/**
 * Reading and writing the `state/` tree (layout in src/model/state.ts and docs/data-model.md).
 *
 * State files are only ever added (create-only) or removed by retention, never rewritten, so that two
 * histories merge as the union of their files.
 */
import type { Store, FileWrite } from './store.js';
import type { TreeItem } from '../git/objects.js';
import { unvariantPath } from '../model/merge.js';
import { InternalError } from '../errors.js';
import { CONSUMED_DIR, READ_DIR, baseName, decodeName, parseClaim, parseReceipt, receiptDir, type Claim, type Receipt } from '../model/state.js';

export interface StateFile {
  path: string;
  oid: string;
}

/** The trees under `dir` at `tip` that hold files, each with its items (read a level at a time, all of a level at once). */
async function listDirs(store: Store, tip: string, dir: string): Promise<{ path: string; items: readonly TreeItem[] }[]> {
  const top = await store.treeAt(tip, dir);
  if (!top) return [];
  const out: { path: string; items: readonly TreeItem[] }[] = [];
  let level: { path: string; oid: string }[] = [{ path: dir, oid: top.oid }];
  while (level.length) {
    const trees: TreeItem[][] = await Promise.all(level.map((t) => store.readTree(t.oid)));
    const next: { path: string; oid: string }[] = [];
    trees.forEach((items, i) => {
      const path = level[i]!.path;
      for (const item of items) if (item.mode === '40000') next.push({ path: `${path}/${item.name}`, oid: item.oid });
      out.push({ path, items });
    });
    level = next;
  }
  return out;
}

/** Every file under `dir` at `tip`. */
export async function listFiles(store: Store, tip: string, dir: string): Promise<StateFile[]> {
  const out: StateFile[] = [];
  for (const d of await listDirs(store, tip, dir)) for (const item of d.items) if (item.mode !== '40000') out.push({ path: `${d.path}/${item.name}`, oid: item.oid });
  return out;
}

function lastSegment(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}

/**
 * The claim files at a tip, by handoff id. Thousands of handoffs are claimed in a store that has run
 * for a while, and most questions are only "is it claimed": this keeps the tree items as read and
 * makes a path only for the files asked for.
 */
export class ClaimFiles {
  /** Handoff id -> the tree holding its claim (an index into `dirs`). */
  private readonly dirOf = new Map<string, number>();
  /** Handoff ids with more than one claim file (versions a merge kept). */
  private readonly several = new Set<string>();

  constructor(private readonly dirs: readonly { path: string; items: readonly TreeItem[] }[]) {
    dirs.forEach((d, k) => {
      for (const item of d.items) {
        if (item.mode === '40000') continue;
        const id = baseName(item.name);
        if (this.dirOf.has(id)) this.several.add(id);
        else this.dirOf.set(id, k);
      }
    });
  }

  has(id: string): boolean {
    return this.dirOf.has(id);
  }

  /** The claim files of a handoff (more than one when a merge kept two versions), or undefined. */
  get(id: string): StateFile[] | undefined {
    const k = this.dirOf.get(id);
    if (k === undefined) return undefined;
    const out: StateFile[] = [];
    for (const d of this.several.has(id) ? this.dirs : [this.dirs[k]!]) {
      for (const item of d.items) if (item.mode !== '40000' && baseName(item.name) === id) out.push({ path: `${d.path}/${item.name}`, oid: item.oid });
    }
    return out;
  }

  /** Handoffs with more than one claim file: only there can a claim lose. */
  contested(): [string, StateFile[]][] {
    return [...this.several].map((id) => [id, this.get(id)!]);
  }

  *[Symbol.iterator](): IterableIterator<[string, StateFile[]]> {
    for (const id of this.dirOf.keys()) yield [id, this.get(id)!];
  }
}

export async function claimFiles(store: Store, tip: string): Promise<ClaimFiles> {
  return new ClaimFiles(await listDirs(store, tip, CONSUMED_DIR));
}

/**
 * The versions of one claim file at `tip`: the file at `path` and those a merge kept beside it
 * (`<name>~<hash>`), with their blobs. Empty when nobody claimed.
 */
export async function claimVersions(store: Store, tip: string, path: string): Promise<StateFile[]> {
  const slash = path.lastIndexOf('/');
  if (slash <= 0) return [];
  const dir = await store.treeAt(tip, path.slice(0, slash));
  const prefix = path.slice(0, slash + 1);
  return (dir?.items ?? []).filter((i) => i.mode !== '40000' && unvariantPath(prefix + i.name) === path).map((i) => ({ path: prefix + i.name, oid: i.oid }));
}

export async function readClaims(store: Store, files: readonly StateFile[]): Promise<Claim[]> {
  const blobs = await Promise.all(files.map((f) => store.readBlob(f.oid)));
  const out: Claim[] = [];
  blobs.forEach((b, i) => {
    const c = b && parseClaim(b.toString('utf8'), baseName(lastSegment(files[i]!.path)));
    if (c) out.push(c);
  });
  return out;
}

/** Ids of the messages `reader` (a session id) has a receipt for. */
export async function readIds(store: Store, tip: string, reader: string): Promise<Set<string>> {
  const ids = new Set<string>();
  for (const d of await listDirs(store, tip, receiptDir(reader))) for (const item of d.items) if (item.mode !== '40000') ids.add(baseName(item.name));
  return ids;
}

export interface ReceiptFile extends StateFile {
  message: string;
  /** The reading session (decoded from the directory name). */
  reader: string;
}

/** Every receipt file, by anyone. */
export async function receiptFiles(store: Store, tip: string): Promise<ReceiptFile[]> {
  return (await listFiles(store, tip, READ_DIR)).map((f) => ({
    ...f,
    message: baseName(lastSegment(f.path)),
    reader: decodeName(f.path.slice(READ_DIR.length + 1).split('/')[0]!),
  }));
}

export async function readReceipts(store: Store, files: readonly ReceiptFile[]): Promise<Receipt[]> {
  const blobs = await Promise.all(files.map((f) => store.readBlob(f.oid)));
  const out: Receipt[] = [];
  blobs.forEach((b, i) => {
    const r = b && parseReceipt(b.toString('utf8'), files[i]!.message, files[i]!.reader);
    if (r) out.push(r);
  });
  return out;
}

/** A claim's write, and files that land with it in the same commit or not at all (a task's result with its done step). */
export type ClaimWrite = FileWrite & { with?: readonly FileWrite[] };

/** Claims' writes as one change: each claim followed by its companions. */
export function claimChange(files: readonly ClaimWrite[]): FileWrite[] {
  return files.flatMap(({ with: companions, ...f }) => [f, ...(companions ?? [])]);
}

export interface CreateOnlyResult {
  /** The commit that landed, or null when every path already existed. */
  commit: string | null;
  written: string[];
  /** Paths that already existed at the tip the write was built on (someone else got there first). */
  existing: string[];
}

/**
 * Write files that must not exist yet (or, with `expect`, must still hold the blob they replace), in
 * one commit: a path whose condition fails at the tip is dropped and the rest retried. Each path is
 * decided by the compare-and-swap of the commit that writes it, so among concurrent writers of one
 * path exactly one lands it.
 */
export async function commitCreateOnly(
  store: Store,
  files: readonly ClaimWrite[],
  opts: { message: (files: readonly FileWrite[]) => string; author: { name: string; email: string } },
): Promise<CreateOnlyResult> {
  // A file that replaces another in place (`expect`) is a compare-and-swap of its own; every other is create-only.
  let pending = files.map((f) => (f.expect === undefined ? { ...f, createOnly: true } : f));
  const existing: string[] = [];
  while (pending.length) {
    const r = await store.commit({ add: claimChange(pending), message: opts.message(pending), author: opts.author });
    if (!r.existing.length) return { commit: r.commit, written: pending.map((f) => f.path), existing };
    const taken = new Set(r.existing);
    const lost = pending.filter((f) => taken.has(f.path));
    // Only claim paths decide; a companion is a new entry, whose path exists only if its id was taken.
    if (!lost.length) throw new InternalError(`cannot claim: ${r.existing[0]} exists already`);
    existing.push(...lost.map((f) => f.path));
    pending = pending.filter((f) => !taken.has(f.path));
  }
  return { commit: null, written: [], existing };
}
