/**
 * The state of a worktree as a commit, taken without touching it: HEAD plus everything staged,
 * unstaged and untracked (ignored files excluded).
 *
 * How: copy the worktree's index to a private temporary file, `git add -A` into that copy, `write-tree`,
 * and write a commit of that tree on HEAD. The user's index stays byte-identical (measured), and the
 * copy keeps the index's stat data, so only changed and untracked files are hashed. `git stash create`
 * is not used: it rewrote the user's index and missed untracked files. Every call runs with the
 * worktree's own GIT_DIR / GIT_WORK_TREE and GIT_OPTIONAL_LOCKS=0.
 *
 * The snapshot commit is deterministic (fixed identity and message, the date of HEAD), so the same
 * state gives the same commit id on every run and on every machine, and scans leave no trail of new
 * objects while nothing changes.
 */
import { copyFileSync, mkdirSync, readdirSync, rmSync, statSync, utimesSync } from 'node:fs';
import { join } from 'node:path';
import type { GitRunner, RunOptions } from '../git/run.js';
import type { CatFile } from '../git/cat-file.js';
import { parseCommitHeader, type ObjectWriter } from '../git/objects.js';
import { InternalError } from '../errors.js';

export interface SnapshotInput {
  /** Any runner of the repository (it is re-pinned to the worktree). */
  git: GitRunner;
  gitDir: string;
  workTree: string;
  head: string;
  /** The index to start from (default `<gitDir>/index`; a hook passes its GIT_INDEX_FILE). */
  indexFile?: string;
  /** Where the temporary index goes (git-ctx's private directory). */
  tmpDir: string;
  /** A unique name for the temporary index. */
  tmpName: string;
  /** Writes the snapshot commit (Store.writeCommit: the store's object writer is private). */
  writer: Pick<ObjectWriter, 'commit'>;
  cat: CatFile;
  /** Options for every git call (a time limit). */
  run?: () => RunOptions;
}

export interface Snapshot {
  /** The snapshot commit (HEAD itself when nothing is uncommitted). */
  commit: string;
  tree: string;
  head: string;
  /** Whether the worktree differs from HEAD. */
  dirty: boolean;
}

/** How much earlier than the real index the copy is dated (see the copy below). */
const RACY_MARGIN_MS = 20;

export const SNAPSHOT_IDENTITY = { name: 'git-ctx', email: 'git-ctx@localhost' };
export const SNAPSHOT_MESSAGE = 'git-ctx: work in progress\n';

export async function snapshotWorktree(input: SnapshotInput): Promise<Snapshot> {
  const git = input.git.pinned(input.gitDir, input.workTree);
  mkdirSync(input.tmpDir, { recursive: true });
  const tmp = join(input.tmpDir, input.tmpName);
  try {
    try {
      const from = input.indexFile ?? join(input.gitDir, 'index');
      const { mtimeMs } = statSync(from);
      copyFileSync(from, tmp);
      // Keep the index's own time, a little earlier: git takes entries whose file changed in the same
      // clock tick as the index was written ("racily clean") from their content, not their stat data,
      // by comparing them with the index file's time. A fresh copy's time would hide an edit made
      // within that tick (one jiffy: a few milliseconds). Earlier is safe: it only checks a few more.
      const dated = (mtimeMs - RACY_MARGIN_MS) / 1000;
      utimesSync(tmp, dated, dated);
    } catch (e) {
      // No index yet (a worktree added with --no-checkout): start from an empty one.
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    }
    const env = { GIT_INDEX_FILE: tmp, GIT_OPTIONAL_LOCKS: '0' };
    const opts = input.run?.() ?? {};
    // --ignore-errors: an unreadable file is left out rather than failing the whole snapshot (exit 1).
    await git.run(['add', '-A', '--ignore-errors'], { ...opts, env, okStatus: [0, 1] });
    const tree = await git.text(['write-tree'], { ...input.run?.(), env });
    return await commitOnHead(input, tree);
  } finally {
    rmSync(tmp, { force: true });
    rmSync(`${tmp}.lock`, { force: true });
  }
}

/** A commit of `tree` on `head`, or `head` itself when the tree is HEAD's. */
export async function commitOnHead(input: { head: string; writer: Pick<ObjectWriter, 'commit'>; cat: CatFile }, tree: string): Promise<Snapshot> {
  const obj = await input.cat.read(input.head);
  if (!obj || obj.type !== 'commit') throw new InternalError(`HEAD ${input.head} is not a commit`);
  const { tree: headTree } = parseCommitHeader(obj.content);
  if (headTree === tree) return { commit: input.head, tree, head: input.head, dirty: false };
  const time = committerTime(obj.content);
  const sig = { ...SNAPSHOT_IDENTITY, time };
  const commit = input.writer.commit({ tree, parents: [input.head], author: sig, committer: sig, message: SNAPSHOT_MESSAGE });
  return { commit, tree, head: input.head, dirty: true };
}

function committerTime(commit: Buffer): number {
  const m = /^committer .* (\d+) [+-]\d{4}$/m.exec(commit.toString('utf8', 0, Math.min(commit.length, 4096)));
  return m ? Number(m[1]) : 0;
}

/** Temporary indexes older than this were left by a process that was killed: remove them. */
const STALE_TMP_MS = 10 * 60_000;

/** Remove temporary index copies left behind by killed scans. */
export function sweepTemporaryIndexes(tmpDir: string, now: number): void {
  let names: string[];
  try {
    names = readdirSync(tmpDir);
  } catch {
    return;
  }
  for (const name of names) {
    if (!name.startsWith('index-')) continue;
    const path = join(tmpDir, name);
    try {
      // ctime, not mtime: a copy is dated back to its original index on purpose.
      if (now - statSync(path).ctimeMs > STALE_TMP_MS) rmSync(path, { force: true });
    } catch {
      /* gone already */
    }
  }
}
