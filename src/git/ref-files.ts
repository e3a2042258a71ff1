/**
 * Moving a branch the way git's files backend does, without starting git: the lock-file protocol of
 * `git update-ref <ref> <new> <old>`, step by step as git 2.39 takes it (strace of update-ref):
 *
 * 1. create `<ref>.lock` exclusively: whoever holds it owns the ref until it is renamed or removed;
 * 2. under the lock, read the ref's value (the loose file, else packed-refs) and compare it with the
 *    expected old value: a mismatch is the compare-and-swap lost (`moved`), exactly as git reports it;
 * 3. the lock holds `<new>\n` (fsynced only when core.fsync asks for references: git's default does
 *    not); append the reflog line when git would (core.logAllRefUpdates, or a reflog that exists), and
 *    rename the lock onto the ref.
 *
 * A lock held by a process that was killed inside that window (SIGKILL of an agent) is what git leaves
 * for a person to remove, since nothing tells whose it is. Here the lock is made so that it can tell:
 * its content is first written to a holder file named by this host and process
 * (`<common dir>/ctx/ref-locks/<pid>-<random>@<host>`), and the lock is a hard link to it (link(2)
 * fails when the lock exists: the same exclusive creation). A later writer that finds the lock, and
 * finds the holder file that is the same file (same inode) with a process of this host that is gone,
 * knows the lock was a dead git-ctx's: it claims the holder file (renames it: only one writer can) and
 * removes the lock, then takes it. A lock of git's, or of a live process, or of another host, is never
 * touched: the caller waits, then reports it (./refs.ts REF_LOCK_WAIT_MS).
 *
 * Every step from 1 to the rename is synchronous: no other code of this process runs while the lock is
 * held. What the protocol here does not cover returns null, and the caller asks git: creating a ref
 * (git checks names that conflict with other refs), a ref that is symbolic or unreadable, a shared
 * repository (core.sharedRepository sets modes), an identity git would clean or make up, settings of
 * unknown value, a file system without hard links. repoSettingsProblem (./locate.ts) keeps out other
 * ref backends (reftable) and bare repositories.
 */
import { closeSync, constants, fsyncSync, linkSync, mkdirSync, openSync, readdirSync, renameSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { GitConfig } from './config.js';
import { configBool } from './config-files.js';
import type { CasOutcome } from './refs.js';
import { readRefValue, repoSettingsProblem } from './locate.js';

export interface RefFileUpdate {
  ref: string;
  newOid: string;
  /** null: the ref must not exist (left to git). */
  oldOid: string | null;
  message: string;
}

/** Who is writing: a holder file names this process and host. */
export interface RefWriterDeps {
  now(): number;
  random(bytes: number): Uint8Array;
  pid: number;
  hostname: string;
  processAlive(pid: number): boolean;
}

/** Whether core.fsync asks for references to be synced (git's default components do not include them). */
function fsyncsRefs(value: string | undefined): boolean {
  if (value === undefined) return false;
  let on = false;
  for (const raw of value.split(',')) {
    const t = raw.trim().toLowerCase();
    if (t === 'none') on = false;
    else if (['reference', 'committed', 'added', 'all'].includes(t)) on = true;
  }
  // A removal (`-reference`) applies to the defaults only, never to what the list adds.
  return on;
}

/** Characters git trims from both ends of a name or email in an identity (ident.c's "crud"). */
function plainIdent(s: string | undefined): s is string {
  if (!s) return false;
  const crud = (c: string) => c <= ' ' || '.,:;<>"\\\''.includes(c);
  return !crud(s[0]!) && !crud(s[s.length - 1]!) && !/[<>\n]/.test(s);
}

/** git's normalisation of a reflog message: whitespace runs become one space, none at either end. */
export function reflogMessage(msg: string): string {
  return msg.replace(/[ \t\n\r]+/g, ' ').replace(/^ | $/g, '');
}

/** A time zone offset as git writes it (`+0100`). */
function tzOffset(ms: number): string {
  const minutes = -new Date(ms).getTimezoneOffset();
  const a = Math.abs(minutes);
  return `${minutes < 0 ? '-' : '+'}${String(Math.floor(a / 60)).padStart(2, '0')}${String(a % 60).padStart(2, '0')}`;
}

/** The directory of holder files, under git-ctx's private directory of the repository. */
export function refHoldersDir(commonDir: string): string {
  return join(commonDir, 'ctx', 'ref-locks');
}

/** A holder file's name: this process on this host (the host encoded: it may hold any character). */
function holderName(pid: number, hostname: string, random: Uint8Array): string {
  return `${pid}-${Buffer.from(random).toString('hex')}@${encodeURIComponent(hostname)}`;
}

/** The process and host a holder file names (null: not a holder file). */
export function parseHolderName(name: string): { pid: number; hostname: string } | null {
  const m = /^(\d+)-[0-9a-f]+@(.+)$/.exec(name);
  if (!m) return null;
  try {
    return { pid: Number(m[1]), hostname: decodeURIComponent(m[2]!) };
  } catch {
    return null;
  }
}

const errCode = (e: unknown) => (e as NodeJS.ErrnoException).code;

function unlinkQuietly(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    /* gone already */
  }
}

export class RefFileWriter {
  private constructor(
    private readonly commonDir: string,
    private readonly logAll: boolean,
    private readonly fsync: boolean,
    private readonly committer: { name: string; email: string },
    private readonly deps: RefWriterDeps,
  ) {}

  /**
   * The writer for a repository whose refs live under `commonDir`, or null when its settings leave
   * moving refs to git.
   */
  static open(commonDir: string, config: GitConfig, deps: RefWriterDeps): RefFileWriter | null {
    if (repoSettingsProblem(config)) return null;
    if (config.get('core.sharedRepository') !== undefined) return null;
    // The identity git stamps reflog lines with (GIT_COMMITTER_* are not passed to git-ctx's git).
    const name = (config.get('committer.name') ?? config.get('user.name'))?.trim();
    const email = (config.get('committer.email') ?? config.get('user.email'))?.trim();
    if (!plainIdent(name) || !plainIdent(email)) return null;
    const logSetting = config.get('core.logAllRefUpdates');
    const logAll = logSetting === undefined || logSetting.trim().toLowerCase() === 'always' ? true : configBool(logSetting);
    if (logAll === null) return null;
    return new RefFileWriter(commonDir, logAll, fsyncsRefs(config.get('core.fsync')), { name, email }, deps);
  }

  /** Compare-and-swap `ref` (see the file's comment). null: not done, ask git. */
  cas(u: RefFileUpdate): CasOutcome | null {
    if (u.oldOid === null || !u.ref.startsWith('refs/heads/')) return null;
    const path = join(this.commonDir, u.ref);
    const lockFile = `${path}.lock`;
    const holder = this.writeHolder(`${u.newOid}\n`);
    if (!holder) return null;
    let locked = false;
    let placed = false;
    try {
      for (let tries = 0; !locked; tries++) {
        try {
          linkSync(holder, lockFile);
          locked = true;
        } catch (e) {
          if (errCode(e) !== 'EEXIST') return null; // no hard links here, a directory missing or in the way: git decides
          if (tries > 0 || !removeDeadRefLock(this.commonDir, lockFile, this.deps)) return { ok: false, reason: 'locked', lockFile };
        }
      }
      const current = readRefValue(this.commonDir, u.ref);
      if (current === undefined) return null;
      if (current !== u.oldOid) return { ok: false, reason: 'moved' };
      try {
        this.log(u, current);
      } catch {
        return null; // a reflog that cannot be written: git reports why
      }
      try {
        renameSync(lockFile, path);
      } catch {
        return null; // a directory in the ref's way: git says what is wrong
      }
      placed = true;
      return { ok: true };
    } finally {
      if (locked && !placed) unlinkQuietly(lockFile);
      unlinkQuietly(holder);
    }
  }

  /** A new holder file of this process holding `content` (null: none can be written here). */
  private writeHolder(content: string): string | null {
    const dir = refHoldersDir(this.commonDir);
    const file = join(dir, holderName(this.deps.pid, this.deps.hostname, this.deps.random(6)));
    for (let tries = 0; tries < 2; tries++) {
      let fd: number;
      try {
        fd = openSync(file, 'wx', 0o666);
      } catch (e) {
        if (errCode(e) !== 'ENOENT' || tries > 0) return null;
        try {
          mkdirSync(dir, { recursive: true });
        } catch {
          return null;
        }
        continue;
      }
      try {
        writeSync(fd, content);
        if (this.fsync) fsyncSync(fd);
        return file;
      } catch {
        unlinkQuietly(file);
        return null;
      } finally {
        closeSync(fd);
      }
    }
    return null;
  }

  /** Append the reflog line, as git does before it renames the lock. */
  private log(u: RefFileUpdate, oldOid: string): void {
    const file = join(this.commonDir, 'logs', u.ref);
    const ms = this.deps.now();
    const msg = reflogMessage(u.message);
    const line = `${oldOid} ${u.newOid} ${this.committer.name} <${this.committer.email}> ${Math.floor(ms / 1000)} ${tzOffset(ms)}${msg ? `\t${msg}` : ''}\n`;
    let fd: number;
    try {
      fd = openSync(file, constants.O_WRONLY | constants.O_APPEND);
    } catch (e) {
      if (errCode(e) !== 'ENOENT') throw e;
      // No reflog yet: git starts one only when core.logAllRefUpdates says so.
      if (!this.logAll) return;
      mkdirSync(dirname(file), { recursive: true });
      fd = openSync(file, 'a', 0o666);
    }
    try {
      writeSync(fd, line);
      if (this.fsync) fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  }
}

/**
 * Remove `lockFile` when it is a dead git-ctx's (its holder file names a process of this host that is
 * gone). True when it was removed, or is gone already; false when it is anyone else's.
 */
export function removeDeadRefLock(commonDir: string, lockFile: string, deps: Pick<RefWriterDeps, 'pid' | 'hostname' | 'processAlive' | 'random'>): boolean {
  let lock;
  try {
    lock = statSync(lockFile);
  } catch (e) {
    return errCode(e) === 'ENOENT';
  }
  // git's lock, or one whose holder file is gone: a lock git-ctx cannot tell from git's.
  if (lock.nlink < 2) return false;
  const dir = refHoldersDir(commonDir);
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return false;
  }
  for (const name of names) {
    const who = parseHolderName(name);
    if (!who) continue;
    let st;
    try {
      st = statSync(join(dir, name));
    } catch {
      continue;
    }
    if (st.ino !== lock.ino || st.dev !== lock.dev) continue;
    if (who.hostname !== deps.hostname || who.pid === deps.pid || deps.processAlive(who.pid)) return false;
    // The dead holder's file is claimed first, by renaming it: one recoverer alone can, and as only
    // its holder or the one that claims it ever removes a lock, the lock is still the dead one when
    // the claimant removes it (removing by name what was stat'ed before could remove a live lock that
    // another recoverer's removal let a third writer take in between).
    const claim = join(dir, `stale-${holderName(deps.pid, deps.hostname, deps.random(6))}`);
    try {
      renameSync(join(dir, name), claim);
    } catch (e) {
      return errCode(e) === 'ENOENT'; // claimed by another: the lock is gone, or going
    }
    unlinkQuietly(lockFile);
    unlinkQuietly(claim);
    return true;
  }
  return false;
}

/**
 * Remove the holder files of this host's processes that are gone (left by a process killed inside
 * the lock window, or between the rename and the removal of its holder file), after removing the lock
 * `lockFile` if a dead one holds it. Returns how many were removed.
 */
export function removeDeadHolders(commonDir: string, lockFile: string, deps: Pick<RefWriterDeps, 'pid' | 'hostname' | 'processAlive' | 'random'>): number {
  removeDeadRefLock(commonDir, lockFile, deps);
  const dir = refHoldersDir(commonDir);
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return 0;
  }
  let lockIno: number | null = null;
  try {
    lockIno = statSync(lockFile).ino;
  } catch {
    /* no lock */
  }
  let removed = 0;
  for (const name of names) {
    const who = parseHolderName(name);
    if (!who || who.hostname !== deps.hostname || who.pid === deps.pid || deps.processAlive(who.pid)) continue;
    try {
      // Still the lock of someone (a pid reused since): left for the next writer to judge.
      if (statSync(join(dir, name)).ino === lockIno) continue;
      unlinkSync(join(dir, name));
      removed++;
    } catch {
      /* gone already */
    }
  }
  return removed;
}
