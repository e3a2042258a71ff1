/**
 * handoff: write a handoff entry with five sections (model/handoff-doc.ts) for the next session.
 *
 * Text comes from flags (-m is the Summary, --todo and --decision add items) or a whole document (a
 * file or stdin, split on the section headings). `--auto` adds what git knows: commits and diffstat
 * since this session's previous handoff (or since the branch left its base) and the uncommitted files
 * (What changed); TODO/FIXME lines the diff adds and failures from test logs (What still needs work);
 * decisions this session recorded meanwhile (Key decisions); worktree, branch, HEAD, dirty files and
 * ahead/behind (Active context). Reading the worktree never writes the user's index (git/worktree.ts).
 */
import type { Ctx, WhoOptions } from '../context.js';
import { resolveIdentity } from '../context.js';
import { addEntry } from '../entries/add.js';
import { readSummarized, summariesOf } from './mailbox.js';
import { addedTodos, branchBase } from '../brief/work.js';
import { readTestLogs, testSummary, type TestLogResult } from './handoff-test-logs.js';
import type { StoredEntry } from '../../model/entry.js';
import { emptyDoc, joinText, parseHandoffText, renderHandoff, type HandoffDoc } from '../../model/handoff-doc.js';
import { checkRef, LIMITS } from '../../model/validate.js';
import { readStatus, ro, subjectOf, type StatusFile, type WorktreeStatus } from '../../git/worktree.js';
import { diffTrees, isAncestor, listCommits } from '../../regenerate/git.js';
import { hashObject } from '../../git/objects.js';
import { failureLines, logLines } from '../../regenerate/tests-render.js';
import type { FileSymbols } from '../../regenerate/changed-symbols.js';
import { lstatSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { InvalidInputError } from '../../errors.js';

export interface HandoffInput extends WhoOptions {
  /** The Summary (-m). */
  summary?: string;
  /** A whole document (-F FILE or stdin), split on the section headings. */
  text?: string;
  title?: string;
  todo?: readonly string[];
  decisions?: readonly string[];
  auto?: boolean;
  to?: string;
  /** Test log files (absolute paths). */
  testLogs?: readonly string[];
  /**
   * Entries another session wrote on this session's behalf, counted as its own: an agent's MCP
   * server that is given no session id (Codex) writes as the place; only the ids listed count.
   */
  alsoWrote?: { session: string; ids: ReadonlySet<string> };
}

export interface HandoffResult {
  entry: StoredEntry;
  /** What --auto found (null without --auto). */
  auto: AutoFacts | null;
  testLogs: TestLogResult[];
}

export interface AutoFacts {
  /** What "since" means: this session's previous handoff, the base branch, or nothing known. */
  since: { kind: 'handoff' | 'base' | 'none'; commit: string | null; label: string };
  commits: number;
  filesChanged: number;
  uncommitted: number;
  todos: number;
  /** Source files whose symbols changed (committed and uncommitted, since the same point). */
  symbolFiles: number;
  /** Notes and decisions this session wrote since its previous handoff. */
  notes: number;
  decisions: number;
}

const MAX = { commits: 30, files: 50, uncommitted: 50, todos: 50, decisions: 20, notes: 20, symbolFiles: 40, symbolsPerFile: 12 };
/** Time for reading symbols in a handoff: a session ending must not wait long for them. */
const SYMBOL_BUDGET_MS = 500;

/** What `git status`'s two letters say, in words: staged and unstaged, added, deleted, renamed. */
function statusWords(f: StatusFile): string {
  if (f.xy === '??') return 'untracked';
  const word: Record<string, string> = { M: 'modified', A: 'added', D: 'deleted', R: 'renamed', C: 'copied', T: 'type changed', U: 'unmerged' };
  const [x, y] = [f.xy[0]!, f.xy[1]!];
  const parts: string[] = [];
  if (x !== '.') parts.push(`${word[x] ?? x}, staged`);
  if (y !== '.') parts.push(`${word[y] ?? y}, unstaged`);
  return parts.join('; ') || 'changed';
}

/**
 * The symbols changed since `since` (committed and uncommitted, tracked files read by content through
 * the index without refreshing it, untracked files whole), within a time budget.
 */
async function changedSymbols(ctx: Ctx, since: string | null, untracked: readonly string[]): Promise<FileSymbols[]> {
  const { languageOf, prepareSymbols, DEFAULT_MAX_BYTES } = await import('../../symbols/index.js');
  const { fileSymbols, parseDiffSides } = await import('../../regenerate/changed-symbols.js');
  const git = ctx.repo.git;
  const workTree = ctx.repo.workTree;
  if (!workTree) return [];
  const diffs = since
    ? parseDiffSides((await git.run(['diff-index', '-U0', '-M', '--no-color', '--no-ext-diff', '--no-textconv', '--src-prefix=a/', '--dst-prefix=b/', '--end-of-options', since, '--'], ro())).stdout)
    : [];
  const work = [...diffs, ...untracked.map((p) => ({ path: p, oldPath: null, added: [{ start: 1, end: Number.MAX_SAFE_INTEGER }], deleted: [], deletedText: '' }))].filter((d) => languageOf(d.path ?? d.oldPath!));
  if (!work.length) return [];
  await prepareSymbols(work.slice(0, 200).map((d) => d.path ?? d.oldPath!));
  const texts = {
    readNew: async (path: string) => {
      try {
        const st = lstatSync(join(workTree, path));
        if (!st.isFile() || st.size > DEFAULT_MAX_BYTES) return null;
        const b = readFileSync(join(workTree, path));
        return b.includes(0) ? null : b.toString('utf8');
      } catch {
        return null;
      }
    },
    readBase: async (path: string) => {
      if (!since) return null;
      const obj = await ctx.store.cat.read(`${since}:${path}`);
      return obj?.type === 'blob' && obj.content.length <= DEFAULT_MAX_BYTES && !obj.content.includes(0) ? obj.content.toString('utf8') : null;
    },
  };
  const start = ctx.deps.now();
  const out: FileSymbols[] = [];
  for (const [i, d] of work.slice(0, 200).entries()) {
    if (i >= 4 && ctx.deps.now() - start > SYMBOL_BUDGET_MS) break;
    const f = await fileSymbols(d, texts).catch(() => null);
    if (f?.symbols.length) out.push(f);
  }
  return out.sort((a, b) => (a.path < b.path ? -1 : 1));
}

function bullets(items: readonly string[]): string {
  return items.map((i) => `- ${i.trim()}`).join('\n');
}

function capped<T>(list: readonly T[], max: number, line: (x: T) => string, indent = ''): string {
  const shown = list.slice(0, max).map((x) => `${indent}- ${line(x)}`);
  if (list.length > max) shown.push(`${indent}- … and ${list.length - max} more`);
  return shown.join('\n');
}

/** This session's newest handoff, read whole (for its HEAD and time). */
async function previousHandoff(ctx: Ctx, tip: string, session: string): Promise<StoredEntry | null> {
  const mine = (await summariesOf(ctx, tip, ['handoff'])).get('handoff')!.matching((_, s) => s === session);
  const last = mine[mine.length - 1];
  if (!last) return null;
  return (await readSummarized(ctx, tip, [last]))[0] ?? null;
}

function describeUpstream(st: WorktreeStatus): string {
  if (!st.upstream) return 'no upstream';
  if (st.ahead === null) return `upstream ${st.upstream} (gone)`;
  return `upstream ${st.upstream}: ${st.ahead} ahead, ${st.behind} behind`;
}

async function autoFill(ctx: Ctx, doc: HandoffDoc, session: string, also?: HandoffInput['alsoWrote']): Promise<{ facts: AutoFacts; refs: string[] }> {
  const git = ctx.repo.git;
  const tip = await ctx.store.tip();
  const [status, previous] = await Promise.all([
    ctx.repo.workTree ? readStatus(git) : null,
    tip ? previousHandoff(ctx, tip, session) : null,
  ]);
  const head = status?.head ?? ctx.repo.head;
  let since: AutoFacts['since'] = { kind: 'none', commit: null, label: 'no base branch or previous handoff found' };
  if (head && previous?.head && (await isAncestor(git, previous.head, head))) {
    since = { kind: 'handoff', commit: previous.head, label: `your previous handoff ${previous.id} (${previous.createdAt.slice(0, 16)}Z, at ${previous.head.slice(0, 12)})` };
  } else if (head) {
    const base = await branchBase(ctx, status?.upstream ?? null);
    if (base) since = { kind: 'base', commit: base.commit, label: `the branch left ${base.ref} (${base.commit.slice(0, 12)})` };
  }
  const files = status?.files ?? [];
  const untracked = files.filter((f) => f.xy === '??').map((f) => f.path);
  const emptyTree = hashObject(ctx.repo.objectFormat, 'tree', Buffer.alloc(0));
  const [log, stat, todos] = await Promise.all([
    head && since.commit ? listCommits(git, since.commit, head, MAX.commits) : { commits: [], total: 0 },
    head && since.commit ? diffTrees(git, since.commit, head, emptyTree) : [],
    head && ctx.repo.workTree ? addedTodos(ctx, since.commit ?? head, untracked) : [],
  ]);

  const changed: string[] = [`Since ${since.label}:`];
  changed.push(log.total ? `- ${log.total} commit${log.total === 1 ? '' : 's'}:\n${capped(log.commits, MAX.commits, (c) => `${c.sha.slice(0, 12)} ${c.subject}`, '  ')}${log.total > log.commits.length ? `\n  - … and ${log.total - log.commits.length} more` : ''}` : '- no commits');
  if (stat.length) {
    const add = stat.reduce((n, s) => n + (s.added ?? 0), 0);
    const del = stat.reduce((n, s) => n + (s.deleted ?? 0), 0);
    changed.push(`- ${stat.length} file${stat.length === 1 ? '' : 's'} changed (+${add} -${del}):\n${capped(stat, MAX.files, (s) => `${s.oldPath ? `${s.oldPath} -> ` : ''}${s.path} (${s.added === null ? 'binary' : `+${s.added} -${s.deleted}`})`, '  ')}`);
  }
  changed.push(files.length ? `- uncommitted:\n${capped(files, MAX.uncommitted, (f) => `${f.xy.replace(/\./g, ' ').trim() || 'M'} ${f.from ? `${f.from} -> ` : ''}${f.path} (${statusWords(f)})`, '  ')}` : '- nothing uncommitted');
  const symbols = head && ctx.repo.workTree ? await changedSymbols(ctx, since.commit ?? head, untracked).catch(() => []) : [];
  if (symbols.length) {
    const { symbolText } = await import('../../regenerate/render.js');
    const line = (f: FileSymbols) => {
      const shown = f.symbols.slice(0, MAX.symbolsPerFile).map(symbolText).join(', ');
      return `${f.oldPath ? `${f.oldPath} -> ` : ''}${f.path}: ${shown}${f.symbols.length > MAX.symbolsPerFile ? `, … and ${f.symbols.length - MAX.symbolsPerFile} more` : ''}`;
    };
    changed.push(`- symbols changed:\n${capped(symbols, MAX.symbolFiles, line, '  ')}`);
  }
  if (todos.length) doc.todo = joinText(doc.todo, `TODO/FIXME lines added:\n${capped(todos, MAX.todos, (t) => `${t.path}:${t.line}: ${t.text}`)}`);

  let noteCount = 0;
  let decisionCount = 0;
  if (tip) {
    const kinds = await summariesOf(ctx, tip, ['decision', 'note']);
    const since = (k: 'decision' | 'note') =>
      kinds
        .get(k)!
        .matching((_, s) => s === session || s === also?.session)
        .filter((d) => (d.session === session || also!.ids.has(d.id)) && (!previous || d.id > previous.id));
    const mine = since('decision');
    const decisions = await readSummarized(ctx, tip, mine.slice(-MAX.decisions));
    const lines = [...decisions].reverse().map((d) => `- ${d.id} ${d.title}`);
    if (mine.length > decisions.length) lines.push(`- … and ${mine.length - decisions.length} more`);
    if (lines.length) doc.decisions = joinText(doc.decisions, `Recorded by this session:\n${lines.join('\n')}`);
    const myNotes = since('note');
    const notes = await readSummarized(ctx, tip, myNotes.slice(-MAX.notes));
    if (notes.length) changed.push(`- notes written by this session:\n${[...notes].reverse().map((n) => `  - ${n.id} ${n.title}`).join('\n')}${myNotes.length > notes.length ? `\n  - … and ${myNotes.length - notes.length} more` : ''}`);
    noteCount = myNotes.length;
    decisionCount = mine.length;
  }
  doc.changed = joinText(doc.changed, changed.join('\n'));

  const context = [`- worktree: ${ctx.repo.workTree ?? '(none: bare repository)'}`];
  context.push(`- branch: ${status?.branch ?? ctx.repo.branch ?? '(detached)'}${status ? ` (${describeUpstream(status)})` : ''}`);
  const subject = head ? await subjectOf(git, head) : '';
  context.push(`- HEAD: ${head ? `${head.slice(0, 12)}${subject ? ` ${subject}` : ''}` : '(no commits)'}`);
  context.push(`- dirty files: ${files.length}`);
  doc.context = joinText(doc.context, context.join('\n'));

  const refs: string[] = [];
  for (const p of new Set([...stat.map((s) => s.path), ...files.map((f) => f.path)])) {
    if (refs.length >= LIMITS.refs) break;
    try {
      refs.push(checkRef(p));
    } catch {
      /* a path the ref rules refuse is still listed in the text */
    }
  }
  return { facts: { since, commits: log.total, filesChanged: stat.length, uncommitted: files.length, todos: todos.length, symbolFiles: symbols.length, notes: noteCount, decisions: decisionCount }, refs };
}

/** Test logs as "What still needs work": each log with its warnings, failures grouped by cause. */
async function testLogText(ctx: Ctx, results: readonly TestLogResult[]): Promise<string> {
  const summary = await testSummary(ctx, results, new Map());
  const caps = { groups: 15, namesPerGroup: 8, warnings: 3 };
  const failures = failureLines(summary, caps);
  return [`Test logs:`, ...logLines(summary, caps), ...(failures.length ? ['', ...failures] : [])].join('\n');
}

export async function writeHandoff(ctx: Ctx, input: HandoffInput): Promise<HandoffResult> {
  const who = await resolveIdentity(ctx, input);
  const doc = input.text ? parseHandoffText(input.text) : emptyDoc();
  doc.summary = joinText(input.summary ?? '', doc.summary);
  if (input.todo?.length) doc.todo = joinText(doc.todo, bullets(input.todo));
  if (input.decisions?.length) doc.decisions = joinText(doc.decisions, bullets(input.decisions));
  if (!input.auto && !doc.summary) {
    throw new InvalidInputError('E_EMPTY', 'the handoff has no summary', { hint: 'give one with -m TEXT, a document with -F FILE or on stdin, or let --auto fill it in' });
  }

  const testLogs = input.testLogs?.length ? await readTestLogs(ctx, input.testLogs) : [];
  if (testLogs.length) doc.todo = joinText(doc.todo, await testLogText(ctx, testLogs));

  let auto: { facts: AutoFacts; refs: string[] } | null = null;
  if (input.auto) auto = await autoFill(ctx, doc, who.session, input.alsoWrote);
  if (!doc.summary && auto) {
    const f = auto.facts;
    doc.summary = `Work on ${ctx.repo.branch ?? 'a detached HEAD'}: ${f.commits} commit${f.commits === 1 ? '' : 's'} and ${f.uncommitted} uncommitted file${f.uncommitted === 1 ? '' : 's'} since ${f.since.kind === 'handoff' ? 'the previous handoff' : f.since.kind === 'base' ? 'the branch left its base' : 'the start'}.`;
  }
  // The title is the Summary's first line, taken by addEntry after it screened the whole Summary.
  const { entry } = await addEntry(ctx, {
    kind: 'handoff',
    title: input.title,
    titleFrom: doc.summary,
    body: renderHandoff(doc),
    to: input.to ?? 'all',
    refs: auto?.refs,
    agent: input.agent,
    session: input.session,
    allowSecrets: input.allowSecrets,
  });
  return { entry, auto: auto?.facts ?? null, testLogs };
}
