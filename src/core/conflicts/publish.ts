/**
 * publish: record this session's work in progress on the context branch, so that sessions on other
 * machines can compare their edits with it (`git ctx conflicts` there reads it once the context
 * branch has travelled). `publishWorkInProgress` is the entry point for `push` and the pre-push hook too
 * (docs/conflicts.md).
 *
 * What is recorded (src/conflicts/wip.ts): the files changed since the merge base with the default
 * branch, committed and not, renames followed, each with its blob ids, its hunks against the base and
 * the symbols it touches; plus branch, HEAD, base, the snapshot commit and tree, worktree, host,
 * session and time. No file content. A publish whose work is the same as the last one writes nothing.
 *
 * The snapshot's objects stay local unless `git config ctx.publish.snapshots true`: then the snapshot
 * commit is also kept under `refs/ctx/wip/<key>`, which sync pushes, and other machines can run the
 * real merge (`merge` level) against it. Off by default because that ships uncommitted, unreviewed
 * file content (untracked files included) to the shared remote, where it stays.
 */
import type { Ctx, WhoOptions } from '../context.js';
import { resolveIdentity } from '../context.js';
import { newId } from '../../model/id.js';
import { canonicalPath } from '../../conflicts/worktrees.js';
import { snapshotWorktree, type Snapshot } from '../../conflicts/snapshot.js';
import { defaultBranch } from '../../conflicts/default-branch.js';
import { diffCommits, type FileChange } from '../../conflicts/changes.js';
import { Deadline } from '../../conflicts/deadline.js';
import { ChangeDescriber } from '../../conflicts/describe.js';
import { parseWip, sameWork, serializeWip, sessionKey, wipPath, WIP_FORMAT, WIP_REF_PREFIX, WIP_ROOT, type WipFile, type WipRecord } from '../../conflicts/wip.js';
import { UnsupportedError } from '../../errors.js';
import { acquireLock } from '../../store/lock.js';
import { join, resolve } from 'node:path';
import type { RunOptions } from '../../git/run.js';
import type { Change } from '../../store/store.js';
import type { TreeItem } from '../../git/objects.js';

/** Files past this many are published with paths and blob ids only (no hunks, no symbols). */
export const DETAIL_LIMIT = 300;

export interface PublishInput extends WhoOptions {
  /** The index to snapshot from (a git hook's GIT_INDEX_FILE). */
  indexFile?: string;
  /** Stop git work at this time (milliseconds since the epoch). */
  deadline?: number;
  /**
   * Hand the change to the caller instead of committing it (sync lands it only once the remote took
   * it, so that a failed push changes nothing local). Returns the commit to report, or null.
   */
  write?: (change: Change) => Promise<string | null>;
}

export interface PublishResult {
  record: WipRecord;
  /** Path of the record on the context branch (the existing one when unchanged). */
  path: string;
  /** The context commit written, or null when the work had not changed since the last publish. */
  commit: string | null;
  unchanged: boolean;
  /** The ref holding the snapshot commit, when ctx.publish.snapshots is on. */
  snapshotRef: string | null;
}

function enabled(v: string | undefined): boolean {
  return /^(true|yes|on|1)$/i.test(v ?? '');
}

/**
 * Publish this worktree's work in progress. One publish of a worktree at a time (a lock of its own):
 * two at once (a hook and the background run it handed over to) would each replace the record they
 * read, and leave two.
 */
export async function publishWorkInProgress(ctx: Ctx, input: PublishInput = {}): Promise<PublishResult> {
  const workTree = ctx.repo.workTree;
  if (!workTree) return publishNow(ctx, input);
  const key = sessionKey(ctx.deps.hostname, canonicalPath(workTree));
  const wait = input.deadline === undefined ? 10_000 : Math.max(0, input.deadline - ctx.deps.now());
  const lock = await acquireLock(join(ctx.store.privateDir, 'locks', `publish-${key}`), ctx.deps, wait);
  try {
    return await publishNow(ctx, input);
  } finally {
    lock?.release();
  }
}

async function publishNow(ctx: Ctx, input: PublishInput): Promise<PublishResult> {
  const workTree = ctx.repo.workTree;
  if (!workTree) throw new UnsupportedError('E_NO_WORKTREE', 'publish needs a worktree: there is no work in progress in a bare repository');
  const head = ctx.repo.head;
  if (!head) throw new UnsupportedError('E_NO_COMMITS', 'nothing to publish before the first commit', { hint: 'commit something first' });
  const run = (): RunOptions => (input.deadline === undefined ? {} : { timeoutMs: Math.max(1, input.deadline - ctx.deps.now()) });
  const who = await resolveIdentity(ctx, input);
  const path = canonicalPath(workTree);
  const key = sessionKey(ctx.deps.hostname, path);

  let [snap, def, previous] = await Promise.all([
    snapshotWorktree({
      git: ctx.repo.git,
      gitDir: ctx.repo.gitDir,
      workTree,
      head,
      indexFile: input.indexFile ? resolve(workTree, input.indexFile) : undefined,
      tmpDir: join(ctx.store.privateDir, 'tmp'),
      tmpName: `index-${ctx.deps.pid}-${Buffer.from(ctx.deps.random(6)).toString('hex')}`,
      writer: { commit: (c) => ctx.store.writeCommit(c) },
      cat: ctx.store.cat,
      run,
    }),
    defaultBranch(ctx.repo.git, ctx.config, run),
    readOwn(ctx, key),
  ]);
  const base = def ? await mergeBase(ctx, snap, def.oid, run) : head;
  // One diff-tree for the changes since the base and, for a snapshot whose tree differs from HEAD's,
  // whether any file does (a tree written with zero-padded modes differs from git's rewrite of it).
  // The same snapshot measured from the same base as the last record, whose files were all described:
  // the same files (push publishes every time, so skip the diffs and the parsers). A snapshot commit
  // recorded last time is one already found to differ from HEAD (else HEAD was recorded).
  const last = previous.record;
  const same = () => !!last && !last.truncated && last.snapshot === snap.commit && last.base === base;
  // A clean worktree on the base changes nothing (the common case of a sync between tasks).
  let changes: FileChange[] | undefined = base === snap.commit ? [] : undefined;
  if (!same() && !changes) {
    const wanted = [{ from: base, to: snap.commit }, ...(snap.dirty ? [{ from: head, to: snap.commit }] : [])];
    const [since, sinceHead] = await diffCommits(ctx.repo.git, wanted, run);
    changes = since;
    if (sinceHead && !sinceHead.length) snap = { ...snap, commit: head, dirty: false };
  }
  const { files, truncated } = same() ? { files: last!.files, truncated: false } : await describeChanges(ctx, base, snap.commit, changes!, input.deadline);

  const now = ctx.deps.now();
  const record: WipRecord = {
    format: WIP_FORMAT,
    id: newId(now, ctx.deps.random(10)),
    key,
    session: who.session,
    agent: who.agent,
    host: ctx.deps.hostname,
    repo: ctx.repo.commonDir,
    worktree: path,
    branch: who.branch,
    head,
    base,
    baseRef: def?.ref ?? null,
    snapshot: snap.commit,
    tree: snap.tree,
    publishedAt: new Date(now).toISOString(),
    files,
    truncated,
  };

  let snapshotRef: string | null = null;
  if (enabled(ctx.config.get('ctx.publish.snapshots'))) {
    snapshotRef = `${WIP_REF_PREFIX}${key}`;
    await ctx.repo.git.run(['update-ref', '-m', 'git-ctx: publish', '--end-of-options', snapshotRef, snap.commit], run());
  }

  if (previous.record && sameWork(previous.record, record)) {
    return { record: previous.record, path: wipPath(key, previous.record.id), commit: null, unchanged: true, snapshotRef };
  }
  // Nothing in progress and nothing published before: nothing to say.
  if (!previous.record && !files.length) return { record, path: wipPath(key, record.id), commit: null, unchanged: true, snapshotRef };

  const file = wipPath(key, record.id);
  const change: Change = {
    add: [{ path: file, content: serializeWip(record), createOnly: true }],
    remove: previous.paths,
    message: `wip: ${oneLine(who.session)} (${files.length} ${files.length === 1 ? 'file' : 'files'})\n\nCtx-Kind: wip\nCtx-Agent: ${oneLine(who.agent)}\nCtx-Session: ${oneLine(who.session)}\n`,
    author: who.author,
  };
  const commit = input.write ? await input.write(change) : (await ctx.store.commit(change)).commit;
  return { record, path: file, commit, unchanged: false, snapshotRef };
}

/**
 * The changes from `base` to `snapshot`, each with git's hunks (and a digest of each hunk's written
 * lines) and the symbols it touches; paths and blob ids only past the detail limit, for lockfiles and
 * generated files, and for what the deadline (a hook's) leaves no time for.
 */
async function describeChanges(ctx: Ctx, base: string, snapshot: string, changes: FileChange[], deadline: number | undefined): Promise<{ files: WipFile[]; truncated: boolean }> {
  // Details stop a little before the caller's deadline: the record still has to be written.
  const details = new Deadline(() => ctx.deps.now(), deadline === undefined ? undefined : deadline - 250);
  const detailed = changes.slice(0, DETAIL_LIMIT);
  const describe = new ChangeDescriber(ctx.repo.git, details.stop);
  let truncated = changes.length > DETAIL_LIMIT;
  try {
    await describe.loadAttributes([...new Set(detailed.flatMap((c) => [c.path, c.oldPath]))], details.run);
    await Promise.all([describe.loadDiffs([{ from: base, to: snapshot }], detailed, !truncated, details.run), describe.loadTexts(detailed, details.run)]);
  } catch (e) {
    if (!details.expired()) throw e;
    truncated = true;
  }
  const files: WipFile[] = [];
  for (const [i, c] of changes.entries()) {
    const d = i < DETAIL_LIMIT ? describe.diff(c) : null;
    if (i < DETAIL_LIMIT && !d && !describe.note(c)) truncated = true;
    const symbols = d && !details.expired() ? await describe.symbols(c, d.hunks) : null;
    files.push({
      path: c.path,
      ...(c.oldPath !== c.path ? { oldPath: c.oldPath } : {}),
      status: c.status,
      oldOid: c.oldOid,
      oid: c.oid,
      mode: c.oid ? c.mode : c.oldMode,
      hunks: d?.hunks ?? null,
      ...(d?.hunks && d.digests ? { digests: d.digests } : {}),
      symbols: symbols?.names ?? null,
      ...(symbols?.hunks && symbols.lines && d?.hunks ? { symbolHunks: symbols.hunks, symbolLines: symbols.lines } : {}),
    });
  }
  return { files, truncated };
}

/** The files of the session `key` at `tree`, oldest first (null: none). */
async function ownFiles(ctx: Ctx, tree: string, key: string): Promise<TreeItem[] | null> {
  const dir = await ctx.store.lookup(tree, `${WIP_ROOT}/${key}`);
  if (!dir || dir.mode !== '40000') return null;
  return (await ctx.store.readTree(dir.oid)).filter((i) => i.mode !== '40000').sort((a, b) => (a.name < b.name ? -1 : 1));
}

/**
 * `change`, a publish computed on the local tip, made to replace every other record of its session
 * at `tree` (what it will be built on): a record the local tip never held, pushed by a run of this
 * worktree that was stopped before it landed here (a hook's foreground handing over), goes too.
 */
export async function replacingAt(ctx: Ctx, change: Change, tree: string): Promise<Change> {
  const record = change.add[0]!.path;
  const key = record.slice(WIP_ROOT.length + 1, record.lastIndexOf('/'));
  const items = (await ownFiles(ctx, tree, key)) ?? [];
  return { ...change, remove: items.map((i) => `${WIP_ROOT}/${key}/${i.name}`).filter((p) => p !== record) };
}

function oneLine(s: string): string {
  return s.replace(/[\u0000-\u001f\u007f]+/g, ' ').trim().slice(0, 200);
}

async function mergeBase(ctx: Ctx, snap: Snapshot, other: string, run: () => RunOptions): Promise<string> {
  // The snapshot is HEAD or a commit on top of it: on the default branch's tip, that tip is the base.
  if (other === snap.head) return other;
  const r = await ctx.repo.git.run(['merge-base', snap.commit, other], { ...run(), okStatus: [0, 1] });
  return r.stdout.toString('utf8').trim() || snap.head;
}

/** This session's published files (all of them, to remove) and the newest record. */
async function readOwn(ctx: Ctx, key: string): Promise<{ record: WipRecord | null; paths: string[] }> {
  const tip = await ctx.store.tipCommit();
  if (!tip) return { record: null, paths: [] };
  const items = await ownFiles(ctx, tip.tree, key);
  if (!items) return { record: null, paths: [] };
  const paths = items.map((i) => `${WIP_ROOT}/${key}/${i.name}`);
  const newest = items[items.length - 1];
  if (!newest) return { record: null, paths };
  try {
    return { record: parseWip((await ctx.store.readBlob(newest.oid))?.toString('utf8') ?? ''), paths };
  } catch {
    return { record: null, paths };
  }
}
