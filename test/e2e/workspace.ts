/**
 * The user's side of an e2e scenario: a temporary repository with two linked worktrees, a HOME of its
 * own (so no config of this machine's leaks in, and nothing is written to it), `git-ctx` on PATH as a
 * user has it after `npm install -g` (a symlink to this checkout's dist/bin.cjs), processes with bounds
 * and their own process groups, CPU load, and a reader of the context branch that uses git alone.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const BIN = fileURLToPath(new URL('../../dist/bin.cjs', import.meta.url));

/** Variables of the machine that would change what git, the clients or git-ctx do. */
const DROP = /^(GIT_|ANTHROPIC_|CLAUDE|CODEX_|OPENAI_|NPM_|npm_|XDG_|VITEST|NODE_OPTIONS$|NO_COLOR$|FORCE_COLOR$|HTTPS?_PROXY$|ALL_PROXY$|NO_PROXY$)/i;

export interface Workspace {
  root: string;
  home: string;
  /** The main worktree (where the repository was created). */
  main: string;
  /** The linked worktree the agent works in. */
  agent: string;
  /** Another linked worktree: another session that sends messages and writes decisions. */
  other: string;
  env: Record<string, string>;
  git(cwd: string, args: string[]): string;
  /** Run git-ctx as the user does (`git ctx ...` through git, which finds git-ctx on PATH). */
  ctx(cwd: string, args: string[]): string;
  /** Remove it all, once the runs hooks left in the background have ended (or, after a bound, been stopped). */
  remove(): Promise<void>;
}

export function makeWorkspace(opts: { proxy: string; keep?: boolean }): Workspace {
  const root = mkdtempSync(join(tmpdir(), 'git-ctx-e2e-'));
  const home = join(root, 'home');
  const bin = join(root, 'bin');
  mkdirSync(home);
  mkdirSync(bin);
  symlinkSync(BIN, join(bin, 'git-ctx'));
  const base: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !DROP.test(k)) base[k] = v;
  const env: Record<string, string> = {
    ...base,
    PATH: `${bin}:${dirname(process.execPath)}:${process.env.PATH ?? '/usr/bin:/bin'}`,
    HOME: home,
    XDG_CONFIG_HOME: join(home, '.config'),
    XDG_CACHE_HOME: join(home, '.cache'),
    XDG_DATA_HOME: join(home, '.local/share'),
    XDG_STATE_HOME: join(home, '.local/state'),
    GIT_CONFIG_NOSYSTEM: '1',
    // Nothing but 127.0.0.1: every other host goes to the fake server's proxy, which refuses and logs it.
    HTTPS_PROXY: opts.proxy,
    HTTP_PROXY: opts.proxy,
    ALL_PROXY: opts.proxy,
    https_proxy: opts.proxy,
    http_proxy: opts.proxy,
    NO_PROXY: '127.0.0.1,localhost',
    no_proxy: '127.0.0.1,localhost',
  };
  writeFileSync(join(home, '.gitconfig'), '[user]\n\tname = E2E User\n\temail = e2e@example.com\n[init]\n\tdefaultBranch = main\n');
  const git = (cwd: string, args: string[]) => execFileSync('git', args, { cwd, env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 60_000 }).replace(/\n$/, '');
  const main = join(root, 'project');
  mkdirSync(join(main, 'src'), { recursive: true });
  git(main, ['init', '-q']);
  writeFileSync(join(main, 'README.md'), '# project\n');
  writeFileSync(join(main, 'src/parser.ts'), 'export function parse(s: string): string[] {\n  return s.split(",");\n}\n');
  git(main, ['add', '-A']);
  git(main, ['commit', '-q', '-m', 'Initial commit']);
  const agent = join(root, 'project-agent');
  const other = join(root, 'project-other');
  git(main, ['worktree', 'add', '-q', '-b', 'agent-work', agent]);
  git(main, ['worktree', 'add', '-q', '-b', 'other-work', other]);
  return {
    root,
    home,
    main,
    agent,
    other,
    env,
    git,
    ctx: (cwd, args) => git(cwd, ['ctx', ...args]),
    remove: async () => {
      if (opts.keep) return;
      // A detached run a hook started (the handoff after the last prompt) may still be writing under
      // .git: removing the directory under it fails (ENOTEMPTY) as long as it runs.
      for (const until = Date.now() + 15_000; processesIn(root).length && Date.now() < until; ) await new Promise((r) => setTimeout(r, 100));
      for (const pid of processesIn(root)) killPid(pid);
      try {
        rmSync(root, { recursive: true, force: true, maxRetries: 3, retryDelay: 100 });
      } catch {
        /* a temporary directory left behind, nothing else */
      }
    },
  };
}

export interface RunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  ms: number;
  timedOut: boolean;
}

/** Processes (other than this one) whose command line names `dir`, or that run in it. */
function processesIn(dir: string): number[] {
  const out: number[] = [];
  for (const name of readdirSync('/proc')) {
    const pid = Number(name);
    if (!Number.isInteger(pid) || pid === process.pid) continue;
    try {
      const cwd = readlinkSync(`/proc/${pid}/cwd`);
      if (cwd === dir || cwd.startsWith(`${dir}/`) || readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(dir)) out.push(pid);
    } catch {
      /* gone, or not ours */
    }
  }
  return out;
}

function killPid(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    /* gone */
  }
}

/** Kill a process group (the child was spawned detached, so it leads one), ignoring one already gone. */
export function killGroup(child: ChildProcess): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, 'SIGKILL');
  } catch {
    /* gone */
  }
}

/** Run a program to its end, killed (with its process group) after `timeoutMs`. */
export function run(cmd: string[], opts: { cwd: string; env: Record<string, string>; input?: string; timeoutMs: number }): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(cmd[0]!, cmd.slice(1), { cwd: opts.cwd, env: opts.env, stdio: ['pipe', 'pipe', 'pipe'], detached: true });
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    child.stdout!.on('data', (b: Buffer) => (stdout += b.toString('utf8')));
    child.stderr!.on('data', (b: Buffer) => (stderr += b.toString('utf8')));
    const timer = setTimeout(() => {
      timedOut = true;
      killGroup(child);
    }, opts.timeoutMs);
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr, ms: performance.now() - t0, timedOut });
    });
    child.stdin!.on('error', () => {});
    child.stdin!.end(opts.input ?? '');
  });
}

/** `n` processes that each keep one core busy until stopped: what parallel agents do to a laptop. */
export function busyLoops(n: number): { stop(): void } {
  const kids = Array.from({ length: n }, () => spawn(process.execPath, ['-e', 'for(;;){}'], { stdio: 'ignore', detached: true }));
  const stop = () => {
    for (const k of kids) killGroup(k);
  };
  // Detached, they would outlive a test process that ends without reaching its cleanup.
  process.once('exit', stop);
  return { stop };
}

/** Poll `fn` until it returns a value other than undefined, at most `timeoutMs`. */
export async function waitFor<T>(fn: () => T | undefined, timeoutMs: number, everyMs = 200): Promise<T | undefined> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = fn();
    if (v !== undefined || Date.now() >= end) return v;
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** One commit of the context branch, read with git alone. */
export interface BranchCommit {
  commit: string;
  subject: string;
  id: string;
  kind: string;
  agent: string;
  session: string;
  /** Paths the commit added or changed. */
  files: string[];
  /** The text of the entry files (`entries/...`) it added. */
  entryText: string;
}

/** The commits of the context branch after `since` (all when null), oldest first. */
export function branchCommits(ws: Workspace, since: string | null, branch = 'context'): BranchCommit[] {
  const range = since ? [`${since}..refs/heads/${branch}`] : [`refs/heads/${branch}`];
  const fmt = ['%H', '%s', '%(trailers:key=Ctx-Id,valueonly,separator=%x2C)', '%(trailers:key=Ctx-Kind,valueonly,separator=%x2C)', '%(trailers:key=Ctx-Agent,valueonly,separator=%x2C)', '%(trailers:key=Ctx-Session,valueonly,separator=%x2C)'].join('%x1f');
  const out = ws.git(ws.main, ['log', '--reverse', `--format=${fmt}%x1e`, ...range, '--']);
  const commits: BranchCommit[] = [];
  for (const rec of out.split('\x1e')) {
    const line = rec.replace(/^\n/, '');
    if (!line.trim()) continue;
    const [commit, subject, id, kind, agent, session] = line.split('\x1f').map((s) => s.trim());
    const files = ws.git(ws.main, ['diff-tree', '--no-commit-id', '--root', '-r', '--name-only', commit!]).split('\n').filter(Boolean);
    const entryText = files
      .filter((f) => f.startsWith('entries/'))
      .map((f) => ws.git(ws.main, ['cat-file', 'blob', `${commit}:${f}`]))
      .join('\n');
    commits.push({ commit: commit!, subject: subject!, id: id!, kind: kind!, agent: agent!, session: session!, files, entryText });
  }
  return commits;
}

export function branchTip(ws: Workspace, branch = 'context'): string | null {
  try {
    return ws.git(ws.main, ['rev-parse', '-q', '--verify', `refs/heads/${branch}`]);
  } catch {
    return null;
  }
}

/** Paths of read receipts on the branch tip that name `messageId` (`state/read/<reader>/YYYY/MM/<id>`). */
export function readReceipts(ws: Workspace, messageId: string, branch = 'context'): string[] {
  const out = ws.git(ws.main, ['ls-tree', '-r', '--name-only', `refs/heads/${branch}`, '--', 'state/read']);
  return out.split('\n').filter((p) => p && p.endsWith(`/${messageId}`));
}
