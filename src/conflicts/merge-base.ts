/**
 * Merge bases of many pairs of commits with two git calls instead of one per pair.
 *
 * `git merge-base --octopus` gives O, a common ancestor of every head; `git rev-list --parents
 * --boundary <heads> ^O` gives the part of history above it (the branches, usually short). In that
 * graph, each commit learns which heads reach it (children before parents, so one pass), and a best
 * common ancestor of heads a and b is a commit both reach that has no child both reach, as
 * `git merge-base --all` defines it. Commits below O are never needed: O is common to every pair, so
 * it stands for all of them. 28 pairs of 8 worktrees cost the same two calls as one pair.
 */
import type { GitRunner, RunOptions } from '../git/run.js';
import { mapLimit } from './limit.js';

export interface HistoryGraph {
  /** Commits above the octopus base, children before parents, with their parents. */
  commits: { oid: string; parents: string[]; boundary: boolean }[];
  /** The octopus merge base of all heads. */
  octopus: string;
}

/** Parse `git rev-list --parents --boundary` output: "oid parent..." lines, boundary ones prefixed "-". */
export function parseRevList(out: string): HistoryGraph['commits'] {
  const commits: HistoryGraph['commits'] = [];
  for (const line of out.split('\n')) {
    if (!line) continue;
    const boundary = line.startsWith('-');
    const [oid, ...parents] = (boundary ? line.slice(1) : line).split(' ');
    commits.push({ oid: oid!, parents, boundary });
  }
  return commits;
}

/**
 * For each pair of heads (indexes into `heads`), its merge bases (newest first; several after
 * criss-cross merges). Pure.
 */
export function pairMergeBases(graph: HistoryGraph, heads: readonly string[], pairs: readonly (readonly [number, number])[]): string[][] {
  const index = new Map<string, number>();
  const nodes: { oid: string; parents: number[]; boundary: boolean; children: number[] }[] = [];
  const node = (oid: string, boundary: boolean): number => {
    let i = index.get(oid);
    if (i === undefined) {
      i = nodes.length;
      index.set(oid, i);
      nodes.push({ oid, parents: [], boundary, children: [] });
    }
    return i;
  };
  for (const c of graph.commits) {
    const i = node(c.oid, c.boundary);
    nodes[i]!.boundary = c.boundary;
  }
  for (const c of graph.commits) {
    if (c.boundary) continue;
    const i = index.get(c.oid)!;
    for (const p of c.parents) {
      const j = node(p, true);
      nodes[i]!.parents.push(j);
      nodes[j]!.children.push(i);
    }
  }
  // A head equal to the octopus base is not listed by rev-list (it is excluded): add it as a node.
  for (const h of heads) node(h, h === graph.octopus || !index.has(h));
  const octo = node(graph.octopus, true);

  // Which heads reach each commit, as bit sets over the head list (words of 32 heads).
  const words = Math.ceil(heads.length / 32) || 1;
  const reach = new Uint32Array(nodes.length * words);
  heads.forEach((h, k) => (reach[index.get(h)! * words + (k >> 5)]! |= 1 << (k & 31)));
  // rev-list lists children before parents, so one pass in its order carries bits down to the parents.
  for (const c of graph.commits) {
    if (c.boundary) continue;
    const i = index.get(c.oid)!;
    for (const j of nodes[i]!.parents) for (let w = 0; w < words; w++) reach[j * words + w]! |= reach[i * words + w]!;
  }
  const has = (i: number, k: number) => (reach[i * words + (k >> 5)]! >>> (k & 31)) & 1;
  // Every head reaches the octopus base, even through history rev-list left out.
  heads.forEach((_, k) => (reach[octo * words + (k >> 5)]! |= 1 << (k & 31)));

  return pairs.map(([a, b]) => {
    const bases: string[] = [];
    nodes.forEach((n, i) => {
      if (!has(i, a) || !has(i, b)) return;
      // Boundary commits other than O lie below O, which is itself common: never best.
      if (n.boundary && i !== octo) return;
      if (n.children.some((c) => has(c, a) && has(c, b))) return;
      bases.push(n.oid);
    });
    return bases;
  });
}

/**
 * Merge bases of the given pairs of commits: two git calls for any number of pairs, or one
 * `git merge-base --all` per pair when the heads share no common ancestor at all (unrelated
 * histories). An empty list means the pair has no common history.
 */
export async function mergeBases(git: GitRunner, heads: readonly string[], pairs: readonly (readonly [number, number])[], run: () => RunOptions = () => ({})): Promise<string[][]> {
  if (!pairs.length) return [];
  const distinct = [...new Set(pairs.flat().map((i) => heads[i]!))];
  const octo = distinct.length === 1 ? distinct[0]! : (await git.run(['merge-base', '--octopus', ...distinct], { ...run(), okStatus: [0, 1] })).stdout.toString('utf8').trim().split('\n')[0];
  if (!octo) {
    return mapLimit(pairs, 4, async ([a, b]) => {
      const r = await git.run(['merge-base', '--all', heads[a]!, heads[b]!], { ...run(), okStatus: [0, 1] });
      return r.stdout.toString('utf8').split('\n').filter(Boolean);
    });
  }
  const out = distinct.length === 1 ? '' : await git.text(['rev-list', '--topo-order', '--parents', '--boundary', ...distinct, `^${octo}`, '--'], run());
  return pairMergeBases({ commits: parseRevList(out), octopus: octo }, heads, pairs);
}
