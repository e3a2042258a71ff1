/**
 * The advisory writer lock. Correctness never depends on it (every ref update is a compare-and-swap),
 * but without it 16 concurrent writers spent ~90% of their attempts losing races; taking turns cuts
 * the wasted work roughly tenfold. It is a file created with O_EXCL holding "pid host token"; a holder
 * that died (same host, pid gone) or that held it past STALE_MS is ignored, so a killed process never
 * blocks the next command for long.
 */
import { openSync, writeSync, closeSync, readFileSync, unlinkSync, mkdirSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Deps } from '../deps.js';

const STALE_MS = 10_000;

export interface HeldLock {
  release(): void;
}

function holderIsGone(path: string, deps: Deps): boolean {
  try {
    const st = statSync(path);
    if (deps.now() - st.mtimeMs > STALE_MS) return true;
    const [pid, host] = readFileSync(path, 'utf8').split(' ');
    return host === deps.hostname && Number(pid) > 0 && !deps.processAlive(Number(pid));
  } catch {
    return false;
  }
}

/**
 * Take the lock, waiting up to `waitMs`. Returns null if it could not be had in time: the caller goes
 * ahead without it and relies on the compare-and-swap.
 */
export async function acquireLock(path: string, deps: Deps, waitMs = 10_000): Promise<HeldLock | null> {
  mkdirSync(dirname(path), { recursive: true });
  const token = Buffer.from(deps.random(8)).toString('hex');
  const content = `${deps.pid} ${deps.hostname} ${token}`;
  const start = deps.now();
  let delay = 1;
  for (;;) {
    try {
      const fd = openSync(path, 'wx');
      try {
        writeSync(fd, content);
      } finally {
        closeSync(fd);
      }
      return {
        release() {
          try {
            if (readFileSync(path, 'utf8') === content) unlinkSync(path);
          } catch {
            /* already removed as stale: nothing to release */
          }
        },
      };
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code !== 'EEXIST') return null; // read-only or odd filesystem: work without the lock
    }
    if (holderIsGone(path, deps)) {
      try {
        unlinkSync(path);
      } catch {
        /* someone else cleared it */
      }
      continue;
    }
    if (deps.now() - start > waitMs) return null;
    await deps.sleep(delay + Math.floor(deps.random(1)[0]! / 64));
    delay = Math.min(delay * 2, 16);
  }
}
