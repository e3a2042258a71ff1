/**
 * The advisory writer lock. Correctness never depends on it (every ref update is a compare-and-swap),
 * but without it 16 concurrent writers spent ~90% of their attempts losing races; taking turns cuts
 * the wasted work roughly tenfold. It is a file holding "pid host token"; a holder that died (same
 * host, pid gone) or that held it past STALE_MS is ignored, so a killed process never blocks the next
 * command for long.
 *
 * The file appears whole or not at all: it is written under a private name and hard-linked into place
 * (link fails if the lock exists, as O_EXCL does). Created with O_EXCL and then written, a process
 * killed between the two left an empty lock that named no holder, and the next writer waited the full
 * STALE_MS for it. Where hard links are not supported, O_EXCL is the fallback, and an empty or
 * unreadable lock is taken as abandoned after EMPTY_GRACE_MS.
 */
import { openSync, writeSync, closeSync, readFileSync, unlinkSync, mkdirSync, statSync, writeFileSync, linkSync, readdirSync, type Stats } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Deps } from '../deps.js';

const STALE_MS = 10_000;
/** A live writer fills its lock within microseconds of creating it. */
const EMPTY_GRACE_MS = 2_000;
/** A holder's turn takes milliseconds; only a lock older than this is checked for a dead holder. */
const CHECK_AFTER_MS = 100;

export interface HeldLock {
  release(): void;
}

/**
 * Whether the holder of the lock (whose file `st` describes) is gone. A holder's turn is short, so its
 * file is read only once it is older than CHECK_AFTER_MS: waiters poll often, and reading on every
 * poll cost more than the turns themselves.
 */
function holderIsGone(path: string, st: Stats, deps: Deps): boolean {
  try {
    const age = deps.now() - st.mtimeMs;
    if (age > STALE_MS) return true;
    if (age < CHECK_AFTER_MS) return false;
    const [pid, host] = readFileSync(path, 'utf8').split(' ');
    if (!(Number(pid) > 0) || !host) return age > EMPTY_GRACE_MS;
    return host === deps.hostname && !deps.processAlive(Number(pid));
  } catch {
    return false;
  }
}

function statOrNull(path: string): Stats | null {
  try {
    return statSync(path);
  } catch {
    return null;
  }
}

/** Create the lock file with its content in one step. False if it exists. */
function create(path: string, content: string, token: string): boolean {
  const tmp = `${path}.${token}.tmp`;
  try {
    writeFileSync(tmp, content, { flag: 'wx' });
    try {
      linkSync(tmp, path);
      return true;
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'EEXIST') return false;
      if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'ENOSYS' && code !== 'EOPNOTSUPP') throw e;
    } finally {
      try {
        unlinkSync(tmp);
      } catch {
        /* gone already */
      }
    }
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw e;
  }
  // No hard links here: O_EXCL, then write.
  const fd = openSync(path, 'wx');
  try {
    writeSync(fd, content);
  } finally {
    closeSync(fd);
  }
  return true;
}

/** Remove private files that killed processes left beside the lock (rare: only after a crash). */
function sweep(path: string, deps: Deps): void {
  try {
    const dir = dirname(path);
    for (const name of readdirSync(dir)) {
      if (!name.endsWith('.tmp')) continue;
      const p = join(dir, name);
      if (deps.now() - statSync(p).mtimeMs > STALE_MS) unlinkSync(p);
    }
  } catch {
    /* best effort */
  }
}

/**
 * Take the lock, waiting up to `waitMs`. Returns null if it could not be had in time: the caller goes
 * ahead without it and relies on the compare-and-swap. Also null as soon as `stop()` is true (checked
 * between tries): a queued writer stops waiting once the holder has landed its change.
 */
export async function acquireLock(path: string, deps: Deps, waitMs = 10_000, stop?: () => boolean): Promise<HeldLock | null> {
  mkdirSync(dirname(path), { recursive: true });
  const token = Buffer.from(deps.random(8)).toString('hex');
  const content = `${deps.pid} ${deps.hostname} ${token}`;
  const start = deps.now();
  let delay = 1;
  for (;;) {
    // A stat is all a poll costs while the lock is held; creating (a file and a link) only once it is free.
    const st = statOrNull(path);
    if (!st) {
      try {
        if (create(path, content, token)) {
          return {
            release() {
              try {
                if (readFileSync(path, 'utf8') === content) unlinkSync(path);
              } catch {
                /* already removed as stale: nothing to release */
              }
            },
          };
        }
      } catch {
        return null; // read-only or odd filesystem: work without the lock
      }
    } else if (holderIsGone(path, st, deps)) {
      try {
        unlinkSync(path);
      } catch (e) {
        // Not ours to remove (another user's lock in a shared repository): work without the lock.
        if ((e as NodeJS.ErrnoException).code !== 'ENOENT') return null;
      }
      sweep(path, deps);
      continue;
    }
    if (deps.now() - start > waitMs || stop?.()) return null;
    await deps.sleep(delay + Math.floor(deps.random(1)[0]! / 64));
    delay = Math.min(delay * 2, 8);
  }
}
