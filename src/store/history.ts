/**
 * Merge bases and independent tips, computed in process over the commits the store reads through its
 * long-lived `cat-file`, with git's own algorithm (commit-reach.c: paint_down_to_common, then
 * remove_redundant), so the answers are `git merge-base --all` and `git merge-base --independent`.
 *
 * Why not spawn git: merging every clone's history (store/merge.ts mergeCommits) asks for the merge
 * base of each tip against the tips before it, and, where histories criss-cross (they do when every
 * clone merges every other), for the merge bases of those bases, recursively: tens of questions per
 * sync with four clones, hundreds with thirty, each a git process. Here each question is a walk over
 * commits already parsed, from the tips down to their common ancestors.
 */
import type { Store } from './store.js';
import { InternalError } from '../errors.js';

interface CommitNode {
  oid: string;
  parents: string[];
  /** Committer time (seconds): the walk goes newest first, as git's does. */
  time: number;
}

const PARENT1 = 1;
const PARENT2 = 2;
const STALE = 4;
const RESULT = 8;

/** A max-heap of commits by time; ties by order of insertion, as git's prio_queue. */
class DateQueue {
  private heap: { node: CommitNode; seq: number }[] = [];
  private seq = 0;

  get size(): number {
    return this.heap.length;
  }

  push(node: CommitNode): void {
    this.heap.push({ node, seq: this.seq++ });
    let i = this.heap.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!this.before(i, p)) break;
      [this.heap[i], this.heap[p]] = [this.heap[p]!, this.heap[i]!];
      i = p;
    }
  }

  pop(): CommitNode | undefined {
    const top = this.heap[0];
    const last = this.heap.pop();
    if (!top || !last) return undefined;
    if (this.heap.length) {
      this.heap[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < this.heap.length && this.before(l, m)) m = l;
        if (r < this.heap.length && this.before(r, m)) m = r;
        if (m === i) break;
        [this.heap[i], this.heap[m]] = [this.heap[m]!, this.heap[i]!];
        i = m;
      }
    }
    return top.node;
  }

  private before(a: number, b: number): boolean {
    const x = this.heap[a]!;
    const y = this.heap[b]!;
    return x.node.time !== y.node.time ? x.node.time > y.node.time : x.seq < y.seq;
  }
}

/** Parsed commits of one store (commits never change, so they are kept for the store's life). */
const graphs = new WeakMap<Store, Map<string, CommitNode>>();

async function node(store: Store, oid: string): Promise<CommitNode> {
  let nodes = graphs.get(store);
  if (!nodes) graphs.set(store, (nodes = new Map()));
  const have = nodes.get(oid);
  if (have) return have;
  const obj = await store.cat.read(oid);
  if (!obj || obj.type !== 'commit') throw new InternalError(`not a commit: ${oid}`);
  const text = obj.content.toString('utf8', 0, Math.min(obj.content.length, 64 * 1024));
  const end = text.indexOf('\n\n');
  const parents: string[] = [];
  let time = 0;
  for (const line of (end < 0 ? text : text.slice(0, end)).split('\n')) {
    if (line.startsWith('parent ')) parents.push(line.slice(7));
    else if (line.startsWith('committer ')) time = Number(/> (\d+) [+-]\d{4}$/.exec(line)?.[1] ?? 0);
  }
  const n = { oid, parents, time };
  nodes.set(oid, n);
  return n;
}

/**
 * Walk down from `one` (PARENT1) and `twos` (PARENT2) until every commit still queued is below a
 * common ancestor; returns the flags of every commit seen and the common ancestors found, newest first.
 */
async function paintDownToCommon(store: Store, one: string, twos: readonly string[]): Promise<{ flags: Map<string, number>; found: CommitNode[] }> {
  const flags = new Map<string, number>();
  const queue = new DateQueue();
  const found: CommitNode[] = [];
  // How many queue entries point to each commit, and how many entries point to commits not yet
  // stale: git rescans its whole queue on every step for the latter; a count keeps the walk linear.
  const queued = new Map<string, number>();
  let nonStale = 0;
  const flagsOf = (oid: string) => flags.get(oid) ?? 0;
  const setFlags = (oid: string, f: number) => {
    const before = flagsOf(oid);
    if ((f & STALE) && !(before & STALE)) nonStale -= queued.get(oid) ?? 0;
    flags.set(oid, f);
  };
  const push = (n: CommitNode) => {
    queued.set(n.oid, (queued.get(n.oid) ?? 0) + 1);
    if (!(flagsOf(n.oid) & STALE)) nonStale++;
    queue.push(n);
  };
  setFlags(one, PARENT1);
  push(await node(store, one));
  for (const t of twos) {
    setFlags(t, flagsOf(t) | PARENT2);
    push(await node(store, t));
  }
  while (queue.size && nonStale > 0) {
    const commit = queue.pop()!;
    queued.set(commit.oid, queued.get(commit.oid)! - 1);
    if (!(flagsOf(commit.oid) & STALE)) nonStale--;
    let f = flagsOf(commit.oid) & (PARENT1 | PARENT2 | STALE);
    if (f === (PARENT1 | PARENT2)) {
      if (!(flagsOf(commit.oid) & RESULT)) {
        setFlags(commit.oid, flagsOf(commit.oid) | RESULT);
        found.push(commit);
      }
      // Everything below a common ancestor is no better than it.
      f |= STALE;
    }
    for (const p of commit.parents) {
      const pf = flagsOf(p);
      if ((pf & f) === f) continue;
      setFlags(p, pf | f);
      push(await node(store, p));
    }
  }
  return { flags, found };
}

/** Drop the commits that are ancestors of others in the list (git's remove_redundant). */
async function removeRedundant(store: Store, commits: readonly string[]): Promise<string[]> {
  const list = [...new Set(commits)];
  const redundant = new Set<string>();
  for (const c of list) {
    if (redundant.has(c)) continue;
    const others = list.filter((o) => o !== c && !redundant.has(o));
    if (!others.length) break;
    const { flags } = await paintDownToCommon(store, c, others);
    if ((flags.get(c) ?? 0) & PARENT2) redundant.add(c);
    for (const o of others) if ((flags.get(o) ?? 0) & PARENT1) redundant.add(o);
  }
  return list.filter((c) => !redundant.has(c));
}

/** `git merge-base --all one ...others`: the best common ancestors of `one` and a merge of the others, sorted. */
export async function mergeBasesOf(store: Store, one: string, others: readonly string[]): Promise<string[]> {
  if (!others.length) return [one];
  if (others.includes(one)) return [one];
  const { flags, found } = await paintDownToCommon(store, one, others);
  const candidates = found.filter((c) => !((flags.get(c.oid) ?? 0) & STALE)).map((c) => c.oid);
  return (candidates.length > 1 ? await removeRedundant(store, candidates) : candidates).sort();
}

/** `git merge-base --independent`: the tips none of the others contains, sorted. */
export async function independentOf(store: Store, tips: readonly string[]): Promise<string[]> {
  const unique = [...new Set(tips)];
  return (unique.length > 1 ? await removeRedundant(store, unique) : unique).sort();
}
