/**
 * The worktrees of a repository, as `git worktree list --porcelain -z` reports them, with the git dir
 * of each (read from its `.git` file), so that each can be read with its own GIT_DIR / GIT_WORK_TREE.
 */
import { readFileSync, realpathSync, statSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import type { GitRunner, RunOptions } from '../git/run.js';
import { splitNul } from '../git/run.js';

export interface WorktreeRecord {
  path: string;
  head: string | null;
  /** Full ref name of the branch checked out, or null (detached, bare). */
  branchRef: string | null;
  bare: boolean;
  prunable: boolean;
}

export interface Worktree {
  path: string;
  gitDir: string;
  head: string | null;
  /** Short branch name, or null when detached. */
  branch: string | null;
}

/** Parse `git worktree list --porcelain -z`: attribute fields, each record ended by an empty field. */
export function parseWorktreeList(out: Buffer | string): WorktreeRecord[] {
  const records: WorktreeRecord[] = [];
  let cur: WorktreeRecord | null = null;
  for (const field of splitNul(out)) {
    if (field === '') {
      cur = null;
      continue;
    }
    const sp = field.indexOf(' ');
    const key = sp < 0 ? field : field.slice(0, sp);
    const value = sp < 0 ? '' : field.slice(sp + 1);
    if (key === 'worktree') {
      cur = { path: value, head: null, branchRef: null, bare: false, prunable: false };
      records.push(cur);
    } else if (!cur) continue;
    else if (key === 'HEAD') cur.head = /^0+$/.test(value) ? null : value;
    else if (key === 'branch') cur.branchRef = value;
    else if (key === 'bare') cur.bare = true;
    else if (key === 'prunable') cur.prunable = true;
  }
  return records;
}

/** A path with symbolic links resolved, so that one worktree has one name (and one session key). */
export function canonicalPath(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return resolve(path);
  }
}

/** A worktree's git dir: `.git` itself (main worktree) or the directory its `.git` file names. */
export function worktreeGitDir(path: string): string | null {
  const dotGit = join(path, '.git');
  try {
    if (statSync(dotGit).isDirectory()) return dotGit;
    const m = /^gitdir:\s*(.+?)\s*$/m.exec(readFileSync(dotGit, 'utf8'));
    if (!m) return null;
    return isAbsolute(m[1]!) ? m[1]! : resolve(path, m[1]!);
  } catch {
    return null;
  }
}

/**
 * The repository's worktrees that can be compared: not bare, not missing, HEAD on a commit, and not
 * on `skipBranchRef` (the context branch: it is git-ctx's, not anyone's work).
 */
export async function listWorktrees(git: GitRunner, skipBranchRef: string, run: () => RunOptions = () => ({})): Promise<Worktree[]> {
  const { stdout } = await git.run(['worktree', 'list', '--porcelain', '-z'], run());
  const out: Worktree[] = [];
  for (const r of parseWorktreeList(stdout)) {
    if (r.bare || r.prunable || !r.head || r.branchRef === skipBranchRef) continue;
    const gitDir = worktreeGitDir(r.path);
    if (!gitDir) continue;
    out.push({ path: canonicalPath(r.path), gitDir, head: r.head, branch: r.branchRef?.startsWith('refs/heads/') ? r.branchRef.slice(11) : null });
  }
  return out;
}
