/**
 * Who wrote to the context, and when: every commit git-ctx makes names its session and agent in
 * trailers (Ctx-Session, Ctx-Agent), entries also their id (Ctx-Id), so one `git log` of the branch
 * tells each session's last activity and last write, including claims and receipts, without reading
 * a single entry.
 */
import type { Ctx } from './context.js';

export interface SessionActivity {
  session: string;
  agent: string;
  /** Milliseconds (commit time) of its newest commit. */
  last: number;
  /** Subject of its newest commit ("note: ...", "pickup: 2 handoffs"). */
  lastSubject: string;
  /** Id of the newest entry it wrote, if any in range. */
  lastEntryId: string | null;
}

/** Sessions that committed to the branch since `sinceMs` (all history when undefined), newest first. */
export async function sessionActivity(ctx: Ctx, tip: string, sinceMs?: number): Promise<SessionActivity[]> {
  const args = ['log', '-z', '--no-merges', '--format=%ct%x1e%s%x1e%(trailers:key=Ctx-Session,valueonly,separator=%x1f)%x1e%(trailers:key=Ctx-Agent,valueonly,separator=%x1f)%x1e%(trailers:key=Ctx-Id,valueonly,separator=%x1f)'];
  if (sinceMs !== undefined) args.push(`--since=${Math.floor(sinceMs / 1000)}`);
  const out = await ctx.repo.git.run([...args, '--end-of-options', tip, '--']);
  const bySession = new Map<string, SessionActivity>();
  for (const rec of out.stdout.toString('utf8').split('\0')) {
    const [ct, subject, session, agent, ids] = rec.replace(/^\n/, '').split('\x1e');
    const s = session?.split('\x1f')[0]?.trim();
    if (!s || !ct) continue;
    const seen = bySession.get(s);
    const id = ids?.split('\x1f')[0]?.trim() || null;
    if (!seen) bySession.set(s, { session: s, agent: agent?.split('\x1f')[0]?.trim() ?? '', last: Number(ct) * 1000, lastSubject: subject ?? '', lastEntryId: id });
    else if (!seen.lastEntryId && id) seen.lastEntryId = id;
  }
  return [...bySession.values()].sort((a, b) => b.last - a.last);
}
