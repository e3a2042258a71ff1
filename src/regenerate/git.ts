/**
 * What git says happened: the verbs regenerate needs, each an argv plus a parser of a machine format
 * (`-z`, `--format=%x00`), run through the repository's GitRunner.
 *
 * Uncommitted work is read through a private copy of the worktree's index (GIT_INDEX_FILE), refreshed
 * there: `git status` and `diff-files` on the real index would refresh it, that is rewrite the user's
 * index file, which git-ctx never does. Every call also runs with GIT_OPTIONAL_LOCKS=0.
 */
import { copyFileSync, mkdirSync, rmSync, statSync, utimesSync } from 'node:fs';
import { join } from 'node:path';
import type { GitRunner } from '../git/run.js';
import { splitNul } from '../git/run.js';
import { UsageError } from '../errors.js';

const READ_ONLY = { GIT_OPTIONAL_LOCKS: '0' };

/** Options that keep diff output in the form we parse, whatever the user's diff config says. */
const DIFF_FLAGS = ['--no-color', '--no-ext-diff', '--no-textconv', '--src-prefix=a/', '--dst-prefix=b/'];

export interface Commit {
  sha: string;
  shortSha: string;
  subject: string;
  author: { name: string; email: string };
  /** Author date, ISO 8601. */
  date: string;
}

export type FileStatus = 'added' | 'modified' | 'deleted' | 'renamed' | 'copied' | 'type-changed';

export interface FileChange {
  path: string;
  /** The path before a rename or copy. */
  oldPath: string | null;
  status: FileStatus;
  /** Lines added and deleted; null for binary files. */
  added: number | null;
  deleted: number | null;
  binary: boolean;
  /** Rename or copy similarity, percent. */
  similarity: number | null;
}

/** Lines of a file's new side touched by a diff, 1-based and inclusive. */
export interface FileHunks {
  path: string;
  ranges: { start: number; end: number }[];
}

const STATUS: Record<string, FileStatus> = { A: 'added', M: 'modified', D: 'deleted', R: 'renamed', C: 'copied', T: 'type-changed' };

/** Resolve a user-supplied revision to a commit id; UsageError (E_REV) when it names none. */
export async function resolveCommit(git: GitRunner, rev: string, flag = '--since'): Promise<string> {
  const { stdout, status } = await git.run(['rev-parse', '-q', '--verify', '--end-of-options', `${rev}^{commit}`], { okStatus: [0, 1, 128], env: READ_ONLY });
  const sha = stdout.toString('utf8').trim();
  if (status !== 0 || !sha) throw new UsageError(`${flag} ${rev}: not a commit in this repository`, { code: 'E_REV', hint: 'give a branch, tag or commit id' });
  return sha;
}

export async function mergeBase(git: GitRunner, a: string, b: string): Promise<string | null> {
  const { stdout, status } = await git.run(['merge-base', a, b], { okStatus: [0, 1], env: READ_ONLY });
  return status === 0 ? stdout.toString('utf8').trim() || null : null;
}

export async function isAncestor(git: GitRunner, ancestor: string, of: string): Promise<boolean> {
  const { status } = await git.run(['merge-base', '--is-ancestor', ancestor, of], { okStatus: [0, 1, 128], env: READ_ONLY });
  return status === 0;
}

/**
 * What the current branch is measured against: its upstream, else the remote's default branch
 * (`origin/HEAD`), else a local default branch (init.defaultBranch, main, master, trunk) other than
 * itself. `configured` is init.defaultBranch. Returns the ref's short name, or null. One git call.
 */
export async function baseRef(git: GitRunner, branch: string | null, configured: string | undefined): Promise<string | null> {
  const names = ['main', 'master', 'trunk'];
  const refs = await git.run(['for-each-ref', '--format=%(refname)%00%(upstream)%00%(symref)', ...(branch ? [`refs/heads/${branch}`] : []), 'refs/remotes/origin/HEAD', 'refs/heads/'], { env: READ_ONLY });
  const rows = new Map(
    refs.stdout
      .toString('utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => {
        const [ref, upstream, symref] = l.split('\0');
        return [ref!, { upstream: upstream ?? '', symref: symref ?? '' }] as const;
      }),
  );
  const short = (ref: string) => ref.replace(/^refs\/(heads|remotes)\//, '');
  const upstream = branch ? rows.get(`refs/heads/${branch}`)?.upstream : '';
  if (upstream) return short(upstream);
  const remoteHead = rows.get('refs/remotes/origin/HEAD')?.symref;
  if (remoteHead) return short(remoteHead);
  for (const name of [configured?.trim(), ...names]) if (name && name !== branch && rows.has(`refs/heads/${name}`)) return name;
  return null;
}

/** Commits in `base..head` (all of head's history when base is null), newest first, at most `limit`. */
export async function listCommits(git: GitRunner, base: string | null, head: string, limit: number): Promise<{ commits: Commit[]; total: number }> {
  const range = base ? [`${base}..${head}`] : [head];
  const [log, count] = await Promise.all([
    git.run(['log', '-z', `-n${limit}`, '--no-show-signature', '--format=%H%x00%h%x00%an%x00%ae%x00%aI%x00%s', ...range, '--'], { env: READ_ONLY }),
    git.run(['rev-list', '--count', ...range, '--'], { env: READ_ONLY }),
  ]);
  return { commits: parseCommits(log.stdout), total: Number(count.stdout.toString('utf8').trim()) || 0 };
}

/** Parse `git log -z --format=%H%x00%h%x00%an%x00%ae%x00%aI%x00%s`. */
export function parseCommits(out: Buffer | string): Commit[] {
  const f = splitNul(out);
  const commits: Commit[] = [];
  for (let i = 0; i + 6 <= f.length; i += 6) {
    commits.push({ sha: f[i]!.replace(/^\n/, ''), shortSha: f[i + 1]!, author: { name: f[i + 2]!, email: f[i + 3]! }, date: f[i + 4]!, subject: f[i + 5]! });
  }
  return commits;
}

/**
 * Parse `git diff-tree|diff-index|diff-files -z --raw --numstat [-M]`: the raw records (status, paths)
 * come first, then the numstat records (counts) in the same order.
 */
export function parseRawNumstat(out: Buffer | string): FileChange[] {
  const t = splitNul(out);
  const files: FileChange[] = [];
  let i = 0;
  while (i < t.length && t[i]!.startsWith(':')) {
    const meta = t[i]!.split(' ');
    const code = meta[4] ?? 'M';
    const letter = code[0]!;
    const twoPaths = letter === 'R' || letter === 'C';
    const a = t[i + 1]!;
    const b = twoPaths ? t[i + 2]! : a;
    files.push({
      path: b,
      oldPath: twoPaths ? a : null,
      status: STATUS[letter] ?? 'modified',
      added: 0,
      deleted: 0,
      binary: false,
      similarity: twoPaths ? Number(code.slice(1)) || null : null,
    });
    i += twoPaths ? 3 : 2;
  }
  for (const f of files) {
    const rec = t[i];
    if (rec === undefined) break;
    const [added, deleted, path] = rec.split('\t');
    i += path === '' ? 3 : 1; // a rename's numstat record is "a\td\t" then both paths
    f.binary = added === '-';
    f.added = f.binary ? null : Number(added);
    f.deleted = f.binary ? null : Number(deleted);
  }
  return files;
}

/** Files changed between two commits (`base` null: from the empty tree), with renames. */
export async function diffTrees(git: GitRunner, base: string | null, head: string, emptyTree: string): Promise<FileChange[]> {
  const { stdout } = await git.run(['diff-tree', '-r', '-z', '-M', '--raw', '--numstat', base ?? emptyTree, head, '--'], { env: READ_ONLY });
  return parseRawNumstat(stdout);
}

/** Undo git's C-style quoting of a path (`"a\\tb\\303\\251"`), as it appears in unified diff headers. */
export function unquotePath(p: string): string {
  if (!p.startsWith('"') || !p.endsWith('"')) return p;
  const body = p.slice(1, -1);
  const bytes: number[] = [];
  const simple: Record<string, number> = { n: 10, t: 9, r: 13, '"': 34, '\\': 92, a: 7, b: 8, f: 12, v: 11 };
  for (let i = 0; i < body.length; i++) {
    const c = body[i]!;
    if (c !== '\\') {
      bytes.push(...Buffer.from(c, 'utf8'));
      continue;
    }
    const n = body[i + 1]!;
    if (/[0-7]/.test(n)) {
      bytes.push(parseInt(body.slice(i + 1, i + 4), 8));
      i += 3;
    } else {
      bytes.push(simple[n] ?? n.charCodeAt(0));
      i += 1;
    }
  }
  return Buffer.from(bytes).toString('utf8');
}

/** Parse `git diff -U0` output into the new-side line ranges of each file. */
export function parseHunks(out: Buffer | string): FileHunks[] {
  const text = typeof out === 'string' ? out : out.toString('utf8');
  const files: FileHunks[] = [];
  let current: FileHunks | null = null;
  for (const line of text.split('\n')) {
    if (line.startsWith('diff --git ')) current = null;
    else if (line.startsWith('+++ ')) {
      const p = line.slice(4);
      if (p === '/dev/null') current = null;
      else {
        const path = unquotePath(p).replace(/^b\//, '');
        files.push((current = { path, ranges: [] }));
      }
    } else if (current && line.startsWith('@@ ')) {
      const m = /^@@ -\d+(?:,\d+)? \+(\d+)(?:,(\d+))? @@/.exec(line);
      if (!m) continue;
      const start = Number(m[1]);
      const count = m[2] === undefined ? 1 : Number(m[2]);
      // A pure deletion sits between line `start` and the next: both neighbours are touched.
      current.ranges.push(count === 0 ? { start: Math.max(1, start), end: start + 1 } : { start, end: start + count - 1 });
    }
  }
  return files.filter((f) => f.ranges.length);
}

/** The uncommitted state of a worktree. */
export interface Uncommitted {
  staged: FileChange[];
  unstaged: FileChange[];
  untracked: string[];
}

/**
 * A private copy of a worktree's index, refreshed (stat data brought up to date, so that files merely
 * touched do not count as changed). The user's index file is only ever read, by the copy.
 *
 * The copy keeps the index file's modification time: git trusts an entry's stat data only when the
 * file was last changed before the index was written, and compares the content of the others ("racily
 * clean" entries). A copy stamped with the time of copying would make every entry look older than the
 * index, and an edit of the same size made in the same second as the last index write would be missed.
 */
export class PrivateIndex {
  private constructor(
    private readonly git: GitRunner,
    readonly path: string,
  ) {}

  static async create(git: GitRunner, opts: { gitDir: string; scratchDir: string; name: string }): Promise<PrivateIndex> {
    mkdirSync(opts.scratchDir, { recursive: true });
    const index = new PrivateIndex(git, join(opts.scratchDir, opts.name));
    const real = join(opts.gitDir, 'index');
    try {
      let st: ReturnType<typeof statSync> | undefined;
      try {
        st = statSync(real);
      } catch {
        st = undefined; // no index yet: a new repository
      }
      if (st) {
        copyFileSync(real, index.path);
        // Rounded down to the millisecond: an earlier time only makes git compare more contents.
        const t = Math.floor(st.mtimeMs) / 1000;
        utimesSync(index.path, t, t);
      }
      await git.run(['update-index', '-q', '--refresh', '--ignore-submodules'], { env: index.env, okStatus: [0, 1] });
    } catch (e) {
      index.dispose();
      throw e;
    }
    return index;
  }

  get env(): Record<string, string> {
    return { ...READ_ONLY, GIT_INDEX_FILE: this.path };
  }

  /** Staged and unstaged changes and untracked files, against `head` (the empty tree when unborn). */
  async uncommitted(headTree: string): Promise<Uncommitted> {
    const env = this.env;
    const [staged, unstaged, untracked] = await Promise.all([
      this.git.run(['diff-index', '--cached', '-z', '-M', '--raw', '--numstat', headTree, '--'], { env }),
      this.git.run(['diff-files', '-z', '--raw', '--numstat', '--ignore-submodules', '--'], { env }),
      this.git.run(['ls-files', '-z', '--others', '--exclude-standard'], { env }),
    ]);
    return { staged: parseRawNumstat(staged.stdout), unstaged: parseRawNumstat(unstaged.stdout), untracked: splitNul(untracked.stdout) };
  }

  /**
   * Line ranges of every tracked file whose worktree content differs from `base`, and the diff itself
   * (what the worktree's tracked files say, for telling whether anything changed since a previous run).
   */
  async hunksSince(baseTree: string): Promise<{ hunks: FileHunks[]; diff: Buffer }> {
    const { stdout } = await this.git.run(['diff-index', '-U0', '-M', ...DIFF_FLAGS, baseTree, '--'], { env: this.env });
    return { hunks: parseHunks(stdout), diff: stdout };
  }

  dispose(): void {
    rmSync(this.path, { force: true });
    rmSync(`${this.path}.lock`, { force: true });
  }
}

/** The hunks of `base..head` (for a repository with no worktree), and the diff itself. */
export async function committedHunks(git: GitRunner, base: string | null, head: string, emptyTree: string): Promise<{ hunks: FileHunks[]; diff: Buffer }> {
  const { stdout } = await git.run(['diff-tree', '-r', '-U0', '-M', ...DIFF_FLAGS, base ?? emptyTree, head, '--'], { env: READ_ONLY });
  return { hunks: parseHunks(stdout), diff: stdout };
}
