/**
 * Merging two context histories: a real merge, with a merge base and a two-parent commit, decided by
 * the rules of src/model/merge.ts (storage invariant 6) and landed with a compare-and-swap.
 *
 * Why not `git merge-tree --write-tree`: it always detects renames (git 2.39 has no way to turn that
 * off in merge-tree), and entry and state files are small and alike, so a file deleted on one side
 * (retention) and a new one added there pair up as a "rename", and a change the other side made to
 * the old path follows it to the new one. The merge here is three-way at the level of trees, in
 * process: a subtree that is the same on both sides, or unchanged on one side, is taken whole without
 * being read, so merging 1k new entries into a 100k-entry branch reads only the trees on their paths.
 * Names that differ are decided by mergeFileSet, the pure rule, so the tree is a function of the
 * three trees alone: two clones merging the same tips in either order write the same tree.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Store } from './store.js';
import { formatTree, hashObject, parseTree, type TreeItem } from '../git/objects.js';
import { compareAndSwapRef, RefLockWatch } from '../git/refs.js';
import { splitNul } from '../git/run.js';
import { mergeFileSet, variantPath, type Sides } from '../model/merge.js';
import { CtxError } from '../errors.js';
import { commonAncestorsOf, independentOf, mergeBasesOf } from './history.js';

export interface TreeMerge {
  /** The merged tree, or null when it is empty. */
  tree: string | null;
  /** Paths where both versions were kept (the second one under a `~<hash>` name). */
  keptBoth: string[];
}

const MAX_ATTEMPTS = 200;

/**
 * Results already worked out in this process, by their inputs (trees, commits: named by content, so
 * an answer never goes stale). A merge of many clones' criss-crossing histories asks the same
 * questions again and again: the virtual base of one fold step is, in part, that of the next.
 */
interface Memo {
  trees: Map<string, TreeMerge>;
  /**
   * Trees a merge made, by id, not written yet: a fold of many tips makes a tree per step on every
   * path it touches, and only the last step's are kept; they are written (deflated, one file each)
   * when a merge result leaves this module (flush), the others never.
   */
  pending: Map<string, Buffer>;
  bases: Map<string, string[]>;
  virtual: Map<string, string | null>;
  /** Tips checkMergeable found to be context histories of a format this version writes. */
  mergeable: Set<string>;
}
const memos = new WeakMap<Store, Memo>();
const MEMO_LIMIT = 20_000;

function memo(store: Store): Memo {
  let m = memos.get(store);
  if (!m || m.trees.size + m.bases.size + m.virtual.size + m.mergeable.size + m.pending.size > MEMO_LIMIT) {
    // A merge under way may hold ids of trees not written yet: they are written before they are forgotten.
    for (const content of m?.pending.values() ?? []) store.writeTree(parseTree(content, store.repo.objectFormat));
    memos.set(store, (m = { trees: new Map(), pending: new Map(), bases: new Map(), virtual: new Map(), mergeable: new Set() }));
  }
  return m;
}

/** A tree made by a merge, its id now and its file only once flushed. */
function deferTree(store: Store, items: readonly TreeItem[]): string {
  const content = formatTree(items);
  const oid = hashObject(store.repo.objectFormat, 'tree', content);
  memo(store).pending.set(oid, content);
  return oid;
}

/** A tree's items, whether written or only made by a merge. */
async function treeItems(store: Store, oid: string): Promise<TreeItem[]> {
  const pending = memo(store).pending.get(oid);
  return pending ? parseTree(pending, store.repo.objectFormat) : store.readTree(oid);
}

/** Write `tree` and the trees below it that a merge made and nothing wrote yet. */
function flush(store: Store, tree: string | null): string | null {
  const { pending } = memo(store);
  const content = tree ? pending.get(tree) : undefined;
  if (!content) return tree;
  const items = parseTree(content, store.repo.objectFormat);
  for (const item of items) if (item.mode === '40000') flush(store, item.oid);
  store.writeTree(items);
  pending.delete(tree!);
  return tree;
}

/** Three-way merge of trees (null: absent), rewriting only the trees on paths that differ. */
export async function mergeTrees(store: Store, base: string | null, ours: string | null, theirs: string | null, prefix = ''): Promise<TreeMerge> {
  const r = await mergeTreesAt(store, base, ours, theirs);
  flush(store, r.tree);
  return prefix ? { tree: r.tree, keptBoth: r.keptBoth.map((p) => prefix + p) } : r;
}

/** mergeTrees with paths in `keptBoth` relative to the trees merged, remembered by the three trees. */
async function mergeTreesAt(store: Store, base: string | null, ours: string | null, theirs: string | null): Promise<TreeMerge> {
  if (ours === theirs) return { tree: ours, keptBoth: [] };
  if (base === ours) return { tree: theirs, keptBoth: [] };
  if (base === theirs) return { tree: ours, keptBoth: [] };
  const key = `${base}|${ours}|${theirs}`;
  const known = memo(store).trees.get(key);
  if (known) return known;
  const [b, o, t] = await Promise.all([base, ours, theirs].map((x) => (x ? treeItems(store, x) : Promise.resolve([]))));
  const names = new Map<string, (TreeItem | undefined)[]>();
  [b!, o!, t!].forEach((items, side) => {
    for (const item of items) {
      let row = names.get(item.name);
      if (!row) names.set(item.name, (row = [undefined, undefined, undefined]));
      row[side] = item;
    }
  });
  const dirOf = (i?: TreeItem) => (i?.mode === '40000' ? i.oid : null);
  const fileOf = (i?: TreeItem) => (i && i.mode !== '40000' ? i.oid : null);
  const files: [string, Sides][] = [];
  const modes = new Map<string, TreeItem['mode']>();
  const subdirs: Promise<[string, TreeMerge]>[] = [];
  for (const [name, [bi, oi, ti]] of names) {
    if (dirOf(bi) || dirOf(oi) || dirOf(ti)) {
      subdirs.push(mergeTreesAt(store, dirOf(bi), dirOf(oi), dirOf(ti)).then((r) => [name, r]));
    }
    if (fileOf(bi) || fileOf(oi) || fileOf(ti)) files.push([name, { base: fileOf(bi), ours: fileOf(oi), theirs: fileOf(ti) }]);
    for (const i of [ti, oi]) if (i && i.mode !== '40000') modes.set(i.oid, i.mode);
  }
  const merged = mergeFileSet(files);
  const keptBoth = [...merged.keptBoth];
  const items: TreeItem[] = [];
  const dirs = new Set<string>();
  for (const [name, sub] of await Promise.all(subdirs)) {
    keptBoth.push(...sub.keptBoth.map((p) => `${name}/${p}`));
    if (!sub.tree) continue;
    items.push({ mode: '40000', name, oid: sub.tree });
    dirs.add(name);
  }
  for (const [name, oid] of merged.files) {
    // A file where the other side has a directory of the same name: keep both, the file renamed.
    const n = dirs.has(name) ? variantPath(name, oid) : name;
    if (n !== name) keptBoth.push(n);
    items.push({ mode: modes.get(oid) ?? '100644', name: n, oid });
  }
  const result = items.length ? { tree: deferTree(store, items), keptBoth: keptBoth.sort() } : { tree: null, keptBoth };
  memo(store).trees.set(key, result);
  return result;
}

/**
 * `git merge-base --all` of the first commit against (a merge of) the others; [] when unrelated.
 * Computed in process (./history.ts): merges of many clones' histories ask for many of these.
 */
export async function mergeBases(store: Store, commits: readonly string[]): Promise<string[]> {
  const key = `${commits[0]}|${[...new Set(commits.slice(1))].sort().join(',')}`;
  const known = memo(store).bases.get(key);
  if (known) return known;
  const bases = await mergeBasesOf(store, commits[0]!, commits.slice(1));
  memo(store).bases.set(key, bases);
  return bases;
}

/**
 * The tree to merge against: the merge base's, or, when there are several (criss-cross merges: every
 * sync merges every clone's history, so two clones' tips often have many), the union of their trees,
 * folded as a merge with no base (mergeTrees(null, ...)), in sorted order. No merge base at all (only
 * in a shallow clone: unrelated histories are refused before, see relatedTips): the empty tree, so the
 * merge is the union.
 *
 * Why a union and not git's recursive virtual base: every file in any merge base is in the history of
 * both sides, so a side that lacks it removed it, and a removal wins over the unchanged other side
 * (invariant 6) — which is exactly what retention needs. git's recursive merge of the bases would
 * instead lose a removal made in one base's line and bring the file back, and costs a merge-base walk
 * per base per level. A base that is an ancestor of another adds nothing the walk needs to remove.
 */
export async function baseTree(store: Store, bases: readonly string[]): Promise<string | null> {
  return flush(store, await baseTreeAt(store, bases));
}

/** baseTree, its trees perhaps not written yet (see flush). */
async function baseTreeAt(store: Store, bases: readonly string[]): Promise<string | null> {
  if (!bases.length) return null;
  if (bases.length === 1) return store.treeOf(bases[0]!);
  const sorted = [...bases].sort();
  const key = sorted.join(',');
  const known = memo(store).virtual.get(key);
  if (known !== undefined) return known;
  let tree: string | null = await store.treeOf(sorted[0]!);
  for (let i = 1; i < sorted.length; i++) tree = (await mergeTreesAt(store, null, tree, await store.treeOf(sorted[i]!))).tree;
  memo(store).virtual.set(key, tree);
  return tree;
}

export interface MergeOutcome {
  /** created: the branch did not exist and now points to theirs. */
  kind: 'up-to-date' | 'fast-forward' | 'merge' | 'created';
  before: string | null;
  tip: string;
  keptBoth: string[];
  attempts: number;
}

export interface MergeOptions {
  message: string;
  author: { name: string; email: string };
}

/**
 * Bring `theirs` into the branch: create it, fast-forward, or write a merge commit (parents: the
 * local tip, then theirs) and move the branch with a compare-and-swap. When a local write moved the
 * branch meanwhile, the merge is redone on the new tip, so a local `add` racing a pull loses nothing.
 */
export async function mergeIntoBranch(store: Store, theirs: string, opts: MergeOptions): Promise<MergeOutcome> {
  // Only into a branch of git-ctx's own, unused by any worktree (see branch-guard.ts).
  store.guard.checkPlace();
  return landMerge(store, opts.message, async (attempt) => {
    const localTip = await store.tipCommit();
    const local = localTip?.oid ?? null;
    let next = theirs;
    let kind: MergeOutcome['kind'] = 'created';
    let keptBoth: string[] = [];
    if (localTip) await store.guard.checkTip(localTip);
    // Nothing of a newer format is merged or taken in: this version does not know its rules.
    await store.guard.checkFormat(await store.treeOf(theirs));
    if (!local) {
      // Taken as it is: it must be a context branch itself (not, say, the remote's main).
      await store.guard.checkTip({ oid: theirs, tree: await store.treeOf(theirs) });
    } else {
      if (local === theirs) return { done: { kind: 'up-to-date', before: local, tip: local, keptBoth, attempts: attempt } };
      const bases = await mergeBases(store, [local, theirs]);
      if (!bases.length && !shallowMerge(store)) throw store.guard.unrelated(theirs, opts.message.split('\n')[0]!.replace(/^merge: /, ''));
      if (bases.length === 1 && bases[0] === theirs) return { done: { kind: 'up-to-date', before: local, tip: local, keptBoth, attempts: attempt } };
      kind = 'fast-forward';
      if (bases.length !== 1 || bases[0] !== local) {
        const [base, ours, other] = await Promise.all([baseTreeAt(store, bases), store.treeOf(local), store.treeOf(theirs)]);
        const merged = await mergeTrees(store, base, ours, other);
        keptBoth = merged.keptBoth;
        const sig = { ...opts.author, time: Math.floor(store.deps.now() / 1000) };
        next = store.writeCommit({ tree: merged.tree ?? store.writeTree([]), parents: [local, theirs], author: sig, committer: sig, message: opts.message });
        kind = 'merge';
      }
    }
    return { local, next, kind, keptBoth };
  });
}

/** A shallow clone may not hold the merge base it shares with a remote: no base proves nothing there. */
function shallowMerge(store: Store): boolean {
  return existsSync(join(store.repo.commonDir, 'shallow'));
}

/** Entry files present at `to` and not at `from` (null: count every entry of `to`). */
export async function countNewEntries(store: Store, from: string | null, to: string | null): Promise<number> {
  if (!to || from === to) return 0;
  const git = store.repo.git;
  const { stdout } = from
    ? await git.run(['diff-tree', '-r', '-z', '--no-renames', '--diff-filter=A', '--name-only', '--no-commit-id', from, to, '--', 'entries'])
    : await git.run(['ls-tree', '-r', '-z', '--name-only', to, '--', 'entries']);
  return splitNul(stdout).length;
}

/** The identity of merge commits that any clone may write identically (see mergeCommits). */
const MERGE_IDENTITY = { name: 'git-ctx', email: 'git-ctx@localhost' };

export interface MultiMerge {
  /** One of the tips when it holds all the others, else a new merge commit of the independent ones. */
  commit: string;
  kind: 'same' | 'merge';
  keptBoth: string[];
}

/** The tips none of the others contains (`git merge-base --independent`), sorted. */
export async function independentTips(store: Store, tips: readonly string[]): Promise<string[]> {
  return independentOf(store, tips);
}

/** A commit's committer time (seconds), from its header. */
async function committerTime(store: Store, commit: string): Promise<number> {
  const obj = await store.cat.read(commit);
  const m = obj && /\ncommitter [^\n]*> (\d+) [+-]\d{4}\n/.exec(obj.content.toString('utf8', 0, Math.min(obj.content.length, 4096)));
  return m ? Number(m[1]) : 0;
}

/**
 * Merge several histories into one commit that is a function of the set of tips alone: parents the
 * independent tips in sorted order, the tree folded in that order by the rules of model/merge.ts
 * (each tip against the merge base of it and the tips before it, as `git merge-base` computes it for
 * a hypothetical merge of those), the fixed identity `git-ctx`, the latest committer time of the
 * parents, a fixed message. Two clones that merge the same histories therefore write the same
 * commit, so clones that exchange refs converge on one tip instead of merging each other's merges
 * for ever. Nothing is landed: the caller moves a ref to it, or pushes it.
 */
export async function mergeCommits(store: Store, tips: readonly string[]): Promise<MultiMerge | null> {
  const heads = await independentTips(store, tips);
  if (!heads.length) return null;
  if (heads.length === 1) return { commit: heads[0]!, kind: 'same', keptBoth: [] };
  const [trees, bases, times] = await Promise.all([
    Promise.all(heads.map((h) => store.treeOf(h))),
    Promise.all(heads.slice(1).map((h, i) => commonAncestorsOf(store, h, heads.slice(0, i + 1)))),
    Promise.all(heads.map((h) => committerTime(store, h))),
  ]);
  let tree: string | null = trees[0]!;
  const keptBoth = new Set<string>();
  for (let i = 1; i < heads.length; i++) {
    const merged = await mergeTreesAt(store, await baseTreeAt(store, bases[i - 1]!), tree, trees[i]!);
    tree = merged.tree;
    for (const p of merged.keptBoth) keptBoth.add(p);
  }
  const sig = { ...MERGE_IDENTITY, time: Math.max(...times) };
  const commit = store.writeCommit({ tree: flush(store, tree) ?? store.writeTree([]), parents: heads, author: sig, committer: sig, message: `merge: ${heads.length} context histories\n` });
  return { commit, kind: 'merge', keptBoth: [...keptBoth].sort() };
}

/**
 * Move the branch to `next`, a commit that contains `from` (the tip it was built on). When the branch
 * moved meanwhile (a local write), `next` is merged into the new tip instead, so nothing written
 * meanwhile is lost.
 */
export async function landOnBranch(store: Store, from: string | null, next: string, opts: MergeOptions): Promise<{ tip: string; merged: boolean }> {
  if (from === next) return { tip: next, merged: false };
  const cas = await compareAndSwapRef(store.repo.git, { ref: store.ref, newOid: next, oldOid: from, zeroOid: store.zeroOid, message: `git-ctx: ${opts.message.split('\n')[0]}` });
  if (cas.ok) {
    store.guard.landed(next, from);
    return { tip: next, merged: false };
  }
  const m = await mergeIntoBranch(store, next, opts);
  return { tip: m.tip, merged: true };
}

/**
 * Refuses to merge what is not a context history of a format this version writes (see
 * branch-guard.ts): a tip whose `.ctx-format` is newer, or one that shares no history with the local
 * tip `local` (which the caller has checked). Without a local tip, the first new tip must be rooted at
 * git-ctx's root commit (the guard asks git once) and the others must share history with it. In a
 * shallow clone a missing merge base proves nothing. A tip is checked once per process.
 */
export async function checkMergeable(store: Store, local: string | null, tips: readonly string[], where: string): Promise<void> {
  const checked = memo(store).mergeable;
  const todo = [...new Set(tips)].filter((t) => t !== local && !checked.has(t));
  if (!todo.length) return;
  await Promise.all(todo.map(async (t) => store.guard.checkFormat(await store.treeOf(t))));
  let anchor = local;
  if (!anchor) {
    anchor = todo[0]!;
    await store.guard.checkTip({ oid: anchor, tree: await store.treeOf(anchor) });
    checked.add(anchor);
  }
  const shallow = shallowMerge(store);
  await Promise.all(
    todo.map(async (t) => {
      if (t === anchor) return;
      if (!(await mergeBases(store, [anchor!, t])).length && !shallow) throw store.guard.unrelated(t, where);
      checked.add(t);
    }),
  );
}

/**
 * Merge every tip into the branch (pull): one deterministic merge of the branch tip and the tips
 * (mergeCommits), landed with a compare-and-swap and redone when a local write moved the branch.
 * Only into a branch of git-ctx's own, and only histories that are context branches (checkMergeable).
 */
export async function mergeTipsIntoBranch(store: Store, tips: readonly string[], opts: MergeOptions): Promise<MergeOutcome> {
  store.guard.checkPlace();
  const where = opts.message.split('\n')[0]!.replace(/^merge: /, '');
  return landMerge(store, opts.message, async (attempt) => {
    const localTip = await store.tipCommit();
    const local = localTip?.oid ?? null;
    if (localTip) await store.guard.checkTip(localTip);
    await checkMergeable(store, local, tips, where);
    const merged = await mergeCommits(store, local ? [local, ...tips] : tips);
    if (!merged || merged.commit === local) return { done: { kind: 'up-to-date', before: local, tip: local ?? '', keptBoth: [], attempts: attempt } };
    const kind: MergeOutcome['kind'] = !local ? 'created' : merged.kind === 'merge' ? 'merge' : 'fast-forward';
    return { local, next: merged.commit, kind, keptBoth: merged.keptBoth };
  });
}

type MergePlan = { done: MergeOutcome } | { local: string | null; next: string; kind: MergeOutcome['kind']; keptBoth: string[] };

/**
 * Under the writer lock, land what `plan` computes from the tip it read with a compare-and-swap,
 * and plan again on the new tip when the branch moved meanwhile (a local write racing the merge).
 */
async function landMerge(store: Store, message: string, plan: (attempt: number) => Promise<MergePlan>): Promise<MergeOutcome> {
  const lock = await store.writerLock();
  const watch = new RefLockWatch(store.ref, store.deps.now);
  try {
    for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
      const p = await plan(attempt);
      if ('done' in p) return p.done;
      const cas = await compareAndSwapRef(store.repo.git, { ref: store.ref, newOid: p.next, oldOid: p.local, zeroOid: store.zeroOid, message: `git-ctx: ${message.split('\n')[0]}` });
      if (cas.ok) {
        // A fast-forward or a merge of sorted tips: its first parents need not lead to the local tip.
        store.guard.merged(p.next);
        return { kind: p.kind, before: p.local, tip: p.next, keptBoth: p.keptBoth, attempts: attempt };
      }
      if (cas.reason === 'locked') watch.locked(cas.lockFile);
      else watch.free();
      await store.deps.sleep(1 + (store.deps.random(1)[0]! % 8));
    }
  } finally {
    lock?.release();
  }
  throw new CtxError('E_CONTENTION', 1, `could not update ${store.ref} after ${MAX_ATTEMPTS} attempts`);
}
