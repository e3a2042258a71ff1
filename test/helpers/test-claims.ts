/**
 * A feature whose items change hands, as a test would build it on the claim API: the item is an id,
 * its claim file a JSON record under `state/test-claims/`. Used in process by test/claims-api.test.ts
 * and in separate processes by claim-worker.ts.
 */
import { realDeps } from './real-deps.js';
import { openCtx, closeCtx, type Ctx } from '../../src/core/context.js';
import { claimRoundTrip, type ClaimRound } from '../../src/core/sync/claim-round-trip.js';
import { claimHolder, type ClaimLike } from '../../src/model/claims.js';
import { claimVersions } from '../../src/store/state.js';

export const ITEM = '01m7yvmwgafc92k5d0vbbcz0n0';
export const PATH = `state/test-claims/${ITEM}`;
export const author = { name: 't', email: 't@example.com' };

export interface TestClaim extends ClaimLike {
  item: string;
  released?: boolean;
}
export const bytes = (c: TestClaim) => `${JSON.stringify(c)}\n`;

/** Who holds ITEM at the branch's tip: the holder's record and the version of the file it is in. */
export async function holderAt(c: Ctx, tip: string | null): Promise<{ claim: TestClaim; path: string; blob: string } | null> {
  if (!tip) return null;
  const versions = await claimVersions(c.store, tip, PATH);
  const read = await Promise.all(versions.map(async (v) => ({ ...v, claim: JSON.parse((await c.store.readBlob(v.oid))!.toString('utf8')) as TestClaim })));
  const claim = claimHolder(
    read.map((r) => r.claim),
    bytes,
  );
  const at = read.find((r) => r.claim === claim);
  return claim && at ? { claim, path: at.path, blob: at.oid } : null;
}

export type Action = 'claim' | 'take over' | 'release';
export type Held = NonNullable<Awaited<ReturnType<typeof holderAt>>>;

/**
 * One claim call, as a feature would make it. `claim`: only if nobody holds the item (or it was
 * released); `take over`: whoever holds it at the tip (or `target`, a holder read before); `release`:
 * only one's own. `past`: the clock runs two hours behind (a claim old enough for gc). `env`: the
 * environment git runs in (a test's ENV; a worker's own, which its test set).
 */
export async function act(dir: string, session: string, action: Action, opts: { past?: boolean; target?: Held; env?: Record<string, string | undefined> } = {}): Promise<ClaimRound> {
  const c = await openCtx(realDeps(dir, opts.env ?? process.env, opts.past ? { now: () => Date.now() - 2 * 3600 * 1000 } : {}));
  try {
    return await claimRoundTrip(c, {
      author,
      message: () => `claim: ${ITEM}\n\nCtx-Session: ${session}\n`,
      files: async (tip, decidedBy) => {
        const held = opts.target ?? (await holderAt(c, tip));
        const free = !held || !!held.claim.released;
        if (action === 'claim' && !free) return [];
        if (action === 'release' && (free || held!.claim.session !== session)) return [];
        const record: TestClaim = {
          item: ITEM,
          session,
          claimedAt: new Date(c.deps.now()).toISOString(),
          token: Buffer.from(c.deps.random(6)).toString('hex'),
          ...(held ? { replaces: held.claim.token } : {}),
          ...(decidedBy === 'remote' ? { remote: true } : {}),
          ...(action === 'release' ? { released: true } : {}),
        };
        return [{ item: ITEM, path: held ? held.path : PATH, content: bytes(record), ...(held ? { replaces: held.blob } : {}) }];
      },
    });
  } finally {
    closeCtx(c);
  }
}
