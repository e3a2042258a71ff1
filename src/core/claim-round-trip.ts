/**
 * Where a claim is decided: the one place pickup's claims meet the network.
 *
 * Without a remote (`git config ctx.remote` unset), the compare-and-swap on this repository's context
 * branch decides: all claims in one commit, create-only, a path claimed meanwhile dropped and the rest
 * retried.
 *
 * With a remote, the remote decides: fetch and merge its branch; work out what is still waiting on the
 * merged tip; build the claim commit on that tip without landing it (Store.build); push it. The push is
 * never forced, so it lands only if nobody pushed since our fetch: the remote's refusal of a
 * non-fast-forward is the compare-and-swap across clones, and a claim is in the local branch only once
 * the remote took it. Refused: fetch, merge and work it out again (a handoff claimed meanwhile is no
 * longer waiting), with backoff, a bounded number of rounds.
 *
 * Offline (the remote cannot be reached, or kept moving), the claim is made on this machine only and a
 * warning says so; if a later sync shows that another clone claimed the same handoff, the winner rule
 * (src/model/claims.ts) decides, and the loser is told in its next brief.
 */
import type { Ctx } from './context.js';
import type { FileWrite } from '../store/store.js';
import { claimChange, commitCreateOnly, type ClaimWrite } from '../store/state.js';
import { RemoteError } from '../errors.js';

export interface ClaimPlan {
  /** The claims to write on `tip`: one per handoff still waiting there (with `with`: files that land only with it). */
  files(tip: string): Promise<ClaimWrite[]>;
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

async function claimLocally(ctx: Ctx, plan: ClaimPlan): Promise<ClaimRound> {
  const tip = await ctx.store.tip();
  const files = tip ? await plan.files(tip) : [];
  const r = await commitCreateOnly(ctx.store, files, { message: plan.message, author: plan.author });
  return { written: r.written, existing: r.existing, commit: r.commit, decidedBy: 'local' };
}

async function claimThroughRemote(ctx: Ctx, name: string, plan: ClaimPlan): Promise<ClaimRound> {
  const { store, repo, deps } = ctx;
  const { openRemote } = await import('./sync.js');
  const { fetchBranch, pushBranch, recordRemoteTip, trackingRef } = await import('../git/remote.js');
  const { mergeIntoBranch } = await import('../store/merge.js');
  const remote = await openRemote(ctx, name);
  const net = { interactive: true, now: deps.now, sleep: deps.sleep };
  const merge = (theirs: string) => mergeIntoBranch(store, theirs, { message: `merge: ${remote.name}/${store.branch}\n`, author: plan.author });
  const backoff = (round: number) => deps.sleep(Math.round((deps.random(1)[0]! / 255) * Math.min(BACKOFF_CAP_MS, BACKOFF_BASE_MS * 2 ** round)));
  let wanted: Set<string> | null = null;
  for (let round = 1; round <= ROUNDS; round++) {
    let remoteTip: string | null;
    try {
      remoteTip = await fetchBranch(repo.git, remote, store.branch, net);
    } catch (e) {
      // Two fetches in one repository race for the lock of the private tracking ref: not the remote's fault.
      if (e instanceof RemoteError && /cannot lock ref/.test(String(e.data.stderr ?? ''))) {
        await backoff(round);
        continue;
      }
      throw e;
    }
    if (remoteTip) await merge(remoteTip);
    const tip = (await store.tip()) ?? (await store.ensureBranch()).tip;
    const files = await plan.files(tip);
    wanted ??= new Set(files.map((f) => f.path));
    // What was waiting in the first round and no longer is went to another session meanwhile.
    const existing = [...wanted].filter((p) => !files.some((f) => f.path === p));
    if (!files.length) return { written: [], existing, commit: null, decidedBy: 'remote' };
    const built = await store.build({ add: claimChange(files), message: plan.message(files), author: plan.author }, tip);
    if (built.commit) {
      const pushed = await pushBranch(repo.git, remote, built.commit, store.branch, net);
      if (pushed.ok) {
        await recordRemoteTip(repo.git, trackingRef(remote, store.branch), built.commit);
        await merge(built.commit);
        return { written: files.map((f) => f.path), existing, commit: built.commit, decidedBy: 'remote' };
      }
    }
    // The remote moved: back off with full jitter and redo the round.
    await backoff(round);
  }
  throw new RemoteError(`${remote.name} kept moving: the claims were not pushed after ${ROUNDS} rounds`, { code: 'E_REMOTE_BUSY', data: { remote: remote.name } });
}
