/**
 * Reading tasks: task list, task show, and wave N (a wave's tasks, their state and their results).
 * Read-only.
 */
import type { Ctx, WhoOptions } from '../context.js';
import { readerOf, requireContext, resolveIdentity } from '../context.js';
import { readEntries } from '../read.js';
import { resolveTask, viewTasks, type TaskInfo, type TaskView } from './task-view.js';
import { addressedTo, isReader, type Reader } from '../../model/address.js';
import { entryPath, type StoredEntry } from '../../model/entry.js';
import { UsageError } from '../../errors.js';

export interface TaskListInput extends WhoOptions {
  /** Only the tasks this session could claim now (ready, for it, open or held by a silent session). */
  ready?: boolean;
  wave?: number;
  /** Only the tasks this session holds or finished. */
  mine?: boolean;
}

export interface TaskCounts {
  open: number;
  claimed: number;
  done: number;
  ready: number;
}

export interface TaskListResult {
  session: string;
  agent: string;
  tasks: TaskInfo[];
  /** Over every task (not only those listed). */
  counts: TaskCounts;
  staleAfterMs: number;
}

/** Whether this reader could claim the task now: ready, for it, and open or held by a silent session other than it. */
export function claimable(t: TaskInfo, reader: Reader): boolean {
  if (!t.readiness.ready || !addressedTo(t.entry.to, reader)) return false;
  return t.state.state === 'open' || (t.state.state === 'claimed' && t.stale && !isReader(t.state.holder!.session, reader));
}

/** Whether the task's last step is this reader's (it holds it, or finished it). */
export function isMine(t: TaskInfo, reader: Reader): boolean {
  const head = t.state.head;
  return !!head && head.op !== 'release' && isReader(head.session, reader);
}

export function countTasks(view: TaskView, reader: Reader): TaskCounts {
  const c: TaskCounts = { open: 0, claimed: 0, done: 0, ready: 0 };
  for (const t of view.tasks) {
    c[t.state.state]++;
    if (claimable(t, reader)) c.ready++;
  }
  return c;
}

function checkWave(wave: number | undefined): void {
  if (wave !== undefined && (!Number.isSafeInteger(wave) || wave < 0)) throw new UsageError('--wave takes a whole number from 0', { code: 'E_USAGE' });
}

export async function listTasks(ctx: Ctx, input: TaskListInput): Promise<TaskListResult> {
  checkWave(input.wave);
  const who = await resolveIdentity(ctx, input);
  const reader = readerOf(who);
  const tip = await ctx.store.tip();
  if (!tip) return { session: who.session, agent: who.agent, tasks: [], counts: { open: 0, claimed: 0, done: 0, ready: 0 }, staleAfterMs: 0 };
  const view = await viewTasks(ctx, tip);
  const tasks = view.tasks.filter((t) => (input.wave === undefined || t.wave === input.wave) && (!input.ready || claimable(t, reader)) && (!input.mine || isMine(t, reader)));
  return { session: who.session, agent: who.agent, tasks, counts: countTasks(view, reader), staleAfterMs: view.staleAfterMs };
}

/** The result entries the done steps of `tasks` name, by task id (absent: none, or not on this branch). */
export async function resultsOf(ctx: Ctx, tip: string, tasks: readonly TaskInfo[]): Promise<Map<string, StoredEntry>> {
  const refs = tasks.flatMap((t) => (t.state.done?.result ? [{ task: t.id, id: t.state.done.result }] : []));
  const entries = await readEntries(ctx, refs.map((r) => ({ path: entryPath(r.id), oid: `${tip}:${entryPath(r.id)}` })));
  const byId = new Map(entries.map((e) => [e.id, e]));
  const out = new Map<string, StoredEntry>();
  for (const r of refs) {
    const e = byId.get(r.id);
    if (e) out.set(r.task, e);
  }
  return out;
}

export interface TaskShowInput {
  id: string;
}

export interface TaskShowResult {
  task: TaskInfo;
  result: StoredEntry | null;
  staleAfterMs: number;
}

export async function showTask(ctx: Ctx, input: TaskShowInput): Promise<TaskShowResult> {
  const tip = await requireContext(ctx);
  const view = await viewTasks(ctx, tip);
  const task = await resolveTask(ctx, view, input.id);
  const results = await resultsOf(ctx, tip, [task]);
  return { task, result: results.get(task.id) ?? null, staleAfterMs: view.staleAfterMs };
}

export interface WaveInput {
  wave: number;
}

export interface WaveResult {
  wave: number;
  tasks: TaskInfo[];
  /** Result entries, by task id. */
  results: Map<string, StoredEntry>;
  counts: { open: number; claimed: number; done: number };
  /** The wave numbers that exist, for a hint when this one is empty. */
  waves: number[];
}

export async function waveView(ctx: Ctx, input: WaveInput): Promise<WaveResult> {
  if (!Number.isSafeInteger(input.wave) || input.wave < 0) throw new UsageError('wave takes a whole number from 0', { code: 'E_USAGE' });
  const tip = await ctx.store.tip();
  if (!tip) return { wave: input.wave, tasks: [], results: new Map(), counts: { open: 0, claimed: 0, done: 0 }, waves: [] };
  const view = await viewTasks(ctx, tip);
  const tasks = view.tasks.filter((t) => t.wave === input.wave);
  const counts = { open: 0, claimed: 0, done: 0 };
  for (const t of tasks) counts[t.state.state]++;
  const waves = [...new Set(view.tasks.flatMap((t) => (t.wave === null ? [] : [t.wave])))].sort((a, b) => a - b);
  return { wave: input.wave, tasks, results: await resultsOf(ctx, tip, tasks), counts, waves };
}
