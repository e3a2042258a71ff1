/**
 * What git knows about a worktree, beyond what regenerate reads (src/regenerate/git.ts): its status
 * with branch and upstream, the files it changes over a commit, and the list of worktrees. All reads;
 * none of these touches the user's index.
 *
 * Why `status --porcelain=v2` and not `diff-index`/`diff-files`: those compare by the index's stat
 * data, so a file merely touched (or checked out within the last second) shows as modified until
 * something refreshes the index, and refreshing it is a write. `git status` refreshes it too, as a side
 * effect, unless GIT_OPTIONAL_LOCKS=0: then it compares contents in memory and writes nothing (git's
 * documented purpose for that variable; the tests assert the index bytes unchanged). Every call here
 * runs with it set.
 */
import type { GitRunner, RunOptions } from './run.js';
import { splitNul } from './run.js';

const READ_ONLY: RunOptions = { env: { GIT_OPTIONAL_LOCKS: '0' } };

/** Options for a read that must not take optional locks (so never refreshes the index). */
export function ro(extra: RunOptions = {}): RunOptions {
  return { ...extra, env: { ...READ_ONLY.env, ...extra.env } };
}

export interface StatusFile {
  path: string;
  /** Two letters as in `git status --short` (`.` for unchanged): index then worktree; `??` untracked. */
  xy: string;
  /** For a rename or copy: where it came from. */
  from?: string;
}

export interface WorktreeStatus {
  head: string | null;
  branch: string | null;
  upstream: string | null;
  ahead: number | null;
  behind: number | null;
  files: StatusFile[];
}

/** `git status --porcelain=v2 --branch -z --untracked-files=all`, without refreshing the index. */
export async function readStatus(git: GitRunner): Promise<WorktreeStatus> {
  const { stdout } = await git.run(['status', '--porcelain=v2', '--branch', '-z', '--untracked-files=all'], ro());
  return parseStatus(stdout.toString('utf8'));
}

export function parseStatus(out: string): WorktreeStatus {
  const st: WorktreeStatus = { head: null, branch: null, upstream: null, ahead: null, behind: null, files: [] };
  const fields = splitNul(out);
  for (let i = 0; i < fields.length; i++) {
    const f = fields[i]!;
    if (f.startsWith('# branch.oid ')) st.head = f.slice(13) === '(initial)' ? null : f.slice(13);
    else if (f.startsWith('# branch.head ')) st.branch = f.slice(14) === '(detached)' ? null : f.slice(14);
    else if (f.startsWith('# branch.upstream ')) st.upstream = f.slice(18);
    else if (f.startsWith('# branch.ab ')) {
      const m = /^\+(\d+) -(\d+)$/.exec(f.slice(12));
      if (m) [st.ahead, st.behind] = [Number(m[1]), Number(m[2])];
    } else if (f.startsWith('1 ')) st.files.push({ xy: f.slice(2, 4), path: afterSpaces(f, 8) });
    else if (f.startsWith('2 ')) st.files.push({ xy: f.slice(2, 4), path: afterSpaces(f, 9), from: fields[++i] });
    else if (f.startsWith('u ')) st.files.push({ xy: f.slice(2, 4), path: afterSpaces(f, 10) });
    else if (f.startsWith('? ')) st.files.push({ xy: '??', path: f.slice(2) });
  }
  return st;
}

/** The rest of `s` after `n` space-separated fields (paths may contain spaces). */
function afterSpaces(s: string, n: number): string {
  let i = 0;
  for (let k = 0; k < n; k++) i = s.indexOf(' ', i) + 1;
  return s.slice(i);
}

export async function subjectOf(git: GitRunner, commit: string): Promise<string> {
  return git.text(['log', '-1', '--format=%s', '--end-of-options', commit, '--'], ro());
}

/** Tracked paths whose worktree content may differ from `commit` (stat-based: may include touched files). */
export async function changedSince(git: GitRunner, commit: string): Promise<string[]> {
  const { stdout } = await git.run(['diff-index', '-z', '--name-only', '--no-renames', '--end-of-options', commit, '--'], ro());
  return splitNul(stdout);
}

/**
 * The same, since the merge base of `ref` and HEAD, in one git call (`diff-index --merge-base`, git
 * 2.30). Null when they have no merge base.
 */
export async function changedSinceMergeBase(git: GitRunner, ref: string): Promise<string[] | null> {
  const { stdout, status } = await git.run(['diff-index', '-z', '--name-only', '--no-renames', '--merge-base', '--end-of-options', ref, '--'], ro({ okStatus: [0, 128] }));
  return status === 0 ? splitNul(stdout) : null;
}

export interface WorktreeInfo {
  path: string;
  head: string | null;
  branch: string | null;
  bare: boolean;
  detached: boolean;
  locked: boolean;
  prunable: boolean;
}

/** `git worktree list --porcelain -z`. */
export async function listWorktrees(git: GitRunner): Promise<WorktreeInfo[]> {
  const { stdout } = await git.run(['worktree', 'list', '--porcelain', '-z'], ro({ okStatus: [0, 128] }));
  const out: WorktreeInfo[] = [];
  let cur: WorktreeInfo | null = null;
  for (const field of stdout.toString('utf8').split('\0')) {
    if (field.startsWith('worktree ')) {
      cur = { path: field.slice(9), head: null, branch: null, bare: false, detached: false, locked: false, prunable: false };
      out.push(cur);
    } else if (!cur) continue;
    else if (field.startsWith('HEAD ')) cur.head = field.slice(5);
    else if (field.startsWith('branch ')) cur.branch = field.slice(7).replace(/^refs\/heads\//, '');
    else if (field === 'bare') cur.bare = true;
    else if (field === 'detached') cur.detached = true;
    else if (field === 'locked' || field.startsWith('locked ')) cur.locked = true;
    else if (field === 'prunable' || field.startsWith('prunable ')) cur.prunable = true;
  }
  return out;
}
