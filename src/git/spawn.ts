/**
 * Starting git, with no dependency on the rest of git-ctx: the launcher (src/launch.ts) bundles this
 * file to start the first git processes before git-ctx itself is loaded, so what it hands over must be
 * plain data and child processes, never objects of git-ctx's classes. GitRunner (./run.ts) builds on it.
 *
 * Why a cleaned environment: inside a git hook, git exports GIT_INDEX_FILE (sometimes a temporary
 * index.lock), GIT_PREFIX and author/committer dates. Passing those through would make our internal
 * calls read the wrong index or stamp the wrong dates. Internal calls also run with
 * `core.hooksPath=/dev/null`, so that moving the context ref does not fire the user's
 * `reference-transaction` hook.
 */
import type { ChildProcess, ChildProcessWithoutNullStreams } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

let loaded: typeof import('node:child_process') | undefined;
/**
 * Node's child_process, loaded on first use: loading it costs ~4 ms (it brings net and streams), and
 * a common `add` starts no process at all.
 */
export function childProcess(): typeof import('node:child_process') {
  // Built-ins resolve the same from anywhere: node's own path is absolute in every build.
  return (loaded ??= createRequire(process.execPath)('node:child_process') as typeof import('node:child_process'));
}

export interface RunResult {
  stdout: Buffer;
  stderr: string;
  status: number | null;
}

export interface CollectOptions {
  /** Bytes or text written to git's stdin (stdin is closed right after). */
  input?: string | Buffer;
  /** Called with each chunk of stderr as it arrives (progress of network commands). */
  onStderr?: (chunk: string) => void;
  /**
   * Stop git after this many milliseconds (status becomes null): git and every process it started
   * (a transport helper, ssh) get SIGTERM, so that git removes its lock files, then SIGKILL.
   */
  timeoutMs?: number;
  /**
   * Run git in a session of its own, so that a signal to this process's group (a closed terminal, a
   * killed job) does not reach it: for a short update of a ref that must never be cut between taking
   * git's lock and releasing it (a SIGKILL there leaves the lock behind, and only a person may remove it).
   */
  detached?: boolean;
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

/** The environment git-ctx runs git in: the caller's, less what hooks export, in the C locale. */
export function gitEnv(env: Record<string, string | undefined>): Record<string, string> {
  const clean: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) if (v !== undefined && !DROPPED_ENV.includes(k)) clean[k] = v;
  // Machine-readable output and messages we can match: plumbing output is locale-independent, but
  // the few stderr messages we recognise (a lost compare-and-swap, a stale lock) are English.
  clean.LC_ALL = 'C';
  clean.LANGUAGE = 'C';
  return clean;
}

/** git's argv: the user's hooks are off unless asked for. */
export function gitArgv(args: readonly string[], userHooks = false): string[] {
  return userHooks ? [...args] : ['-c', 'core.hooksPath=/dev/null', ...args];
}

/**
 * Every git this process started that has not exited yet: at its very end, a command stops those a
 * bug left running (src/bin.ts), so that none outlives it. Kept on globalThis: the launcher's copy of
 * this file (src/launch.ts bundles its own) starts the first ones.
 */
const LIVE = Symbol.for('git-ctx.children');
function liveChildren(): Set<ChildProcess> {
  const g = globalThis as Record<symbol, Set<ChildProcess> | undefined>;
  return (g[LIVE] ??= new Set());
}

function track<T extends ChildProcess>(child: T, detached = false): T {
  // A detached git is a short ref update that must finish (see CollectOptions.detached): never stopped.
  if (child.pid === undefined || detached) return child;
  const live = liveChildren();
  live.add(child);
  child.once('exit', () => live.delete(child));
  return child;
}

/**
 * Stop every git child still running (a process that must end now). SIGTERM: git removes the lock
 * files it holds as it dies of it.
 */
export function stopChildren(): number {
  const live = liveChildren();
  let n = 0;
  for (const child of live) {
    if (child.exitCode === null && child.signalCode === null && child.kill('SIGTERM')) n++;
  }
  live.clear();
  return n;
}

/** Start a long-lived git whose three streams the caller drives. */
export function spawnGit(cwd: string, env: Record<string, string>, argv: readonly string[], opts: { detached?: boolean } = {}): ChildProcessWithoutNullStreams {
  return track(childProcess().spawn('git', argv, { cwd, env, stdio: ['pipe', 'pipe', 'pipe'], detached: opts.detached }), opts.detached);
}

/**
 * Run git to its end: its output and exit status (null when it was killed). Rejects, with a plain
 * Error, only when git could not be started. stdin is a pipe only when there is input: each pipe is
 * a stream Node must set up and tear down, which costs a short command more than git itself.
 */
export function runGit(cwd: string, env: Record<string, string>, argv: readonly string[], opts: CollectOptions = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    let child: ChildProcess;
    try {
      child = track(childProcess().spawn('git', argv, { cwd, env, stdio: [opts.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'], detached: opts.detached }), opts.detached);
    } catch (e) {
      reject(new Error(`cannot run git: ${(e as Error).message}`));
      return;
    }
    const out: Buffer[] = [];
    let err = '';
    let timer: NodeJS.Timeout | undefined;
    let timedOut = false;
    let done = false;
    const finish = (status: number | null) => {
      if (done) return;
      done = true;
      if (timer) clearTimeout(timer);
      resolve({ stdout: Buffer.concat(out), stderr: err, status: timedOut ? null : status });
    };
    if (opts.timeoutMs) {
      timer = setTimeout(() => {
        timedOut = true;
        const tree = child.pid === undefined ? [] : processTree(child.pid);
        signal(tree, 'SIGTERM');
        // Whatever did not stop on SIGTERM (a helper stuck in a system call) is killed.
        setTimeout(() => signal(tree, 'SIGKILL'), TERM_GRACE_MS).unref();
      }, opts.timeoutMs);
    }
    child.stdout!.on('data', (b: Buffer) => out.push(b));
    child.stderr!.setEncoding('utf8');
    child.stderr!.on('data', (s: string) => {
      err += s;
      opts.onStderr?.(s);
    });
    child.on('error', (e) => {
      if (timer) clearTimeout(timer);
      done = true;
      reject(new Error(`cannot run git: ${e.message}`));
    });
    // Stopped at its time limit, git is done once it has exited: a process it started (ssh, a filter,
    // a hook) may hold its pipes open for long after, and waiting for them to close would undo the limit.
    child.on('exit', (status) => {
      if (!timedOut) return;
      child.stdout?.destroy();
      child.stderr?.destroy();
      finish(status);
    });
    child.on('close', (status) => finish(status));
    if (child.stdin) {
      child.stdin.on('error', () => {
        /* git may exit before reading all of stdin; its exit status tells what happened */
      });
      child.stdin.end(opts.input);
    }
  });
}

const TERM_GRACE_MS = 500;

function signal(pids: readonly number[], sig: NodeJS.Signals): void {
  for (const pid of pids) {
    try {
      process.kill(pid, sig);
    } catch {
      /* gone already */
    }
  }
}

/**
 * `pid` and its descendants, deepest first. git starts transport helpers (git-remote-http, ssh through
 * a shell) that a signal to git alone leaves running, still waiting on the network. Read from /proc
 * where there is one (Linux, including containers without `ps`), else from `ps`.
 */
export function processTree(pid: number): number[] {
  const parents = new Map<number, number[]>();
  const link = (child: number, parent: number) => {
    if (!Number.isInteger(child) || !Number.isInteger(parent)) return;
    parents.set(parent, [...(parents.get(parent) ?? []), child]);
  };
  try {
    for (const name of readdirSync('/proc')) {
      if (!/^\d+$/.test(name)) continue;
      try {
        // "pid (comm) state ppid ...": comm may hold spaces and parentheses, so read after the last ')'.
        const stat = readFileSync(`/proc/${name}/stat`, 'latin1');
        link(Number(name), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
      } catch {
        /* exited meanwhile */
      }
    }
  } catch {
    try {
      for (const line of childProcess().execFileSync('ps', ['-A', '-o', 'pid=', '-o', 'ppid='], { encoding: 'utf8', timeout: 2000 }).split('\n')) {
        const [child, parent] = line.trim().split(/\s+/).map(Number);
        link(child!, parent!);
      }
    } catch {
      /* no way to list processes: git alone is signalled */
    }
  }
  const out: number[] = [];
  const visit = (p: number, depth: number) => {
    if (depth > 32) return;
    for (const c of parents.get(p) ?? []) visit(c, depth + 1);
    out.push(p);
  };
  visit(pid, 0);
  return out;
}
