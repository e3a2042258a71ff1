/**
 * task add: one task, or one per line of a todo file (`--from-file`), in one commit.
 *
 * A task is an entry of kind `task` with `wave` and `after` header fields (src/model/task.ts). Every
 * `--after` id must name a task that exists now, so a task can only wait for older ones: git-ctx
 * cannot make a cycle, and one made by hand is refused here and reported by the readers.
 */
import type { Ctx, WhoOptions } from '../context.js';
import { resolveIdentity } from '../context.js';
import { commitMessage, prepareEntry, type PreparedEntry } from '../entries/add.js';
import { resolveTask, viewTasks, type TaskView } from './task-view.js';
import { markerPath, serializeMarker, todoLine } from '../../model/task.js';
import { LIMITS } from '../../model/validate.js';
import type { StoredEntry } from '../../model/entry.js';
import type { Redaction } from '../../model/secrets.js';
import { CtxError, InvalidInputError, UsageError } from '../../errors.js';

/** Tasks one import may add at most. */
export const MAX_IMPORT = 10_000;

export interface TaskAddInput extends WhoOptions {
  /** One task's title (not with `lines`). */
  title?: string;
  /** The task's text; with `lines`, the text of every task. */
  body?: string;
  wave?: number;
  after?: readonly string[];
  to?: string;
  refs?: readonly string[];
  /** A todo file: one task per line (see todoLine in src/model/task.ts). */
  lines?: { name: string; text: string };
}

export interface SkippedLine {
  line: number;
  reason: 'checked' | 'duplicate';
  title: string;
}

export interface TaskAddResult {
  tasks: StoredEntry[];
  /** Lines of the file that made no task: checked boxes (done already) and titles of existing tasks. */
  skipped: SkippedLine[];
  redactions: Redaction[];
  commit: string | null;
}

function checkWave(wave: number | undefined): void {
  if (wave !== undefined && (!Number.isSafeInteger(wave) || wave < 0)) throw new UsageError('--wave takes a whole number from 0', { code: 'E_USAGE' });
}

/** The full ids of the `--after` tasks; each must be a task, and none may wait on a cycle. */
async function resolveAfter(ctx: Ctx, view: TaskView | null, ids: readonly string[]): Promise<string[]> {
  const out: string[] = [];
  for (const id of ids) {
    const t = await resolveTask(ctx, view ?? { tip: '', tasks: [], byId: new Map(), staleAfterMs: 0 }, id);
    if (t.readiness.cycle) {
      throw new UsageError(`--after ${t.id}: that task can never start, its --after tasks lead back to it (${t.readiness.cycle.join(' -> ')})`, { code: 'E_TASK_CYCLE', data: { id: t.id, cycle: t.readiness.cycle } });
    }
    if (!out.includes(t.id)) out.push(t.id);
  }
  return out;
}

/** A line too long for a title: the title is its start, the whole line is the text. */
function titleOf(line: string): { title: string; body: string | null } {
  const chars = [...line];
  if (chars.length <= LIMITS.titleChars) return { title: line, body: null };
  return { title: `${chars.slice(0, LIMITS.titleChars - 1).join('').trimEnd()}…`, body: line };
}

export async function addTasks(ctx: Ctx, input: TaskAddInput): Promise<TaskAddResult> {
  checkWave(input.wave);
  if (input.lines && input.title !== undefined) throw new UsageError('give a title or --from-file, not both', { code: 'E_USAGE' });
  if (!input.lines && !input.title?.trim()) throw new InvalidInputError('E_TITLE', 'the task needs a title', { hint: 'git ctx task add "what to do" [-m TEXT]' });
  const who = await resolveIdentity(ctx, input);
  const tip = await ctx.store.tip();
  const view = tip ? await viewTasks(ctx, tip) : null;
  const after = await resolveAfter(ctx, view, input.after ?? []);
  const extra = { ...(input.wave === undefined ? {} : { wave: input.wave }), ...(after.length ? { after } : {}) };
  const base = { agent: input.agent, session: input.session, agentSession: input.agentSession, allowSecrets: input.allowSecrets, kind: 'task', emptyBody: true, to: input.to, refs: input.refs, extra };

  const skipped: SkippedLine[] = [];
  const wanted: { title: string; body: string; line: number }[] = [];
  if (input.lines) {
    const known = new Set(view?.tasks.map((t) => t.entry.title) ?? []);
    input.lines.text.split('\n').forEach((raw, i) => {
      const l = todoLine(raw);
      if ('skip' in l) {
        if (l.skip === 'checked') skipped.push({ line: i + 1, reason: 'checked', title: raw.trim().slice(0, LIMITS.titleChars) });
        return;
      }
      const { title, body } = titleOf(l.title);
      if (known.has(title)) {
        skipped.push({ line: i + 1, reason: 'duplicate', title });
        return;
      }
      known.add(title);
      wanted.push({ title, body: [body, input.body].filter((x): x is string => !!x).join('\n\n'), line: i + 1 });
    });
    if (wanted.length > MAX_IMPORT) throw new InvalidInputError('E_TOO_MANY', `${input.lines.name} has ${wanted.length} tasks; one import adds at most ${MAX_IMPORT}`, { hint: 'split the file' });
  } else {
    wanted.push({ title: input.title!, body: input.body ?? '', line: 0 });
  }

  const prepared: PreparedEntry[] = [];
  for (const w of wanted) {
    try {
      prepared.push(await prepareEntry(ctx, { ...base, title: w.title, body: w.body }, who));
    } catch (e) {
      // Nothing is written: say which line it was.
      if (w.line && e instanceof CtxError) throw new InvalidInputError(e.code, `${input.lines!.name}, line ${w.line}: ${e.message}`, { data: { ...e.data, line: w.line }, hint: e.hint });
      throw e;
    }
  }
  if (!prepared.length) return { tasks: [], skipped, redactions: [], commit: null };

  const message =
    prepared.length === 1 && !input.lines
      ? commitMessage(prepared[0]!.entry)
      : `task: import ${prepared.length} task${prepared.length === 1 ? '' : 's'} from ${oneLine(input.lines!.name)}\n\n${prepared.map((p) => `Ctx-Id: ${p.entry.id}`).join('\n')}\nCtx-Kind: task\nCtx-Agent: ${oneLine(who.agent)}\nCtx-Session: ${oneLine(who.session)}\n`;
  const files = prepared.flatMap((p) => [
    { path: p.path, content: p.content, createOnly: true },
    { path: markerPath(p.entry.id), content: serializeMarker(p.entry.id, p.path), createOnly: true },
  ]);
  const r = await ctx.store.commit({ add: files, message, author: who.author, allowSecrets: input.allowSecrets });
  if (r.existing.length) throw new InvalidInputError('E_ID_TAKEN', `entry id of ${r.existing[0]} already exists`);
  return {
    tasks: prepared.map((p) => ({ ...p.entry, path: p.path, commit: r.commit })),
    skipped,
    redactions: [...prepared.flatMap((p) => p.redactions), ...r.redactions],
    commit: r.commit,
  };
}

function oneLine(s: string): string {
  return s.replace(/[\u0000-\u001f\u007f]+/g, ' ').trim().slice(0, 200);
}
