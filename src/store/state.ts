/**
 * Reading and writing the `state/` tree (layout in src/model/state.ts and docs/data-model.md).
 *
 * State files are only ever added (create-only) or removed by retention, never rewritten, so that two
 * histories merge as the union of their files.
 */
import type { Store, FileWrite } from './store.js';
import type { TreeItem } from '../git/objects.js';
import { CONSUMED_DIR, READ_DIR, baseName, decodeName, parseClaim, parseReceipt, receiptDir, type Claim, type Receipt } from '../model/state.js';

export interface StateFile {
  path: string;
  oid: string;
}

/** Every file under `dir` at `tip` (trees are read a level at a time, all of a level at once). */
export async function listFiles(store: Store, tip: string, dir: string): Promise<StateFile[]> {
  const top = await store.lookup(await store.treeOf(tip), dir);
  if (!top || top.mode !== '40000') return [];
  const out: StateFile[] = [];
  let level: { path: string; oid: string }[] = [{ path: dir, oid: top.oid }];
  while (level.length) {
    const trees: TreeItem[][] = await Promise.all(level.map((t) => store.readTree(t.oid)));
    const next: { path: string; oid: string }[] = [];
    trees.forEach((items, i) => {
      for (const item of items) {
        const path = `${level[i]!.path}/${item.name}`;
        if (item.mode === '40000') next.push({ path, oid: item.oid });
        else out.push({ path, oid: item.oid });
      }
    });
    level = next;
  }
  return out;
}

function lastSegment(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}

/** Claim files by handoff id (more than one when a merge kept two versions). */
export async function claimFiles(store: Store, tip: string): Promise<Map<string, StateFile[]>> {
  const byId = new Map<string, StateFile[]>();
  for (const f of await listFiles(store, tip, CONSUMED_DIR)) {
    const id = baseName(lastSegment(f.path));
    const list = byId.get(id);
    if (list) list.push(f);
    else byId.set(id, [f]);
  }
  return byId;
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
  return new Set((await listFiles(store, tip, receiptDir(reader))).map((f) => baseName(lastSegment(f.path))));
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

export interface CreateOnlyResult {
  /** The commit that landed, or null when every path already existed. */
  commit: string | null;
  written: string[];
  /** Paths that already existed at the tip the write was built on (someone else got there first). */
  existing: string[];
}

/**
 * Write files that must not exist yet, in one commit: a path that already exists at the tip is dropped
 * and the rest retried. Each path is decided by the compare-and-swap of the commit that adds it, so
 * among concurrent writers of one path exactly one lands it.
 */
export async function commitCreateOnly(
  store: Store,
  files: readonly FileWrite[],
  opts: { message: (files: readonly FileWrite[]) => string; author: { name: string; email: string } },
): Promise<CreateOnlyResult> {
  let pending = files.map((f) => ({ ...f, createOnly: true }));
  const existing: string[] = [];
  while (pending.length) {
    const r = await store.commit({ add: pending, message: opts.message(pending), author: opts.author });
    if (!r.existing.length) return { commit: r.commit, written: pending.map((f) => f.path), existing };
    const taken = new Set(r.existing);
    existing.push(...r.existing);
    pending = pending.filter((f) => !taken.has(f.path));
  }
  return { commit: null, written: [], existing };
}
