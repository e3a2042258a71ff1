/**
 * Claims: the one place where "exactly one session gets this item" meets the network. pickup claims
 * handoffs through it; anything else that must go to exactly one session across machines (a task)
 * claims through the same function with its own claim files.
 *
 *     claimRoundTrip(ctx, plan) -> { written, existing, commit, decidedBy, offline? }
 *
 * `plan.files(tip, decidedBy)` returns, for the items still unclaimed on `tip`, one claim file each
 * (a FileWrite with the item's id, and in `with` any files that must land with the claim and only
 * with it, such as a task's result); to take over or release a claim instead, the file names in
 * `replaces` the blob of the claim it replaces at the same path, as read on `tip`. `decidedBy` says
 * what will decide, so the content can record it. `written` are the claim paths this call won,
 * `existing` those another session had or got first. Who holds an item after merges: the versions of
 * its claim file (store/state.ts claimVersions) and the rule of model/claims.ts (claimHolder).
 * docs/data-model.md, "Claims", is the reference.
 *
 * Without a remote (`git config ctx.remote` unset), this repository decides: all claims in one commit,
 * create-only, decided by the compare-and-swap of the branch (a path claimed meanwhile is dropped and
 * the rest retried).
 *
 * With a remote, the remote decides, by creating one ref per item: `refs/ctx/claims/<branch>/<item>`,
 * pushed with an expected-absent lease (`--force-with-lease=<ref>:`, or the claim it replaces). The
 * remote checks the expectation under its ref lock, so of any number of sessions on any number of
 * clones pushing a claim for one item, exactly one push creates it; the others are told "stale info"
 * or "failed to update ref" and lose. Each claim ref points to a small commit (on the branch's root
 * commit) that adds exactly the claim file, so every clone's fetch merges the claims like any other
 * history, and a claim whose winner never came back is still recorded everywhere. Before claiming,
 * the call fetches everything and merges it, so items claimed already are not asked for again.
 *
 * A remote that refuses refs outside refs/heads/ (remembered from sync) decides through the shared
 * branch instead: the claim commit is built on the merged tip and pushed there without force; the
 * remote's refusal of a non-fast-forward is the compare-and-swap, and a refused round is redone.
 *
 * Offline (the remote cannot be reached within `git config ctx.pickupTimeout` seconds, default 10, or
 * its history was rewritten), the claim is made on this machine only, with a warning; it stays
 * provisional: a claim the remote decided wins over it, and the winner rule (src/model/claims.ts)
 * settles the rest at the next sync.
 */
import type { Ctx } from '../context.js';
import type { FileWrite } from '../../store/store.js';
import { claimChange, commitCreateOnly, type ClaimWrite } from '../../store/state.js';
import { InternalError, RemoteError } from '../../errors.js';
import { ITEM_RE } from '../../model/remote-refs.js';
import { unvariantPath } from '../../model/merge.js';

export interface ClaimFile extends ClaimWrite {
  /** The item claimed (an entry id): names its claim ref on the remote. */
  item: string;
  /**
   * Take over (or release) the claim read at `tip`: the blob of the claim file at `path` that this
   * one replaces in place. It lands only while `path` still holds that blob: here, by the branch's
   * compare-and-swap; through the remote, only while the item's claim ref is still the claim commit
   * that holds it (or, once gc folded the ref into the branch and removed it, still absent).
   */
  replaces?: string;
}

export interface ClaimPlan {
  /** The claims to write on `tip`: one per item still unclaimed there. */
  files(tip: string, decidedBy: 'remote' | 'local'): Promise<ClaimFile[]>;
  message(files: readonly FileWrite[]): string;
  author: { name: string; email: string };
}

export interface ClaimRound {
  /** Claim paths that landed. */
  written: string[];
  /** Claim paths that were wanted but another session claimed first. */
  existing: string[];
  commit: string | null;
  /** Which compare-and-swap decided: the remote's, or this repository's. */
  decidedBy: 'remote' | 'local';
  /** Why the remote could not decide (the error code), when it was configured. */
  offline?: string;
}

const ROUNDS = 12;
const BACKOFF_BASE_MS = 25;
const BACKOFF_CAP_MS = 1000;

/** Claim items for this session, exactly once across sessions, worktrees and clones (module comment). */
export async function claimRoundTrip(ctx: Ctx, plan: ClaimPlan): Promise<ClaimRound> {
  const remote = ctx.config.get('ctx.remote');
  if (!remote) return claimLocally(ctx, plan);
  try {
    return await claimThroughRemote(ctx, remote, plan);
  } catch (e) {
    if (!(e instanceof RemoteError)) throw e;
    ctx.deps.stderr(`git-ctx: warning: ${e.message}\nhint: claimed on this machine only; the next sync settles it with the other clones\n`);
    return { ...(await claimLocally(ctx, plan)), offline: e.code };
  }
}

/** The write of a claim file: create-only, or a compare-and-swap of the claim it replaces. */
function claimWrite(f: ClaimFile): ClaimWrite {
  const write: FileWrite = f.replaces === undefined ? { path: f.path, content: f.content, createOnly: true } : { path: f.path, content: f.content, expect: f.replaces };
  return f.with ? { ...write, with: f.with } : write;
}

async function claimLocally(ctx: Ctx, plan: ClaimPlan): Promise<ClaimRound> {
  const tip = await ctx.store.tip();
  const files = tip ? await plan.files(tip, 'local') : [];
  for (const f of files) checkClaimFile(f);
  const r = await commitCreateOnly(ctx.store, files.map(claimWrite), { message: plan.message, author: plan.author });
  return { written: r.written, existing: r.existing, commit: r.commit, decidedBy: 'local' };
}

/** An item names a ref: only ids, never anything a refspec or the shell could read otherwise. */
function checkClaimFile(f: ClaimFile): void {
  if (!ITEM_RE.test(f.item) || (f.replaces !== undefined && !/^[0-9a-f]{40}([0-9a-f]{24})?$/.test(f.replaces))) throw new InternalError(`not a claimable item: ${JSON.stringify(f.item)}`);
}

async function claimThroughRemote(ctx: Ctx, name: string, plan: ClaimPlan): Promise<ClaimRound> {
  const { store, repo } = ctx;
  const { fetchRemoteState, knownLayout, netOptions, openRemote, recordLayout, remoteTips } = await import('./remote-state.js');
  const { pushRefs, recordRemoteTip } = await import('../../git/remote.js');
  const { mergeTipsIntoBranch } = await import('../../store/merge-tips.js');
  const { claimRef } = await import('../../model/remote-refs.js');
  const remote = await openRemote(ctx, name);
  const net = await netOptions(ctx, { timeoutKey: 'ctx.pickupTimeout' });
  const mergeOpts = { message: `merge: ${remote.display}/${store.branch}\n`, author: plan.author };
  if (knownLayout(ctx, remote).layout === 'branch') return claimThroughBranch(ctx, remote, net, plan);

  const state = await fetchRemoteState(ctx, remote, net);
  await mergeTipsIntoBranch(store, remoteTips(state), mergeOpts);
  const tip = (await store.tip()) ?? (await store.ensureBranch()).tip;
  let files = await plan.files(tip, 'remote');
  if (!files.length) return { written: [], existing: [], commit: null, decidedBy: 'remote' };
  for (const f of files) checkClaimFile(f);
  // Each claim is a commit of its own on the root, adding exactly its file; a takeover builds on the
  // claim commit it replaces, so the claim ref only ever moves forward (a ref that moved backwards
  // would read, to every clone, as a rewritten remote).
  const root = store.rootCommit();
  const commits = new Map<string, string>();
  const leases = new Map<string, string | null>();
  const unknown: ClaimFile[] = [];
  for (const f of files) {
    // The remote's claim ref as just fetched: a takeover leases it, and builds on it, only while it
    // holds the claim being replaced. Absent (gc folded it into the branch): built on the root.
    // A claim commit holds its file at the claim's own path, whichever version of it the caller read.
    const path = unvariantPath(f.path);
    const held = f.replaces === undefined ? null : (state.claims.get(f.item) ?? null);
    if (held && (await store.lookup(await store.treeOf(held), path))?.oid !== f.replaces) {
      unknown.push(f); // the remote holds another claim than the one read: someone took it first
      continue;
    }
    const write: FileWrite = held ? { path, content: f.content, expect: f.replaces } : { path, content: f.content, createOnly: true };
    const built = await store.build({ add: [write, ...(f.with ?? [])], message: plan.message([f]), author: plan.author }, held ?? root);
    if (built.commit) {
      commits.set(f.item, built.commit);
      leases.set(f.item, held);
    } else unknown.push(f);
  }
  files = files.filter((f) => commits.has(f.item));
  if (!files.length) return { written: [], existing: unknown.map((f) => f.path), commit: null, decidedBy: 'remote' };
  const refOf = (f: ClaimFile) => claimRef(store.branch, f.item);
  const outcomes = await pushRefs(repo.git, remote, files.map((f) => ({ oid: commits.get(f.item)!, ref: refOf(f), lease: leases.get(f.item) ?? null })), net);
  const won = files.filter((f) => outcomes.get(refOf(f))?.ok);
  const lost = files.filter((f) => outcomes.get(refOf(f))?.ok === false && (outcomes.get(refOf(f)) as { kind: string }).kind === 'moved');
  const refused = files.filter((f) => !won.includes(f) && !lost.includes(f));
  if (refused.length && !won.length && !lost.length) {
    // Refs outside refs/heads/ are refused here: decide through the shared branch from now on.
    const o = outcomes.get(refOf(refused[0]!)) as { reason: string };
    recordLayout(ctx, remote, 'branch', o.reason);
    ctx.deps.stderr(`git-ctx: warning: ${remote.display} refuses git-ctx's claim refs (${o.reason}): claiming through the shared branch instead\n`);
    return claimThroughBranch(ctx, remote, net, plan);
  }
  if (refused.length) {
    const o = outcomes.get(refOf(refused[0]!)) as { reason: string };
    throw new RemoteError(`${remote.display} refused ${refOf(refused[0]!)}: ${o.reason}`, { code: 'E_REMOTE_REJECTED', data: { remote: remote.display } });
  }
  for (const f of won) await recordRemoteTip(repo.git, state.refs.claimsCopy + f.item, commits.get(f.item)!);
  // Who won the others: their claim refs, fetched and merged like everything else.
  const others = lost.length ? remoteTips(await fetchRemoteState(ctx, remote, net)) : [];
  const merged = await mergeTipsIntoBranch(store, [...won.map((f) => commits.get(f.item)!), ...others], mergeOpts);
  return { written: won.map((f) => f.path), existing: [...lost, ...unknown].map((f) => f.path), commit: won.length ? merged.tip || null : null, decidedBy: 'remote' };
}

/**
 * The shared-branch way (a remote that takes only branches): build the claims on the merged tip,
 * push that commit to the view without force, land it once the remote took it; refused because the
 * view moved, work it out again.
 */
async function claimThroughBranch(ctx: Ctx, remote: import('../../git/remote.js').Remote, net: import('../../git/remote.js').NetOptions, plan: ClaimPlan): Promise<ClaimRound> {
  const { store, repo, deps } = ctx;
  const { fetchRemoteState, remoteTips } = await import('./remote-state.js');
  const { pushRefs, recordRemoteTip, refusedError } = await import('../../git/remote.js');
  const { mergeTipsIntoBranch } = await import('../../store/merge-tips.js');
  const mergeOpts = { message: `merge: ${remote.display}/${store.branch}\n`, author: plan.author };
  const backoff = (round: number) => deps.sleep(Math.round((deps.random(1)[0]! / 255) * Math.min(BACKOFF_CAP_MS, BACKOFF_BASE_MS * 2 ** round)));
  let wanted: Set<string> | null = null;
  for (let round = 1; round <= ROUNDS; round++) {
    const state = await fetchRemoteState(ctx, remote, net);
    await mergeTipsIntoBranch(store, remoteTips(state), mergeOpts);
    const tip = (await store.tip()) ?? (await store.ensureBranch()).tip;
    const files = await plan.files(tip, 'remote');
    wanted ??= new Set(files.map((f) => f.path));
    // What was waiting in the first round and no longer is went to another session meanwhile.
    const existing = [...wanted].filter((p) => !files.some((f) => f.path === p));
    if (!files.length) return { written: [], existing, commit: null, decidedBy: 'remote' };
    for (const f of files) checkClaimFile(f);
    const built = await store.build({ add: claimChange(files.map(claimWrite)), message: plan.message(files), author: plan.author }, tip);
    if (built.commit) {
      const o = (await pushRefs(repo.git, remote, [{ oid: built.commit, ref: state.refs.view }], net)).get(state.refs.view)!;
      if (o.ok) {
        await recordRemoteTip(repo.git, state.refs.viewCopy, built.commit);
        await mergeTipsIntoBranch(store, [built.commit], mergeOpts);
        return { written: files.map((f) => f.path), existing, commit: built.commit, decidedBy: 'remote' };
      }
      if (o.kind === 'refused') throw refusedError(remote, state.refs.view, o.reason, 'the remote does not accept pushes to the context branch');
    }
    // The remote moved: back off with full jitter and redo the round.
    await backoff(round);
  }
  throw new RemoteError(`${remote.display} kept moving: the claims were not pushed after ${ROUNDS} rounds`, { code: 'E_REMOTE_BUSY', data: { remote: remote.display } });
}
