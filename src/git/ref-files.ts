/**
 * Moving a branch the way git's files backend does, without starting git: the lock-file protocol of
 * `git update-ref <ref> <new> <old>`, step by step as git 2.39 takes it (strace of update-ref):
 *
 * 1. create `<ref>.lock` exclusively (O_CREAT|O_EXCL): whoever holds it owns the ref until it is
 *    renamed or removed. A lock that exists is someone else's (git, another git-ctx): never removed
 *    here, the caller waits and then reports it (./refs.ts REF_LOCK_WAIT_MS);
 * 2. under the lock, read the ref's value (the loose file, else packed-refs) and compare it with the
 *    expected old value: a mismatch is the compare-and-swap lost (`moved`), exactly as git reports it;
 * 3. write `<new>\n` into the lock, fsync it only when core.fsync asks for references (git's default
 *    does not), append the reflog line when git would (core.logAllRefUpdates, or a reflog that
 *    exists), and rename the lock onto the ref.
 *
 * Every step from 1 to the rename is synchronous: no other code of this process runs while the lock is
 * held, and it is held for the few system calls it takes (git's own update-ref holds it longer). What
 * the protocol here does not cover returns null, and the caller asks git: creating a ref (git checks
 * names that conflict with other refs), a ref that is symbolic or unreadable, a shared repository
 * (core.sharedRepository sets modes), an identity git would clean or make up, settings of unknown
 * value. repoSettingsProblem (./locate.ts) keeps out other ref backends (reftable) and bare repositories.
 */
import { closeSync, constants, fsyncSync, mkdirSync, openSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { GitConfig } from './config.js';
import type { CasOutcome } from './refs.js';
import { readRefValue, repoSettingsProblem } from './locate.js';

export interface RefFileUpdate {
  ref: string;
  newOid: string;
  /** null: the ref must not exist (left to git). */
  oldOid: string | null;
  zeroOid: string;
  message: string;
}

/** git's boolean values (null: not one). */
function gitBool(v: string): boolean | null {
  const t = v.trim().toLowerCase();
  if (['true', 'yes', 'on'].includes(t)) return true;
  if (['false', 'no', 'off', ''].includes(t)) return false;
  return /^-?\d+$/.test(t) ? Number(t) !== 0 : null;
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

export class RefFileWriter {
  private constructor(
    private readonly commonDir: string,
    private readonly logAll: boolean,
    private readonly fsync: boolean,
    private readonly committer: { name: string; email: string },
    private readonly now: () => number,
  ) {}

  /**
   * The writer for a repository whose refs live under `commonDir`, or null when its settings leave
   * moving refs to git.
   */
  static open(commonDir: string, config: GitConfig, now: () => number): RefFileWriter | null {
    if (repoSettingsProblem(config)) return null;
    if (config.get('core.sharedRepository') !== undefined) return null;
    // The identity git stamps reflog lines with (GIT_COMMITTER_* are not passed to git-ctx's git).
    const name = (config.get('committer.name') ?? config.get('user.name'))?.trim();
    const email = (config.get('committer.email') ?? config.get('user.email'))?.trim();
    if (!plainIdent(name) || !plainIdent(email)) return null;
    const logSetting = config.get('core.logAllRefUpdates');
    const logAll = logSetting === undefined ? true : logSetting.trim().toLowerCase() === 'always' ? true : gitBool(logSetting);
    if (logAll === null) return null;
    return new RefFileWriter(commonDir, logAll, fsyncsRefs(config.get('core.fsync')), { name, email }, now);
  }

  /** Compare-and-swap `ref` (see the file's comment). null: not done, ask git. */
  cas(u: RefFileUpdate): CasOutcome | null {
    if (u.oldOid === null || !u.ref.startsWith('refs/heads/')) return null;
    const path = join(this.commonDir, u.ref);
    const lockFile = `${path}.lock`;
    let fd: number;
    try {
      fd = openSync(lockFile, 'wx', 0o666);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'EEXIST') return { ok: false, reason: 'locked', lockFile };
      return null; // a directory missing or in the way: git says what is wrong
    }
    let placed = false;
    try {
      const current = readRefValue(this.commonDir, u.ref);
      if (current === undefined) return null;
      if (current !== u.oldOid) return { ok: false, reason: 'moved' };
      writeSync(fd, `${u.newOid}\n`);
      if (this.fsync) fsyncSync(fd);
      closeSync(fd);
      fd = -1;
      try {
        this.log(u);
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
      if (fd >= 0) closeSync(fd);
      if (!placed) {
        try {
          unlinkSync(lockFile);
        } catch {
          /* ours, and gone already */
        }
      }
    }
  }

  /** Append the reflog line, as git does before it renames the lock. */
  private log(u: RefFileUpdate): void {
    const file = join(this.commonDir, 'logs', u.ref);
    const ms = this.now();
    const msg = reflogMessage(u.message);
    const line = `${u.oldOid ?? u.zeroOid} ${u.newOid} ${this.committer.name} <${this.committer.email}> ${Math.floor(ms / 1000)} ${tzOffset(ms)}${msg ? `\t${msg}` : ''}\n`;
    let fd: number;
    try {
      fd = openSync(file, constants.O_WRONLY | constants.O_APPEND);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
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
