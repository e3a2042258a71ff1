/**
 * gc: retention. Removes from the branch tree, in one commit, the handoffs that were consumed and the
 * messages that were read, when both the entry and the fact that settles it (the winning claim, the
 * deciding receipts) are older than the window; their state files go with them. History keeps it all.
 * Never removes an unconsumed handoff or an unread message.
 *
 * When a message counts as read:
 *   - to a session: that session has a receipt;
 *   - to an agent: a session of that agent has a receipt;
 *   - to all: at least one session other than the sender has a receipt, and so has every other session
 *     that wrote to the context after the message was sent (it was around, so it is expected to read it).
 *
 * State files whose handoff or message is gone (a merge can bring a claim or a receipt for an entry
 * another clone already removed) are removed once their id is older than the window.
 */
import type { Ctx, WhoOptions } from './context.js';
import { resolveIdentity } from './context.js';
import { resolveWhen } from './read.js';
import { doneTasksBefore } from './tasks/task-gc.js';
import { readSummarized } from './mailbox/mailbox.js';
import { sessionActivity, type SessionActivity } from './activity.js';
import type { EntrySummary } from '../store/entry-index.js';
import { claimWinner } from '../model/claims.js';
import { idTime } from '../model/id.js';
import { ALL } from '../model/address.js';
import type { Receipt } from '../model/state.js';
import { claimFiles, readClaims, readReceipts, receiptFiles, type ReceiptFile, type StateFile } from '../store/state.js';
import type { RemoteGcResult } from './sync/remote-gc.js';
import { CtxError, UsageError } from '../errors.js';

export interface GcInput extends WhoOptions {
  olderThan?: string;
  dryRun?: boolean;
}

export interface GcRemoved {
  id: string;
  kind: 'handoff' | 'message' | 'task';
  title: string;
  paths: string[];
}

export interface GcResult {
  cutoff: string;
  dryRun: boolean;
  removed: GcRemoved[];
  /** State files removed: those of the removed entries and orphans. */
  stateFiles: string[];
  kept: { unconsumed: number; unread: number; recent: number };
  commit: string | null;
  /** With ctx.remote: what was folded and removed on the remote (null: no remote, or it failed). */
  remote: RemoteGcResult | null;
  /** Why the remote part did not run to the end (it never fails the local gc). */
  warnings: string[];
}

function groupById(list: Iterable<EntrySummary>): Map<string, EntrySummary[]> {
  const out = new Map<string, EntrySummary[]>();
  for (const s of list) out.set(s.id, [...(out.get(s.id) ?? []), s]);
  return out;
}

function before(iso: string, cutoff: number): boolean {
  const t = Date.parse(iso);
  return !Number.isNaN(t) && t < cutoff;
}

/** Whether a message counts as read, by receipts all older than the cutoff (rules in the module comment). */
export function messageRead(m: EntrySummary, receipts: readonly Receipt[], cutoff: number, activity: () => SessionActivity[]): boolean {
  const settled = receipts.filter((r) => before(r.readAt, cutoff));
  if (m.to !== null && m.to !== ALL) return settled.some((r) => r.reader === m.to || r.agent === m.to);
  const readers = new Set(settled.filter((r) => r.reader !== m.session).map((r) => r.reader));
  if (!readers.size) return false;
  const sent = idTime(m.id);
  return activity().every((a) => a.session === m.session || a.last <= sent || readers.has(a.session));
}

export async function gc(ctx: Ctx, input: GcInput): Promise<GcResult> {
  const who = await resolveIdentity(ctx, input);
  const cutoff = await resolveWhen(ctx, input.olderThan ?? '7d', '--older-than');
  // A window that ends in the future would remove what was settled a moment ago: surely a mistake.
  if (cutoff > ctx.deps.now()) throw new UsageError(`--older-than: ${input.olderThan} is in the future`, { code: 'E_WHEN', hint: 'the window counts back from now: 7d, 36h, or a past date' });
  const result: GcResult = { cutoff: new Date(cutoff).toISOString(), dryRun: !!input.dryRun, removed: [], stateFiles: [], kept: { unconsumed: 0, unread: 0, recent: 0 }, commit: null, remote: null, warnings: [] };
  await localGc(ctx, input, who, cutoff, result);
  if (!input.dryRun) ctx.store.tidyRefLocks();
  // The remote's clone and claim refs (core/sync/remote-gc.ts): a failure there is a warning.
  if (ctx.config.get('ctx.remote')) {
    try {
      const { remoteGc } = await import('./sync/remote-gc.js');
      result.remote = await remoteGc(ctx, { cutoff, dryRun: input.dryRun });
    } catch (e) {
      if (!(e instanceof CtxError) || e.exitCode !== 5) throw e;
      result.warnings.push(`remote not collected: ${e.message}`);
    }
  }
  return result;
}

async function localGc(ctx: Ctx, input: GcInput, who: Awaited<ReturnType<typeof resolveIdentity>>, cutoff: number, result: GcResult): Promise<void> {
  const tip = await ctx.store.tip();
  if (!tip) return;
  const [summaries, claims, receipts] = await Promise.all([ctx.index.summaries(tip, ['handoff', 'message']), claimFiles(ctx.store, tip), receiptFiles(ctx.store, tip)]);
  const all = [...summaries.values()];
  const handoffs = groupById(all.filter((s) => s.kind === 'handoff'));
  const messages = groupById(all.filter((s) => s.kind === 'message'));
  const receiptsOf = new Map<string, ReceiptFile[]>();
  for (const r of receipts) receiptsOf.set(r.message, [...(receiptsOf.get(r.message) ?? []), r]);
  const remove = (id: string, kind: GcRemoved['kind'], versions: EntrySummary[], state: readonly StateFile[]) => {
    result.removed.push({ id, kind, title: '', paths: versions.map((v) => v.path) });
    result.stateFiles.push(...state.map((f) => f.path));
  };

  for (const [id, versions] of handoffs) {
    const files = claims.get(id);
    if (!files) result.kept.unconsumed++;
    else if (idTime(id) >= cutoff) result.kept.recent++;
    else {
      const winner = claimWinner(await readClaims(ctx.store, files));
      if (winner && before(winner.claimedAt, cutoff)) remove(id, 'handoff', versions, files);
      else result.kept.recent++;
    }
  }

  let activity: SessionActivity[] | null = null;
  const active = () => activity!;
  const oldMessages = [...messages].filter(([id]) => idTime(id) < cutoff);
  result.kept.recent += messages.size - oldMessages.length;
  if (oldMessages.some(([, v]) => v[0]!.to === null || v[0]!.to === ALL)) activity = await sessionActivity(ctx, tip);
  for (const [id, versions] of oldMessages) {
    const files = receiptsOf.get(id) ?? [];
    if (files.length && messageRead(versions[0]!, await readReceipts(ctx.store, files), cutoff, active)) remove(id, 'message', versions, files);
    else result.kept.unread++;
  }

  for (const [id, files] of claims) if (!handoffs.has(id) && idTime(id) < cutoff) result.stateFiles.push(...files.map((f) => f.path));
  for (const [id, files] of receiptsOf) if (!messages.has(id) && idTime(id) < cutoff) result.stateFiles.push(...files.map((f) => f.path));

  // Done tasks (their result entries stay: they are what was learnt).
  const tasks = await doneTasksBefore(ctx, tip, cutoff);
  result.removed.push(...tasks.removed);
  result.stateFiles.push(...tasks.stateFiles);
  result.kept.recent += tasks.recent;

  const shown = new Map((await readSummarized(ctx, tip, result.removed.map((r) => ({ path: r.paths[0]! })))).map((e) => [e.id, e.title]));
  for (const r of result.removed) r.title = shown.get(r.id) ?? '';
  const paths = [...result.removed.flatMap((r) => r.paths), ...result.stateFiles];
  if (input.dryRun || !paths.length) return;
  const h = result.removed.filter((r) => r.kind === 'handoff').length;
  const t = result.removed.filter((r) => r.kind === 'task').length;
  const m = result.removed.length - h - t;
  const r = await ctx.store.commit({
    add: [],
    remove: paths,
    author: who.author,
    message: `gc: remove ${h} consumed handoff${h === 1 ? '' : 's'}, ${m} read message${m === 1 ? '' : 's'}${t ? `, ${t} done task${t === 1 ? '' : 's'}` : ''}\n\nRemoved entries older than ${result.cutoff} and ${result.stateFiles.length} state files; history keeps them.\n\nCtx-Agent: ${who.agent}\nCtx-Session: ${who.session}\n`,
  });
  result.commit = r.commit;
}
