/**
 * Finding the repository from git's own files, without starting git: the common case of a command run
 * in a worktree (or a subdirectory of one) of a plain repository. git's discovery is walked the way
 * git walks it: up from the current directory to the first `.git`, a directory or a `gitdir:` file,
 * then `commondir` for a linked worktree. Anything this does not reproduce exactly returns null, and
 * the caller asks `git rev-parse` (./repo.ts): the variables that move or bound discovery, a bare
 * repository or a directory inside a git dir, a directory of another owner (safe.directory), a mount
 * point crossed, a HEAD that is not a plain branch or commit. What depends on settings (core.bare,
 * core.worktree, the object format, the ref storage) is decided with the settings (./config-files.ts,
 * else `git config`), by `repoSettingsProblem`.
 */
import { readFileSync, realpathSync, statSync, type Stats } from 'node:fs';
import { dirname, isAbsolute, join } from 'node:path';
import type { GitConfig } from './config-files.js';

/** Variables that change where git looks, or how far: with any of them set, git itself decides. */
export const DISCOVERY_ENV = ['GIT_DIR', 'GIT_WORK_TREE', 'GIT_COMMON_DIR', 'GIT_CEILING_DIRECTORIES', 'GIT_DISCOVERY_ACROSS_FILESYSTEM', 'GIT_OBJECT_DIRECTORY', 'GIT_NAMESPACE'];

export function discoveryEnvSet(env: Record<string, string | undefined>): boolean {
  return DISCOVERY_ENV.some((k) => env[k] !== undefined);
}

export interface LocatedRepo {
  gitDir: string;
  commonDir: string;
  objectsDir: string;
  workTree: string;
  head: string | null;
  /** The branch HEAD names (it may not exist yet), or null when HEAD is detached. */
  branch: string | null;
}

const OID = /^(?:[0-9a-f]{40}|[0-9a-f]{64})$/;

// Missing files are the common answer while walking up: found without an exception (~0.1 ms each).
function stat(path: string): Stats | null {
  try {
    return statSync(path, { throwIfNoEntry: false }) ?? null;
  } catch {
    return null;
  }
}

function read(path: string): string | null {
  try {
    return stat(path) ? readFileSync(path, 'utf8') : null;
  } catch {
    return null;
  }
}

/**
 * The repository around `cwd`, from its files, or null: ask git. `uid`: this process's user, for
 * git's ownership check (undefined: cannot check, ask git).
 */
export function locateRepo(cwd: string, env: Record<string, string | undefined>, uid: number | undefined): LocatedRepo | null {
  if (uid === undefined || discoveryEnvSet(env)) return null;
  // As root, git checks ownership against the user sudo ran as.
  if (uid === 0 && env.SUDO_UID !== undefined) return null;
  let dir: string;
  try {
    dir = realpathSync(cwd);
  } catch {
    return null;
  }
  const start = stat(dir);
  if (!start) return null;
  for (;;) {
    const dotGit = join(dir, '.git');
    const st = stat(dotGit);
    if (st) return fromDotGit(dir, dotGit, st, uid);
    // A directory that is itself a git dir (a bare repository, or one inside .git): git's rules there differ.
    if (stat(join(dir, 'HEAD'))) return null;
    const up = dirname(dir);
    if (up === dir) return null; // not a repository: git says so in its words
    const upSt = stat(up);
    // git stops at a mount point unless told otherwise (GIT_DISCOVERY_ACROSS_FILESYSTEM).
    if (!upSt || upSt.dev !== start.dev) return null;
    dir = up;
  }
}

function fromDotGit(top: string, dotGit: string, st: Stats, uid: number): LocatedRepo | null {
  let gitDir: string;
  if (st.isDirectory()) {
    // git answers with real paths: a .git that is a symbolic link is followed.
    try {
      gitDir = realpathSync(dotGit);
    } catch {
      return null;
    }
  } else if (st.isFile()) {
    const text = read(dotGit);
    const m = text === null ? null : /^gitdir: (.+?)\r?\n?$/.exec(text);
    if (!m) return null;
    try {
      gitDir = realpathSync(isAbsolute(m[1]!) ? m[1]! : join(top, m[1]!));
    } catch {
      return null;
    }
  } else return null;
  let commonDir = gitDir;
  const common = read(join(gitDir, 'commondir'));
  if (common !== null) {
    const rel = common.replace(/\r?\n$/, '');
    if (!rel) return null;
    try {
      commonDir = realpathSync(isAbsolute(rel) ? rel : join(gitDir, rel));
    } catch {
      return null;
    }
  }
  // What git's is_git_directory() asks of a git dir: HEAD, objects/ and refs/.
  const objects = stat(join(commonDir, 'objects'));
  const refs = stat(join(commonDir, 'refs'));
  if (!objects?.isDirectory() || !refs?.isDirectory()) return null;
  // git's ownership check (safe.directory): worktree, .git file and git dir owned by this user.
  for (const p of [top, dotGit, gitDir, commonDir]) if (stat(p)?.uid !== uid) return null;
  const headText = read(join(gitDir, 'HEAD'));
  if (headText === null) return null;
  const headValue = headText.replace(/\r?\n$/, '');
  let head: string | null;
  let branch: string | null;
  if (OID.test(headValue)) {
    head = headValue;
    branch = null;
  } else {
    const m = /^ref: (refs\/heads\/\S+)$/.exec(headValue);
    if (!m) return null;
    const value = readRefValue(commonDir, m[1]!);
    // A symbolic ref behind HEAD, or a file we cannot read as git would: ask git.
    if (value === undefined) return null;
    head = value;
    branch = m[1]!.slice('refs/heads/'.length);
  }
  return { gitDir, commonDir, objectsDir: join(commonDir, 'objects'), workTree: top, head, branch };
}

/**
 * A ref's value from the files backend: the loose file, else packed-refs. null: the ref does not
 * exist; undefined: it is in a form left to git (a symbolic ref, an unreadable file).
 */
export function readRefValue(commonDir: string, ref: string): string | null | undefined {
  let text: string | null = null;
  try {
    text = readFileSync(join(commonDir, ref), 'latin1');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code !== 'ENOENT' && code !== 'ENOTDIR') return undefined;
  }
  if (text !== null) {
    const v = text.replace(/\n$/, '');
    return OID.test(v) ? v : undefined;
  }
  return readPackedRef(commonDir, ref);
}

/** A ref's value in packed-refs (null: not there; undefined: the file cannot be read). */
export function readPackedRef(commonDir: string, ref: string): string | null | undefined {
  let packed: string;
  try {
    packed = readFileSync(join(commonDir, 'packed-refs'), 'latin1');
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'ENOENT' ? null : undefined;
  }
  const needle = ` ${ref}\n`;
  for (let at = packed.indexOf(needle); at >= 0; at = packed.indexOf(needle, at + 1)) {
    const lineStart = packed.lastIndexOf('\n', at) + 1;
    const oid = packed.slice(lineStart, at);
    if (OID.test(oid)) return oid;
  }
  return null;
}

/** Extensions git 2.39 reads that change nothing this file or the ref writer relies on. */
const HARMLESS_EXTENSIONS = new Set(['objectformat', 'worktreeconfig', 'preciousobjects', 'partialclone', 'noop']);

/**
 * Why the settings make a repository found by locateRepo one to ask git about (null: they do not):
 * a bare repository, a work tree set elsewhere, a repository format or extension git-ctx does not
 * know (reftable among them).
 */
export function repoSettingsProblem(config: GitConfig): string | null {
  if (config.get('core.bare') !== undefined && config.get('core.bare') !== 'false') return 'core.bare';
  if (config.get('core.worktree') !== undefined) return 'core.worktree';
  // git writes it into every repository it creates; when `git config` shows none, it read no repository
  // config at all: git ignored the repository (an extension it does not know, as reftable for git 2.39).
  const version = config.local('core.repositoryformatversion');
  if (version !== '0' && version !== '1') return 'core.repositoryformatversion';
  for (const key of config.keys('extensions.')) {
    if (!HARMLESS_EXTENSIONS.has(key.slice('extensions.'.length))) return key;
  }
  return null;
}

/** The object format a repository found by locateRepo uses (null: one git-ctx cannot tell). */
export function objectFormatOf(config: GitConfig): 'sha1' | 'sha256' | null {
  const version = config.local('core.repositoryformatversion') ?? '0';
  const format = (version === '1' ? config.local('extensions.objectformat') : undefined)?.toLowerCase() ?? 'sha1';
  return format === 'sha1' || format === 'sha256' ? format : null;
}
