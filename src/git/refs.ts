/**
 * Reading and moving refs. Moving is always a compare-and-swap through `git update-ref <ref> <new> <old>`
 * (git takes the ref's lock, checks the old value, renames the lock into place, in a process of its own
 * that finishes whatever happens to this one). isomorphic-git's writeRef
 * has no old-value check and lost 1587 of 1600 concurrent appends in a measurement.
 */
import { existsSync, readdirSync, readFileSync, statSync, unlinkSync, type Dirent } from 'node:fs';
import { join } from 'node:path';
import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import type { GitRunner } from './run.js';
import { CtxError, GitError } from '../errors.js';

/**
 * git-ctx's private refs (under refs/ctx/, which nothing else writes): a lock on one older than this
 * was left by a git-ctx fetch that was killed, and is removed (src/git/remote.ts).
 */
export const STALE_REF_LOCK_MS = 5000;

/**
 * How long a writer keeps retrying while git's lock on the context branch (`<ref>.lock`) is held.
 * git holds a ref lock for microseconds; one held longer belongs to a live git command (a transaction
 * kept open, `git branch -f`, a fetch into the branch) or to one killed while it held it. Either way
 * it is not git-ctx's to remove: git never removes another process's lock either, it tells the user.
 */
export const REF_LOCK_WAIT_MS = 5000;

export type CasOutcome = { ok: true } | { ok: false; reason: 'moved' } | { ok: false; reason: 'locked'; lockFile: string };

/** The error of a write that found git's lock on its ref held for REF_LOCK_WAIT_MS. */
export class RefLockedError extends CtxError {
  constructor(ref: string, lockFile: string, waitedMs: number) {
    super('E_REF_LOCKED', 1, `cannot update ${ref}: ${lockFile} exists (another git process is updating it, or was killed while it did); waited ${(waitedMs / 1000).toFixed(1)} s`, {
      data: { ref, lockFile, waitedMs },
      hint: `run the command again once the other git command is done; if no git process is running, remove ${lockFile}`,
    });
  }
}

/**
 * Keeps the time a writer has found its ref locked: `locked()` throws RefLockedError once the lock has
 * been held for REF_LOCK_WAIT_MS since it was first found.
 */
export class RefLockWatch {
  private since: number | null = null;

  constructor(
    private readonly ref: string,
    private readonly now: () => number,
    private readonly waitMs = REF_LOCK_WAIT_MS,
  ) {}

  locked(lockFile: string): void {
    const t = this.now();
    this.since ??= t;
    if (t - this.since >= this.waitMs) throw new RefLockedError(this.ref, lockFile, t - this.since);
  }

  /** The ref was not locked this time: a new lock starts a new wait. */
  free(): void {
    this.since = null;
  }
}

export async function resolveRef(git: GitRunner, ref: string): Promise<string | null> {
  const { stdout, status } = await git.run(['rev-parse', '-q', '--verify', '--end-of-options', `${ref}^{commit}`], { okStatus: [0, 1, 128] });
  return status === 0 ? stdout.toString('utf8').trim() : null;
}

/**
 * Move `ref` from `oldOid` (null: the ref must not exist) to `newOid`. Returns `moved` when someone else
 * moved it first, `locked` when git's lock on it is held (never removed here: see REF_LOCK_WAIT_MS).
 *
 * git runs in a session of its own: a signal to this process's group (a killed job, a closed terminal)
 * must not kill it between taking the ref's lock and renaming it into place, which would leave the
 * lock for a person to remove. It finishes in milliseconds whether or not this process is still there.
 */
export async function compareAndSwapRef(
  git: GitRunner,
  opts: { ref: string; newOid: string; oldOid: string | null; zeroOid: string; message: string },
): Promise<CasOutcome> {
  const args = ['update-ref', '-m', opts.message, '--end-of-options', opts.ref, opts.newOid, opts.oldOid ?? opts.zeroOid];
  const { status, stderr } = await git.run(args, { okStatus: [0, 1, 128], detached: true });
  return casOutcome(args, status, stderr) ?? { ok: true };
}

/** What a failed update of a ref says (null: it did not fail). Throws on a failure of another kind. */
function casOutcome(args: readonly string[], status: number | null, stderr: string): CasOutcome | null {
  if (status === 0) return null;
  const lock = /Unable to create '([^']+\.lock)': File exists/.exec(stderr);
  if (lock) return { ok: false, reason: 'locked', lockFile: lock[1]! };
  if (/cannot lock ref|reference already exists|but expected|unable to resolve reference/.test(stderr)) {
    return { ok: false, reason: 'moved' };
  }
  throw new GitError(args, status, stderr);
}

/** Remove a git lock file if it is older than the stale limit. Returns true if it was removed. */
export function removeIfStale(lockPath: string, now: number): boolean {
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

/**
 * Compare-and-swap through one long-lived `git update-ref --stdin`, for a process that writes many
 * times (the MCP server): each update is a transaction of its own (`start`, `update <ref> <new> <old>`,
 * `prepare`, `commit`), decided by git exactly as `compareAndSwapRef` is, without starting git each
 * time (a spawn costs ~4 ms, more on a busy machine; a transaction here ~1 ms). A lost race makes git
 * die on `prepare`: the outcome is read from its last words, and the next update starts a new process.
 * The reflog message is fixed for the life of the process (`git-ctx: <label>`).
 */
export class RefUpdater {
  private child: ChildProcessWithoutNullStreams | null = null;
  private lines: string[] = [];
  private waiting: ((line: string | null) => void) | null = null;
  private stderr = '';
  private closed = false;

  constructor(
    private readonly git: GitRunner,
    private readonly label: string,
  ) {}

  private ensure(): ChildProcessWithoutNullStreams {
    if (this.child) return this.child;
    // In a session of its own, as compareAndSwapRef's git: a signal to this group must not cut a
    // transaction between `prepare` (which takes the lock) and `commit`. Were this process killed, git
    // reads the end of its input and rolls the open transaction back, releasing the lock.
    const child = this.git.start(['update-ref', '-m', `git-ctx: ${this.label}`, '--stdin'], { detached: true });
    this.lines = [];
    this.stderr = '';
    let buf = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (s: string) => {
      buf += s;
      for (let nl = buf.indexOf('\n'); nl >= 0; nl = buf.indexOf('\n')) {
        this.lines.push(buf.slice(0, nl));
        buf = buf.slice(nl + 1);
      }
      this.wake();
    });
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (s: string) => (this.stderr += s));
    child.stdin.on('error', () => {
      /* reported through 'close' */
    });
    const gone = () => {
      if (this.child === child) this.child = null;
      this.wake();
    };
    child.on('close', gone);
    child.on('error', (e) => {
      this.stderr += `cannot run git: ${e.message}`;
      gone();
    });
    this.child = child;
    return child;
  }

  private wake(): void {
    const w = this.waiting;
    if (!w) return;
    if (this.lines.length) {
      this.waiting = null;
      w(this.lines.shift()!);
    } else if (!this.child) {
      this.waiting = null;
      w(null);
    }
  }

  /** The next line git answers, or null once it has exited. */
  private next(child: ChildProcessWithoutNullStreams): Promise<string | null> {
    if (this.lines.length) return Promise.resolve(this.lines.shift()!);
    if (this.child !== child) return Promise.resolve(null);
    return new Promise((resolve) => (this.waiting = resolve));
  }

  /** One transaction at a time: concurrent callers (the MCP server's concurrent calls) queue here. */
  private turn: Promise<unknown> = Promise.resolve();

  cas(opts: { ref: string; newOid: string; oldOid: string | null; zeroOid: string }): Promise<CasOutcome> {
    const run = this.turn.then(() => this.casNow(opts));
    this.turn = run.catch(() => {});
    return run;
  }

  private async casNow(opts: { ref: string; newOid: string; oldOid: string | null; zeroOid: string }): Promise<CasOutcome> {
    if (this.closed) throw new GitError(['update-ref', '--stdin'], null, 'the ref updater is closed');
    if (/\s/.test(opts.ref)) throw new GitError(['update-ref', '--stdin'], null, `not a ref name: ${opts.ref}`);
    const child = this.ensure();
    child.stdin.write(`start\nupdate ${opts.ref} ${opts.newOid} ${opts.oldOid ?? opts.zeroOid}\nprepare\ncommit\n`);
    for (const step of ['start', 'prepare', 'commit']) {
      const line = await this.next(child);
      if (line === `${step}: ok`) continue;
      // git died on this transaction (or answered something we do not know): read why, start afresh.
      if (this.child === child) child.kill();
      while (this.child === child) await new Promise((r) => setTimeout(r, 1));
      return casOutcome(['update-ref', '--stdin'], 1, this.stderr || `unexpected answer: ${line ?? 'none'}`)!;
    }
    return { ok: true };
  }

  close(): void {
    this.closed = true;
    this.child?.stdin.end();
    this.child = null;
  }
}

/**
 * Every ref under `prefixes` (each ending in `/`, or naming one ref) with its value, read from the
 * files git keeps them in (loose ref files over `packed-refs`), as `for-each-ref` would list them,
 * without starting git: sync reads its copies of a remote's refs twice per run. Null when the
 * repository keeps refs some other way (reftable): ask git then.
 */
export function readRefsUnder(commonDir: string, prefixes: readonly string[]): Map<string, string> | null {
  if (existsSync(join(commonDir, 'reftable'))) return null;
  const out = new Map<string, string>();
  const wanted = (ref: string) => prefixes.some((p) => (p.endsWith('/') ? ref.startsWith(p) : ref === p));
  let packed = '';
  try {
    packed = readFileSync(join(commonDir, 'packed-refs'), 'latin1');
  } catch {
    /* none packed */
  }
  for (const line of packed.split('\n')) {
    if (!line || line[0] === '#' || line[0] === '^') continue;
    const sp = line.indexOf(' ');
    const ref = line.slice(sp + 1);
    if (sp > 0 && wanted(ref)) out.set(ref, line.slice(0, sp));
  }
  const visit = (ref: string) => {
    const path = join(commonDir, ref);
    let entries: Dirent[];
    try {
      entries = readdirSync(path, { withFileTypes: true });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOTDIR') return;
      try {
        const v = readFileSync(path, 'latin1').trim();
        if (wanted(ref) && /^[0-9a-f]{40}([0-9a-f]{24})?$/.test(v)) out.set(ref, v);
      } catch {
        /* removed meanwhile */
      }
      return;
    }
    for (const e of entries) if (!e.name.endsWith('.lock')) visit(`${ref}/${e.name}`);
  };
  for (const p of prefixes) visit(p.replace(/\/$/, ''));
  return out;
}
