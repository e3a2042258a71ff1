/**
 * The JSON shapes of the task commands and of the MCP tool ctx_task (their own types: fields may be
 * added, none renamed or removed once released).
 */
import type { TaskInfo } from '../core/tasks/task-view.js';
import type { TaskAddResult } from '../core/tasks/task-add.js';
import type { TaskListResult, TaskShowResult, WaveResult } from '../core/tasks/task-list.js';
import type { ClaimResult, StepResult } from '../core/tasks/task-steps.js';
import type { StoredEntry } from '../model/entry.js';
import { entryJson, redactionJson, type EntryJson } from './json.js';

export interface TaskJson {
  id: string;
  title: string;
  body: string;
  wave: number | null;
  after: string[];
  to: string | null;
  refs: string[];
  agent: string;
  session: string;
  createdAt: string;
  commit: string | null;
  path: string;
  /** open, claimed or done. */
  state: string;
  /** Not done, every --after task done, every earlier wave done. */
  ready: boolean;
  blockedBy: string[];
  /** Its --after tasks lead back to it (the ids on the cycle), or null. */
  cycle: string[] | null;
  holder: { session: string; agent: string; since: string | null; lastSeen: string | null; stale: boolean } | null;
  done: { session: string; agent: string; at: string; result: string | null } | null;
  steps?: { op: string; session: string; agent: string; at: string; remote: boolean; takeover: string | null; result: string | null }[];
}

export function taskJson(t: TaskInfo, opts: { steps?: boolean } = {}): TaskJson {
  const e = t.entry;
  const h = t.state.holder;
  const d = t.state.done;
  return {
    id: t.id,
    title: e.title,
    body: e.body,
    wave: t.wave,
    after: t.after,
    to: e.to,
    refs: e.refs,
    agent: e.agent,
    session: e.session,
    createdAt: e.createdAt,
    commit: e.commit,
    path: e.path,
    state: t.state.state,
    ready: t.readiness.ready,
    blockedBy: t.readiness.blockedBy,
    cycle: t.readiness.cycle,
    holder: h ? { session: h.session, agent: h.agent, since: t.state.heldSince, lastSeen: t.lastSeen, stale: t.stale } : null,
    done: d ? { session: d.session, agent: d.agent, at: d.at, result: d.result ?? null } : null,
    ...(opts.steps ? { steps: t.state.chain.map((s) => ({ op: s.op, session: s.session, agent: s.agent, at: s.at, remote: !!s.remote, takeover: s.takeover ?? null, result: s.result ?? null })) } : {}),
  };
}

export function taskAddJson(r: TaskAddResult): Record<string, unknown> {
  return { ids: r.tasks.map((t) => t.id), tasks: r.tasks.map(entryJson), skipped: r.skipped, redactions: r.redactions.map(redactionJson), commit: r.commit };
}

export function taskListJson(r: TaskListResult): Record<string, unknown> {
  return { session: r.session, agent: r.agent, counts: r.counts, tasks: r.tasks.map((t) => taskJson(t)) };
}

export function claimJson(r: ClaimResult): Record<string, unknown> {
  return { session: r.session, agent: r.agent, claimed: r.claimed.map((t) => taskJson(t)), renewed: r.renewed, takenOver: r.takenOver, lost: r.lost, commit: r.commit, decidedBy: r.decidedBy, offline: r.offline };
}

export function stepJson(r: StepResult): Record<string, unknown> {
  return { session: r.session, agent: r.agent, task: taskJson(r.task), result: r.result ? entryJson(r.result) : null, redactions: r.redactions.map(redactionJson), commit: r.commit, decidedBy: r.decidedBy, offline: r.offline };
}

export function taskShowJson(r: TaskShowResult): Record<string, unknown> {
  return { task: taskJson(r.task, { steps: true }), result: r.result ? entryJson(r.result) : null };
}

export function waveJson(r: WaveResult): Record<string, unknown> {
  return { wave: r.wave, counts: r.counts, tasks: r.tasks.map((t) => ({ ...taskJson(t), result: resultJson(r.results.get(t.id)) })), waves: r.waves };
}

function resultJson(e: StoredEntry | undefined): EntryJson | null {
  return e ? entryJson(e) : null;
}
