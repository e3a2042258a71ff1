/**
 * Retention of tasks (run by gc): a task is removed, with its step files, once it is done and both
 * its id and its done step are older than the window. Its result entry stays (it is what the task
 * found). A task that waits for a removed one reads it as done: retention removes nothing else.
 * Step files whose task is no longer on the branch (a merge brought them after another clone removed
 * it) go once their task's id is older than the window.
 */
import type { Ctx } from '../context.js';
import { viewTasks } from './task-view.js';
import { idTime, isId } from '../../model/id.js';
import { listFiles } from '../../store/state.js';
import { TASKS_DIR } from '../../model/task.js';
import type { GcRemoved } from '../gc.js';

export interface TaskGc {
  removed: GcRemoved[];
  stateFiles: string[];
  /** Done tasks kept because they are within the window. */
  recent: number;
}

export async function doneTasksBefore(ctx: Ctx, tip: string, cutoff: number): Promise<TaskGc> {
  const out: TaskGc = { removed: [], stateFiles: [], recent: 0 };
  const view = await viewTasks(ctx, tip);
  for (const t of view.tasks) {
    const done = t.state.done;
    if (!done) continue;
    const at = Date.parse(done.at);
    if (idTime(t.id) >= cutoff || !(at < cutoff)) {
      out.recent++;
      continue;
    }
    out.removed.push({ id: t.id, kind: 'task', title: t.entry.title, paths: [t.entry.path] });
    out.stateFiles.push(...t.files.map((f) => f.path));
  }
  for (const f of await listFiles(ctx.store, tip, TASKS_DIR)) {
    const id = f.path.split('/')[4] ?? '';
    if (isId(id) && !view.byId.has(id) && idTime(id) < cutoff) out.stateFiles.push(f.path);
  }
  return out;
}
