/**
 * pickup: the handoffs waiting for this session, printed and marked consumed.
 *
 * Exactly once: each claim is a create-only write of `state/consumed/YYYY/MM/<handoff-id>`, decided by
 * a compare-and-swap (this repository's, or with ctx.remote the remote's: see claim-round-trip.ts),
 * never by a read followed by a write. All waiting handoffs are claimed in one commit; a path another
 * session claimed meanwhile is dropped and the rest retried. Afterwards the claims are read again and
 * the winner rule applied, so a handoff is delivered only to the session whose claim wins.
 */
import type { Ctx, WhoOptions } from '../context.js';
import { readerOf, resolveIdentity } from '../context.js';
import { readSummarized, summariesOf, viewHandoffs } from './mailbox.js';
import { showEntry } from '../entries/show.js';
import { claimRoundTrip, type ClaimRound } from '../sync/claim-round-trip.js';
import type { SlimSummary } from '../../store/entry-index.js';
import type { StoredEntry } from '../../model/entry.js';
import { claimPath, serializeClaim, type Claim } from '../../model/state.js';
import { claimWinner } from '../../model/claims.js';
import { checkWho } from '../../model/validate.js';
import { claimFiles, readClaims } from '../../store/state.js';
import { normalizeIdPrefix } from '../../model/id.js';
import { NotFoundError, UsageError } from '../../errors.js';

export interface PickupInput extends WhoOptions {
  peek?: boolean;
  /** Pick up what is addressed to this session id or agent name instead (and to all). */
  forWho?: string;
  /** Claim at most this many (the oldest waiting first); the others keep waiting. */
  limit?: number;
  /** Only these handoffs (ids or unique prefixes), whoever they are addressed to. */
  ids?: readonly string[];
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
    const waiting = !tip ? [] : input.ids ? (await chosenHandoffs(ctx, tip, input.ids)).waiting : (await viewHandoffs(ctx, tip, reader)).waiting.slice(0, input.limit);
    return { ...base, handoffs: tip ? await readSummarized(ctx, tip, waiting) : [], claimedElsewhere: [], commit: null, decidedBy: null, offline: null };
  }

  if (input.limit !== undefined && (!Number.isInteger(input.limit) || input.limit < 1)) throw new UsageError('--limit takes a whole number from 1', { code: 'E_USAGE' });
  // What is waiting is worked out on the tip the claims are built on (after a merge, when a remote decides).
  const waitingAt = new Map<string, SlimSummary>();
  let consumed: SlimSummary[] = [];
  const round = await pickupRounds(input.limit, (done) => claimRoundTrip(ctx, {
    author: who.author,
    async files(tip, decidedBy) {
      let all: SlimSummary[];
      if (input.ids) ({ waiting: all, consumed } = await chosenHandoffs(ctx, tip, input.ids));
      else all = (await viewHandoffs(ctx, tip, reader)).waiting;
      const waiting = input.limit === undefined ? all : all.slice(0, input.limit - done);
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
  }));
  const claimed = round.written.map((p) => waitingAt.get(p)!);
  const taken = round.existing.map((p) => waitingAt.get(p)!);
  // Asked for by id, consumed before this call saw it: say by whom, like one lost in the race.
  for (const h of consumed) if (!taken.some((t) => t.id === h.id) && !claimed.some((c) => c.id === h.id)) taken.push(h);

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

/**
 * With a limit, a handoff lost to another session is replaced by the next one waiting: rounds go on
 * until the limit is reached or nothing was lost (each lost round means other sessions consumed some,
 * so this ends; bounded all the same).
 */
async function pickupRounds(limit: number | undefined, round: (done: number) => Promise<ClaimRound>): Promise<ClaimRound> {
  let out = await round(0);
  for (let i = 0; limit !== undefined && i < 100 && out.written.length < limit && out.existing.length; i++) {
    const next = await round(out.written.length);
    out = { ...next, written: [...out.written, ...next.written], existing: [...out.existing, ...next.existing], commit: next.commit ?? out.commit };
  }
  return out;
}

/**
 * The handoffs `ids` name (full ids or unique prefixes): those still waiting, and those consumed
 * already (reported as claimed elsewhere). Unknown: not found (exit 3); not a handoff: exit 3.
 */
async function chosenHandoffs(ctx: Ctx, tip: string, ids: readonly string[]): Promise<{ waiting: SlimSummary[]; consumed: SlimSummary[] }> {
  const [list, claims] = await Promise.all([summariesOf(ctx, tip, ['handoff']).then((m) => m.get('handoff')!), claimFiles(ctx.store, tip)]);
  const out: SlimSummary[] = [];
  const consumed: SlimSummary[] = [];
  for (const id of ids) {
    const prefix = normalizeIdPrefix(id);
    const found = prefix ? list.all().filter((h) => h.id.startsWith(prefix)) : [];
    if (found.length > 1) throw new UsageError(`id prefix ${prefix} is ambiguous: ${found.slice(0, 10).map((h) => h.id).join(', ')}`, { code: 'E_AMBIGUOUS', hint: 'give more characters of the id' });
    if (!found.length) {
      const { entry } = await showEntry(ctx, { id });
      throw new NotFoundError(`${entry.id} is a ${entry.kind}, not a handoff`, { code: 'E_NOT_A_HANDOFF', data: { id: entry.id, kind: entry.kind } });
    }
    const h = found[0]!;
    if (claims.has(h.id)) consumed.push(h);
    else if (!out.some((o) => o.id === h.id)) out.push(h);
  }
  return { waiting: out, consumed };
}
