/**
 * Merge bases and independent tips, computed in process over the commits the store reads through its
 * long-lived `cat-file`, with git's own algorithm (commit-reach.c: paint_down_to_common, then
 * remove_redundant), so the answers are `git merge-base --all` and `git merge-base --independent`.
 *
 * Why not spawn git: merging every clone's history (store/merge-tips.ts mergeCommits) asks for the merge
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
  /** The parents' nodes, once loaded. */
  parentNodes?: CommitNode[];
  /** Flags of the walk numbered `walk` (walks reuse the nodes instead of a map per walk). */
  walk: number;
  flags: number;
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
interface Graph {
  nodes: Map<string, CommitNode>;
  walks: number;
  busy: Promise<void>;
}
const graphs = new WeakMap<Store, Graph>();

function graph(store: Store): Graph {
  let g = graphs.get(store);
  if (!g) graphs.set(store, (g = { nodes: new Map(), walks: 0, busy: Promise.resolve() }));
  return g;
}

async function node(store: Store, oid: string): Promise<CommitNode> {
  const g = graph(store);
  const have = g.nodes.get(oid);
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
  const n: CommitNode = { oid, parents, time, walk: 0, flags: 0 };
  g.nodes.set(oid, n);
  return n;
}

/** A commit's parents' nodes, read once (all of them at once) and kept. */
async function parentsOf(store: Store, n: CommitNode): Promise<CommitNode[]> {
  if (!n.parentNodes) n.parentNodes = await Promise.all(n.parents.map((p) => node(store, p)));
  return n.parentNodes;
}

/**
 * Walk down from `one` (PARENT1) and `twos` (PARENT2) until every commit still queued is below a
 * common ancestor; returns the flags of the commits seen (valid until the next walk: hold `exclusive`) and
 * the best common ancestors found (those no other common ancestor found lies above), newest first.
 */
async function paintDownToCommon(store: Store, one: string, twos: readonly string[]): Promise<{ flagsOf: (oid: string) => number; found: CommitNode[] }> {
  const g = graph(store);
  const walk = ++g.walks;
  const queue = new DateQueue();
  const found: CommitNode[] = [];
  // How many queue entries point to each commit, and how many point to commits not yet stale: git
  // rescans its whole queue on every step for the latter; a count keeps the walk linear.
  const queued = new Map<CommitNode, number>();
  let nonStale = 0;
  const flagsOf = (n: CommitNode) => (n.walk === walk ? n.flags : 0);
  const setFlags = (n: CommitNode, f: number) => {
    if (f & STALE && !(flagsOf(n) & STALE)) nonStale -= queued.get(n) ?? 0;
    n.walk = walk;
    n.flags = f;
  };
  const push = (n: CommitNode) => {
    queued.set(n, (queued.get(n) ?? 0) + 1);
    if (!(flagsOf(n) & STALE)) nonStale++;
    queue.push(n);
  };
  const start = await node(store, one);
  setFlags(start, PARENT1);
  push(start);
  for (const t of await Promise.all(twos.map((x) => node(store, x)))) {
    setFlags(t, flagsOf(t) | PARENT2);
    push(t);
  }
  while (queue.size && nonStale > 0) {
    const commit = queue.pop()!;
    queued.set(commit, queued.get(commit)! - 1);
    if (!(flagsOf(commit) & STALE)) nonStale--;
    let f = flagsOf(commit) & (PARENT1 | PARENT2 | STALE);
    if (f === (PARENT1 | PARENT2)) {
      if (!(flagsOf(commit) & RESULT)) {
        setFlags(commit, flagsOf(commit) | RESULT);
        found.push(commit);
      }
      // Everything below a common ancestor is no better than it.
      f |= STALE;
    }
    const parents = commit.parentNodes ?? (await parentsOf(store, commit));
    for (const p of parents) {
      const pf = flagsOf(p);
      if ((pf & f) === f) continue;
      setFlags(p, pf | f);
      push(p);
    }
  }
  const nodes = g.nodes;
  return {
    flagsOf: (oid) => {
      const n = nodes.get(oid);
      return n ? flagsOf(n) : 0;
    },
    found: found.filter((c) => !(flagsOf(c) & STALE)),
  };
}

/**
 * Walks keep their flags on the shared nodes, so one walk at a time per store: callers that ask in
 * parallel (a merge's fold) queue here. A walk is CPU work between a few object reads.
 */
async function exclusive<T>(store: Store, fn: () => Promise<T>): Promise<T> {
  const g = graph(store);
  const prev = g.busy;
  let release!: () => void;
  g.busy = new Promise<void>((r) => (release = r));
  await prev;
  try {
    return await fn();
  } finally {
    release();
  }
}

/** Drop the commits that are ancestors of others in the list (git's remove_redundant). */
async function removeRedundant(store: Store, commits: readonly string[]): Promise<string[]> {
  const list = [...new Set(commits)];
  const redundant = new Set<string>();
  for (const c of list) {
    if (redundant.has(c)) continue;
    const others = list.filter((o) => o !== c && !redundant.has(o));
    if (!others.length) break;
    const flagsOf = await exclusive(store, async () => {
      const { flagsOf: f } = await paintDownToCommon(store, c, others);
      const snapshot = new Map([c, ...others].map((x) => [x, f(x)]));
      return (x: string) => snapshot.get(x) ?? 0;
    });
    if (flagsOf(c) & PARENT2) redundant.add(c);
    for (const o of others) if (flagsOf(o) & PARENT1) redundant.add(o);
  }
  return list.filter((c) => !redundant.has(c));
}

/** `git merge-base --all one ...others`: the best common ancestors of `one` and a merge of the others, sorted. */
export async function mergeBasesOf(store: Store, one: string, others: readonly string[]): Promise<string[]> {
  if (!others.length) return [one];
  if (others.includes(one)) return [one];
  const candidates = await exclusive(store, async () => (await paintDownToCommon(store, one, others)).found.map((c) => c.oid));
  return (candidates.length > 1 ? await removeRedundant(store, candidates) : candidates).sort();
}

/**
 * The common ancestors of `one` and a merge of `others` that no other common ancestor found by the
 * walk lies above: the best ones (mergeBasesOf), and possibly a few that are ancestors of those
 * (git drops them in a further walk per candidate). For a merge against the union of its bases
 * (merge.ts baseTree) the extra ones change nothing, and each further walk costs as much as this one.
 */
export async function commonAncestorsOf(store: Store, one: string, others: readonly string[]): Promise<string[]> {
  if (!others.length || others.includes(one)) return [one];
  return exclusive(store, async () => (await paintDownToCommon(store, one, others)).found.map((c) => c.oid).sort());
}

/** `git merge-base --independent`: the tips none of the others contains, sorted. */
export async function independentOf(store: Store, tips: readonly string[]): Promise<string[]> {
  const unique = [...new Set(tips)];
  return (unique.length > 1 ? await removeRedundant(store, unique) : unique).sort();
}

/**
 * Which of `commits` the walk from `tips` reaches within `budget` commits read, newest first: a cheap
 * answer for the common case (a ref that moved forward by a few commits), where asking git would cost
 * a process. A commit not in the answer may still be an ancestor: ask git then.
 */
export async function reachedWithin(store: Store, commits: readonly string[], tips: readonly string[], budget: number): Promise<Set<string>> {
  const wanted = new Set(commits);
  const reached = new Set<string>();
  const seen = new Set<string>();
  const queue = new DateQueue();
  for (const t of new Set(tips)) {
    seen.add(t);
    queue.push(await node(store, t));
  }
  for (let n = queue.pop(); n && reached.size < wanted.size && seen.size <= budget; n = queue.pop()) {
    if (wanted.has(n.oid)) reached.add(n.oid);
    for (const p of await parentsOf(store, n)) {
      if (seen.has(p.oid)) continue;
      seen.add(p.oid);
      queue.push(p);
    }
  }
  return reached;
}
