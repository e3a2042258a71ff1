/**
 * What the brief says about tasks (core/brief/brief.ts places the sections):
 *
 *   - tasks this session claimed that another session took over (its holder had gone silent) or
 *     claimed first (offline claims met in a merge): mandatory, one line each;
 *   - the tasks it holds, in full where the budget allows: mandatory;
 *   - for each wave N it holds a task of, the results of wave N-1, in full where the budget allows,
 *     index lines beyond (the discovery relay);
 *   - the tasks it could claim now (ready, for it, open or held by a silent session), as index lines.
 */
import type { Ctx, Identity } from '../context.js';
import { readerOf } from '../context.js';
import { viewTasks, type TaskInfo } from './task-view.js';
import { claimable, resultsOf } from './task-list.js';
import { isReader } from '../../model/address.js';
import type { BriefItem, BriefSection } from '../../model/brief-layout.js';

/** How many ready tasks and wave results the brief offers at most; the rest are counted. */
const OFFER = { ready: 20, results: 40 };

export interface TaskBrief {
  /** Placed right after the handoffs. */
  first: BriefSection[];
  /** Placed after the messages. */
  ready: BriefSection[];
}

function minutes(ms: number): string {
  return ms >= 7_200_000 ? `${Math.round(ms / 3_600_000)}h` : `${Math.round(ms / 60_000)}m`;
}

function taskItem(t: TaskInfo, detail?: string, line?: string): BriefItem {
  const e = t.entry;
  return { id: t.id, kind: 'task', title: e.title, agent: e.agent, session: e.session, createdAt: e.createdAt, to: e.to, body: e.body || e.title, ...(detail ? { detail } : {}), ...(line ? { line } : {}) };
}

export async function taskBrief(ctx: Ctx, tip: string, who: Identity): Promise<TaskBrief> {
  const reader = readerOf(who);
  const view = await viewTasks(ctx, tip);
  const stale = minutes(view.staleAfterMs);

  const lostItems: BriefItem[] = [];
  for (const t of view.tasks) {
    const head = t.state.head;
    if (!head || isReader(head.session, reader)) continue;
    const takeover = [...t.state.chain].reverse().find((s) => s.op === 'claim' && s.takeover && isReader(s.takeover, reader));
    const lost = t.state.lost.find((s) => s.op === 'claim' && isReader(s.session, reader));
    if (!takeover && !lost) continue;
    const by = takeover ?? t.state.chain.find((s) => s.op === 'claim') ?? head;
    const what = takeover ? `was taken over by session ${by.session} at ${by.at} (you had written nothing for ${stale})` : `was claimed first by session ${by.session} at ${by.at}`;
    lostItems.push({ ...taskItem(t), body: undefined, line: `task ${t.id} you claimed ${what}${t.state.state === 'done' ? ', and is done' : ''}: leave it to them (${t.entry.title})` });
  }

  const mine = view.tasks.filter((t) => t.state.state === 'claimed' && isReader(t.state.holder!.session, reader));
  const mineItems = mine.map((t) => taskItem(t, [t.wave === null ? null : `wave ${t.wave}`, t.entry.refs.length ? `about ${t.entry.refs.join(', ')}` : null].filter(Boolean).join('; ') || undefined));

  // The discovery relay: results of the wave before each wave this session works in.
  const sections: BriefSection[] = [];
  const waves = [...new Set(mine.flatMap((t) => (t.wave !== null && t.wave > 0 ? [t.wave - 1] : [])))].sort((a, b) => b - a);
  for (const w of waves) {
    const tasks = view.tasks.filter((t) => t.wave === w);
    if (!tasks.length) continue;
    const done = tasks.filter((t) => t.state.done?.result);
    const results = await resultsOf(ctx, tip, done.slice(-OFFER.results).reverse());
    const items: BriefItem[] = [];
    for (const t of done.slice(-OFFER.results).reverse()) {
      const r = results.get(t.id);
      if (r) items.push({ id: r.id, kind: 'result', title: r.title, agent: r.agent, session: r.session, createdAt: r.createdAt, body: r.body || r.title, detail: `result of task ${t.id}: ${t.entry.title}` });
    }
    const finished = tasks.filter((t) => t.state.state === 'done').length;
    sections.push({
      key: `wave-${w}`,
      title: `Results of wave ${w} (${finished} of ${tasks.length} tasks done), for your wave ${w + 1} task`,
      items,
      more: Math.max(0, done.length - items.length),
      moreHint: `git ctx wave ${w}`,
    });
  }

  const ready = view.tasks.filter((t) => claimable(t, reader));
  // Index lines only: a session reads a task whole once it claims it.
  const readyItems = ready.slice(0, OFFER.ready).map((t) => ({
    ...taskItem(t, undefined, `${t.id} task ${t.entry.title}${t.wave === null ? '' : ` (wave ${t.wave})`}${t.state.state === 'claimed' ? `: claimed by ${t.state.holder!.session}, silent since ${t.lastSeen ?? '?'}: can be taken over` : ''}`),
    body: undefined,
  }));

  return {
    first: [
      { key: 'tasks-lost', title: 'Tasks you claimed that another session has now', mandatory: true, items: lostItems },
      { key: 'tasks', title: `Tasks you hold (${mine.length}): \`git ctx task done ID -m RESULT\` when finished, \`git ctx task release ID\` to give one back`, mandatory: true, items: mineItems },
      ...sections,
    ],
    ready: [{ key: 'tasks-ready', title: `Tasks ready for you (${ready.length}): \`git ctx task claim --next\` takes one`, items: readyItems, more: ready.length - readyItems.length, moreHint: 'git ctx task list --ready' }],
  };
}
