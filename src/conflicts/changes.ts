/**
 * Which files changed between two commits, renames followed, for many pairs of commits in one
 * `git diff-tree --stdin` call. Each input line `<to> <from>` asks for the diff from `from` to `to`;
 * `--always` makes git print the header line even for an empty diff, so outputs split by line.
 */
import type { GitRunner, RunOptions } from '../git/run.js';
import { splitNul } from '../git/run.js';
import { InternalError } from '../errors.js';

export type ChangeStatus = 'A' | 'M' | 'D' | 'R' | 'C' | 'T';

export interface FileChange {
  status: ChangeStatus;
  /** The path after the change (for a deletion, the path deleted). */
  path: string;
  /** The path in the base: differs from `path` only for renames and copies. */
  oldPath: string;
  /** Blob in the base, null when added. */
  oldOid: string | null;
  /** Blob after the change, null when deleted. */
  oid: string | null;
  oldMode: string;
  mode: string;
}

const ZERO = /^0+$/;

/** Parse `diff-tree -r -z --raw --stdin --always` output into one list of changes per input line. */
export function parseDiffTreeBatch(out: Buffer | string, expected: number): FileChange[][] {
  const fields = splitNul(out);
  const lists: FileChange[][] = [];
  let i = 0;
  while (i < fields.length) {
    const f = fields[i]!;
    if (!f.startsWith(':')) {
      // A header line: the commit of the next input line.
      lists.push([]);
      i++;
      continue;
    }
    const current = lists[lists.length - 1];
    if (!current) throw new InternalError('diff-tree output starts without a header');
    const [oldMode, mode, oldOid, oid, statusText] = f.slice(1).split(' ');
    const status = statusText![0] as ChangeStatus;
    const twoPaths = status === 'R' || status === 'C';
    const first = fields[i + 1]!;
    const second = twoPaths ? fields[i + 2]! : first;
    i += twoPaths ? 3 : 2;
    current.push({
      status,
      path: second,
      oldPath: first,
      oldOid: ZERO.test(oldOid!) ? null : oldOid!,
      oid: ZERO.test(oid!) ? null : oid!,
      oldMode: oldMode!,
      mode: mode!,
    });
  }
  if (lists.length !== expected) throw new InternalError(`diff-tree answered ${lists.length} diffs for ${expected}`);
  return lists;
}

/** The changes from each `from` to its `to` (both commits), in one git call. */
export async function diffCommits(git: GitRunner, pairs: readonly { from: string; to: string }[], run: () => RunOptions = () => ({})): Promise<FileChange[][]> {
  if (!pairs.length) return [];
  const input = pairs.map((p) => `${p.to} ${p.from}\n`).join('');
  const { stdout } = await git.run(['diff-tree', '--stdin', '--always', '-r', '-z', '-M', '--raw', '--no-abbrev'], { ...run(), input });
  return parseDiffTreeBatch(stdout, pairs.length);
}
