/**
 * Handoffs and messages as a session sees them: which are addressed to it, which are still waiting
 * (no claim) or unread (no receipt of its own), and which of its claims lost to an earlier one.
 * Shared by pickup, brief, inbox and gc. Reads only the handoff and message summaries of the index and
 * the state trees, never the 100k other entries.
 */
import type { Ctx } from '../context.js';
import { readEntries } from '../read.js';
import type { StoredEntry } from '../../model/entry.js';
import type { PickList, SlimSummary } from '../../store/entry-index.js';
import type { Kind } from '../../model/kinds.js';
import { addressedTo, isReader, type Reader } from '../../model/address.js';
import { idTime } from '../../model/id.js';
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { claimOutcome } from '../../model/claims.js';
import type { Claim } from '../../model/state.js';
import { claimFiles, readClaims, readIds, type ClaimFiles } from '../../store/state.js';

/**
 * Slim summaries of the given kinds (what choosing entries for a session needs, see SlimSummary), one
 * per id (a merge may keep two versions of a file), oldest first.
 */
export function summariesOf(ctx: Ctx, tip: string, kinds: readonly Kind[]): Promise<Map<Kind, PickList>> {
  return ctx.index.slimSummaries(tip, kinds, { onWarning: (w) => ctx.deps.stderr(`git-ctx: warning: ${w}\n`) });
}

/** The entries behind summaries, read whole from `tip`, in the same order (unreadable ones left out). */
export function readSummarized(ctx: Ctx, tip: string, list: readonly { path: string }[]): Promise<StoredEntry[]> {
  return readEntries(ctx, list.map((s) => ({ path: s.path, oid: `${tip}:${s.path}` })));
}

export interface LostClaim {
  handoff: SlimSummary | null;
  handoffId: string;
  mine: Claim;
  winner: Claim;
}

export interface HandoffView {
  /** Unconsumed handoffs addressed to the reader, oldest first. */
  waiting: SlimSummary[];
  /** Handoffs this session claimed whose claim lost to an earlier one (seen after a merge). */
  lost: LostClaim[];
}

/**
 * Where the reader's handoffs stand at `tip`. Claim files are read only where a handoff has more than
 * one (only then can a claim lose), so the cost does not grow with the number of consumed handoffs.
 */
export async function viewHandoffs(ctx: Ctx, tip: string, reader: Reader, known: { handoffs?: PickList; claims?: ClaimFiles } = {}): Promise<HandoffView> {
  const [list, claims] = await Promise.all([known.handoffs ?? summariesOf(ctx, tip, ['handoff']).then((m) => m.get('handoff')!), known.claims ?? claimFiles(ctx.store, tip)]);
  const waiting: SlimSummary[] = [];
  for (let i = 0; i < list.length; i++) if (!claims.has(list.id(i)) && addressedTo(list.to(i), reader)) waiting.push(list.at(i));
  const contested = claims.contested();
  const lost: LostClaim[] = [];
  const read = await Promise.all(contested.map(([, files]) => readClaims(ctx.store, files)));
  contested.forEach(([id], i) => {
    const o = claimOutcome(read[i]!, reader.session);
    if (o.lost && o.winner) lost.push({ handoffId: id, handoff: list.find(id), mine: o.lost, winner: o.winner });
  });
  return { waiting, lost };
}

export interface MessageView {
  message: SlimSummary;
  read: boolean;
}

/**
 * Messages for the reader, oldest first: addressed to its session, its agent or all, except the ones
 * it sent to others (a message to all is not news to its sender). `read` comes from the reader's own
 * receipts (see readIdsOf).
 */
export async function viewMessages(ctx: Ctx, tip: string, reader: Reader): Promise<MessageView[]> {
  const [list, read] = await Promise.all([summariesOf(ctx, tip, ['message']).then((m) => m.get('message')!), readIdsOf(ctx, tip, reader)]);
  return messagesFor(list, reader).map((i) => ({ message: list.at(i), read: read.has(list.id(i)) }));
}

/** Positions in `list` (a message pick list) of the messages for the reader (see viewMessages). */
export function messagesFor(list: PickList, reader: Reader): number[] {
  return list.where((to, session) => addressedTo(to, reader) && (!isReader(session, reader) || to === reader.session || (to !== null && !!reader.also?.includes(to))));
}

/**
 * The messages this reader has read: its receipts under its session id and under the place it runs
 * in (an agent session writes both, so the next session in the same worktree does not see again what
 * it read), and, for messages older than this clone's first use of place ids, receipts under the
 * place's earlier name (`<folder>:<branch>`, shared by every clone with that folder and branch): a
 * session id that changed with an upgrade does not show every old message again.
 */
export async function readIdsOf(ctx: Ctx, tip: string, reader: Reader): Promise<Set<string>> {
  const own = [reader.session, ...(reader.also ?? [])];
  const [legacy, ...sets] = await Promise.all([reader.label && !own.includes(reader.label) ? readIds(ctx.store, tip, reader.label) : null, ...own.map((r) => readIds(ctx.store, tip, r))]);
  const read = sets.length === 1 ? sets[0]! : new Set(sets.flatMap((s) => [...s]));
  if (legacy?.size) {
    const cutoff = placeIdsSince(ctx);
    for (const id of legacy) if (idTime(id) < cutoff) read.add(id);
  }
  return read;
}

/**
 * When this clone first named sessions by place (`.git/ctx/identity.json`, written once): receipts
 * under a place's earlier name count only for messages older than this.
 */
function placeIdsSince(ctx: Ctx): number {
  const path = join(ctx.store.privateDir, 'identity.json');
  for (let i = 0; i < 2; i++) {
    try {
      const t = Date.parse((JSON.parse(readFileSync(path, 'utf8')) as { placeIdsSince?: string }).placeIdsSince ?? '');
      if (Number.isFinite(t)) return t;
    } catch {
      /* not written yet */
    }
    try {
      mkdirSync(ctx.store.privateDir, { recursive: true });
      writeFileSync(path, `${JSON.stringify({ placeIdsSince: new Date(ctx.deps.now()).toISOString() })}\n`, { flag: 'wx' });
    } catch {
      /* written by another process meanwhile (read it again), or not writable */
    }
  }
  return ctx.deps.now();
}
