/**
 * Tasks as they stand at a tip of the context branch: every task entry, its chain of steps settled
 * (src/model/task.ts), whether it can start, and whether its holder has gone silent. Shared by every
 * task command, the brief, sessions and gc. Reads only the task entries (their kind's summaries in the
 * index, then the entries themselves) and the `state/tasks/` tree, never the rest of the store.
 */
import type { Ctx } from '../context.js';
import { readEntries } from '../read.js';
import { findByPrefix } from '../entries/show.js';
import { sessionActivity } from '../activity.js';
import type { StoredEntry } from '../../model/entry.js';
import { readObjects } from '../../git/cat-file.js';
import { listFiles, type StateFile } from '../../store/state.js';
import { isId, normalizeIdPrefix } from '../../model/id.js';
import { parseDuration } from '../../model/when.js';
import { isStepName, parseStep, readiness, settleTask, taskDir, taskFields, compareTasks, TASKS_DIR, TASK_MARKER, type Readiness, type TaskState, type TaskStep } from '../../model/task.js';
import { entryPath } from '../../model/entry.js';
import { NotFoundError, UsageError } from '../../errors.js';

export interface TaskInfo {
  id: string;
  entry: StoredEntry;
  wave: number | null;
  after: string[];
  /** The settled chain of steps. */
  state: TaskState;
  readiness: Readiness;
  /** Its marker and step files (for retention). */
  files: StateFile[];
  /** claimed: the holder has written nothing for longer than ctx.tasks.staleAfter (another session may take it over). */
  stale: boolean;
  /** claimed: the holder's last sign of life (its latest claim, or its newest commit to the context). */
  lastSeen: string | null;
}

export interface TaskView {
  tip: string;
  /** Every task, in the order of `--next` (lower waves first, then oldest first). */
  tasks: TaskInfo[];
  byId: Map<string, TaskInfo>;
  /** ctx.tasks.staleAfter, in milliseconds. */
  staleAfterMs: number;
}

export const DEFAULT_STALE_AFTER = '2h';

/**
 * How long a holder may stay silent before its claim can be taken over: `git config
 * ctx.tasks.staleAfter`, a duration (90m, 2h, 1d) or a number of seconds; default 2 hours. Anything
 * else is refused rather than ignored.
 */
export function staleAfterMs(ctx: Ctx): number {
  const text = ctx.config.get('ctx.tasks.staleAfter') ?? DEFAULT_STALE_AFTER;
  const ms = /^\s*\d+\s*$/.test(text) ? Number(text) * 1000 : parseDuration(text);
  if (ms === null || !(ms > 0) || !Number.isFinite(ms)) {
    throw new UsageError(`git config ctx.tasks.staleAfter is not a duration: ${JSON.stringify(text.slice(0, 40))}`, { code: 'E_CONFIG', hint: 'set a duration (30m, 2h, 1d) or a number of seconds, or unset it (default 2h)' });
  }
  return ms;
}

/** Blobs by id, in order: a few through the running reader, many through one buffered cat-file. */
async function readBlobs(ctx: Ctx, oids: readonly string[]): Promise<(Buffer | null)[]> {
  const out: (Buffer | null)[] = new Array(oids.length).fill(null);
  if (oids.length > 200) {
    await readObjects(ctx.repo.git, oids, (i, obj) => {
      out[i] = obj?.type === 'blob' ? obj.content : null;
    });
    return out;
  }
  return Promise.all(oids.map((o) => ctx.store.readBlob(o)));
}

/**
 * Parsed task entries and steps by blob id, per store: blobs never change, and an MCP server, which
 * keeps its store, then reads only what is new at each tip. Bounded: emptied past 100k objects.
 */
interface Parsed {
  entries: Map<string, StoredEntry>;
  steps: Map<string, TaskStep | null>;
}
const parsedOf = new WeakMap<object, Parsed>();

function parsed(ctx: Ctx): Parsed {
  let p = parsedOf.get(ctx.store);
  if (!p || p.entries.size + p.steps.size > 100_000) parsedOf.set(ctx.store, (p = { entries: new Map(), steps: new Map() }));
  return p;
}

/** Steps by blob id (null: not a step), read and parsed where not known yet. */
async function readSteps(ctx: Ctx, files: readonly { oid: string; taskId: string }[]): Promise<(TaskStep | null)[]> {
  const cache = parsed(ctx).steps;
  const need = [...new Map(files.filter((f) => !cache.has(f.oid)).map((f) => [f.oid, f])).values()];
  const blobs = await readBlobs(ctx, need.map((f) => f.oid));
  need.forEach((f, i) => {
    const step = blobs[i] ? parseStep(blobs[i]!.toString('utf8'), f.taskId) : null;
    cache.set(f.oid, step && { ...step, task: f.taskId });
  });
  return files.map((f) => cache.get(f.oid) ?? null);
}

/** One task's state at `tip`, from its step files alone (what a writer checks after its step landed). */
export async function readTaskState(ctx: Ctx, tip: string, taskId: string): Promise<TaskState> {
  const dir = await ctx.store.treeAt(tip, taskDir(taskId));
  const items = (dir?.items ?? []).filter((i) => i.mode !== '40000' && isStepName(i.name));
  const steps = await readSteps(ctx, items.map((i) => ({ oid: i.oid, taskId })));
  const files = new Map<string, TaskStep>();
  items.forEach((item, i) => steps[i] && files.set(item.name, steps[i]!));
  return settleTask(files);
}

/** The files of each task's directory (`state/tasks/YYYY/MM/<task-id>/<name>`): its marker and its steps. */
async function taskFiles(ctx: Ctx, tip: string): Promise<Map<string, { marker: StateFile | null; steps: StateFile[] }>> {
  const out = new Map<string, { marker: StateFile | null; steps: StateFile[] }>();
  for (const f of await listFiles(ctx.store, tip, TASKS_DIR)) {
    const parts = f.path.split('/');
    const id = parts[4]!;
    if (parts.length !== 6 || !isId(id)) continue;
    const t = out.get(id) ?? { marker: null, steps: [] };
    if (parts[5] === TASK_MARKER) t.marker = f;
    else if (isStepName(parts[5]!)) t.steps.push(f);
    out.set(id, t);
  }
  return out;
}

/**
 * Every task at `tip`, settled. Tasks are found from `state/tasks/` (each has a marker there, and
 * steps once anything happened to it) and their entries read by their fixed paths: no index, so a
 * view costs no git process however often other writers move the branch.
 */
export async function viewTasks(ctx: Ctx, tip: string): Promise<TaskView> {
  const staleMs = staleAfterMs(ctx);
  const files = await taskFiles(ctx, tip);
  const root = await ctx.store.treeOf(tip);
  const located = await Promise.all([...files.keys()].map(async (id) => ({ id, path: entryPath(id), item: await ctx.store.lookup(root, entryPath(id)) })));
  const summaries = located.flatMap((l) => (l.item && l.item.mode !== '40000' ? [{ path: l.path, oid: l.item.oid }] : []));
  const stepList = [...files.values()].flatMap((f) => f.steps);
  const known = parsed(ctx).entries;
  const unread = summaries.filter((x) => !known.has(x.oid));
  const [read, stepsRead] = await Promise.all([readEntries(ctx, unread.map((x) => ({ path: x.path, oid: x.oid, commit: null }))), readSteps(ctx, stepList.map((f) => ({ oid: f.oid, taskId: f.path.split('/')[4]! })))]);
  const oidOf = new Map(unread.map((x) => [x.path, x.oid]));
  for (const e of read) known.set(oidOf.get(e.path)!, e);
  const entries = summaries.flatMap((x) => (known.has(x.oid) ? [known.get(x.oid)!] : []));
  const steps = new Map<string, Map<string, TaskStep>>();
  stepList.forEach((f, i) => {
    const step = stepsRead[i];
    if (!step) return;
    const parts = f.path.split('/');
    const id = parts[4]!;
    if (!steps.has(id)) steps.set(id, new Map());
    steps.get(id)!.set(parts[5]!, step);
  });
  const tasks: TaskInfo[] = [];
  for (const entry of entries) {
    if (entry.kind !== 'task') continue;
    const { wave, after } = taskFields(entry.extra);
    const state = settleTask(steps.get(entry.id) ?? new Map());
    const f = files.get(entry.id);
    tasks.push({ id: entry.id, entry, wave, after, state, readiness: { ready: false, blockedBy: [], cycle: null }, files: f ? [...(f.marker ? [f.marker] : []), ...f.steps] : [], stale: false, lastSeen: null });
  }
  tasks.sort(compareTasks);
  const ready = readiness(tasks.map((t) => ({ id: t.id, wave: t.wave, after: t.after, state: t.state.state })));
  for (const t of tasks) t.readiness = ready.get(t.id)!;
  await markSilent(ctx, tip, tasks, staleMs);
  return { tip, tasks, byId: new Map(tasks.map((t) => [t.id, t])), staleAfterMs: staleMs };
}

/**
 * Mark claims whose holder has been silent longer than the window. A holder is alive while its latest
 * claim is recent or it committed anything to the context since (any write names its session in a
 * trailer); the log is read only when some claim is old enough to ask, and only back to the window.
 */
async function markSilent(ctx: Ctx, tip: string, tasks: TaskInfo[], staleMs: number): Promise<void> {
  const now = ctx.deps.now();
  const cutoff = now - staleMs;
  const old = tasks.filter((t) => t.state.holder && !(Date.parse(t.state.holder.at) >= cutoff));
  for (const t of tasks) if (t.state.holder) t.lastSeen = t.state.holder.at;
  if (!old.length) return;
  const recent = new Map((await sessionActivity(ctx, tip, cutoff)).map((a) => [a.session, a.last]));
  for (const t of old) {
    const seen = recent.get(t.state.holder!.session);
    if (seen !== undefined && seen >= cutoff) t.lastSeen = new Date(seen).toISOString();
    else t.stale = true;
  }
}

/**
 * The task an id (or unique prefix) names. Unknown: not found (exit 3); an entry that is not a task:
 * E_NOT_A_TASK (exit 3); a prefix of several tasks: ambiguous (exit 2).
 */
export async function resolveTask(ctx: Ctx, view: TaskView, id: string, what = 'task'): Promise<TaskInfo> {
  const prefix = normalizeIdPrefix(id);
  if (!prefix) throw new UsageError(`not a task id: ${JSON.stringify(id.slice(0, 60))}`, { code: 'E_BAD_ID', hint: 'ids look like 01jd8x3m5q7k2v9w0a1b2c3d4e; a unique prefix is enough (git ctx task list)' });
  const exact = view.byId.get(prefix);
  if (exact) return exact;
  const found = view.tasks.filter((t) => t.id.startsWith(prefix));
  if (found.length === 1) return found[0]!;
  if (found.length > 1) throw new UsageError(`id prefix ${prefix} is ambiguous: ${found.slice(0, 10).map((t) => t.id).join(', ')}`, { code: 'E_AMBIGUOUS', data: { candidates: found.map((t) => t.id) }, hint: 'give more characters of the id' });
  // Not a task: say what it is, if it is anything.
  const other = view.tip ? await findByPrefix(ctx, view.tip, prefix, 2) : [];
  if (other.length === 1) {
    const [e] = await readEntries(ctx, other);
    if (e) throw new NotFoundError(`${e.id} is a ${e.kind}, not a task`, { code: 'E_NOT_A_TASK', data: { id: e.id, kind: e.kind }, hint: 'list tasks with git ctx task list' });
  }
  throw new NotFoundError(`no ${what} ${prefix}`, { data: { id: prefix }, hint: 'list tasks with git ctx task list' });
}
