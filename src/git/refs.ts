/**
 * Reading and moving refs. Moving is always a compare-and-swap through `git update-ref <ref> <new> <old>`
 * (git takes the ref's lock, checks the old value, renames the lock into place): isomorphic-git's
 * writeRef has no old-value check and lost 1587 of 1600 concurrent appends in a measurement.
 */
import { statSync, unlinkSync } from 'node:fs';
import type { GitRunner } from './run.js';
import { GitError } from '../errors.js';

/** Git holds a ref lock for microseconds; one this old belongs to a process that died holding it. */
export const STALE_REF_LOCK_MS = 5000;

export type CasOutcome = { ok: true } | { ok: false; reason: 'moved' | 'locked' };

export async function resolveRef(git: GitRunner, ref: string): Promise<string | null> {
  const { stdout, status } = await git.run(['rev-parse', '-q', '--verify', '--end-of-options', `${ref}^{commit}`], { okStatus: [0, 1, 128] });
  return status === 0 ? stdout.toString('utf8').trim() : null;
}

/**
 * Move `ref` from `oldOid` (null: the ref must not exist) to `newOid`. Returns `moved` when someone else
 * moved it first, `locked` when a live process holds its lock. A lock file left by a process killed
 * mid-update (older than STALE_REF_LOCK_MS) is removed and the update retried once.
 */
export async function compareAndSwapRef(
  git: GitRunner,
  opts: { ref: string; newOid: string; oldOid: string | null; zeroOid: string; message: string },
): Promise<CasOutcome> {
  const args = ['update-ref', '-m', opts.message, '--end-of-options', opts.ref, opts.newOid, opts.oldOid ?? opts.zeroOid];
  for (let attempt = 0; ; attempt++) {
    const { status, stderr } = await git.run(args, { okStatus: [0, 1, 128] });
    if (status === 0) return { ok: true };
    const lock = /Unable to create '([^']+\.lock)': File exists/.exec(stderr);
    if (lock) {
      if (attempt === 0 && removeIfStale(lock[1]!)) continue;
      return { ok: false, reason: 'locked' };
    }
    if (/cannot lock ref|reference already exists|but expected|unable to resolve reference/.test(stderr)) {
      return { ok: false, reason: 'moved' };
    }
    throw new GitError(args, status, stderr);
  }
}

/** Remove a git lock file if it is older than the stale limit. Returns true if it was removed. */
export function removeIfStale(lockPath: string, now = Date.now()): boolean {
  try {
    const st = statSync(lockPath);
    if (now - st.mtimeMs < STALE_REF_LOCK_MS) return false;
    unlinkSync(lockPath);
    return true;
  } catch {
    // Gone already: the holder finished. Retrying is right.
    return true;
  }
}
