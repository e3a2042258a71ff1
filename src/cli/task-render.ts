/**
 * The task commands' plain text: a task's state in a phrase, a task in a line.
 */
import type { TaskInfo } from '../core/tasks/task-view.js';
import { safe } from './output.js';

function ago(iso: string | null, now: number): string {
  const t = iso ? Date.parse(iso) : NaN;
  if (Number.isNaN(t)) return '?';
  const s = Math.max(0, Math.round((now - t) / 1000));
  return s < 90 ? `${s}s` : s < 5400 ? `${Math.round(s / 60)}m` : s < 129600 ? `${Math.round(s / 3600)}h` : `${Math.round(s / 86400)}d`;
}

/** What a task's state says in one short phrase. */
export function stateText(t: TaskInfo, now: number): string {
  const s = t.state;
  if (s.state === 'done') return `done by ${safe(s.done!.session, false)}${s.done!.result ? `, result ${s.done!.result}` : ''}`;
  if (s.state === 'claimed') return `claimed by ${safe(s.holder!.session, false)} ${ago(s.heldSince, now)} ago${t.stale ? `, silent ${ago(t.lastSeen, now)}: can be taken over` : ''}`;
  if (t.readiness.cycle) return 'open, never ready: --after cycle';
  if (!t.readiness.ready) return `open, waits for ${t.readiness.blockedBy.length}`;
  return 'open, ready';
}

/** One line per task: id, wave, state, title. */
export function taskLine(t: TaskInfo, now: number): string {
  return `${t.id}  ${t.wave === null ? '  -' : `w${String(t.wave).padStart(2)}`}  ${stateText(t, now)}  ${safe(t.entry.title, false)}`;
}
