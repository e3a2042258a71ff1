/**
 * Who consumed a handoff, when claims met in a merge.
 *
 * On one repository the compare-and-swap lets exactly one claim per handoff land (`state/consumed/...`
 * is written create-only); across clones the remote decides (a claim ref it created for the first
 * push that named it: see core/sync/claim-round-trip.ts). A clone that could not reach the remote claims
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

/**
 * What the winner rule reads of a claim, whatever it claims (a handoff, a task): the fields every
 * claim file holds. `replaces` is for claims that can change hands (see claimHolder).
 */
export interface ClaimLike {
  session: string;
  /** ISO time, from the claimer's clock. */
  claimedAt: string;
  /** Decided by the remote (its claim ref took this claim). */
  remote?: boolean;
  /** Random: no two claims are the same bytes; names this claim for a takeover. */
  token?: string;
  /** The token of the claim this one took over (or released). */
  replaces?: string;
}

function timeOf(c: ClaimLike): number {
  const t = Date.parse(c.claimedAt);
  return Number.isNaN(t) ? Infinity : t;
}

/** The winner rule's total order for any kind of claim; `bytes` is the claim file's exact content. */
export function compareClaimsBy<T extends ClaimLike>(a: T, b: T, bytes: (c: T) => string): number {
  if (!!a.remote !== !!b.remote) return a.remote ? -1 : 1;
  const ta = timeOf(a);
  const tb = timeOf(b);
  if (ta !== tb) return ta < tb ? -1 : 1;
  const s = Buffer.compare(Buffer.from(a.session, 'utf8'), Buffer.from(b.session, 'utf8'));
  if (s !== 0) return s;
  return Buffer.compare(Buffer.from(bytes(a), 'utf8'), Buffer.from(bytes(b), 'utf8'));
}

/** The total order of the winner rule: negative when `a` wins over `b`. */
export function compareClaims(a: Claim, b: Claim): number {
  return compareClaimsBy(a, b, serializeClaim);
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

/**
 * Who holds an item whose claim can change hands (a task: taken over when stale, released), from
 * every version of its claim file on the branch. A takeover or a release names, in `replaces`, the
 * token of the claim it replaces. The holder is found by following the chain from the start:
 *
 *   1. among the claims that replace none present, the winner (the rule above) holds first;
 *   2. among the claims that replace the holder, the winner (the rule above) holds next; repeat.
 *
 * A takeover of a claim that had already lost, or been taken over by another, is void. Through the
 * remote only one takeover of a claim lands (the claim ref is leased on it), and it is remote, so it
 * wins over any made offline. A function of the set of versions alone: every clone names the same
 * holder, whatever the order of its merges. The caller reads the result: a release record (one its
 * kind marks so) means nobody holds the item.
 */
export function claimHolder<T extends ClaimLike>(claims: readonly T[], bytes: (c: T) => string): T | null {
  const tokens = new Set(claims.map((c) => c.token).filter((t): t is string => !!t));
  const best = (cs: readonly T[]) => cs.reduce<T | null>((m, c) => (!m || compareClaimsBy(c, m, bytes) < 0 ? c : m), null);
  let holder = best(claims.filter((c) => !c.replaces || !tokens.has(c.replaces))) ?? best(claims);
  const seen = new Set<T>();
  while (holder && !seen.has(holder)) {
    seen.add(holder);
    const token = holder.token;
    const next = token ? best(claims.filter((c) => c.replaces === token && !seen.has(c))) : null;
    if (!next) break;
    holder = next;
  }
  return holder;
}
