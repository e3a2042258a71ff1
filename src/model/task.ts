/**
 * Tasks: a shared work queue (docs/tasks.md, docs/data-model.md "Tasks").
 *
 * A task is an entry of kind `task` (title, body, refs, `to`), with two header fields: `wave` (a whole
 * number, or absent) and `after` (ids of the tasks that must be done first). What happens to it is a
 * chain of steps, each a small immutable state file:
 *
 *     state/tasks/YYYY/MM/<task-id>/task           the task exists (written with its entry)
 *     state/tasks/YYYY/MM/<task-id>/start          the first step
 *     state/tasks/YYYY/MM/<task-id>/<token>        the step that follows the step whose token this is
 *
 * A step is a claim (by one session), a release (back to open) or done (final, with the id of its
 * result entry). Its file is named after the step it follows, so "at most one step follows this one"
 * is "this path is created once": locally the compare-and-swap of the branch decides (create-only),
 * across clones the remote does (one claim ref per path, see core/sync/claim-round-trip.ts). Claiming,
 * releasing, finishing and taking over a stale claim therefore all exclude each other, and a task
 * goes to exactly one session however many ask at once.
 *
 * Two clones that could not reach the remote may each write a step after the same one; a merge keeps
 * both (`<name>~<suffix>`). Readers then pick one per name with the winner rule of handoff claims
 * (src/model/claims.ts: a step the remote decided first, then the earliest time, the smaller session,
 * the smaller bytes) and follow only the winner's token: the loser's later steps are never reached.
 * The chain is a function of the set of files, so every clone reads the same state.
 *
 * Pure: no I/O.
 */
import { compareClaimsBy } from './claims.js';
import { isId } from './id.js';
import { baseName, monthShard } from './state.js';

export const TASKS_DIR = 'state/tasks';
/** The name of the first step's file. Tokens are hex, so never this. */
export const FIRST_STEP = 'start';

export type StepOp = 'claim' | 'release' | 'done';

/** One step of a task (the content of a file under state/tasks/). */
export interface TaskStep {
  task: string;
  op: StepOp;
  session: string;
  agent: string;
  /** ISO time, from the writer's clock. */
  at: string;
  /** Random hex: names the file of the step that follows this one. */
  token: string;
  /** The token of the step this one follows; null for the first. */
  prev: string | null;
  /** Decided by the remote (its claim ref took this step first): wins over steps written offline. */
  remote?: boolean;
  /** done: the result entry written with it, if any. */
  result?: string | null;
  /** claim: the session whose claim this one took over (it had been silent too long). */
  takeover?: string | null;
}

export function taskDir(taskId: string): string {
  return `${TASKS_DIR}/${monthShard(taskId)}/${taskId}`;
}

/**
 * The file that makes a task known to readers of `state/tasks/`, written with its entry: a reader lists
 * the tasks from this tree alone, without the entry index (which another writer's every commit would
 * make it bring up to date).
 */
export const TASK_MARKER = 'task';

export function markerPath(taskId: string): string {
  return `${taskDir(taskId)}/${TASK_MARKER}`;
}

export function serializeMarker(taskId: string, entry: string): string {
  return `${JSON.stringify({ task: taskId, entry })}\n`;
}

/** The path of the step that follows `prev` (null: the first step). */
export function stepPath(taskId: string, prev: string | null): string {
  return `${taskDir(taskId)}/${prev ?? FIRST_STEP}`;
}

/**
 * The item a remote decides for that path (its claim ref's name): the task id, followed by the token
 * of the step it follows. Ids and tokens are lower-case base32 and hex, so this is a valid ref name.
 */
export function stepItem(taskId: string, prev: string | null): string {
  return prev ? `${taskId}${prev}` : taskId;
}

export function serializeStep(s: TaskStep): string {
  const o: Record<string, unknown> = { task: s.task, op: s.op, session: s.session, agent: s.agent, at: s.at, token: s.token, prev: s.prev };
  if (s.result) o.result = s.result;
  if (s.takeover) o.takeover = s.takeover;
  if (s.remote) o.remote = true;
  return `${JSON.stringify(o)}\n`;
}

const OPS: ReadonlySet<string> = new Set(['claim', 'release', 'done']);

/** A step file's content, or null when it is not one (such a file is ignored). */
export function parseStep(text: string, taskId: string): TaskStep | null {
  let o: unknown;
  try {
    o = JSON.parse(text);
  } catch {
    return null;
  }
  if (!o || typeof o !== 'object' || Array.isArray(o)) return null;
  const r = o as Record<string, unknown>;
  const str = (v: unknown) => (typeof v === 'string' ? v : null);
  const op = str(r.op);
  const token = str(r.token);
  if (!op || !OPS.has(op) || !token || !/^[0-9a-f]{8,64}$/.test(token)) return null;
  const prev = str(r.prev);
  return {
    // The directory names the task: a step is never moved to another.
    task: taskId,
    op: op as StepOp,
    session: str(r.session) ?? '',
    agent: str(r.agent) ?? '',
    at: str(r.at) ?? '',
    token,
    prev: prev && /^[0-9a-f]{8,64}$/.test(prev) ? prev : null,
    ...(r.remote === true ? { remote: true } : {}),
    ...(str(r.result) ? { result: str(r.result) } : {}),
    ...(str(r.takeover) ? { takeover: str(r.takeover) } : {}),
  };
}

/** The winner rule of claims (src/model/claims.ts), applied to the versions of one step file (a minimum: order-free). */
export function compareSteps(a: TaskStep, b: TaskStep): number {
  const like = (s: TaskStep) => ({ session: s.session, claimedAt: s.at, remote: s.remote, token: s.token, step: s });
  return compareClaimsBy(like(a), like(b), (c) => serializeStep(c.step));
}

export type TaskStateName = 'open' | 'claimed' | 'done';

export interface TaskState {
  state: TaskStateName;
  /** The steps that count, oldest first. */
  chain: TaskStep[];
  /** The last of them (what the next step follows), or null. */
  head: TaskStep | null;
  /** claimed: the step that holds it (the holder's latest claim). */
  holder: TaskStep | null;
  /** claimed: when the holder's claim began (a renewal keeps it). */
  heldSince: string | null;
  /** done: the done step. */
  done: TaskStep | null;
  /** Steps that lost to another version of the same file (after a merge of offline steps). */
  lost: TaskStep[];
}

/**
 * The state of a task from its step files: `files` maps a file's name (`start`, a token, or a
 * merge-kept `<name>~<suffix>`) to its parsed content.
 */
export function settleTask(files: ReadonlyMap<string, TaskStep>): TaskState {
  const versions = new Map<string, TaskStep[]>();
  for (const [name, step] of files) {
    const key = baseName(name);
    versions.set(key, [...(versions.get(key) ?? []), step]);
  }
  const chain: TaskStep[] = [];
  const lost: TaskStep[] = [];
  const seen = new Set<string>();
  for (let at: string = FIRST_STEP; !seen.has(at); ) {
    seen.add(at);
    const here = versions.get(at);
    if (!here?.length) break;
    const sorted = [...here].sort(compareSteps);
    chain.push(sorted[0]!);
    lost.push(...sorted.slice(1));
    if (sorted[0]!.op === 'done') break;
    at = sorted[0]!.token;
  }
  const head = chain[chain.length - 1] ?? null;
  let heldSince: string | null = null;
  if (head?.op === 'claim') {
    heldSince = head.at;
    for (let i = chain.length - 2; i >= 0 && chain[i]!.op === 'claim' && chain[i]!.session === head.session; i--) heldSince = chain[i]!.at;
  }
  return {
    state: !head || head.op === 'release' ? 'open' : head.op === 'claim' ? 'claimed' : 'done',
    chain,
    head,
    holder: head?.op === 'claim' ? head : null,
    heldSince,
    done: head?.op === 'done' ? head : null,
    lost,
  };
}

/** What a task entry's header says beyond a plain entry's. */
export interface TaskFields {
  wave: number | null;
  after: string[];
}

/** `wave` and `after` from an entry's extra header fields (anything malformed reads as absent). */
export function taskFields(extra: Readonly<Record<string, unknown>>): TaskFields {
  const w = extra.wave;
  const wave = typeof w === 'number' && Number.isSafeInteger(w) && w >= 0 ? w : null;
  const after = Array.isArray(extra.after) ? [...new Set(extra.after.filter((x): x is string => typeof x === 'string' && isId(x)))] : [];
  return { wave, after };
}

export interface TaskNode {
  id: string;
  wave: number | null;
  after: readonly string[];
  state: TaskStateName;
}

export interface Readiness {
  /** Every task it is after is done (or gone: retention removes only done tasks), and every earlier wave is done. */
  ready: boolean;
  /** The tasks it waits for: its unfinished `after` tasks, then the unfinished tasks of earlier waves. */
  blockedBy: string[];
  /** Its `after` tasks lead back to it: it can never become ready (the ids on the cycle). */
  cycle: string[] | null;
}

/**
 * Which tasks can start. A task is ready when it is not done, every task it is `after` is done (a
 * task that is no longer on the branch was done: retention removes nothing else), and, when it has a
 * wave, every task of every earlier wave is done: a wave is a barrier, so that wave N starts with all
 * of wave N-1's results.
 */
export function readiness(tasks: readonly TaskNode[]): Map<string, Readiness> {
  const byId = new Map(tasks.map((t) => [t.id, t]));
  // Unfinished tasks per wave, to know for each wave what of the earlier waves is still unfinished.
  const waves = [...new Set(tasks.filter((t) => t.wave !== null).map((t) => t.wave!))].sort((a, b) => a - b);
  const unfinishedBefore = new Map<number, string[]>();
  let acc: string[] = [];
  for (const w of waves) {
    unfinishedBefore.set(w, acc);
    acc = [...acc, ...tasks.filter((t) => t.wave === w && t.state !== 'done').map((t) => t.id)];
  }
  const cycles = findCycles(tasks);
  const out = new Map<string, Readiness>();
  for (const t of tasks) {
    const after = t.after.filter((a) => byId.has(a) && byId.get(a)!.state !== 'done');
    const barrier = t.wave === null ? [] : unfinishedBefore.get(t.wave) ?? [];
    const blockedBy = [...new Set([...after, ...barrier])];
    const cycle = cycles.get(t.id) ?? null;
    out.set(t.id, { ready: t.state !== 'done' && !blockedBy.length && !cycle, blockedBy, cycle });
  }
  return out;
}

/** For each task on a cycle of `after` links, the cycle (ids in order, first repeated at the end). */
export function findCycles(tasks: readonly TaskNode[]): Map<string, string[]> {
  const byId = new Map(tasks.map((t) => [t.id, t]));
  const color = new Map<string, 1 | 2>();
  const out = new Map<string, string[]>();
  for (const start of tasks) {
    if (color.has(start.id)) continue;
    // Iterative depth-first search: a long chain of tasks must not overflow the stack.
    const path: string[] = [];
    const stack: { id: string; next: number }[] = [{ id: start.id, next: 0 }];
    color.set(start.id, 1);
    path.push(start.id);
    while (stack.length) {
      const top = stack[stack.length - 1]!;
      const deps = byId.get(top.id)?.after ?? [];
      if (top.next >= deps.length) {
        color.set(top.id, 2);
        stack.pop();
        path.pop();
        continue;
      }
      const d = deps[top.next++]!;
      if (!byId.has(d)) continue;
      const c = color.get(d);
      if (c === 1) {
        const cycle = [...path.slice(path.indexOf(d)), d];
        for (const id of cycle) if (!out.has(id)) out.set(id, cycle);
      } else if (c === undefined) {
        color.set(d, 1);
        path.push(d);
        stack.push({ id: d, next: 0 });
      }
    }
  }
  return out;
}

/** The ordering of `--next` and of listings: lower waves first (tasks without a wave before any), then oldest first. */
export function compareTasks(a: { id: string; wave: number | null }, b: { id: string; wave: number | null }): number {
  const wa = a.wave ?? -1;
  const wb = b.wave ?? -1;
  if (wa !== wb) return wa - wb;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

/**
 * A line of a todo file as a task title, or why it is not one: blank lines, headings and HTML
 * comments are skipped; list markers (`-`, `*`, `+`, `1.`, `1)`) and checkboxes are removed; a line
 * whose box is checked (`[x]`) is already done and is skipped too.
 */
export function todoLine(line: string): { title: string } | { skip: 'blank' | 'heading' | 'checked' } {
  let t = line.replace(/\r$/, '').trim();
  if (!t || /^<!--.*-->$/.test(t)) return { skip: 'blank' };
  if (/^#{1,6}(\s|$)/.test(t)) return { skip: 'heading' };
  t = t.replace(/^(?:[-*+]|\d{1,9}[.)])\s+/, '');
  const box = /^\[([ xX])\]\s*/.exec(t);
  if (box) {
    if (box[1] !== ' ') return { skip: 'checked' };
    t = t.slice(box[0].length);
  }
  t = t.trim();
  return t ? { title: t } : { skip: 'blank' };
}

/** Whether a file name under a task's directory is a step file (`start`, a token, or a kept version of one). */
export function isStepName(name: string): boolean {
  const b = baseName(name);
  return b === FIRST_STEP || /^[0-9a-f]{8,64}$/.test(b);
}
