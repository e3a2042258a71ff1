/**
 * push, pull, sync: exchange the context branch with a remote (storage invariants 3 and 6).
 *
 * Every clone publishes its history on a ref of its own, `refs/ctx/clones/<branch>/<clone-id>`, which
 * only it fast-forwards, so pushes of different clones never race each other; every clone fetches all
 * of them with one refspec and merges them locally by the rules of model/merge.ts. A sync is one fetch
 * and one push, whatever the number of clones (docs/data-model.md, "The remote"):
 *
 * 1. fetch the view branch (`refs/heads/<branch>`), every clone ref and every claim ref (remote-state.ts);
 * 2. merge them all and the local tip into one commit that depends only on the set of tips
 *    (store/merge-tips.ts mergeCommits), without landing it;
 * 3. build on it what push publishes (the work in progress, the format version), still not landed;
 * 4. push that commit to this clone's ref, and, best effort, to the view branch (a fast-forward only:
 *    when another clone moved the view first, the view waits for a later sync; nobody needs it);
 * 5. only then land it on the local branch (a compare-and-swap; merged again if a local write landed
 *    meanwhile). A sync that fails therefore changes nothing local but git-ctx's copies of the
 *    remote's refs.
 *
 * pull is steps 1 and 2, landed. A remote that refuses refs outside refs/heads/ (some hosting
 * policies) is remembered, with a warning, and then pushed to the way every clone did before this
 * layout: the shared view branch, where the remote's refusal of a non-fast-forward is the
 * compare-and-swap between clones, retried with backoff and jitter a bounded number of times.
 *
 * Every network command is bounded (git config ctx.remoteTimeout, remote-state.ts netOptions).
 */
import type { Ctx, WhoOptions } from '../context.js';
import { resolveIdentity } from '../context.js';
import { pushRefs, recordRemoteTip, refusedError, remoteCopyPrefix, type NetOptions, type PushUpdate, type Remote } from '../../git/remote.js';
import { checkMergeable, mergeCommits, mergeIntoBranch, mergeTipsIntoBranch, mergeTrees, type MergeOutcome } from '../../store/merge-tips.js';
import { FORMAT_VERSION, type Change } from '../../store/store.js';
import { cloneRef } from '../../model/remote-refs.js';
import { WIP_REF_PREFIX } from '../../conflicts/wip.js';
import { cloneId, fetchRemoteState, knownLayout, netOptions, openRemote, recordLayout, remoteTips, type Layout, type RemoteState, type Rewrite, type RewriteChoice } from './remote-state.js';
import { compareAndSwapRef, RefLockWatch } from '../../git/refs.js';
import { CtxError, RemoteError } from '../../errors.js';

export { defaultRemote, openRemote } from './remote-state.js';

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
  /** When the remote's history was rewritten: refuse (the default), adopt it, or restore what it removed. */
  rewrite?: RewriteChoice;
}

export interface SyncResult {
  action: SyncAction;
  /** The remote as named, without credentials. */
  remote: string;
  branch: string;
  /** Entries that the merges brought into the local branch. */
  received: number;
  /** Entries on the pushed tip that the remote did not have. */
  sent: number;
  /** The local tip before and after. */
  localBefore: string | null;
  localTip: string | null;
  /** The remote's view branch as first fetched (null: it has none), and this clone's tip on the remote after. */
  remoteBefore: string | null;
  remoteTip: string | null;
  /** What the merge did (none: the remote has no context yet). */
  merge: MergeOutcome['kind'] | 'none';
  /** The push put the first context on the remote. */
  createdRemote: boolean;
  /** Paths where a merge kept two versions (one renamed `~<hash>`). */
  keptBoth: string[];
  /** Push rounds (1 when the first push landed; 0 for pull). */
  attempts: number;
  /** A shallow context history was deepened before merging. */
  deepened: boolean;
  /** What push and sync published first (null: pull, or nothing to publish from here). */
  published: SyncPublished | null;
  /** Problems that did not stop the sync (a publish that failed, a fallback), one line each. */
  warnings: string[];
  /** How this clone pushed: its own ref (`clones`), or the shared branch (`branch`). */
  layout: Layout;
  /** This clone's ref on the remote (null: pull, or the shared-branch layout). */
  cloneRef: string | null;
  /** The remote's view branch now holds this clone's tip. */
  viewUpdated: boolean;
  /** The remote's history had been rewritten, and this sync adopted the rewrite or restored what it removed. */
  rewrite: { choice: 'adopt' | 'restore'; removed: string[]; changed: string[] } | null;
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

/** git's word for a push refused as a whole, before any ref was looked at on its own. */
const WHOLE_PUSH_REFUSED = /^pre-receive hook declined|atomic push failed/;

/** Nothing to publish from here (a bare repository, no commit yet): not worth a warning. */
const NOTHING_TO_PUBLISH = new Set(['E_NO_WORKTREE', 'E_NO_COMMITS']);

/**
 * What to publish before pushing: the change, to be built on the merged tip (never committed here).
 * Never throws: the push matters more. Under a deadline (a git hook) it gets at most half of the time left.
 */
async function publishFirst(ctx: Ctx, input: SyncInput, warnings: string[]): Promise<{ published: SyncPublished; change: Change | null } | null> {
  const now = ctx.deps.now();
  const deadline = input.deadline === undefined ? undefined : now + Math.max(0, input.deadline - now) / 2;
  try {
    const { publishWorkInProgress } = await import('../conflicts/publish.js');
    let change: Change | null = null;
    const r = await publishWorkInProgress(ctx, {
      agent: input.agent,
      session: input.session,
      deadline,
      write: async (c) => {
        change = c;
        return null;
      },
    });
    return { published: { path: r.path, commit: null, files: r.record.files.length, snapshot: r.record.snapshot, snapshotRef: r.snapshotRef, snapshotPushed: false }, change };
  } catch (e) {
    if (!(e instanceof CtxError && NOTHING_TO_PUBLISH.has(e.code))) warnings.push(`work in progress not published: ${(e as Error).message}`);
    return null;
  }
}

/** `.ctx-format` at `commit` is older than this version writes: the commit to write it on top (or null). */
async function formatChange(ctx: Ctx, commit: string, author: { name: string; email: string }): Promise<Change | null> {
  const blob = await ctx.store.cat.read(`${commit}:.ctx-format`);
  const have = blob?.type === 'blob' ? Number(blob.content.toString('utf8').trim()) : NaN;
  if (Number.isFinite(have) && have >= FORMAT_VERSION) return null;
  return { add: [{ path: '.ctx-format', content: `${FORMAT_VERSION}\n` }], message: `format: ${FORMAT_VERSION}\n\nThe remote holds per-clone and claim refs (docs/data-model.md).\n`, author };
}

/**
 * The commit that adopts a rewrite of the remote's history: its tree is the three-way merge of what
 * this clone last saw there (the base), the local tip and what the remote holds now, so that what the
 * rewrite removed or changed goes, and what only this clone has stays; its only parent is the
 * remote's new history, so the old one (and whatever the rewrite purged from it) is left behind.
 */
async function adoptCommit(ctx: Ctx, rewrite: Rewrite, local: string | null, remoteName: string): Promise<string> {
  const { store } = ctx;
  const onto = rewrite.after ?? store.rootCommit();
  const [base, ours, theirs] = await Promise.all([store.treeOf(rewrite.before), local ? store.treeOf(local) : Promise.resolve(null), store.treeOf(onto)]);
  const merged = await mergeTrees(store, base, ours, theirs);
  const sig = { name: 'git-ctx', email: 'git-ctx@localhost', time: Math.floor(ctx.deps.now() / 1000) };
  const n = rewrite.removed.length;
  return store.writeCommit({
    tree: merged.tree ?? store.writeTree([]),
    parents: [onto],
    author: sig,
    committer: sig,
    message: `adopt: ${remoteName} rewrote its context history\n\nRemoved here too: ${n} entr${n === 1 ? 'y' : 'ies'}${n ? ` (${rewrite.removed.join(', ')})` : ''}.\n`,
  });
}

/**
 * Land `next` (built on `from`) and record the remote's refs as now known, in one `update-ref`
 * transaction. When the branch moved meanwhile (a local write), the copies are recorded alone and
 * `next` is merged into the new tip; for an adopted rewrite, the adoption is redone on it instead
 * (merging the adopted history into the old one would bring back what the rewrite removed).
 */
async function land(ctx: Ctx, from: string | null, next: string, copies: readonly [string, string][], opts: { message: string; author: { name: string; email: string } }, rewrite: Rewrite | null): Promise<string> {
  const { store } = ctx;
  const git = ctx.repo.git;
  const lines = copies.map(([ref, oid]) => `update ${ref} ${oid}`);
  const message = `git-ctx: ${opts.message.split('\n')[0]}`;
  // In a session of its own, as compareAndSwapRef runs git (git/refs.ts): a signal to this process's
  // group must not kill it between taking the branch's lock and renaming it into place.
  const transaction = (withBranch: string | null, old: string | null) =>
    git.run(['update-ref', '-m', message, '--stdin'], { input: `${[...lines, ...(withBranch ? [`update ${store.ref} ${withBranch} ${old ?? store.zeroOid}`] : [])].join('\n')}\n`, okStatus: [0, 1, 128], detached: true });
  if (from === next && !lines.length) return next;
  if ((await transaction(from === next ? null : next, from)).status === 0) {
    store.guard.landed(next, from);
    return next;
  }
  if (lines.length) await transaction(null, null);
  if (!rewrite) return (await mergeIntoBranch(store, next, opts)).tip;
  const watch = new RefLockWatch(store.ref, ctx.deps.now);
  for (let i = 0; i < 100; i++) {
    const tip = await store.tipCommit();
    if (tip) await store.guard.checkTip(tip);
    const target = await adoptCommit(ctx, { ...rewrite, after: next }, tip?.oid ?? null, 'the remote');
    const cas = await compareAndSwapRef(git, { ref: store.ref, newOid: target, oldOid: tip?.oid ?? null, zeroOid: store.zeroOid, message });
    if (cas.ok) {
      store.guard.landed(target, tip?.oid ?? null);
      return target;
    }
    if (cas.reason === 'locked') watch.locked(cas.lockFile);
    else watch.free();
    await ctx.deps.sleep(1 + (ctx.deps.random(1)[0]! % 8));
  }
  throw new CtxError('E_CONTENTION', 1, `could not update ${store.ref}`);
}

/**
 * Entry files (paths under entries/) present at `to` and not at `from` (null: none there), found by
 * walking only the trees that differ, in process: a count for the report must not cost processes.
 */
async function addedEntries(ctx: Ctx, from: string | null, to: string): Promise<string[]> {
  const { store } = ctx;
  const out: string[] = [];
  const walk = async (a: string | null, b: string, prefix: string): Promise<void> => {
    if (a === b) return;
    const [left, right] = await Promise.all([a ? store.readTree(a) : Promise.resolve([]), store.readTree(b)]);
    const have = new Map(left.map((i) => [i.name, i]));
    await Promise.all(
      right.map(async (i) => {
        const was = have.get(i.name);
        if (was?.oid === i.oid) return;
        if (i.mode === '40000') return walk(was?.mode === '40000' ? was.oid : null, i.oid, `${prefix}${i.name}/`);
        if (!was && i.name.endsWith('.md')) out.push(prefix + i.name);
      }),
    );
  };
  const [a, b] = await Promise.all([from ? store.treeAt(from, 'entries') : Promise.resolve(null), store.treeAt(to, 'entries')]);
  if (b) await walk(a?.oid ?? null, b.oid, 'entries/');
  return out;
}

/** Entries on `pushed` that none of the remote's tips had: those new since the first tip, then checked against the others. */
async function countSent(ctx: Ctx, pushed: string, tips: readonly string[]): Promise<number> {
  if (tips.includes(pushed)) return 0;
  let sent = await addedEntries(ctx, tips[0] ?? null, pushed);
  for (const tip of tips.slice(1)) {
    if (!sent.length) break;
    const tree = await ctx.store.treeOf(tip);
    const present = await Promise.all(sent.map((p) => ctx.store.lookup(tree, p)));
    sent = sent.filter((_, i) => !present[i]);
  }
  return sent.length;
}

function emptyResult(input: SyncInput, remote: Remote, branch: string, localBefore: string | null): SyncResult {
  return {
    action: input.action,
    remote: remote.display,
    branch,
    received: 0,
    sent: 0,
    localBefore,
    localTip: localBefore,
    remoteBefore: null,
    remoteTip: null,
    merge: 'none',
    createdRemote: false,
    keptBoth: [],
    attempts: 0,
    deepened: false,
    published: null,
    warnings: [],
    layout: 'clones',
    cloneRef: null,
    viewUpdated: false,
    rewrite: null,
  };
}

/** pull, push or sync the context branch with a remote. */
export async function syncContext(ctx: Ctx, input: SyncInput): Promise<SyncResult> {
  const { store } = ctx;
  // A branch git-ctx may not write (the user's, a worktree's) is refused before any network work.
  await store.guard.check();
  const remote = await openRemote(ctx, input.remote);
  const net = await netOptions(ctx, input);
  const { author } = await resolveIdentity(ctx, {});
  const result = emptyResult(input, remote, store.branch, await store.tip());
  const mergeOpts = { message: `merge: ${remote.display}/${store.branch}\n`, author };
  if (input.action === 'pull') return pull(ctx, input, remote, net, result, mergeOpts);

  // The first fetch and the publish (a snapshot of the worktree, local work only) run at once.
  const firstFetch = fetchRemoteState(ctx, remote, net, { snapshots: true, rewrite: input.rewrite });
  firstFetch.catch(() => {}); // awaited below; a failure must not count as unhandled meanwhile
  const publish = await publishFirst(ctx, input, result.warnings);
  result.published = publish?.published ?? null;
  const known = knownLayout(ctx, remote);
  let layout = known.layout;
  if (layout === 'branch') result.warnings.push(fallbackWarning(remote, known.reason));
  result.layout = layout;
  const me = cloneId(ctx);
  const own = cloneRef(store.branch, me);
  const maxAttempts = input.maxAttempts ?? DEFAULT_ATTEMPTS;
  let fallbackReason: string | null = null;
  // The state a probe of the shared branch alone pushes on (what was just fetched: no second fetch).
  let reuse: RemoteState | null = null;
  for (let attempt = 1; attempt <= maxAttempts; attempt++) {
    const state: RemoteState = reuse ?? (attempt === 1 && !fallbackReason ? await firstFetch : await fetchRemoteState(ctx, remote, net, { snapshots: true, rewrite: input.rewrite }));
    reuse = null;
    if (attempt === 1) result.remoteBefore ??= state.view;
    result.deepened ||= state.deepened;
    result.attempts = attempt;
    const tips = remoteTips(state);
    const localTip = await store.tipCommit();
    // Another process may have moved the branch since the check above (a reset, a fetch into it).
    if (localTip) await store.guard.checkTip(localTip);
    const local = localTip?.oid ?? null;
    const built = await buildPush(ctx, state, local, tips, publish?.change ?? null, author, input.rewrite === 'adopt');
    result.merge = built.merge;
    result.keptBoth = built.keptBoth;
    const next = built.commit;
    const rewriting = !!state.rewrite;

    const updates: PushUpdate[] = [];
    const ownRemote = state.clones.get(me) ?? null;
    if (layout === 'clones' && ownRemote !== next) updates.push(rewriting ? { oid: next, ref: own, lease: ownRemote } : { oid: next, ref: own });
    if (state.view !== next) updates.push({ oid: next, ref: state.refs.view });
    const snap = result.published?.snapshotRef ? await snapshotUpdate(ctx, remote, result.published) : null;
    if (snap) updates.push(snap);
    const outcomes = await pushRefs(ctx.repo.git, remote, updates, net);
    const viewOutcome = outcomes.get(state.refs.view);
    const ownOutcome = outcomes.get(own);
    result.viewUpdated = state.view === next || !!viewOutcome?.ok;
    if (snap) {
      const o = outcomes.get(snap.ref)!;
      if (o.ok) {
        await recordRemoteTip(ctx.repo.git, remoteCopyPrefix(remote, 'wip') + snap.ref.slice(WIP_REF_PREFIX.length), snap.oid!);
        result.published!.snapshotPushed = true;
      } else result.warnings.push(`snapshot not pushed: ${remote.display} refused ${snap.ref}: ${o.reason}`);
    }

    let landed = false;
    let probing = false;
    if (layout === 'clones') {
      if (!ownOutcome || ownOutcome.ok) {
        landed = true;
        // Not needed by any clone of this version, but the earlier version and people browsing read it.
        if (viewOutcome?.ok === false && viewOutcome.kind === 'refused') result.warnings.push(`${remote.display} refused ${state.refs.view} (${viewOutcome.reason}): the merged branch there is not kept up to date; clones of this version do not need it`);
      } else if (ownOutcome.kind === 'refused') {
        // The remote may take only branches: push the way every clone did before, through the shared
        // branch. A pre-receive hook refuses a push whole, so whether it takes the branch alone is
        // known only once a push of the branch alone lands; only then is the fallback remembered.
        layout = 'branch';
        result.layout = layout;
        fallbackReason = ownOutcome.reason;
        landed = !!viewOutcome?.ok || state.view === next;
        // The branch refused on its own account (an update hook, a protected branch): no push of it
        // alone would land. Only a refusal of the whole push (pre-receive) leaves that open.
        if (!landed && viewOutcome?.ok === false && viewOutcome.kind === 'refused' && !WHOLE_PUSH_REFUSED.test(viewOutcome.reason)) throw refusedError(remote, state.refs.view, viewOutcome.reason, refusedHint());
        probing = !landed;
        if (probing) reuse = state;
      }
      // moved: another process of this clone pushed its ref meanwhile; fetch, merge and push again.
    } else {
      if (!viewOutcome || viewOutcome.ok) landed = true;
      else if (viewOutcome.kind === 'refused') throw refusedError(remote, state.refs.view, viewOutcome.reason, refusedHint());
    }
    if (landed && fallbackReason !== null) {
      recordLayout(ctx, remote, 'branch', fallbackReason);
      result.warnings.push(fallbackWarning(remote, fallbackReason));
    }
    if (probing) {
      attempt--; // the round spent finding out does not count
      continue;
    }

    if (landed) {
      const copies: [string, string][] = [];
      if (layout === 'clones') {
        recordLayout(ctx, remote, 'clones', null);
        result.cloneRef = own;
        if (ownRemote !== next) copies.push([state.refs.clonesCopy + me, next]);
      }
      if (result.viewUpdated && state.view !== next) copies.push([state.refs.viewCopy, next]);
      result.remoteTip = next;
      result.createdRemote = state.empty && updates.length > 0;
      result.localTip = await land(ctx, local, next, copies, mergeOpts, state.rewrite && input.rewrite === 'adopt' ? state.rewrite : null);
      if (result.published && built.publishCommit) result.published.commit = built.publishCommit;
      [result.received, result.sent] = await Promise.all([addedEntries(ctx, result.localBefore, next).then((x) => x.length), countSent(ctx, next, tips)]);
      if (state.rewrite && (input.rewrite === 'adopt' || input.rewrite === 'restore')) result.rewrite = { choice: input.rewrite, removed: state.rewrite.removed, changed: state.rewrite.changed };
      return result;
    }
    if (attempt >= maxAttempts) break;
    // Another push landed between our fetch and ours. Back off with "full jitter" (a random wait
    // below an exponentially growing cap), which spreads contending clones out best.
    const wait = Math.round((ctx.deps.random(1)[0]! / 255) * Math.min(BACKOFF_CAP_MS, BACKOFF_BASE_MS * 2 ** attempt));
    if (net.deadline !== undefined && ctx.deps.now() + wait >= net.deadline) break;
    await ctx.deps.sleep(wait);
  }
  throw new RemoteError(`${remote.display} kept moving: the context branch was not pushed after ${result.attempts} attempts`, {
    code: 'E_REMOTE_BUSY',
    data: { remote: remote.display, attempts: result.attempts, localTip: result.localBefore, layout },
    hint: 'nothing local changed; run git ctx sync again',
  });
}

function fallbackWarning(remote: Remote, reason: string | null): string {
  return `${remote.display} refuses git-ctx's refs outside refs/heads/${reason ? ` (${reason})` : ''}: pushing through the shared branch instead, which is slower when many clones sync at once`;
}

function refusedHint(): string {
  return 'the remote does not accept pushes to this branch (a protected branch?); set another with git config ctx.branch';
}

/** The published snapshot ref, to push along unless the remote has it already (as last fetched). */
async function snapshotUpdate(ctx: Ctx, remote: Remote, published: SyncPublished): Promise<PushUpdate | null> {
  const ref = published.snapshotRef!;
  const copy = remoteCopyPrefix(remote, 'wip') + ref.slice(WIP_REF_PREFIX.length);
  const r = await ctx.repo.git.run(['rev-parse', '-q', '--verify', '--end-of-options', copy], { okStatus: [0, 1, 128] });
  if (r.stdout.toString('utf8').trim() === published.snapshot) return null;
  return { oid: published.snapshot, ref, force: true };
}

/**
 * What this clone pushes: the merge of the local tip and every remote tip (or, for a rewritten remote,
 * the adoption or restoration the user chose), with the publish record and the format version on top.
 * Nothing is landed.
 */
async function buildPush(
  ctx: Ctx,
  state: RemoteState,
  local: string | null,
  tips: string[],
  publish: Change | null,
  author: { name: string; email: string },
  adopt: boolean,
): Promise<{ commit: string; merge: SyncResult['merge']; keptBoth: string[]; publishCommit: string | null }> {
  const { store } = ctx;
  let commit: string;
  let merge: SyncResult['merge'] = 'none';
  let keptBoth: string[] = [];
  const where = `${state.remote.display}/${store.branch}`;
  if (state.rewrite && adopt) {
    // The history adopted replaces the local one: it must be a context branch itself.
    if (state.rewrite.after) await checkMergeable(store, null, [state.rewrite.after], where);
    commit = await adoptCommit(ctx, state.rewrite, local, state.remote.display);
    merge = 'merge';
  } else {
    await checkMergeable(store, local, tips, where);
    const start = local ?? (tips.length ? null : store.rootCommit());
    const merged = await mergeCommits(store, start ? [start, ...tips] : tips);
    commit = merged!.commit;
    keptBoth = merged!.keptBoth;
    if (tips.length) merge = !local ? 'created' : commit === local ? 'up-to-date' : merged!.kind === 'merge' ? 'merge' : 'fast-forward';
  }
  // Built only of histories checked above: known to be git-ctx's, so that building on it and landing
  // it need no walk of its first parents.
  if (commit !== local) store.guard.merged(commit);
  let publishCommit: string | null = null;
  if (publish) {
    const { replacingAt } = await import('../conflicts/publish.js');
    const b = await store.build(await replacingAt(ctx, publish, await store.treeOf(commit)), commit);
    if (b.commit && b.commit !== commit) commit = publishCommit = b.commit;
  }
  const format = await formatChange(ctx, commit, author);
  if (format) {
    const b = await store.build(format, commit);
    if (b.commit) commit = b.commit;
  }
  return { commit, merge, keptBoth, publishCommit };
}

async function pull(ctx: Ctx, input: SyncInput, remote: Remote, net: NetOptions, result: SyncResult, mergeOpts: { message: string; author: { name: string; email: string } }): Promise<SyncResult> {
  const { store } = ctx;
  const state = await fetchRemoteState(ctx, remote, net, { snapshots: true, rewrite: input.rewrite });
  result.remoteBefore = result.remoteTip = state.view;
  result.deepened = state.deepened;
  result.layout = knownLayout(ctx, remote).layout;
  const tips = remoteTips(state);
  if (!tips.length) return result;
  if (state.rewrite && input.rewrite === 'adopt') {
    const local = await store.tip();
    if (state.rewrite.after) await checkMergeable(store, null, [state.rewrite.after], `${remote.display}/${store.branch}`);
    const next = await adoptCommit(ctx, state.rewrite, local, remote.display);
    result.localTip = await land(ctx, local, next, [], mergeOpts, state.rewrite);
    result.merge = 'merge';
    result.rewrite = { choice: 'adopt', removed: state.rewrite.removed, changed: state.rewrite.changed };
  } else {
    const m = await mergeTipsIntoBranch(store, tips, mergeOpts);
    result.merge = m.kind;
    result.keptBoth = m.keptBoth;
    result.localTip = m.tip || result.localBefore;
    if (state.rewrite) result.rewrite = { choice: 'restore', removed: state.rewrite.removed, changed: state.rewrite.changed };
  }
  result.received = result.localTip ? (await addedEntries(ctx, result.localBefore, result.localTip)).length : 0;
  return result;
}

export interface InitRemoteResult {
  /** What was stored as ctx.remote (a remote name, or an absolute path / URL). */
  remote: string;
  pull: SyncResult;
}

/**
 * init --remote: adopt the remote's context if it has one (fetch, then create, fast-forward or merge
 * the local branch), then remember the remote as ctx.remote. A remote that cannot be reached is not
 * remembered. Idempotent.
 */
export async function initRemote(ctx: Ctx, name: string): Promise<InitRemoteResult> {
  const remote = await openRemote(ctx, name);
  const value = remote.named ? remote.name : remote.fetchTarget;
  const pulled = await syncContext(ctx, { action: 'pull', remote: value });
  await ctx.repo.git.run(['config', '--local', 'ctx.remote', value]);
  return { remote: remote.named ? remote.name : remote.display, pull: pulled };
}
