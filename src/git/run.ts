/**
 * The one place that starts git. Every git verb elsewhere is data (argv + a parser of a machine format)
 * handed to a GitRunner.
 *
 * Why a runner and not the ambient environment: inside a git hook, git exports GIT_INDEX_FILE (sometimes
 * a temporary index.lock), GIT_PREFIX and author/committer dates. Passing those through would make our
 * internal calls read the wrong index or stamp the wrong dates, so the runner starts from a cleaned copy
 * of the environment and pins GIT_DIR / GIT_WORK_TREE to absolute paths once the repository is known.
 * Internal calls also run with `core.hooksPath=/dev/null`, so that moving the context ref does not fire
 * the user's `reference-transaction` hook.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { GitError } from '../errors.js';

export interface RunOptions {
  /** Bytes or text written to git's stdin (stdin is closed right after). */
  input?: string | Buffer;
  /** Exit statuses that are not failures (default: only 0). */
  okStatus?: readonly number[];
  /** Extra environment for this call only. */
  env?: Record<string, string | undefined>;
  /** Keep the user's hooks (only for commands whose hooks the user expects, which we avoid). */
  userHooks?: boolean;
  /** Called with each chunk of stderr as it arrives (progress of network commands). */
  onStderr?: (chunk: string) => void;
  /** Kill git after this many milliseconds (status becomes null). */
  timeoutMs?: number;
}

export interface RunResult {
  stdout: Buffer;
  stderr: string;
  status: number | null;
}

/** Variables git exports into hooks that would redirect or restamp our internal calls. */
const DROPPED_ENV = [
  'GIT_INDEX_FILE',
  'GIT_PREFIX',
  'GIT_AUTHOR_NAME',
  'GIT_AUTHOR_EMAIL',
  'GIT_AUTHOR_DATE',
  'GIT_COMMITTER_NAME',
  'GIT_COMMITTER_EMAIL',
  'GIT_COMMITTER_DATE',
  'GIT_REFLOG_ACTION',
  'GIT_EDITOR',
  'GIT_PAGER',
  'GIT_TRACE',
  'GIT_TRACE2',
  'GIT_TRACE2_EVENT',
  'GIT_TRACE2_PERF',
];

export class GitRunner {
  readonly cwd: string;
  private readonly env: Record<string, string>;

  constructor(cwd: string, env: Record<string, string | undefined>) {
    this.cwd = cwd;
    const clean: Record<string, string> = {};
    for (const [k, v] of Object.entries(env)) if (v !== undefined && !DROPPED_ENV.includes(k)) clean[k] = v;
    // Machine-readable output and messages we can match: plumbing output is locale-independent, but
    // the few stderr messages we recognise (a lost compare-and-swap, a stale lock) are English.
    clean.LC_ALL = 'C';
    clean.LANGUAGE = 'C';
    this.env = clean;
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
    return userHooks ? [...args] : ['-c', 'core.hooksPath=/dev/null', ...args];
  }

  /** Run git to completion and collect its output. Throws GitError on an unexpected exit status. */
  run(args: readonly string[], opts: RunOptions = {}): Promise<RunResult> {
    return new Promise((resolve, reject) => {
      const child = spawn('git', this.argv(args, opts.userHooks), {
        cwd: this.cwd,
        env: opts.env ? mergeEnv(this.env, opts.env) : this.env,
        stdio: ['pipe', 'pipe', 'pipe'],
      });
      const out: Buffer[] = [];
      let err = '';
      let timer: NodeJS.Timeout | undefined;
      if (opts.timeoutMs) timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs);
      child.stdout.on('data', (b: Buffer) => out.push(b));
      child.stderr.setEncoding('utf8');
      child.stderr.on('data', (s: string) => {
        err += s;
        opts.onStderr?.(s);
      });
      child.on('error', (e) => {
        if (timer) clearTimeout(timer);
        reject(new GitError(args, null, `cannot run git: ${e.message}`));
      });
      child.on('close', (status) => {
        if (timer) clearTimeout(timer);
        const result = { stdout: Buffer.concat(out), stderr: err, status };
        if (status !== null && (opts.okStatus ?? [0]).includes(status)) resolve(result);
        else reject(Object.assign(new GitError(args, status, err), { result }));
      });
      child.stdin.on('error', () => {
        /* git may exit before reading all of stdin; its exit status tells what happened */
      });
      child.stdin.end(opts.input ?? '');
    });
  }

  /** Run git and return its stdout as text (trailing newline removed). */
  async text(args: readonly string[], opts: RunOptions = {}): Promise<string> {
    const { stdout } = await this.run(args, opts);
    return stdout.toString('utf8').replace(/\n$/, '');
  }

  /** Start a long-lived git process (e.g. `cat-file --batch-command`) and hand back its pipes. */
  start(args: readonly string[]): ChildProcessWithoutNullStreams {
    return spawn('git', this.argv(args), { cwd: this.cwd, env: this.env, stdio: ['pipe', 'pipe', 'pipe'] });
  }
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
