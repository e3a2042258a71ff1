/**
 * inbox: messages addressed to this session, its agent or all, unread first-class. `--mark-read`
 * records a receipt per message shown (state/read/<session>/YYYY/MM/<message-id>), all in one commit;
 * receipts are create-only files of their reader, so readers never collide and merges keep them all.
 */
import type { Ctx, Identity, WhoOptions } from '../context.js';
import { readerOf, resolveIdentity } from '../context.js';
import { readSummarized, viewMessages } from './mailbox.js';
import type { StoredEntry } from '../../model/entry.js';
import { receiptPath, serializeReceipt } from '../../model/state.js';
import { commitCreateOnly } from '../../store/state.js';

export interface InboxInput extends WhoOptions {
  /** Include messages already read. */
  all?: boolean;
  markRead?: boolean;
}

export interface InboxResult {
  session: string;
  agent: string;
  /** Oldest first; `read` as it stood before this call. */
  messages: { entry: StoredEntry; read: boolean }[];
  /** Messages left out (only the newest MAX are listed). */
  more: number;
  /** Ids marked read by this call. */
  marked: string[];
  commit: string | null;
}

const MAX = 200;

export async function inbox(ctx: Ctx, input: InboxInput): Promise<InboxResult> {
  const who = await resolveIdentity(ctx, input);
  const base = { session: who.session, agent: who.agent };
  const tip = await ctx.store.tip();
  if (!tip) return { ...base, messages: [], more: 0, marked: [], commit: null };
  const views = (await viewMessages(ctx, tip, readerOf(who))).filter((v) => input.all || !v.read);
  const listed = views.slice(-MAX);
  const entries = await readSummarized(ctx, tip, listed.map((v) => v.message));
  const read = new Map(listed.map((v) => [v.message.id, v.read]));
  const messages = entries.map((entry) => ({ entry, read: read.get(entry.id) ?? false }));

  let marked: string[] = [];
  let commit: string | null = null;
  const unread = messages.filter((m) => !m.read).map((m) => m.entry.id);
  if (input.markRead && unread.length) {
    commit = await markRead(ctx, who, unread);
    marked = unread;
  }
  return { ...base, messages, more: views.length - listed.length, marked, commit };
}

/**
 * Record that `who.session` read these messages: one receipt each, all in one commit (null when every
 * receipt existed already). A receipt that already existed was written by this same session
 * elsewhere: the message is read either way. A session named by its agent's session id writes a
 * second receipt under the place it runs in, so that the next session there (a new agent session in
 * the same worktree) does not see the message again.
 */
export async function markRead(ctx: Ctx, who: Identity, ids: readonly string[]): Promise<string | null> {
  if (!ids.length) return null;
  const readAt = new Date(ctx.deps.now()).toISOString();
  const readers = who.agentSession ? [who.session, who.place] : [who.session];
  const files = readers.flatMap((reader) => ids.map((id) => ({ path: receiptPath(reader, id), content: serializeReceipt({ message: id, reader, agent: who.agent, readAt }) })));
  const r = await commitCreateOnly(ctx.store, files, {
    author: who.author,
    message: (fs) => {
      const n = new Set(fs.map((f) => f.path.slice(f.path.lastIndexOf('/') + 1))).size;
      return `inbox: read ${n} message${n === 1 ? '' : 's'}\n\nCtx-Agent: ${who.agent}\nCtx-Session: ${who.session}\n`;
    },
  });
  return r.commit;
}
