/**
 * pickup: the handoffs waiting for this session, printed and marked consumed.
 *
 * Exactly once: each claim is a create-only write of `state/consumed/YYYY/MM/<handoff-id>`, decided by
 * a compare-and-swap (this repository's, or with ctx.remote the remote's: see claim-round-trip.ts),
 * never by a read followed by a write. All waiting handoffs are claimed in one commit; a path another
 * session claimed meanwhile is dropped and the rest retried. Afterwards the claims are read again and
 * the winner rule applied, so a handoff is delivered only to the session whose claim wins.
 */
import type { Ctx, WhoOptions } from './context.js';
import { readerOf, resolveIdentity } from './context.js';
import { readSummarized, viewHandoffs } from './mailbox.js';
import { claimRoundTrip } from './claim-round-trip.js';
import type { SlimSummary } from '../store/entry-index.js';
import type { StoredEntry } from '../model/entry.js';
import { claimPath, serializeClaim, type Claim } from '../model/state.js';
import { claimWinner } from '../model/claims.js';
import { checkWho } from '../model/validate.js';
import { claimFiles, readClaims } from '../store/state.js';

export interface PickupInput extends WhoOptions {
  peek?: boolean;
  /** Pick up what is addressed to this session id or agent name instead (and to all). */
  forWho?: string;
  /** Claim at most this many (the oldest waiting first); the others keep waiting. */
  limit?: number;
}

export interface PickupResult {
  session: string;
  agent: string;
  peek: boolean;
  /** Handoffs delivered to this session (with --peek: those waiting), oldest first. */
  handoffs: StoredEntry[];
  /** Handoffs that were waiting but another session claimed first (between our read and our write, or in a merge). */
  claimedElsewhere: { id: string; by: Claim | null }[];
  /** The commit that recorded the claims. */
  commit: string | null;
  /** Which compare-and-swap decided the claims: the remote's (ctx.remote), or this repository's. */
  decidedBy: 'remote' | 'local' | null;
  /** Why a configured remote could not decide (an error code): the claims are this machine's only. */
  offline: string | null;
}

export async function pickup(ctx: Ctx, input: PickupInput): Promise<PickupResult> {
  const who = await resolveIdentity(ctx, input);
  const forWho = input.forWho === undefined ? undefined : checkWho(input.forWho, '--for');
  const reader = forWho ? { session: forWho, agent: forWho } : readerOf(who);
  const base = { session: who.session, agent: who.agent, peek: !!input.peek };

  if (input.peek) {
    const tip = await ctx.store.tip();
    const waiting = tip ? (await viewHandoffs(ctx, tip, reader)).waiting : [];
    return { ...base, handoffs: tip ? await readSummarized(ctx, tip, waiting) : [], claimedElsewhere: [], commit: null, decidedBy: null, offline: null };
  }

  // What is waiting is worked out on the tip the claims are built on (after a merge, when a remote decides).
  const waitingAt = new Map<string, SlimSummary>();
  const round = await claimRoundTrip(ctx, {
    author: who.author,
    async files(tip, decidedBy) {
      const { waiting: all } = await viewHandoffs(ctx, tip, reader);
      const waiting = input.limit === undefined ? all : all.slice(0, input.limit);
      const claimedAt = new Date(ctx.deps.now()).toISOString();
      for (const h of waiting) waitingAt.set(claimPath(h.id), h);
      const remote = decidedBy === 'remote';
      return waiting.map((h) => ({
        item: h.id,
        path: claimPath(h.id),
        content: serializeClaim({ handoff: h.id, session: who.session, agent: who.agent, claimedAt, token: Buffer.from(ctx.deps.random(6)).toString('hex'), remote }),
      }));
    },
    message(fs) {
      const ids = fs.map((f) => waitingAt.get(f.path)!.id);
      return `pickup: ${ids.length} handoff${ids.length === 1 ? '' : 's'}\n\n${ids.map((id) => `Ctx-Handoff: ${id}`).join('\n')}\nCtx-Agent: ${who.agent}\nCtx-Session: ${who.session}\n`;
    },
  });
  const claimed = round.written.map((p) => waitingAt.get(p)!);
  const taken = round.existing.map((p) => waitingAt.get(p)!);

  // Settle with the winner rule: after a merge, a handoff may hold an earlier claim than ours.
  const tip = await ctx.store.tip();
  const files = tip ? await claimFiles(ctx.store, tip) : null;
  const delivered: SlimSummary[] = [];
  const claimedElsewhere: PickupResult['claimedElsewhere'] = [];
  for (const h of claimed) {
    const versions = files?.get(h.id) ?? [];
    const winner = versions.length > 1 ? claimWinner(await readClaims(ctx.store, versions)) : null;
    if (winner && winner.session !== who.session) claimedElsewhere.push({ id: h.id, by: winner });
    else delivered.push(h);
  }
  const takenClaims = await Promise.all(taken.map(async (h) => claimWinner(await readClaims(ctx.store, files?.get(h.id) ?? []))));
  taken.forEach((h, i) => claimedElsewhere.push({ id: h.id, by: takenClaims[i] ?? null }));
  return { ...base, handoffs: tip ? await readSummarized(ctx, tip, delivered) : [], claimedElsewhere, commit: round.commit, decidedBy: round.decidedBy, offline: round.offline ?? null };
}
