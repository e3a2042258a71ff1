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
import type { Store } from './store.js';
import type { TreeItem } from '../git/objects.js';
import { compareAndSwapRef } from '../git/refs.js';
import { splitNul } from '../git/run.js';
import { mergeFileSet, variantPath, type Sides } from '../model/merge.js';
import { CtxError } from '../errors.js';
import { independentOf, mergeBasesOf } from './history.js';

export interface TreeMerge {
  /** The merged tree, or null when it is empty. */
  tree: string | null;
  /** Paths where both versions were kept (the second one under a `~<hash>` name). */
  keptBoth: string[];
}

/** Criss-cross histories: how deep to merge merge bases into a virtual one before taking the union. */
const MAX_VIRTUAL_DEPTH = 4;
const MAX_ATTEMPTS = 200;

/** Three-way merge of trees (null: absent), rewriting only the trees on paths that differ. */
export async function mergeTrees(store: Store, base: string | null, ours: string | null, theirs: string | null, prefix = ''): Promise<TreeMerge> {
  if (ours === theirs) return { tree: ours, keptBoth: [] };
  if (base === ours) return { tree: theirs, keptBoth: [] };
  if (base === theirs) return { tree: ours, keptBoth: [] };
  const [b, o, t] = await Promise.all([base, ours, theirs].map((x) => (x ? store.readTree(x) : Promise.resolve([]))));
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
      subdirs.push(mergeTrees(store, dirOf(bi), dirOf(oi), dirOf(ti), `${prefix}${name}/`).then((r) => [name, r]));
    }
    if (fileOf(bi) || fileOf(oi) || fileOf(ti)) files.push([name, { base: fileOf(bi), ours: fileOf(oi), theirs: fileOf(ti) }]);
    for (const i of [ti, oi]) if (i && i.mode !== '40000') modes.set(i.oid, i.mode);
  }
  const merged = mergeFileSet(files);
  const keptBoth = merged.keptBoth.map((n) => prefix + n);
  const items: TreeItem[] = [];
  const dirs = new Set<string>();
  for (const [name, sub] of await Promise.all(subdirs)) {
    keptBoth.push(...sub.keptBoth);
    if (!sub.tree) continue;
    items.push({ mode: '40000', name, oid: sub.tree });
    dirs.add(name);
  }
  for (const [name, oid] of merged.files) {
    // A file where the other side has a directory of the same name: keep both, the file renamed.
    const n = dirs.has(name) ? variantPath(name, oid) : name;
    if (n !== name) keptBoth.push(prefix + n);
    items.push({ mode: modes.get(oid) ?? '100644', name: n, oid });
  }
  if (!items.length) return { tree: null, keptBoth };
  return { tree: store.writeTree(items), keptBoth: keptBoth.sort() };
}

/**
 * `git merge-base --all` of the first commit against (a merge of) the others; [] when unrelated.
 * Computed in process (./history.ts): merges of many clones' histories ask for many of these.
 */
export async function mergeBases(store: Store, commits: readonly string[]): Promise<string[]> {
  return mergeBasesOf(store, commits[0]!, commits.slice(1));
}

/**
 * The tree to merge against: the merge base's, or, when there are several (criss-cross merges are
 * common when clones push at once), their own merge, folded the same way git's recursive strategy
 * does. No merge base at all (two independently started branches): the empty tree, so the merge is
 * the union.
 */
export async function baseTree(store: Store, bases: readonly string[], depth = 0): Promise<string | null> {
  if (!bases.length) return null;
  let tree: string | null = await store.treeOf(bases[0]!);
  for (let i = 1; i < bases.length; i++) {
    const inner = depth < MAX_VIRTUAL_DEPTH ? await mergeBases(store, [bases[i]!, ...bases.slice(0, i)]) : [];
    const innerTree = await baseTree(store, inner, depth + 1);
    tree = (await mergeTrees(store, innerTree, tree, await store.treeOf(bases[i]!))).tree;
  }
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
  const lock = await store.writerLock();
  try {
    for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
      const local = await store.tip();
      let next = theirs;
      let kind: MergeOutcome['kind'] = 'created';
      let keptBoth: string[] = [];
      if (local) {
        if (local === theirs) return { kind: 'up-to-date', before: local, tip: local, keptBoth, attempts: attempt };
        const bases = await mergeBases(store, [local, theirs]);
        if (bases.length === 1 && bases[0] === theirs) return { kind: 'up-to-date', before: local, tip: local, keptBoth, attempts: attempt };
        kind = 'fast-forward';
        if (bases.length !== 1 || bases[0] !== local) {
          const [base, ours, other] = await Promise.all([baseTree(store, bases), store.treeOf(local), store.treeOf(theirs)]);
          const merged = await mergeTrees(store, base, ours, other);
          keptBoth = merged.keptBoth;
          const sig = { ...opts.author, time: Math.floor(store.deps.now() / 1000) };
          next = store.writeCommit({ tree: merged.tree ?? store.writeTree([]), parents: [local, theirs], author: sig, committer: sig, message: opts.message });
          kind = 'merge';
        }
      }
      const cas = await compareAndSwapRef(store.repo.git, { ref: store.ref, newOid: next, oldOid: local, zeroOid: store.zeroOid, message: `git-ctx: ${opts.message.split('\n')[0]}` });
      if (cas.ok) return { kind, before: local, tip: next, keptBoth, attempts: attempt };
      await store.deps.sleep(1 + (store.deps.random(1)[0]! % 8));
    }
  } finally {
    lock?.release();
  }
  throw new CtxError('E_CONTENTION', 1, `could not update ${store.ref} after ${MAX_ATTEMPTS} attempts`);
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
    Promise.all(heads.slice(1).map((h, i) => mergeBases(store, [h, ...heads.slice(0, i + 1)]))),
    Promise.all(heads.map((h) => committerTime(store, h))),
  ]);
  let tree: string | null = trees[0]!;
  const keptBoth = new Set<string>();
  for (let i = 1; i < heads.length; i++) {
    const merged = await mergeTrees(store, await baseTree(store, bases[i - 1]!), tree, trees[i]!);
    tree = merged.tree;
    for (const p of merged.keptBoth) keptBoth.add(p);
  }
  const sig = { ...MERGE_IDENTITY, time: Math.max(...times) };
  const commit = store.writeCommit({ tree: tree ?? store.writeTree([]), parents: heads, author: sig, committer: sig, message: `merge: ${heads.length} context histories\n` });
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
  if (cas.ok) return { tip: next, merged: false };
  const m = await mergeIntoBranch(store, next, opts);
  return { tip: m.tip, merged: true };
}

/**
 * Merge every tip into the branch (pull): one deterministic merge of the branch tip and the tips
 * (mergeCommits), landed with a compare-and-swap and redone when a local write moved the branch.
 */
export async function mergeTipsIntoBranch(store: Store, tips: readonly string[], opts: MergeOptions): Promise<MergeOutcome> {
  const lock = await store.writerLock();
  try {
    for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
      const local = await store.tip();
      const merged = await mergeCommits(store, local ? [local, ...tips] : tips);
      if (!merged || merged.commit === local) return { kind: 'up-to-date', before: local, tip: local ?? '', keptBoth: [], attempts: attempt };
      const kind: MergeOutcome['kind'] = !local ? 'created' : merged.kind === 'merge' ? 'merge' : 'fast-forward';
      const cas = await compareAndSwapRef(store.repo.git, { ref: store.ref, newOid: merged.commit, oldOid: local, zeroOid: store.zeroOid, message: `git-ctx: ${opts.message.split('\n')[0]}` });
      if (cas.ok) return { kind, before: local, tip: merged.commit, keptBoth: merged.keptBoth, attempts: attempt };
      await store.deps.sleep(1 + (store.deps.random(1)[0]! % 8));
    }
  } finally {
    lock?.release();
  }
  throw new CtxError('E_CONTENTION', 1, `could not update ${store.ref} after ${MAX_ATTEMPTS} attempts`);
}
