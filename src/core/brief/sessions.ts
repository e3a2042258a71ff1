/**
 * sessions: the linked worktrees of this repository, and the sessions seen writing to the context
 * recently (on this machine or, through sync, elsewhere): branch, last activity, last thing written.
 * A session is attached to a worktree when its newest entry was written there.
 */
import type { Ctx } from '../context.js';
import { resolveWhen } from '../read.js';
import { sessionActivity } from '../activity.js';
import { viewTasks, type TaskInfo } from '../tasks/task-view.js';
import { listWorktrees, type WorktreeInfo } from '../../git/worktree.js';
import { entryPath, parseEntry } from '../../model/entry.js';
import { isId } from '../../model/id.js';

export interface SessionsInput {
  since?: string;
}

export interface SessionInfo {
  session: string;
  agent: string;
  worktree: string | null;
  branch: string | null;
  lastActivity: string;
  /** Subject of its newest commit on the context branch. */
  lastWrite: string;
  lastEntry: { id: string; kind: string; title: string } | null;
  /** Tasks it holds now (claimed, not done), oldest claim first. */
  claimed: { id: string; title: string; since: string | null; stale: boolean }[];
}

export interface SessionsResult {
  since: string;
  worktrees: (WorktreeInfo & { sessions: string[] })[];
  sessions: SessionInfo[];
}

export async function listSessions(ctx: Ctx, input: SessionsInput): Promise<SessionsResult> {
  const since = await resolveWhen(ctx, input.since ?? '7d', '--since');
  const [worktrees, tip] = await Promise.all([listWorktrees(ctx.repo.git), ctx.store.tip()]);
  const activity = tip ? await sessionActivity(ctx, tip, since) : [];
  const entries = await Promise.all(
    activity.map(async (a) => {
      if (!tip || !a.lastEntryId || !isId(a.lastEntryId)) return null;
      const blob = await ctx.store.cat.read(`${tip}:${entryPath(a.lastEntryId)}`);
      try {
        return blob?.type === 'blob' ? parseEntry(blob.content.toString('utf8')) : null;
      } catch {
        return null;
      }
    }),
  );
  const sessions: SessionInfo[] = activity.map((a, i) => {
    const e = entries[i];
    return {
      session: a.session,
      agent: a.agent,
      worktree: e?.worktree ?? null,
      branch: e?.branch ?? null,
      lastActivity: new Date(a.last).toISOString(),
      lastWrite: a.lastSubject,
      lastEntry: e ? { id: e.id, kind: e.kind, title: e.title } : null,
      claimed: [],
    };
  });
  if (tip) addClaims(sessions, (await viewTasks(ctx, tip)).tasks);
  return {
    since: new Date(since).toISOString(),
    worktrees: worktrees.map((w) => ({ ...w, sessions: sessions.filter((s) => s.worktree === w.path).map((s) => s.session) })),
    sessions,
  };
}

/** What each session holds; a holder silent since before the window is listed too, with its claim's time. */
function addClaims(sessions: SessionInfo[], tasks: readonly TaskInfo[]): void {
  for (const t of tasks) {
    const h = t.state.holder;
    if (!h) continue;
    let s = sessions.find((x) => x.session === h.session);
    if (!s) {
      s = { session: h.session, agent: h.agent, worktree: null, branch: null, lastActivity: t.lastSeen ?? h.at, lastWrite: `task claim: ${t.entry.title}`, lastEntry: null, claimed: [] };
      sessions.push(s);
    }
    s.claimed.push({ id: t.id, title: t.entry.title, since: t.state.heldSince, stale: t.stale });
  }
}
