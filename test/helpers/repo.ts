/**
 * Real repositories for tests: temporary, with a fixed identity and config, built from a map of files.
 * Nothing here imitates git; every helper runs the real git or the real git-ctx bundle.
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, mkdirSync, writeFileSync, readFileSync, rmSync, existsSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll } from 'vitest';

export const BIN = fileURLToPath(new URL('../../dist/bin.cjs', import.meta.url));

const created: string[] = [];
afterAll(() => {
  if (process.env.GIT_CTX_KEEP_TEST_REPOS) return;
  for (const d of created.splice(0)) rmSync(d, { recursive: true, force: true });
}, 300_000); // dozens of clones, on a busy machine

/** A temporary directory, removed when the test file ends (unless GIT_CTX_KEEP_TEST_REPOS is set). */
export function tempDir(prefix = 'git-ctx-test-'): string {
  const d = mkdtempSync(join(tmpdir(), prefix));
  created.push(d);
  return d;
}

/** An environment with no trace of the developer's git config, agent identity or hooks. */
export function cleanEnv(extra: Record<string, string> = {}): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) {
    // An agent's session variables (tests may run inside Claude Code or Codex) would name every session.
    if (v === undefined || k.startsWith('GIT_') || k === 'NO_COLOR' || k === 'CLAUDE_CODE_SESSION_ID' || k === 'CODEX_THREAD_ID') continue;
    // A machine's extra TLS roots: Node 20 reads the whole file at every start (~40 ms of CPU for a
    // distribution's bundle), and git-ctx never speaks TLS itself (git does, with its own settings).
    if (k === 'NODE_EXTRA_CA_CERTS') continue;
    env[k] = v;
  }
  const home = tempDir('git-ctx-home-');
  return {
    ...env,
    HOME: home,
    XDG_CONFIG_HOME: join(home, '.config'),
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_AUTHOR_NAME: 'Test Author',
    GIT_AUTHOR_EMAIL: 'author@example.com',
    GIT_COMMITTER_NAME: 'Test Author',
    GIT_COMMITTER_EMAIL: 'author@example.com',
    ...extra,
  };
}

export const ENV = cleanEnv();


export function git(cwd: string, args: string[], opts: { env?: Record<string, string>; input?: string } = {}): string {
  return execFileSync('git', args, { cwd, env: { ...ENV, ...opts.env }, input: opts.input, encoding: 'utf8', stdio: ['pipe', 'pipe', 'pipe'], maxBuffer: 1 << 28 }).replace(/\n$/, '');
}

export function writeFiles(dir: string, files: Record<string, string | Buffer>): void {
  for (const [path, content] of Object.entries(files)) {
    const p = join(dir, path);
    mkdirSync(dirname(p), { recursive: true });
    writeFileSync(p, content);
  }
}

export interface RepoOptions {
  files?: Record<string, string | Buffer>;
  /** Leave the repository with no commits. */
  empty?: boolean;
  objectFormat?: 'sha1' | 'sha256';
  bare?: boolean;
}

/** A new repository with user config set and (unless empty) one commit of `files`. */
export function makeRepo(opts: RepoOptions = {}): string {
  const dir = tempDir();
  const args = ['init', '-q', '-b', 'main'];
  if (opts.objectFormat) args.push(`--object-format=${opts.objectFormat}`);
  if (opts.bare) args.push('--bare');
  git(dir, [...args, '.']);
  if (opts.bare) return dir;
  git(dir, ['config', 'user.name', 'Test User']);
  git(dir, ['config', 'user.email', 'test@example.com']);
  if (!opts.empty) {
    writeFiles(dir, opts.files ?? { 'README.md': '# test\n' });
    git(dir, ['add', '-A']);
    git(dir, ['commit', '-q', '-m', 'initial']);
  }
  return dir;
}

/** A linked worktree of `repo` on a new branch. */
export function addWorktree(repo: string, name: string, branch = name): string {
  const dir = join(tempDir('git-ctx-wt-'), name);
  git(repo, ['worktree', 'add', '-q', '-b', branch, dir]);
  return dir;
}

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
  /** stdout parsed as JSON when --json was passed. */
  json: any;
}

/** A command's result: stdout parsed as JSON when --json was passed (undefined when it is not JSON). */
export function cliResult(args: readonly string[], code: number, stdout: string, stderr: string): CliResult {
  let json: unknown = undefined;
  if (args.includes('--json')) {
    try {
      json = JSON.parse(stdout);
    } catch {
      json = undefined;
    }
  }
  return { code, stdout, stderr, json };
}

/** `r`, unless the command did not exit 0: then the test fails with its stderr. */
export function exitedOk(args: readonly string[], r: CliResult): CliResult {
  if (r.code !== 0) throw new Error(`git-ctx ${args.join(' ')} exited ${r.code}\n${r.stderr}`);
  return r;
}

/** Run the built git-ctx CLI as a separate process. */
export function ctx(cwd: string, args: string[], opts: { env?: Record<string, string>; input?: string | Buffer } = {}): Promise<CliResult> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd, env: { ...ENV, ...opts.env }, stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (b) => out.push(b));
    child.stderr.on('data', (b) => err.push(b));
    child.on('error', reject);
    child.on('close', (code) => resolvePromise(cliResult(args, code ?? -1, Buffer.concat(out).toString('utf8'), Buffer.concat(err).toString('utf8'))));
    child.stdin.on('error', () => {});
    child.stdin.end(opts.input ?? '');
  });
}

/** Like ctx(), but fails the test unless the command exits 0. */
export async function ctxOk(cwd: string, args: string[], opts: { env?: Record<string, string>; input?: string | Buffer } = {}): Promise<CliResult> {
  return exitedOk(args, await ctx(cwd, args, opts));
}

/**
 * Everything of the user's that git-ctx must never touch: worktree status, HEAD, the index file's
 * bytes, the stash, and every ref except the context branch and refs/ctx/.
 */
export function userState(worktree: string): Record<string, string> {
  const gitDir = git(worktree, ['rev-parse', '--absolute-git-dir']);
  const indexPath = join(gitDir, 'index');
  const refs = git(worktree, ['for-each-ref', '--format=%(refname) %(objectname)'])
    .split('\n')
    .filter((l) => l && !l.startsWith('refs/heads/context ') && !l.startsWith('refs/ctx/'))
    .join('\n');
  return {
    status: git(worktree, ['status', '--porcelain=v1', '--untracked-files=all', '--ignored']),
    head: readFileSync(join(gitDir, 'HEAD'), 'utf8'),
    index: existsSync(indexPath) ? createHash('sha1').update(readFileSync(indexPath)).digest('hex') : 'none',
    stash: git(worktree, ['stash', 'list']),
    refs,
  };
}

export function contextTip(repo: string, branch = 'context'): string | null {
  try {
    return git(repo, ['rev-parse', '-q', '--verify', `refs/heads/${branch}`]);
  } catch {
    return null;
  }
}

export function fsck(repo: string): string {
  return execFileSync('git', ['fsck', '--strict', '--no-progress', '--no-dangling'], { cwd: repo, env: ENV, encoding: 'utf8', stdio: ['pipe', 'pipe', 'pipe'] });
}

/** Entry paths on the context branch. */
export function entryPaths(repo: string, branch = 'context'): string[] {
  if (!contextTip(repo, branch)) return [];
  const out = git(repo, ['ls-tree', '-r', '--name-only', branch, '--', 'entries']);
  return out ? out.split('\n') : [];
}
