/**
 * Where git's system-wide settings file is. git reads GIT_CONFIG_SYSTEM when it is set, else a path
 * built into git when it was compiled (/etc/gitconfig for most Linux packages, under its prefix for
 * others: /opt/homebrew/etc/gitconfig, a store path, a path relative to the executable). Only git knows
 * it, so it is learned from git, once per git executable, and kept in the user's cache directory
 * ($XDG_CACHE_HOME/git-ctx or ~/.cache/git-ctx, private to the user as the code cache is):
 * `git config --system --show-origin --list` names the file (`file:<path>`) when it holds a setting,
 * and names it in its error when it does not exist. An empty file names nothing: that is remembered,
 * and the settings are then read by `git config`, as are those of a git that cannot say.
 *
 * The git executable is the one a spawn of `git` runs: the first on PATH. A different one (an update, a
 * PATH that changed) is learned anew.
 *
 * Plain functions over node:fs and ./spawn.ts: the launcher runs this before the rest of git-ctx loads.
 */
import { mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gitArgv, gitEnv, runGit, type RunResult } from './spawn.js';

const CACHE_FILE = 'git-system-config.json';

interface GitExecutable {
  path: string;
  /** Changes when the file does (an update of git, a link pointed elsewhere). */
  id: string;
}

/** The git a spawn of `git` starts (the first on PATH), or null when that is not plain to see. */
export function gitOnPath(env: Record<string, string | undefined>): GitExecutable | null {
  const path = env.PATH;
  if (!path) return null;
  for (const dir of path.split(':')) {
    // An empty or relative entry is looked up from the current directory: leave that to git.
    if (!dir.startsWith('/')) return null;
    const candidate = `${dir}/git`;
    let st;
    try {
      // No exception for a missing file: most PATH entries hold no git, and each throw costs ~0.1 ms.
      st = statSync(candidate, { throwIfNoEntry: false });
    } catch {
      continue;
    }
    // As execvp: the first executable file of that name (a symbolic link is followed: its target is what runs).
    if (!st || !st.isFile() || !(st.mode & 0o111)) continue;
    return { path: candidate, id: `${st.dev}:${st.ino}:${st.size}:${st.mtimeMs}:${st.ctimeMs}` };
  }
  return null;
}

function cacheDir(env: Record<string, string | undefined>): string | null {
  const base = env.XDG_CACHE_HOME || (env.HOME && join(env.HOME, '.cache'));
  return base && base.startsWith('/') ? join(base, 'git-ctx') : null;
}

/** Only a file of the user's own, that nobody else can write to, may say which file is read as settings. */
function ours(path: string, uid: number): boolean {
  try {
    const st = statSync(path);
    return st.uid === uid && !(st.mode & 0o022);
  } catch {
    return false;
  }
}

/** By git executable: its system file, or null when git named none (the settings are then left to `git config`). */
type Learned = Record<string, { id: string; system: string | null }>;

function readLearned(file: string): Learned {
  try {
    const v = JSON.parse(readFileSync(file, 'utf8')) as unknown;
    return v && typeof v === 'object' && !Array.isArray(v) ? (v as Learned) : {};
  } catch {
    return {};
  }
}

/**
 * The system file of the git on PATH, as learned earlier: null when git named none (an empty file:
 * its settings are left to `git config`, and it is not asked again until git changes), undefined when
 * not learned yet, or not to be trusted. `uid`: this process's user (undefined: the cache cannot be
 * checked, so it is not used).
 */
export function learnedSystemConfig(env: Record<string, string | undefined>, uid: number | undefined): string | null | undefined {
  if (uid === undefined) return undefined;
  const dir = cacheDir(env);
  const git = dir ? gitOnPath(env) : null;
  if (!dir || !git) return undefined;
  const file = join(dir, CACHE_FILE);
  if (!ours(dir, uid) || !ours(file, uid)) return undefined;
  const entry = readLearned(file)[git.path];
  if (!entry || entry.id !== git.id) return undefined;
  return entry.system === null ? null : typeof entry.system === 'string' && entry.system.startsWith('/') ? entry.system : undefined;
}

/** The arguments that make git name its system file. */
export const systemConfigArgs = ['config', '--system', '--show-origin', '-z', '--list'];

/** The system file git named (see systemConfigArgs), or null when its answer names none. */
export function systemConfigFromGit(result: RunResult): string | null {
  if (result.status === 0) {
    const out = result.stdout.toString('utf8');
    const m = /^file:([^\0]+)\0/.exec(out);
    return m ? m[1]! : null;
  }
  const m = /^fatal: unable to read config file '(\/.*)': No such file or directory\n$/.exec(result.stderr);
  return m ? m[1]! : null;
}

/**
 * Ask the git on PATH where its system file is, and remember the answer for the next command: the
 * file, or that git named none (remembered too, so that no command asks again). Never rejects: a git
 * that cannot say leaves the settings to `git config`. `tag`: unique to this process (its temporary
 * file's name).
 */
export async function learnSystemConfig(env: Record<string, string | undefined>, uid: number | undefined, tag: string): Promise<string | null> {
  const dir = uid === undefined ? null : cacheDir(env);
  const git = dir ? gitOnPath(env) : null;
  if (!dir || !git) return null;
  const clean = gitEnv(env);
  // git's own default: not the variables that point it elsewhere, nor a repository around it.
  for (const k of ['GIT_CONFIG', 'GIT_CONFIG_SYSTEM', 'GIT_DIR', 'GIT_WORK_TREE', 'GIT_COMMON_DIR']) delete clean[k];
  let result: RunResult;
  try {
    result = await runGit('/', clean, gitArgv(systemConfigArgs), { timeoutMs: 10_000 });
  } catch {
    return null; // git could not be started: nothing learned
  }
  // Stopped at its time limit (a machine too busy): ask again next time.
  if (result.status === null) return null;
  const system = systemConfigFromGit(result);
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    if (!ours(dir, uid!)) return system;
    const file = join(dir, CACHE_FILE);
    const learned = ours(file, uid!) ? readLearned(file) : {};
    learned[git.path] = { id: git.id, system };
    const tmp = `${file}.${tag}.tmp`;
    writeFileSync(tmp, JSON.stringify(learned), { mode: 0o600 });
    renameSync(tmp, file);
  } catch {
    /* not remembered: learned again next time */
  }
  return system;
}
