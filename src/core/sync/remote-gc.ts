/**
 * gc on the remote: keep what it holds small (docs/data-model.md, "The remote").
 *
 * - The refs of clones silent for longer than the window (their tip's committer time is older than
 *   the cutoff) are folded into the view branch and deleted. A clone that comes back later finds its
 *   history in the view and pushes its ref again; nothing is lost.
 * - Claim refs older than the window (and at least an hour old, so that no pickup still working from
 *   a fetch made before the deletion can claim the item again) are folded into the view and deleted:
 *   the claim file they carry is then part of every clone's history through the view.
 *
 * Order makes it safe: first the view is fast-forwarded to a merge that contains every ref to delete
 * (never forced: if another clone moved it meanwhile, fetch and fold again); only then each ref is
 * deleted with a lease on the value that was folded, so a clone that pushed meanwhile keeps its ref.
 * A ref is never deleted while its history is not in the view.
 */
import type { Ctx } from '../context.js';
import { pushRefs, recordRemoteTip, refusedError } from '../../git/remote.js';
import { checkMergeable, mergeCommits } from '../../store/merge-tips.js';
import { cloneRef, claimRef } from '../../model/remote-refs.js';
import { cloneId, fetchRemoteState, netOptions, openRemote } from './remote-state.js';
import { RemoteError } from '../../errors.js';

export interface RemoteGcInput {
  /** A remote name, URL or path; default ctx.remote. */
  remote?: string;
  /** Milliseconds since the epoch: refs whose tip is older are folded and deleted. */
  cutoff: number;
  dryRun?: boolean;
}

export interface RemoteGcResult {
  remote: string;
  /** Clone ids whose refs were (or, with dryRun, would be) folded into the view and deleted. */
  clones: string[];
  /** Items whose claim refs were (would be) deleted. */
  claims: string[];
  /** The commit the view was moved to, or null when it held everything already. */
  view: string | null;
  /** Refs kept because their owner moved them meanwhile. */
  kept: string[];
}

const CLAIM_FLOOR_MS = 3600 * 1000;
const ROUNDS = 5;

async function committerTime(ctx: Ctx, oids: readonly string[]): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  if (!oids.length) return out;
  const r = await ctx.repo.git.run(['log', '--no-walk=unsorted', '--format=%H %ct', ...new Set(oids), '--']);
  for (const line of r.stdout.toString('utf8').split('\n')) {
    const [oid, t] = line.split(' ');
    if (oid && t) out.set(oid, Number(t) * 1000);
  }
  return out;
}

export async function remoteGc(ctx: Ctx, input: RemoteGcInput): Promise<RemoteGcResult> {
  const { store, repo } = ctx;
  const remote = await openRemote(ctx, input.remote);
  const net = await netOptions(ctx, {});
  const me = cloneId(ctx);
  const claimCutoff = Math.min(input.cutoff, ctx.deps.now() - CLAIM_FLOOR_MS);
  for (let round = 1; round <= ROUNDS; round++) {
    const state = await fetchRemoteState(ctx, remote, net);
    const times = await committerTime(ctx, [...state.clones.values(), ...state.claims.values()]);
    const clones = [...state.clones].filter(([id, tip]) => id !== me && (times.get(tip) ?? Infinity) < input.cutoff);
    const claims = [...state.claims].filter(([, tip]) => (times.get(tip) ?? Infinity) < claimCutoff);
    const result: RemoteGcResult = { remote: remote.display, clones: clones.map(([id]) => id).sort(), claims: claims.map(([id]) => id).sort(), view: null, kept: [] };
    if (!clones.length && !claims.length) return result;
    const tips = [...(state.view ? [state.view] : []), ...clones.map(([, t]) => t), ...claims.map(([, t]) => t)];
    // Only context histories of a format this version writes are folded (see branch-guard.ts).
    await checkMergeable(store, await store.tip(), tips, `${remote.display}/${store.branch}`);
    const folded = await mergeCommits(store, [...(state.view ? [state.view] : []), ...clones.map(([, t]) => t), ...claims.map(([, t]) => t)]);
    const view = folded!.commit;
    if (input.dryRun) return { ...result, view: view === state.view ? null : view };
    if (view !== state.view) {
      const o = (await pushRefs(repo.git, remote, [{ oid: view, ref: state.refs.view }], net)).get(state.refs.view)!;
      if (!o.ok && o.kind === 'refused') throw refusedError(remote, state.refs.view, o.reason, 'the remote does not accept pushes to the context branch');
      if (!o.ok) continue; // moved: fold again on the new view
      await recordRemoteTip(repo.git, state.refs.viewCopy, view);
      result.view = view;
    }
    const deletions = [...clones.map(([id, tip]) => ({ oid: null, ref: cloneRef(store.branch, id), lease: tip })), ...claims.map(([id, tip]) => ({ oid: null, ref: claimRef(store.branch, id), lease: tip }))];
    const outcomes = await pushRefs(repo.git, remote, deletions, net);
    const gone = deletions.filter((d) => outcomes.get(d.ref)?.ok).map((d) => d.ref);
    result.kept = deletions.filter((d) => !outcomes.get(d.ref)?.ok).map((d) => d.ref);
    result.clones = clones.filter(([id]) => gone.includes(cloneRef(store.branch, id))).map(([id]) => id).sort();
    result.claims = claims.filter(([id]) => gone.includes(claimRef(store.branch, id))).map(([id]) => id).sort();
    const copies = [...result.clones.map((id) => state.refs.clonesCopy + id), ...result.claims.map((id) => state.refs.claimsCopy + id)];
    if (copies.length) await repo.git.run(['update-ref', '--stdin'], { input: copies.map((r) => `delete ${r}\n`).join(''), okStatus: [0, 1, 128] });
    return result;
  }
  throw new RemoteError(`${remote.display} kept moving: its context branch was not updated after ${ROUNDS} rounds`, { code: 'E_REMOTE_BUSY', data: { remote: remote.display }, hint: 'nothing was removed there; run git ctx gc again later' });
}
