/**
 * What git knows about a worktree: its status, where its branch left its base, the commits and the
 * diff since then, and the TODO/FIXME lines that diff adds. All reads; none of these touches the
 * user's index.
 *
 * Why `status --porcelain=v2` and not `diff-index`/`diff-files`: those compare by the index's stat
 * data, so a file merely touched (or checked out within the last second) shows as modified until
 * something refreshes the index, and refreshing it is a write. `git status` refreshes it too, as a side
 * effect, unless GIT_OPTIONAL_LOCKS=0: then it compares contents in memory and writes nothing (git's
 * documented purpose for that variable; the tests assert the index bytes unchanged). Every call here
 * runs with it set.
 */
import type { GitRunner, RunOptions } from './run.js';
import { splitNul } from './run.js';

const READ_ONLY: RunOptions = { env: { GIT_OPTIONAL_LOCKS: '0' } };

function ro(extra: RunOptions = {}): RunOptions {
  return { ...extra, env: { ...READ_ONLY.env, ...extra.env } };
}

export interface StatusFile {
  path: string;
  /** Two letters as in `git status --short` (`.` for unchanged): index then worktree; `??` untracked. */
  xy: string;
  /** For a rename or copy: where it came from. */
  from?: string;
}

export interface WorktreeStatus {
  head: string | null;
  branch: string | null;
  upstream: string | null;
  ahead: number | null;
  behind: number | null;
  files: StatusFile[];
}

/** `git status --porcelain=v2 --branch -z --untracked-files=all`, without refreshing the index. */
export async function readStatus(git: GitRunner): Promise<WorktreeStatus> {
  const { stdout } = await git.run(['status', '--porcelain=v2', '--branch', '-z', '--untracked-files=all'], ro());
  return parseStatus(stdout.toString('utf8'));
}

export function parseStatus(out: string): WorktreeStatus {
  const st: WorktreeStatus = { head: null, branch: null, upstream: null, ahead: null, behind: null, files: [] };
  const fields = splitNul(out);
  for (let i = 0; i < fields.length; i++) {
    const f = fields[i]!;
    if (f.startsWith('# branch.oid ')) st.head = f.slice(13) === '(initial)' ? null : f.slice(13);
    else if (f.startsWith('# branch.head ')) st.branch = f.slice(14) === '(detached)' ? null : f.slice(14);
    else if (f.startsWith('# branch.upstream ')) st.upstream = f.slice(18);
    else if (f.startsWith('# branch.ab ')) {
      const m = /^\+(\d+) -(\d+)$/.exec(f.slice(12));
      if (m) [st.ahead, st.behind] = [Number(m[1]), Number(m[2])];
    } else if (f.startsWith('1 ')) st.files.push({ xy: f.slice(2, 4), path: afterSpaces(f, 8) });
    else if (f.startsWith('2 ')) st.files.push({ xy: f.slice(2, 4), path: afterSpaces(f, 9), from: fields[++i] });
    else if (f.startsWith('u ')) st.files.push({ xy: f.slice(2, 4), path: afterSpaces(f, 10) });
    else if (f.startsWith('? ')) st.files.push({ xy: '??', path: f.slice(2) });
  }
  return st;
}

/** The rest of `s` after `n` space-separated fields (paths may contain spaces). */
function afterSpaces(s: string, n: number): string {
  let i = 0;
  for (let k = 0; k < n; k++) i = s.indexOf(' ', i) + 1;
  return s.slice(i);
}

/**
 * The commit where this worktree's branch left its base: the merge base of HEAD with the first of
 * `candidates` (full ref names) that exists and is not the current branch; with none, the upstream's.
 */
export async function findBase(git: GitRunner, opts: { candidates: readonly string[]; branch: string | null; upstream: string | null }): Promise<{ ref: string; commit: string } | null> {
  const current = opts.branch ? `refs/heads/${opts.branch}` : null;
  const patterns = opts.candidates.filter((c) => c !== current);
  // for-each-ref with no pattern would list every ref.
  const { stdout } = patterns.length ? await git.run(['for-each-ref', '--format=%(refname)%00%(symref)', ...patterns], ro()) : { stdout: Buffer.alloc(0) };
  const found = new Map<string, string>();
  for (const line of stdout.toString('utf8').split('\n')) {
    const [ref, symref] = line.split('\0');
    if (ref) found.set(ref, symref || ref);
  }
  const order = opts.candidates.filter((c) => c !== current && found.has(c)).map((c) => found.get(c)!).filter((r) => r !== current);
  if (opts.upstream) order.push(opts.upstream);
  for (const ref of order) {
    const r = await git.run(['merge-base', 'HEAD', '--end-of-options', ref], ro({ okStatus: [0, 1, 128] }));
    const commit = r.stdout.toString('utf8').trim();
    if (r.status === 0 && commit) return { ref: ref.replace(/^refs\/(heads|remotes)\//, ''), commit };
  }
  return null;
}

export async function isAncestor(git: GitRunner, a: string, b: string): Promise<boolean> {
  const r = await git.run(['merge-base', '--is-ancestor', '--end-of-options', a, b], ro({ okStatus: [0, 1, 128] }));
  return r.status === 0;
}

export interface CommitInfo {
  sha: string;
  date: string;
  subject: string;
}

/** Commits in `from..to` (newest first, at most `max`) and how many there are in all. */
export async function commitsBetween(git: GitRunner, from: string, to: string, max: number): Promise<{ commits: CommitInfo[]; total: number }> {
  const range = `${from}..${to}`;
  const [log, count] = await Promise.all([
    git.run(['log', '-z', `--max-count=${max}`, '--format=%H %aI %s', '--end-of-options', range, '--'], ro()),
    git.text(['rev-list', '--count', '--end-of-options', range, '--'], ro()),
  ]);
  const commits = splitNul(log.stdout).map((rec) => {
    const [sha, date] = rec.split(' ', 2);
    return { sha: sha!, date: date!, subject: rec.slice(sha!.length + date!.length + 2) };
  });
  return { commits, total: Number(count) || commits.length };
}

export async function subjectOf(git: GitRunner, commit: string): Promise<string> {
  return git.text(['log', '-1', '--format=%s', '--end-of-options', commit, '--'], ro());
}

export interface FileStat {
  path: string;
  added: number | null;
  deleted: number | null;
}

/** Lines added and deleted per file between two commits (null for binary files). */
export async function diffStat(git: GitRunner, from: string, to: string): Promise<FileStat[]> {
  const { stdout } = await git.run(['diff-tree', '-r', '-z', '--numstat', '--no-renames', '--end-of-options', from, to, '--'], ro());
  return splitNul(stdout).map((rec) => {
    const [a, d, ...path] = rec.split('\t');
    return { path: path.join('\t'), added: a === '-' ? null : Number(a), deleted: d === '-' ? null : Number(d) };
  });
}

/** Tracked paths whose worktree content may differ from `commit` (stat-based: may include touched files). */
export async function changedSince(git: GitRunner, commit: string): Promise<string[]> {
  const { stdout } = await git.run(['diff-index', '-z', '--name-only', '--no-renames', '--end-of-options', commit, '--'], ro());
  return splitNul(stdout);
}

export interface TodoLine {
  path: string;
  line: number;
  text: string;
}

const TODO_RE = /\b(TODO|FIXME)\b/;

/**
 * TODO/FIXME lines that the worktree adds over `commit`: added lines of `diff-index -p` (committed and
 * uncommitted changes of tracked files, read by content) plus such lines in untracked files.
 */
export async function addedTodos(git: GitRunner, commit: string, untracked: readonly string[], max = 100): Promise<TodoLine[]> {
  const [patch, grep] = await Promise.all([
    git.run(['diff-index', '-p', '-U0', '--no-color', '--no-ext-diff', '--no-textconv', '--no-renames', '--end-of-options', commit, '--'], ro()),
    untracked.length
      ? // File names are names, not patterns (an untracked `*.ts` must not match every file).
        git.run(['grep', '-n', '-I', '-z', '-w', '--untracked', '--no-color', '-e', 'TODO', '-e', 'FIXME', '--', ...untracked.slice(0, 500)], ro({ okStatus: [0, 1], env: { GIT_LITERAL_PATHSPECS: '1' } }))
      : null,
  ]);
  const out = parseAddedLines(patch.stdout.toString('utf8')).filter((l) => TODO_RE.test(l.text));
  if (grep) {
    for (const rec of grep.stdout.toString('utf8').split('\n')) {
      const [path, line, ...text] = rec.split('\0');
      if (path && line) out.push({ path, line: Number(line), text: text.join('\0') });
    }
  }
  return out.slice(0, max).map((l) => ({ ...l, text: l.text.trim().slice(0, 200) }));
}

/** Added lines of a unified diff with zero context, with their line numbers in the new file. */
export function parseAddedLines(patch: string): TodoLine[] {
  const out: TodoLine[] = [];
  let path = '';
  let line = 0;
  for (const l of patch.split('\n')) {
    if (l.startsWith('+++ ')) {
      const p = l.slice(4);
      path = p === '/dev/null' ? '' : unquote(p).replace(/^b\//, '');
    } else if (l.startsWith('@@ ')) {
      const m = /^@@ -\d+(?:,\d+)? \+(\d+)(?:,\d+)? @@/.exec(l);
      line = m ? Number(m[1]) : 0;
    } else if (l.startsWith('+') && path) {
      out.push({ path, line, text: l.slice(1) });
      line++;
    } else if (l.startsWith(' ')) line++;
  }
  return out;
}

/** Undo git's C-style quoting of unusual paths ("a\tb", "\303\251"). */
export function unquote(s: string): string {
  if (!s.startsWith('"') || !s.endsWith('"')) return s;
  const bytes: number[] = [];
  const body = s.slice(1, -1);
  const simple: Record<string, number> = { a: 7, b: 8, t: 9, n: 10, v: 11, f: 12, r: 13, '"': 34, '\\': 92 };
  for (let i = 0; i < body.length; i++) {
    const c = body[i]!;
    if (c !== '\\') {
      bytes.push(...Buffer.from(c, 'utf8'));
      continue;
    }
    const n = body[++i]!;
    if (/[0-7]/.test(n)) {
      bytes.push(parseInt(body.slice(i, i + 3), 8));
      i += 2;
    } else bytes.push(simple[n] ?? n.charCodeAt(0));
  }
  return Buffer.from(bytes).toString('utf8');
}

export interface WorktreeInfo {
  path: string;
  head: string | null;
  branch: string | null;
  bare: boolean;
  detached: boolean;
  locked: boolean;
  prunable: boolean;
}

/** `git worktree list --porcelain -z`. */
export async function listWorktrees(git: GitRunner): Promise<WorktreeInfo[]> {
  const { stdout } = await git.run(['worktree', 'list', '--porcelain', '-z'], ro({ okStatus: [0, 128] }));
  const out: WorktreeInfo[] = [];
  let cur: WorktreeInfo | null = null;
  for (const field of stdout.toString('utf8').split('\0')) {
    if (field.startsWith('worktree ')) {
      cur = { path: field.slice(9), head: null, branch: null, bare: false, detached: false, locked: false, prunable: false };
      out.push(cur);
    } else if (!cur) continue;
    else if (field.startsWith('HEAD ')) cur.head = field.slice(5);
    else if (field.startsWith('branch ')) cur.branch = field.slice(7).replace(/^refs\/heads\//, '');
    else if (field === 'bare') cur.bare = true;
    else if (field === 'detached') cur.detached = true;
    else if (field === 'locked' || field.startsWith('locked ')) cur.locked = true;
    else if (field === 'prunable' || field.startsWith('prunable ')) cur.prunable = true;
  }
  return out;
}
