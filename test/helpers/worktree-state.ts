/**
 * Ground truth for conflict tests, computed without git-ctx: a worktree's whole state (committed,
 * staged, unstaged, untracked) turned into a commit by copying its files into a throwaway worktree,
 * and a real `git merge` of two such commits. Also a fingerprint of everything a scan must not touch.
 */
import { copyFileSync, existsSync, lstatSync, mkdirSync, readFileSync, readlinkSync, symlinkSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { dirname, join } from 'node:path';
import { git, tempDir } from './repo.js';

const NO_LOCKS = { GIT_OPTIONAL_LOCKS: '0' };

/** The bytes of the index and the porcelain status (read without letting git refresh the index), HEAD, stash. */
export function frozenState(worktree: string): string {
  const gitDir = git(worktree, ['rev-parse', '--absolute-git-dir']);
  const index = join(gitDir, 'index');
  return JSON.stringify({
    index: existsSync(index) ? createHash('sha1').update(readFileSync(index)).digest('hex') : 'none',
    status: git(worktree, ['status', '--porcelain=v1', '-z', '--untracked-files=all', '--ignored'], { env: NO_LOCKS }),
    head: readFileSync(join(gitDir, 'HEAD'), 'utf8'),
    stash: git(worktree, ['stash', 'list'], { env: NO_LOCKS }),
  });
}

/**
 * Commit the whole state of `worktree` (ignored files excluded) in `repo`, by copying files into a
 * throwaway worktree at the same HEAD. Returns the commit id.
 */
export function stateCommit(repo: string, worktree: string): string {
  const head = git(worktree, ['rev-parse', 'HEAD']);
  const files = git(worktree, ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], { env: NO_LOCKS }).split('\0').filter(Boolean);
  const scratch = join(tempDir('git-ctx-state-'), 's');
  git(repo, ['worktree', 'add', '-q', '--detach', scratch, head]);
  try {
    if (git(scratch, ['ls-files'])) git(scratch, ['rm', '-q', '-r', '-f', '--', '.']);
    for (const f of [...new Set(files)]) {
      const from = join(worktree, f);
      let st;
      try {
        st = lstatSync(from);
      } catch {
        continue; // deleted in the worktree
      }
      const to = join(scratch, f);
      mkdirSync(dirname(to), { recursive: true });
      if (st.isSymbolicLink()) symlinkSync(readlinkSync(from), to);
      else copyFileSync(from, to);
    }
    git(scratch, ['add', '-A']);
    git(scratch, ['commit', '-q', '--allow-empty', '--no-verify', '-m', `state of ${worktree}`]);
    return git(scratch, ['rev-parse', 'HEAD']);
  } finally {
    git(repo, ['worktree', 'remove', '--force', scratch]);
  }
}

export interface RealMerge {
  clean: boolean;
  conflicted: string[];
}

/** What `git merge` really does with two commits, in a throwaway worktree of `repo`. */
export function realMerge(repo: string, a: string, b: string): RealMerge {
  const scratch = join(tempDir('git-ctx-merge-'), 'm');
  git(repo, ['worktree', 'add', '-q', '--detach', scratch, a]);
  try {
    let clean = true;
    try {
      git(scratch, ['-c', 'merge.conflictStyle=merge', 'merge', '-q', '--no-edit', '--no-ff', '--no-verify', b]);
    } catch {
      clean = false;
    }
    const conflicted = clean ? [] : git(scratch, ['diff', '--name-only', '-z', '--diff-filter=U']).split('\0').filter(Boolean).sort();
    if (!clean) git(scratch, ['merge', '--abort']);
    return { clean, conflicted };
  } finally {
    git(repo, ['worktree', 'remove', '--force', scratch]);
  }
}
