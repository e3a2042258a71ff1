/**
 * The remote round trip of `pickup`: the one function sync calls into (or replaces).
 *
 * Without a remote, the claim is decided here, by the compare-and-swap on this repository's context
 * branch: `claim` runs as is.
 *
 * With a remote configured, this is to become: pull (merge the remote's claims in, so handoffs claimed
 * elsewhere are seen as consumed and skipped); run `claim` (it reads the merged tip and writes its
 * claims create-only); push; when the push is rejected because the remote moved, pull again and push
 * again. The remote's branch then orders the claims: a claim that reached it first is in every later
 * pull, so no one else claims that handoff. When two claims still meet in a merge (the remote could not
 * be reached, and the claim was made offline), pickup re-reads the claims after this returns and the
 * winner rule (src/model/claims.ts) decides; the loser is told in its next brief.
 */
import type { Ctx } from './context.js';

export async function claimRoundTrip<T>(_ctx: Ctx, claim: () => Promise<T>): Promise<T> {
  return claim();
}
