/**
 * task claim, task release, task done: each writes a step of a task's chain (src/model/task.ts), and
 * every step goes through the one function that decides claims, claimRoundTrip, exactly as pickup's
 * claims do: locally by the compare-and-swap of the branch, with ctx.remote by the remote. A step is
 * worked out on the tip it is built on (after a merge of the remote's, when a remote decides); a step
 * that lost (another session wrote the step after the same one first) is worked out again on the new
 * tip, a bounded number of times. Afterwards the chain is read again, so a step that a merge of
 * offline work made lose is reported, never taken for won.
 */
import type { Ctx, Identity, WhoOptions } from '../context.js';
import { readerOf, resolveIdentity } from '../context.js';
import { claimRoundTrip, type ClaimFile } from '../sync/claim-round-trip.js';
import { prepareEntry, type PreparedEntry } from '../entries/add.js';
import { readTaskState, resolveTask, viewTasks, type TaskInfo, type TaskView } from './task-view.js';
import { addressedTo } from '../../model/address.js';
import { serializeStep, stepItem, stepPath, type StepOp, type TaskStep } from '../../model/task.js';
import type { FileWrite } from '../../store/store.js';
import type { Redaction } from '../../model/secrets.js';
import type { StoredEntry } from '../../model/entry.js';
import { CtxError, UsageError } from '../../errors.js';

/** Rounds of working a step out again after losing it, at most. */
const ROUNDS = 25;

interface Want {
  task: TaskInfo;
  op: StepOp;
  takeover?: string;
  result?: PreparedEntry;
}

interface Written {
  task: TaskInfo;
  step: TaskStep;
  path: string;
}

interface StepRound {
  written: Written[];
  commit: string | null;
  decidedBy: 'remote' | 'local';
  offline: string | null;
}

function token(ctx: Ctx): string {
  return Buffer.from(ctx.deps.random(8)).toString('hex');
}

/**
 * One round trip of steps: `choose` picks, on the tip the steps are built on, what to write (it may
 * throw: the task is done, not yours...). Every step is create-only at the path after the task's head.
 */
async function writeSteps(ctx: Ctx, who: Identity, choose: (view: TaskView) => Promise<Want[]>): Promise<StepRound> {
  const planned = new Map<string, Written & { want: Want }>();
  const round = await claimRoundTrip(ctx, {
    author: who.author,
    async files(tip: string, decidedBy: 'remote' | 'local'): Promise<ClaimFile[]> {
      const view = await viewTasks(ctx, tip);
      const at = new Date(ctx.deps.now()).toISOString();
      planned.clear();
      return (await choose(view)).map((w) => {
        const prev = w.task.state.head?.token ?? null;
        const step: TaskStep = {
          task: w.task.id,
          op: w.op,
          session: who.session,
          agent: who.agent,
          at,
          token: token(ctx),
          prev,
          ...(decidedBy === 'remote' ? { remote: true } : {}),
          ...(w.result ? { result: w.result.entry.id } : {}),
          ...(w.takeover ? { takeover: w.takeover } : {}),
        };
        const path = stepPath(w.task.id, prev);
        planned.set(path, { task: w.task, step, path, want: w });
        // `item` names the step's claim ref on a remote that decides by claim refs; `with` lands with it only.
        return { item: stepItem(w.task.id, prev), path, content: serializeStep(step), ...(w.result ? { with: [{ path: w.result.path, content: w.result.content, createOnly: true }] } : {}) };
      });
    },
    message(files: readonly FileWrite[]) {
      const steps = files.map((f) => planned.get(f.path)).filter((p): p is Written & { want: Want } => !!p);
      const ops = [...new Set(steps.map((p) => p.step.op))];
      const subject = steps.length === 1 ? `task ${steps[0]!.step.op}: ${oneLine(steps[0]!.task.entry.title)}` : `task ${ops.join('/')}: ${steps.length} tasks`;
      const trailers = steps.flatMap((p) => [`Ctx-Task: ${p.task.id}`, ...(p.want.result ? [`Ctx-Id: ${p.want.result.entry.id}`, 'Ctx-Kind: result'] : [])]);
      return `${subject.slice(0, 72)}\n\n${[...trailers, `Ctx-Agent: ${oneLine(who.agent)}`, `Ctx-Session: ${oneLine(who.session)}`].join('\n')}\n`;
    },
  });
  const written = round.written.map((p) => planned.get(p)).filter((p): p is Written & { want: Want } => !!p);
  return { written, commit: round.commit, decidedBy: round.decidedBy, offline: round.offline ?? null };
}

function oneLine(s: string): string {
  return s.replace(/[\u0000-\u001f\u007f]+/g, ' ').trim().slice(0, 200);
}

export interface TakenOver {
  id: string;
  from: string;
  /** The last sign of life of the session whose claim was taken over. */
  lastSeen: string | null;
}

export interface LostStep {
  id: string;
  /** Who holds or finished it instead. */
  by: { session: string; agent: string; at: string; op: StepOp } | null;
}

export interface ClaimInput extends WhoOptions {
  /** A task id (or unique prefix); without it, the next ready tasks. */
  id?: string;
  /** With no id: how many tasks to claim at most (default 1). */
  limit?: number;
}

export interface ClaimResult {
  session: string;
  agent: string;
  /** Tasks this call gave to this session, whole. */
  claimed: TaskInfo[];
  /** Of those, the ones it already held (the claim was renewed). */
  renewed: string[];
  /** Of those, the ones whose holder had gone silent. */
  takenOver: TakenOver[];
  /** Steps this session wrote that a merge of offline work showed another session had written first. */
  lost: LostStep[];
  commit: string | null;
  decidedBy: 'remote' | 'local' | null;
  offline: string | null;
}

/**
 * Claim one task by id, or the next ready ones (`limit`, default 1): lower waves first, then oldest
 * first, open tasks before the claims of silent holders. Under contention each round tries one of the
 * first few candidates at random, so that many claimers do not all try the same task.
 */
export async function claimTasks(ctx: Ctx, input: ClaimInput): Promise<ClaimResult> {
  const who = await resolveIdentity(ctx, input);
  const reader = readerOf(who);
  const limit = input.limit ?? 1;
  if (!Number.isInteger(limit) || limit < 1) throw new UsageError('--limit takes a whole number from 1', { code: 'E_USAGE' });
  const result: ClaimResult = { session: who.session, agent: who.agent, claimed: [], renewed: [], takenOver: [], lost: [], commit: null, decidedBy: null, offline: null };
  // No branch and no remote to bring one: an id names nothing.
  if (input.id !== undefined && !ctx.config.get('ctx.remote') && !(await ctx.store.tip())) await resolveTask(ctx, EMPTY, input.id);
  const won = new Map<string, Written>();
  for (let round = 0; round < ROUNDS && won.size < (input.id ? 1 : limit); round++) {
    let tried = 0;
    const r = await writeSteps(ctx, who, async (view) => {
      let wants: Want[];
      if (input.id !== undefined) wants = [claimOne(await resolveTask(ctx, view, input.id), view, who)];
      else {
        const candidates = nextCandidates(view, reader, who.session);
        wants = pickSome(ctx, candidates, limit - won.size);
      }
      tried = wants.length;
      return wants;
    });
    for (const w of r.written) won.set(w.task.id, w);
    result.commit = r.commit ?? result.commit;
    result.decidedBy = r.decidedBy;
    result.offline = r.offline ?? result.offline;
    if (!tried) break;
  }
  await settleWritten(ctx, who.session, [...won.values()], result);
  return result;
}

/** What `task claim ID` may do with the task, or the error that says why not. */
function claimOne(t: TaskInfo, view: TaskView, who: Identity): Want {
  const s = t.state;
  if (s.state === 'done') throw doneError(t);
  if (s.state === 'claimed') {
    if (s.holder!.session === who.session) return { task: t, op: 'claim' };
    if (!t.stale) throw claimedError(t, view);
    return { task: t, op: 'claim', takeover: s.holder!.session };
  }
  if (t.readiness.cycle) throw cycleError(t);
  if (!t.readiness.ready) throw notReadyError(t);
  return { task: t, op: 'claim' };
}

/** Ready tasks for this reader (to it, its agent or all), then claims of silent holders; never one it holds. */
function nextCandidates(view: TaskView, reader: ReturnType<typeof readerOf>, session: string): Want[] {
  const open: Want[] = [];
  const stale: Want[] = [];
  for (const t of view.tasks) {
    if (!t.readiness.ready || !addressedTo(t.entry.to, reader)) continue;
    if (t.state.state === 'open') open.push({ task: t, op: 'claim' });
    else if (t.state.state === 'claimed' && t.stale && t.state.holder!.session !== session) stale.push({ task: t, op: 'claim', takeover: t.state.holder!.session });
  }
  return [...open, ...stale];
}

/** `n` of the candidates: from the first few (n + 7) in order, at random, so that concurrent claimers spread out. */
function pickSome(ctx: Ctx, candidates: readonly Want[], n: number): Want[] {
  if (n <= 0) return [];
  const window = candidates.slice(0, n + 7);
  const out: Want[] = [];
  const bytes = ctx.deps.random(Math.min(n, window.length));
  for (let i = 0; i < n && window.length; i++) out.push(window.splice(bytes[i]! % window.length, 1)[0]!);
  return out;
}

/**
 * Read the chains again at the new tip: a step counts only if it is on its task's chain (a merge can
 * bring an earlier step from another clone). Fills `claimed`, `renewed`, `takenOver` and `lost`.
 */
async function settleWritten(ctx: Ctx, session: string, won: readonly Written[], result: ClaimResult): Promise<void> {
  if (!won.length) return;
  const tip = await ctx.store.tip();
  for (const w of won) {
    const now = tip ? await afterStep(ctx, tip, w) : null;
    if (now && now.state.chain.some((s) => s.token === w.step.token)) {
      result.claimed.push(now);
      if (w.task.state.holder?.session === session) result.renewed.push(w.task.id);
      else if (w.step.takeover) result.takenOver.push({ id: w.task.id, from: w.step.takeover, lastSeen: w.task.lastSeen });
    } else {
      const head = now?.state.head;
      result.lost.push({ id: w.task.id, by: head ? { session: head.session, agent: head.agent, at: head.at, op: head.op } : null });
    }
  }
}

/**
 * The task as it stands at `tip`, after this session's step: its chain read again from its own step
 * files (a merge can have brought an earlier step from another clone); the rest as planned.
 */
async function afterStep(ctx: Ctx, tip: string, w: Written): Promise<TaskInfo> {
  const state = await readTaskState(ctx, tip, w.task.id);
  const mine = state.holder?.session === w.step.session;
  return { ...w.task, state, stale: mine ? false : w.task.stale, lastSeen: state.holder ? (mine ? w.step.at : w.task.lastSeen) : null };
}

function who(step: TaskStep | null): string {
  return step ? `session ${step.session} (agent ${step.agent}) at ${step.at}` : 'another session';
}

function doneError(t: TaskInfo): UsageError {
  const d = t.state.done!;
  return new UsageError(`task ${t.id} is already done, by ${who(d)}`, { code: 'E_TASK_DONE', data: { id: t.id, session: d.session, at: d.at, result: d.result ?? null } });
}

function claimedError(t: TaskInfo, view: TaskView): UsageError {
  const h = t.state.holder!;
  const minutes = Math.round(view.staleAfterMs / 60_000);
  return new UsageError(`task ${t.id} is claimed by ${who(h)}`, {
    code: 'E_TASK_CLAIMED',
    data: { id: t.id, session: h.session, agent: h.agent, since: t.state.heldSince, lastSeen: t.lastSeen },
    hint: `another session may take it over once its holder has written nothing for ${minutes} minutes (git config ctx.tasks.staleAfter)`,
  });
}

function notYoursError(t: TaskInfo, what: string): UsageError {
  const h = t.state.holder!;
  return new UsageError(`cannot ${what} task ${t.id}: it is claimed by ${who(h)}, not by this session`, {
    code: 'E_TASK_NOT_YOURS',
    data: { id: t.id, session: h.session, agent: h.agent },
    hint: t.stale ? 'its holder is silent: git ctx task claim ID takes it over first' : 'only the session that claimed it can; pass --session to act as that session',
  });
}

function notReadyError(t: TaskInfo): UsageError {
  const b = t.readiness.blockedBy;
  return new UsageError(`task ${t.id} is not ready: it waits for ${b.length} task${b.length === 1 ? '' : 's'} not done yet (${b.slice(0, 5).join(', ')}${b.length > 5 ? ', …' : ''})`, {
    code: 'E_TASK_NOT_READY',
    data: { id: t.id, blockedBy: b },
    hint: 'git ctx task list --ready lists what can start',
  });
}

function cycleError(t: TaskInfo): UsageError {
  return new UsageError(`task ${t.id} can never start: its --after tasks lead back to it (${t.readiness.cycle!.join(' -> ')})`, { code: 'E_TASK_CYCLE', data: { id: t.id, cycle: t.readiness.cycle } });
}


export interface ReleaseInput extends WhoOptions {
  id: string;
}

export interface StepResult {
  session: string;
  agent: string;
  task: TaskInfo;
  /** done: the result entry written with it. */
  result: StoredEntry | null;
  redactions: Redaction[];
  commit: string | null;
  decidedBy: 'remote' | 'local' | null;
  offline: string | null;
}

/** Give a claimed task back: open again, for any session. Only its holder can. */
export async function releaseTask(ctx: Ctx, input: ReleaseInput): Promise<StepResult> {
  return oneStep(ctx, input, input.id, (t, me) => {
    const s = t.state;
    if (s.state === 'done') throw doneError(t);
    if (s.state === 'open') throw new UsageError(`task ${t.id} is not claimed: there is nothing to release`, { code: 'E_TASK_NOT_CLAIMED', data: { id: t.id } });
    if (s.holder!.session !== me.session) throw notYoursError(t, 'release');
    return { task: t, op: 'release' };
  });
}

export interface DoneInput extends WhoOptions {
  id: string;
  /** The result: recorded as an entry of kind `result` with the done step, in the same commit. */
  result?: string;
  title?: string;
  refs?: readonly string[];
}

/**
 * Finish a task: its holder, or anyone when it is open and ready (finished without being claimed).
 * The result, if any, is an entry of kind `result` (header `task`, and `wave` when the task has one)
 * committed together with the done step, or not at all.
 */
export async function finishTask(ctx: Ctx, input: DoneInput): Promise<StepResult> {
  let prepared: PreparedEntry | undefined;
  return oneStep(ctx, input, input.id, async (t, me) => {
    const s = t.state;
    if (s.state === 'done') throw doneError(t);
    if (s.state === 'claimed' && s.holder!.session !== me.session) throw notYoursError(t, 'finish');
    if (s.state === 'open' && t.readiness.cycle) throw cycleError(t);
    if (s.state === 'open' && !t.readiness.ready) throw notReadyError(t);
    if (input.result !== undefined || input.refs?.length) {
      const body = input.result ?? '';
      prepared ??= await prepareEntry(
        ctx,
        {
          kind: 'result',
          body,
          emptyBody: true,
          title: input.title ?? (body.trim() ? undefined : `Result: ${t.entry.title}`.slice(0, 200)),
          refs: input.refs,
          allowSecrets: input.allowSecrets,
          extra: { task: t.id, ...(t.wave === null ? {} : { wave: t.wave }) },
        },
        me,
      );
    }
    return { task: t, op: 'done', ...(prepared ? { result: prepared } : {}) };
  });
}

/**
 * One step on one task, by id (or unique prefix), worked out on the tip it is built on: after a
 * merge of the remote's branch when a remote decides, so a task made on another clone is found.
 * Lost to another session's step, it is worked out again, which then says why it cannot be done if
 * it no longer can.
 */
async function oneStep(ctx: Ctx, input: WhoOptions, id: string, decide: (t: TaskInfo, me: Identity) => Want | Promise<Want>): Promise<StepResult> {
  const me = await resolveIdentity(ctx, input);
  if (!ctx.config.get('ctx.remote') && !(await ctx.store.tip())) await resolveTask(ctx, EMPTY, id);
  for (let round = 0; round < ROUNDS; round++) {
    let want: Want | null = null;
    const r = await writeSteps(ctx, me, async (view) => {
      want = await decide(await resolveTask(ctx, view, id), me);
      return [want];
    });
    if (!r.written.length) continue; // lost: the next round works it out on the new tip
    const w = r.written[0]!;
    const tip = await ctx.store.tip();
    const now = tip ? await afterStep(ctx, tip, w) : w.task;
    if (!now.state.chain.some((s) => s.token === w.step.token)) {
      throw new UsageError(`task ${w.task.id}: another session's step came first (${who(now.state.head)})`, { code: 'E_TASK_LOST', data: { id: w.task.id } });
    }
    const done = (want as Want | null)?.result;
    const result = done ? { ...done.entry, path: done.path, commit: r.commit } : null;
    return { session: me.session, agent: me.agent, task: now, result, redactions: done?.redactions ?? [], commit: r.commit, decidedBy: r.decidedBy, offline: r.offline };
  }
  // Like the store's E_CONTENTION: not bad input, a race this call kept losing.
  throw new CtxError('E_TASK_BUSY', 1, `task ${id}: other sessions kept changing it; nothing was written`, { hint: 'try again' });
}

const EMPTY: TaskView = { tip: '', tasks: [], byId: new Map(), staleAfterMs: 0 };
