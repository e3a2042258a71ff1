/**
 * The one place that starts git. Every git verb elsewhere is data (argv + a parser of a machine format)
 * handed to a GitRunner.
 *
 * Why a runner and not the ambient environment: see ./spawn.ts. The runner also pins GIT_DIR /
 * GIT_WORK_TREE to absolute paths once the repository is known.
 */
import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { GitError } from '../errors.js';
import { gitArgv, gitEnv, runGit, spawnGit, type CollectOptions, type RunResult } from './spawn.js';

export type { RunResult } from './spawn.js';

export interface RunOptions extends CollectOptions {
  /** Exit statuses that are not failures (default: only 0). */
  okStatus?: readonly number[];
  /** Extra environment for this call only. */
  env?: Record<string, string | undefined>;
  /** Keep the user's hooks (only for commands whose hooks the user expects, which we avoid). */
  userHooks?: boolean;
}

export class GitRunner {
  readonly cwd: string;
  private readonly env: Record<string, string>;

  constructor(cwd: string, env: Record<string, string | undefined>) {
    this.cwd = cwd;
    this.env = gitEnv(env);
  }

  /** A runner pinned to one repository (and worktree, when there is one). */
  pinned(gitDir: string, workTree: string | null, cwd: string = workTree ?? gitDir): GitRunner {
    const env: Record<string, string | undefined> = { ...this.env, GIT_DIR: gitDir, GIT_WORK_TREE: workTree ?? undefined };
    if (!workTree) delete env.GIT_WORK_TREE;
    return new GitRunner(cwd, env);
  }

  /** The environment value a child git sees for `name` (tests and diagnostics). */
  envValue(name: string): string | undefined {
    return this.env[name];
  }

  argv(args: readonly string[], userHooks = false): string[] {
    return gitArgv(args, userHooks);
  }

  /** Run git to completion and collect its output. Throws GitError on an unexpected exit status. */
  run(args: readonly string[], opts: RunOptions = {}): Promise<RunResult> {
    return settle(args, runGit(this.cwd, opts.env ? mergeEnv(this.env, opts.env) : this.env, this.argv(args, opts.userHooks), opts), opts.okStatus);
  }

  /** Run git and return its stdout as text (trailing newline removed). */
  async text(args: readonly string[], opts: RunOptions = {}): Promise<string> {
    const { stdout } = await this.run(args, opts);
    return stdout.toString('utf8').replace(/\n$/, '');
  }

  /** Start a long-lived git process (e.g. `cat-file --batch-command`) and hand back its pipes. */
  start(args: readonly string[], opts: { detached?: boolean } = {}): ChildProcessWithoutNullStreams {
    return spawnGit(this.cwd, this.env, this.argv(args), opts);
  }
}

/**
 * The outcome of a git run as GitRunner reports it: GitError when git could not be started (status
 * null) or exited with a status not in `okStatus` (default: only 0).
 */
export async function settle(args: readonly string[], pending: Promise<RunResult>, okStatus: readonly number[] = [0]): Promise<RunResult> {
  let result: RunResult;
  try {
    result = await pending;
  } catch (e) {
    throw new GitError(args, null, (e as Error).message);
  }
  if (result.status !== null && okStatus.includes(result.status)) return result;
  throw Object.assign(new GitError(args, result.status, result.stderr), { result });
}

function mergeEnv(base: Record<string, string>, extra: Record<string, string | undefined>): Record<string, string> {
  const env = { ...base };
  for (const [k, v] of Object.entries(extra)) {
    if (v === undefined) delete env[k];
    else env[k] = v;
  }
  return env;
}

/** Split NUL-terminated output (`-z`) into records. */
export function splitNul(buf: Buffer | string): string[] {
  const s = typeof buf === 'string' ? buf : buf.toString('utf8');
  const parts = s.split('\0');
  if (parts[parts.length - 1] === '') parts.pop();
  return parts;
}
