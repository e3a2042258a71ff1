/**
 * Who consumed a handoff, when claims met in a merge.
 *
 * On one repository the compare-and-swap lets exactly one claim per handoff land (`state/consumed/...`
 * is written create-only); across clones the remote decides (a claim ref it created for the first
 * push that named it: see core/claim-round-trip.ts). A clone that could not reach the remote claims
 * on its own, provisionally, and a later merge keeps every claim (versions of one path). Every reader
 * must then name the same winner, whatever the order in which histories were merged, so the rule is a
 * total order on claims:
 *
 *   1. a claim the remote decided (`remote: true`) before any other: the remote's decision stands,
 *      even against an offline claim made earlier;
 *   2. the earliest `claimedAt` (a claim whose time cannot be read sorts after every readable one);
 *   3. then the smaller session id (compared as UTF-8 bytes);
 *   4. then the smaller claim file (its exact bytes), so that no two distinct claims ever tie.
 *
 * The winner of a union is the winner of the winners of its parts (the rule is a minimum), so merging
 * in any order, or several times, gives the same answer. The losing session is told in its next brief.
 */
import { serializeClaim, type Claim } from './state.js';

function timeOf(c: Claim): number {
  const t = Date.parse(c.claimedAt);
  return Number.isNaN(t) ? Infinity : t;
}

/** The total order of the winner rule: negative when `a` wins over `b`. */
export function compareClaims(a: Claim, b: Claim): number {
  if (!!a.remote !== !!b.remote) return a.remote ? -1 : 1;
  const ta = timeOf(a);
  const tb = timeOf(b);
  if (ta !== tb) return ta < tb ? -1 : 1;
  const s = Buffer.compare(Buffer.from(a.session, 'utf8'), Buffer.from(b.session, 'utf8'));
  if (s !== 0) return s;
  return Buffer.compare(Buffer.from(serializeClaim(a), 'utf8'), Buffer.from(serializeClaim(b), 'utf8'));
}

/** The claim that consumed the handoff, or null when there is none. */
export function claimWinner(claims: readonly Claim[]): Claim | null {
  let best: Claim | null = null;
  for (const c of claims) if (!best || compareClaims(c, best) < 0) best = c;
  return best;
}

export interface ClaimOutcome {
  winner: Claim | null;
  /** This session's claim, when it holds one that lost to another session's. */
  lost: Claim | null;
}

/** How the claims on one handoff stand for `session`. */
export function claimOutcome(claims: readonly Claim[], session: string): ClaimOutcome {
  const winner = claimWinner(claims);
  const mine = claims.find((c) => c.session === session) ?? null;
  return { winner, lost: mine && winner && winner.session !== session ? mine : null };
}
