/**
 * What git's own files say about a branch name, read directly: whether the name is one git accepts for
 * a branch and that `git rev-parse` would not find ambiguous, and whether a worktree has the branch
 * checked out. Every write asks, so these cost a few `stat`s and small reads, never a git process (an
 * `add` is budgeted in milliseconds). The tests check each answer against git itself
 * (`check-ref-format --branch`, the "refname is ambiguous" warning, `git branch -f` refusing a branch
 * used by a worktree).
 */
import { closeSync, openSync, readFileSync, readSync, readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';

/**
 * Why git would not take `name` as the short name of a branch, or would find it ambiguous whatever the
 * other refs are; null when it is fine. git-ctx's names are a subset of git's: ASCII letters, digits,
 * `.`, `_`, `-` and `/`.
 */
export function branchNameProblem(name: string): string | null {
  if (!/^[A-Za-z0-9._/-]+$/.test(name)) return 'only letters, digits, ".", "_", "-" and "/" are allowed';
  // git check-ref-format --branch: no leading "-", no "..", no empty or dot-led component, no
  // component ending in ".lock", no trailing "." or "/", not "@".
  if (name.startsWith('-')) return 'it starts with "-"';
  if (name === '@') return 'git does not take "@" as a branch name';
  if (name.includes('..')) return 'it contains ".."';
  if (name.endsWith('.') || name.endsWith('/')) return 'it ends with "." or "/"';
  for (const part of name.split('/')) {
    if (!part) return 'it has an empty path component';
    if (part.startsWith('.')) return 'a path component starts with "."';
    if (part.endsWith('.lock')) return 'a path component ends with ".lock"';
  }
  // Names git resolves before any branch: HEAD and the other pseudo-refs, and full ref names
  // (`refs/heads/x` as a branch would be refs/heads/refs/heads/x, shadowed by refs/heads/x).
  if (name === 'HEAD' || /^[A-Z_]*_HEAD$/.test(name) || name === 'AUTO_MERGE') return `"${name}" is a name git gives to another ref`;
  if (name === 'refs' || name.startsWith('refs/')) return 'it is a full ref name (git would read it as the ref itself)';
  return null;
}

/** The ref names git tries for a short name, in order, besides refs/heads/<name> (git's ref_rev_parse_rules). */
export function shadowCandidates(name: string): string[] {
  return [`refs/${name}`, `refs/tags/${name}`, `refs/remotes/${name}`, `refs/remotes/${name}/HEAD`];
}

/** Whether the file at `path` reads as a ref to git: an object id, or `ref: <name>` (git ignores others). */
function holdsRef(path: string): boolean {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch {
    return false;
  }
  try {
    const buf = Buffer.alloc(128);
    const text = buf.toString('latin1', 0, readSync(fd, buf, 0, buf.length, 0));
    return /^([0-9a-f]{40}|[0-9a-f]{64})\s*$|^ref: \S/.test(text);
  } catch {
    return false;
  } finally {
    closeSync(fd);
  }
}

function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

/** The identity of packed-refs as it is now (changes whenever git rewrites it), or null when there is none. */
export function packedRefsStamp(commonDir: string): string | null {
  try {
    const st = statSync(join(commonDir, 'packed-refs'));
    return `${st.ino}:${st.size}:${st.mtimeMs}`;
  } catch {
    return null;
  }
}

/**
 * The refs besides refs/heads/<name> that `git rev-parse <name>` would also find, which make the
 * branch's short name ambiguous: `$GIT_DIR/<name>`, refs/<name>, refs/tags/<name>,
 * refs/remotes/<name> and refs/remotes/<name>/HEAD, loose or packed. `packedClean`: packed-refs is
 * known to hold none of them (its stamp was checked before), so it is not read again.
 */
export function shadowingRefs(gitDir: string, commonDir: string, name: string, packedClean: boolean): string[] {
  const found = new Set<string>();
  // refs/bisect/, refs/worktree/ and refs/rewritten/ live in a linked worktree's own git dir.
  const dirs = gitDir === commonDir ? [commonDir] : [commonDir, gitDir];
  if (dirs.some((d) => holdsRef(join(d, name)))) found.add(name);
  const candidates = shadowCandidates(name);
  for (const ref of candidates) if (dirs.some((d) => isFile(join(d, ref)))) found.add(ref);
  if (!packedClean) {
    let packed = '';
    try {
      packed = readFileSync(join(commonDir, 'packed-refs'), 'utf8');
    } catch {
      /* no packed refs */
    }
    for (const ref of candidates) if (packed.includes(` ${ref}\n`)) found.add(ref);
  }
  return [...found];
}

export interface CheckedOut {
  /** The worktree's top directory (as git records it), or its git dir when that is not known. */
  worktree: string;
  /** How it uses the branch: its HEAD, or a rebase or bisect in progress on it. */
  how: 'HEAD' | 'rebase' | 'bisect';
}

function readOrNull(path: string): string | null {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return null;
  }
}

/**
 * The worktrees that use `ref` (refs/heads/<name>) the way `git branch -f` refuses to move: checked
 * out (HEAD names it, unborn or not), being rebased, or being bisected. Read from the same files git
 * reads (`git worktree list`): the main worktree's HEAD (unless the repository is bare) and
 * `worktrees/<id>/HEAD` for each linked one, registered worktrees whose directory is gone included
 * (git refuses for those too, until `git worktree prune`).
 */
export function worktreesUsing(commonDir: string, ref: string, bare: boolean): CheckedOut[] {
  const out: CheckedOut[] = [];
  const short = ref.replace(/^refs\/heads\//, '');
  // Every write asks: the files of state in progress are read only where they can be (a rebase
  // detaches HEAD), and a worktree's path only for the message.
  const how = (gitDir: string): CheckedOut['how'] | null => {
    const head = readOrNull(join(gitDir, 'HEAD'))?.trim() ?? '';
    if (head === `ref: ${ref}`) return 'HEAD';
    if (!head.startsWith('ref:')) {
      for (const f of ['rebase-merge/head-name', 'rebase-apply/head-name']) if (readOrNull(join(gitDir, f))?.trim() === ref) return 'rebase';
    }
    return readOrNull(join(gitDir, 'BISECT_START'))?.trim() === short ? 'bisect' : null;
  };
  if (!bare) {
    const h = how(commonDir);
    if (h) out.push({ worktree: dirname(commonDir), how: h });
  }
  let ids: string[] = [];
  try {
    ids = readdirSync(join(commonDir, 'worktrees'));
  } catch {
    /* no linked worktrees */
  }
  for (const id of ids) {
    const dir = join(commonDir, 'worktrees', id);
    const h = how(dir);
    if (!h) continue;
    const gitdir = readOrNull(join(dir, 'gitdir'))?.trim();
    out.push({ worktree: gitdir ? dirname(gitdir) : dir, how: h });
  }
  return out;
}
