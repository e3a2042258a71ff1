/**
 * What this worktree is working on, as git knows it: where its branch left its base, which files it
 * changes since then, and the TODO/FIXME lines it adds. Shared by `handoff --auto` and `brief`.
 *
 * The base is found as regenerate finds it (src/regenerate/git.ts), except that a branch's upstream is
 * not its base: a handoff says what changed since the branch left the default branch (origin/HEAD,
 * init.defaultBranch, main, master, trunk), and only a branch that is itself the default one is
 * measured against its upstream.
 */
import type { Ctx } from '../context.js';
import { changedSince, changedSinceMergeBase, ro } from '../../git/worktree.js';
import { baseRef, mergeBase, unquotePath } from '../../regenerate/git.js';
import { screenWhole } from '../../model/secrets.js';

export async function branchBase(ctx: Ctx, upstream: string | null = null): Promise<{ ref: string; commit: string } | null> {
  if (!ctx.repo.workTree || !ctx.repo.head) return null;
  const branch = ctx.repo.branch ?? null;
  let ref = await baseRef(ctx.repo.git, null, ctx.config.get('init.defaultBranch'));
  if (ref === branch) ref = upstream;
  const commit = ref ? await mergeBase(ctx.repo.git, 'HEAD', ref) : null;
  return ref && commit ? { ref, commit } : null;
}

/**
 * Tracked files this worktree changes relative to its base (committed or not). Compared by the index's
 * stat data, so a file only touched may be listed too: fine for choosing what is relevant to read.
 */
export async function changedFiles(ctx: Ctx): Promise<string[]> {
  if (!ctx.repo.workTree || !ctx.repo.head) return [];
  // As branchBase() finds the base, with the merge base taken by diff-index itself: one git call fewer.
  const ref = await baseRef(ctx.repo.git, null, ctx.config.get('init.defaultBranch'));
  const sinceBase = ref && ref !== (ctx.repo.branch ?? null) ? await changedSinceMergeBase(ctx.repo.git, ref) : null;
  return sinceBase ?? changedSince(ctx.repo.git, ctx.repo.head);
}

export interface TodoLine {
  path: string;
  line: number;
  text: string;
}

const TODO_RE = /\b(TODO|FIXME)\b/;

/**
 * TODO/FIXME lines that the worktree adds over `commit`: added lines of `diff-index -p` (committed and
 * uncommitted changes of tracked files, compared by content) plus such lines in untracked files.
 */
export async function addedTodos(ctx: Ctx, commit: string, untracked: readonly string[], max = 100): Promise<TodoLine[]> {
  const git = ctx.repo.git;
  const [patch, grep] = await Promise.all([
    git.run(['diff-index', '-p', '-U0', '--no-color', '--no-ext-diff', '--no-textconv', '--no-renames', '--src-prefix=a/', '--dst-prefix=b/', '--end-of-options', commit, '--'], ro()),
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
  return out.slice(0, max).map((l) => ({ ...l, text: screenWhole(l.text.trim()).slice(0, 200) })); // screened whole, then cut
}

/** Added lines of a unified diff with zero context, with their line numbers in the new file. */
export function parseAddedLines(patch: string): TodoLine[] {
  const out: TodoLine[] = [];
  let path = '';
  let line = 0;
  for (const l of patch.split('\n')) {
    if (l.startsWith('+++ ')) {
      const p = l.slice(4);
      path = p === '/dev/null' ? '' : unquotePath(p).replace(/^b\//, '');
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
