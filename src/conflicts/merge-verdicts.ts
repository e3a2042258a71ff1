/**
 * The ground truth: does a real merge of two states conflict, and where? Decided by
 * `git merge-tree --write-tree` (the merge machinery of `git merge`, on objects only: it never touches
 * an index, a worktree or a ref). All pairs go through one `git merge-tree --stdin` call: 28 pairs of
 * 8 worktrees took 46 ms that way, 339 ms with one process per pair. Git before 2.39 has no --stdin;
 * there, one process per pair.
 */
import type { GitRunner, RunOptions } from '../git/run.js';
import { splitNul } from '../git/run.js';
import { GitError, InternalError } from '../errors.js';
import { mapLimit } from './limit.js';

export type ConflictKind = 'content' | 'add/add' | 'modify/delete' | 'other';

export interface MergeConflict {
  path: string;
  kind: ConflictKind;
}

export interface MergeVerdict {
  clean: boolean;
  conflicts: MergeConflict[];
}

/** What the stages present for a conflicted path say about the conflict. */
function kindOf(stages: ReadonlySet<number>): ConflictKind {
  if (stages.has(1) && stages.has(2) && stages.has(3)) return 'content';
  if (!stages.has(1) && stages.has(2) && stages.has(3)) return 'add/add';
  if (stages.has(1) && (stages.has(2) || stages.has(3))) return 'modify/delete';
  return 'other';
}

/** "<mode> <oid> <stage>\t<path>" records, grouped by path. */
function conflictsOf(records: readonly string[]): MergeConflict[] {
  const stages = new Map<string, Set<number>>();
  for (const rec of records) {
    const tab = rec.indexOf('\t');
    const path = rec.slice(tab + 1);
    const stage = Number(rec.slice(0, tab).split(' ')[2]);
    if (!stages.has(path)) stages.set(path, new Set());
    stages.get(path)!.add(stage);
  }
  return [...stages].map(([path, s]) => ({ path, kind: kindOf(s) }));
}

/**
 * Parse `merge-tree --write-tree --stdin -z --no-messages` output. Per merge: the status (1 clean,
 * 0 conflicted), the tree, the conflicted file records, then an empty field.
 */
export function parseMergeTreeBatch(out: Buffer | string, expected: number): MergeVerdict[] {
  const fields = splitNul(out);
  const verdicts: MergeVerdict[] = [];
  let i = 0;
  while (i < fields.length) {
    const status = fields[i++];
    i++; // the tree
    const records: string[] = [];
    while (i < fields.length && fields[i] !== '') records.push(fields[i++]!);
    i++; // the empty field that ends this merge
    verdicts.push({ clean: status === '1', conflicts: status === '1' ? [] : conflictsOf(records) });
  }
  if (verdicts.length !== expected) throw new InternalError(`merge-tree answered ${verdicts.length} merges for ${expected}`);
  return verdicts;
}

/** Parse one `merge-tree --write-tree -z --no-messages A B` (exit 1 when it conflicts). */
export function parseMergeTreeSingle(out: Buffer | string, status: number): MergeVerdict {
  const [, ...rest] = splitNul(out);
  const records = rest.filter((r) => r !== '');
  return { clean: status === 0, conflicts: status === 0 ? [] : conflictsOf(records) };
}

let stdinSupported: boolean | undefined;

/** Merge each pair of commits (in memory) and report the conflicts. */
export async function mergeVerdicts(git: GitRunner, pairs: readonly (readonly [string, string])[], run: () => RunOptions = () => ({})): Promise<MergeVerdict[]> {
  if (!pairs.length) return [];
  if (stdinSupported !== false) {
    const input = pairs.map(([a, b]) => `${a} ${b}\n`).join('');
    const r = await git.run(['merge-tree', '--write-tree', '--stdin', '-z', '--no-messages'], { ...run(), input, okStatus: [0, 129] });
    if (r.status === 0) {
      stdinSupported = true;
      return parseMergeTreeBatch(r.stdout, pairs.length);
    }
    // 129: usage error, an older git without --stdin.
    if (!/stdin/.test(r.stderr)) throw new GitError(['merge-tree', '--stdin'], r.status, r.stderr);
    stdinSupported = false;
  }
  return mapLimit(pairs, 4, async ([a, b]) => {
    const r = await git.run(['merge-tree', '--write-tree', '-z', '--no-messages', a, b], { ...run(), okStatus: [0, 1] });
    return parseMergeTreeSingle(r.stdout, r.status!);
  });
}
