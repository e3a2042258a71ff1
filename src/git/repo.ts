/**
 * Finding the repository. Everything git-ctx stores is keyed by the repository's common git dir, never
 * by the current directory, so that every linked worktree (and every subdirectory) sees one store.
 */
import { GitRunner, settle, type RunResult } from './run.js';
import { discoveryArgs } from './probe.js';
import { GitError, NotARepositoryError, UnsupportedError } from '../errors.js';
import type { LocatedRepo } from './locate.js';

export type ObjectFormat = 'sha1' | 'sha256';

export interface Repo {
  /** This worktree's git dir (`.git`, or `.git/worktrees/<name>` in a linked worktree). */
  gitDir: string;
  /** The git dir shared by all worktrees: the identity of the repository. */
  commonDir: string;
  /** Where loose objects go (honours GIT_OBJECT_DIRECTORY). */
  objectsDir: string;
  /** Top of the current worktree, or null in a bare repository. */
  workTree: string | null;
  objectFormat: ObjectFormat;
  /** The commit HEAD points to, or null (no commits yet, or a bare repository). */
  head: string | null;
  /** The branch checked out (short name), null when detached, undefined when not known yet (unborn HEAD). */
  branch: string | null | undefined;
  /** A runner pinned to this repository and worktree with absolute paths. */
  git: GitRunner;
}

/**
 * Resolve the repository around `cwd`, honouring GIT_DIR / GIT_WORK_TREE the way git does. `pending`:
 * the discovery run already started (./probe.ts).
 */
export async function discoverRepo(cwd: string, env: Record<string, string | undefined>, pending?: Promise<RunResult>): Promise<Repo> {
  const probe = new GitRunner(cwd, env);
  const okStatus = [0, 128];
  let result: RunResult;
  try {
    result = await (pending ? settle(discoveryArgs, pending, okStatus) : probe.run(discoveryArgs, { okStatus }));
  } catch (e) {
    if (e instanceof GitError && e.data.status === null) throw e;
    throw new NotARepositoryError(cwd);
  }
  const out = result.stdout.toString('utf8');
  const complete = result.status === 0;
  const lines = out.split('\n');
  if (lines.length < 4 || !lines[0]) throw new NotARepositoryError(cwd);
  const [gitDir, commonDir, format, objectsDir, top, head, symbolic] = lines;
  if (format !== 'sha1' && format !== 'sha256') {
    throw new UnsupportedError('E_OBJECT_FORMAT', `unsupported object format: ${format}`, { data: { format } });
  }
  const workTree = top ? top : null;
  return {
    gitDir: gitDir!,
    commonDir: commonDir!,
    objectsDir: objectsDir!,
    workTree,
    objectFormat: format,
    head: complete ? head! : null,
    branch: complete ? (symbolic!.startsWith('refs/heads/') ? symbolic!.slice(11) : null) : undefined,
    git: probe.pinned(gitDir!, workTree),
  };
}

/** A repository found from git's files (./locate.ts), with its object format from the settings. */
export function locatedRepo(found: LocatedRepo, objectFormat: ObjectFormat, cwd: string, env: Record<string, string | undefined>): Repo {
  return { ...found, objectFormat, git: new GitRunner(cwd, env).pinned(found.gitDir, found.workTree) };
}
