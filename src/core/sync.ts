/**
 * push, pull, sync: exchange the context branch with a remote (storage invariants 3 and 6).
 *
 * pull = fetch the remote's branch into a private ref (deepening it first if a shallow clone cut its
 * history), then fast-forward or merge it into the local branch with a compare-and-swap.
 * push = pull, then a plain push of the local tip; when the remote moved meanwhile it refuses the
 * non-fast-forward, and the whole round is retried with backoff and jitter, a bounded number of times.
 * Nothing is ever forced, so no entry on either side is lost, whatever the interleaving; on failure
 * the local branch is as the last successful merge left it.
 *
 * push and sync first publish this worktree's work in progress (core/publish.ts: nothing is written
 * when it did not change), so that other machines see it without anyone running `publish`; a publish
 * that fails is a warning, never a failed push. With `ctx.publish.snapshots`, the snapshot commit is
 * pushed too (`refs/ctx/wip/<key>`, replaced each time), and every fetch brings the remote's snapshot
 * refs into `refs/ctx/remote-wip/<remote>/`, where the conflict scan finds their objects.
 */
import type { Ctx, WhoOptions } from './context.js';
import { resolveIdentity } from './context.js';
import { DEEPEN_ALL, fetchBranch, pushBranch, pushReplacing, reachesShallowBoundary, recordRemoteTip, remoteCopyPrefix, resolveRemote, trackingRef, type NetOptions, type Remote } from '../git/remote.js';
import { resolveRef } from '../git/refs.js';
import { countNewEntries, mergeIntoBranch, type MergeOutcome } from '../store/merge.js';
import { WIP_REF_PREFIX } from '../conflicts/wip.js';
import { CtxError, RemoteError } from '../errors.js';

export type SyncAction = 'push' | 'pull' | 'sync';

export interface SyncInput extends WhoOptions {
  action: SyncAction;
  /** A remote name, URL or path; default: ctx.remote, else the current branch's upstream remote, else origin. */
  remote?: string;
  /** Run from a git hook: never prompt for credentials, no progress, stop at `deadline`. */
  unattended?: boolean;
  /** Milliseconds since the epoch after which no new network command starts. */
  deadline?: number;
  /** Most push rounds before giving up (default 12). */
  maxAttempts?: number;
}

export interface SyncResult {
  action: SyncAction;
  remote: string;
  branch: string;
  /** Entries that the merges brought into the local branch. */
  received: number;
  /** Entries on the pushed tip that the remote did not have. */
  sent: number;
  /** The local tip before and after. */
  localBefore: string | null;
  localTip: string | null;
  /** The remote's tip as first fetched, and as left (null: it has no context branch). */
  remoteBefore: string | null;
  remoteTip: string | null;
  /** What the last merge did (none: the remote has no context branch). */
  merge: MergeOutcome['kind'] | 'none';
  /** The push created the branch on the remote. */
  createdRemote: boolean;
  /** Paths where a merge kept two versions (one renamed `~<hash>`). */
  keptBoth: string[];
  /** Push rounds (1 when the first push landed; 0 for pull). */
  attempts: number;
  /** A shallow context history was deepened before merging. */
  deepened: boolean;
  /** What push and sync published first (null: pull, or nothing to publish from here). */
  published: SyncPublished | null;
  /** Problems that did not stop the sync (a publish that failed), one line each. */
  warnings: string[];
}

export interface SyncPublished {
  /** The record on the context branch, and the commit that wrote it (null: the work had not changed). */
  path: string;
  commit: string | null;
  files: number;
  snapshot: string;
  /** `refs/ctx/wip/<key>` when ctx.publish.snapshots is on, and whether this push sent it. */
  snapshotRef: string | null;
  snapshotPushed: boolean;
}

const DEFAULT_ATTEMPTS = 12;
const BACKOFF_BASE_MS = 25;
const BACKOFF_CAP_MS = 1000;

/** The remote to use: ctx.remote, else the remote of the current branch's upstream, else origin. */
export async function defaultRemote(ctx: Ctx): Promise<string> {
  const configured = ctx.config.get('ctx.remote');
  if (configured) return configured;
  if (ctx.repo.branch) {
    const r = await ctx.repo.git.run(['config', '--get', `branch.${ctx.repo.branch}.remote`], { okStatus: [0, 1] });
    const upstream = r.stdout.toString('utf8').trim();
    if (r.status === 0 && upstream && upstream !== '.') return upstream;
  }
  return 'origin';
}

export async function openRemote(ctx: Ctx, name: string | undefined): Promise<Remote> {
  return resolveRemote(ctx.repo.git, ctx.deps.cwd, name ?? (await defaultRemote(ctx)));
}

function netOptions(ctx: Ctx, input: Pick<SyncInput, 'unattended' | 'deadline'>): NetOptions {
  const progress = ctx.deps.stderrIsTTY && !input.unattended ? ctx.deps.stderr : undefined;
  return { interactive: !input.unattended, deadline: input.deadline, now: ctx.deps.now, progress, sleep: ctx.deps.sleep };
}

/** Nothing to publish from here (a bare repository, no commit yet): not worth a warning. */
const NOTHING_TO_PUBLISH = new Set(['E_NO_WORKTREE', 'E_NO_COMMITS']);

/**
 * Publish this worktree's work in progress before pushing. Never throws: the push matters more. Under
 * a deadline (a git hook) it gets at most half of the time left.
 */
async function publishFirst(ctx: Ctx, input: SyncInput, warnings: string[]): Promise<SyncPublished | null> {
  const now = ctx.deps.now();
  const deadline = input.deadline === undefined ? undefined : now + Math.max(0, input.deadline - now) / 2;
  try {
    const { publishWorkInProgress } = await import('./publish.js');
    const r = await publishWorkInProgress(ctx, { agent: input.agent, session: input.session, deadline });
    return { path: r.path, commit: r.commit, files: r.record.files.length, snapshot: r.record.snapshot, snapshotRef: r.snapshotRef, snapshotPushed: false };
  } catch (e) {
    if (!(e instanceof CtxError && NOTHING_TO_PUBLISH.has(e.code))) warnings.push(`work in progress not published: ${(e as Error).message}`);
    return null;
  }
}

/** Push the snapshot ref unless the remote has it already (as last fetched). Failures are warnings. */
async function pushSnapshot(ctx: Ctx, remote: Remote, net: NetOptions, published: SyncPublished, warnings: string[]): Promise<void> {
  const ref = published.snapshotRef!;
  const copy = remoteCopyPrefix(remote, 'wip') + ref.slice(WIP_REF_PREFIX.length);
  try {
    if ((await resolveRef(ctx.repo.git, copy)) === published.snapshot) return;
    await pushReplacing(ctx.repo.git, remote, published.snapshot, ref, net);
    await recordRemoteTip(ctx.repo.git, copy, published.snapshot);
    published.snapshotPushed = true;
  } catch (e) {
    warnings.push(`snapshot not pushed: ${(e as Error).message}`);
  }
}

interface PullRound {
  remoteTip: string | null;
  merge: MergeOutcome | null;
  deepened: boolean;
}

/**
 * One fetch (deepening first if needed) and merge. Kept lean: between this fetch and the push that
 * follows, every millisecond is a window for another clone's push to land first.
 */
async function pullRound(ctx: Ctx, remote: Remote, net: NetOptions, author: { name: string; email: string }): Promise<PullRound> {
  const { store, repo } = ctx;
  // Published snapshots come along; a remote without any has nothing for this refspec, which is fine.
  const snapshots = `+${WIP_REF_PREFIX}*:${remoteCopyPrefix(remote, 'wip')}*`;
  let remoteTip = await fetchBranch(repo.git, remote, store.branch, { ...net, also: [snapshots] });
  if (!remoteTip) return { remoteTip, merge: null, deepened: false };
  let deepened = false;
  const local = await store.tip();
  if (await reachesShallowBoundary(repo.git, repo.commonDir, local ? [remoteTip, local] : [remoteTip])) {
    remoteTip = await fetchBranch(repo.git, remote, store.branch, { ...net, depth: DEEPEN_ALL });
    deepened = true;
    if (!remoteTip) return { remoteTip, merge: null, deepened };
  }
  const merge = await mergeIntoBranch(store, remoteTip, { message: `merge: ${remote.name}/${store.branch}\n`, author });
  return { remoteTip, merge, deepened };
}

/** pull, push or sync the context branch with a remote. */
export async function syncContext(ctx: Ctx, input: SyncInput): Promise<SyncResult> {
  const { store, repo, deps } = ctx;
  // A branch git-ctx may not write (the user's, a worktree's) is refused before any network work.
  await store.guard.check();
  const remote = await openRemote(ctx, input.remote);
  const net = netOptions(ctx, input);
  const { author } = await resolveIdentity(ctx, {});
  const result: SyncResult = {
    action: input.action,
    remote: remote.name,
    branch: store.branch,
    received: 0,
    sent: 0,
    localBefore: await store.tip(),
    localTip: null,
    remoteBefore: null,
    remoteTip: null,
    merge: 'none',
    createdRemote: false,
    keptBoth: [],
    attempts: 0,
    deepened: false,
    published: null,
    warnings: [],
  };
  const merges: MergeOutcome[] = [];
  const round = async (first: boolean) => {
    const r = await pullRound(ctx, remote, net, author);
    if (first) result.remoteBefore = r.remoteTip;
    result.remoteTip = r.remoteTip;
    result.deepened ||= r.deepened;
    if (r.merge) {
      merges.push(r.merge);
      result.merge = r.merge.kind;
      result.keptBoth.push(...r.merge.keptBoth);
    }
    return r;
  };
  // Counted once the network work is done: entries each merge brought in, and entries the push sent.
  const finish = async (pushedOver?: string | null) => {
    for (const m of merges) result.received += await countNewEntries(store, m.before, m.tip);
    if (pushedOver !== undefined) result.sent = await countNewEntries(store, pushedOver, result.localTip);
    return result;
  };

  if (input.action === 'pull') {
    await round(true);
    result.localTip = await store.tip();
    return finish();
  }

  result.published = await publishFirst(ctx, input, result.warnings);
  // Once the context branch is there, the snapshot its record names (the record travels first).
  const landed = async (pushedOver?: string | null) => {
    if (result.published?.snapshotRef) await pushSnapshot(ctx, remote, net, result.published, result.warnings);
    return finish(pushedOver);
  };
  const maxAttempts = input.maxAttempts ?? DEFAULT_ATTEMPTS;
  for (let attempt = 1; attempt <= maxAttempts; attempt++) {
    const r = await round(attempt === 1);
    // A remote without a context branch gets one; so does a repository that has none yet.
    // ensureBranch also checks that the branch is git-ctx's own before anything is pushed from it.
    const local = (await store.ensureBranch()).tip;
    result.localTip = local;
    result.attempts = attempt;
    if (local === r.remoteTip) return landed();
    const pushed = await pushBranch(repo.git, remote, local, store.branch, net);
    if (pushed.ok) {
      await recordRemoteTip(repo.git, trackingRef(remote, store.branch), local);
      result.remoteTip = local;
      result.createdRemote = pushed.created;
      return landed(r.remoteTip);
    }
    if (attempt === maxAttempts) break;
    // Another push landed between our fetch and ours. Back off with "full jitter" (a random wait
    // below an exponentially growing cap), which spreads contending clones out best.
    const wait = Math.round((deps.random(1)[0]! / 255) * Math.min(BACKOFF_CAP_MS, BACKOFF_BASE_MS * 2 ** attempt));
    if (input.deadline !== undefined && deps.now() + wait >= input.deadline) break;
    await deps.sleep(wait);
  }
  await finish();
  throw new RemoteError(`${remote.name} kept moving: the context branch was not pushed after ${result.attempts} attempts`, {
    code: 'E_REMOTE_BUSY',
    data: { remote: remote.name, attempts: result.attempts, localTip: result.localTip },
    hint: 'everything is kept locally; run git ctx sync again',
  });
}

export interface InitRemoteResult {
  /** What was stored as ctx.remote (a remote name, or an absolute path / URL). */
  remote: string;
  pull: SyncResult;
}

/**
 * init --remote: adopt the remote's context branch if it has one (fetch, then create, fast-forward or
 * merge the local branch), then remember the remote as ctx.remote. A remote that cannot be reached
 * is not remembered. Idempotent.
 */
export async function initRemote(ctx: Ctx, name: string): Promise<InitRemoteResult> {
  const remote = await openRemote(ctx, name);
  const value = remote.named ? remote.name : remote.fetchTarget;
  const pull = await syncContext(ctx, { action: 'pull', remote: value });
  await ctx.repo.git.run(['config', '--local', 'ctx.remote', value]);
  return { remote: value, pull };
}
