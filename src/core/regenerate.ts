/**
 * regenerate: a `context` entry derived from what really happened, without any model: the commits
 * since a base, the files and symbols they changed, the uncommitted work, and test logs.
 *
 * The base is `--since REV`, else where the current branch left its upstream (or the default branch),
 * or this session's previous regenerate point when that is later. Each entry records the range it
 * covered in its header (`regenerate: {"base": ..., "head": ...}`, see docs/data-model.md): the next
 * run starts from its head. Nothing of the user's is written: uncommitted work is read through a
 * private copy of the index.
 */
import { existsSync, lstatSync, readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import type { Ctx, WhoOptions } from './context.js';
import { maxBodyBytes, resolveIdentity } from './context.js';
import { addEntry } from './entries/add.js';
import { readSummarized, summariesOf } from './mailbox/mailbox.js';
import { hashObject } from '../git/objects.js';
import { nodeCrypto } from '../builtins.js';
import { redactText } from '../model/secrets.js';
import { checkRef, LIMITS } from '../model/validate.js';
import { screenJson } from '../model/secrets.js';
import type { StoredEntry } from '../model/entry.js';
import { CtxError, UsageError } from '../errors.js';
import { baseRef, committedHunks, diffTrees, isAncestor, listCommits, mergeBase, PrivateIndex, resolveCommit, type Commit, type FileChange, type FileHunks, type Uncommitted } from '../regenerate/git.js';
import { compressRefs, renderBody, renderTitle, type RegenerateFacts, type TestSummary } from '../regenerate/render.js';
import { fileSymbols, parseDiffSides, type FileDiff, type FileSymbols } from '../regenerate/changed-symbols.js';
import { repoPath } from '../regenerate/paths.js';
import { mergeSameRun } from '../testlog/merge.js';
import { checkFormat, notUnderstood, parseTestLogs, type TestReport } from '../testlog/index.js';
import { DEFAULT_MAX_BYTES, languageOf, prepareSymbols } from '../symbols/index.js';

export interface RegenerateInput extends WhoOptions {
  /** A revision: the range starts there instead of the default base. */
  since?: string;
  /** Test log files or directories, relative to the current directory. */
  testLogs?: readonly string[];
  /** Force the test log format (default: told by each file's first bytes). */
  format?: string;
  /** Build the entry but write nothing. */
  dryRun?: boolean;
}

/** What an entry records about the range it covers (the `regenerate` header field). */
export interface RegeneratePoint {
  base: string | null;
  head: string | null;
  commits: number;
  uncommitted: boolean;
  /**
   * A digest of everything the entry was made from (HEAD, the worktree's changes by content, untracked
   * files by size and time, the test logs read): a run of the same session that finds the same digest
   * has nothing new to say.
   */
  state?: string;
}

export interface RegenerateResult {
  facts: RegenerateFacts;
  title: string;
  body: string;
  refs: string[];
  point: RegeneratePoint;
  /** The entry written; null with dryRun, or when there was nothing to say. */
  entry: StoredEntry | null;
  /** Nothing happened since the base (no commit, no uncommitted change, no test log): nothing was written. */
  nothingNew: boolean;
  warnings: string[];
}

/** The header field an entry's range is recorded in. */
export const POINT_FIELD = 'regenerate';
/** Commits listed (the count is exact beyond it). */
const COMMIT_LIMIT = 5000;
/** Source files whose symbols are read in one run, the biggest changes first. */
const SYMBOL_FILES = 1000;
/** Time for reading symbols; files left when it runs out are counted, not read. */
const SYMBOL_BUDGET_MS = 1500;
/** Files whose symbols are read whatever the time (the biggest changes). */
const SYMBOL_FILES_ALWAYS = 8;

/**
 * This session's latest regenerate point, from its newest context entries: found in the context
 * summaries of the index (one kind's log, not the metadata of every entry), then read whole.
 */
async function previousPoint(ctx: Ctx, session: string): Promise<{ point: RegeneratePoint; id: string } | null> {
  const tip = await ctx.store.tip();
  if (!tip) return null;
  const mine = (await summariesOf(ctx, tip, ['context'])).get('context')!.matching((_, s) => s === session);
  const entries = await readSummarized(ctx, tip, mine.slice(-20).reverse());
  for (const e of entries) {
    const p = e.extra[POINT_FIELD] as Partial<RegeneratePoint> | undefined;
    if (p && typeof p === 'object' && (typeof p.head === 'string' || p.head === null)) {
      return { point: { base: p.base ?? null, head: p.head, commits: p.commits ?? 0, uncommitted: !!p.uncommitted, ...(typeof p.state === 'string' ? { state: p.state } : {}) }, id: e.id };
    }
  }
  return null;
}

interface Base {
  base: string | null;
  label: string;
}

async function chooseBase(ctx: Ctx, input: RegenerateInput, head: string, prev: { point: RegeneratePoint; id: string } | null): Promise<Base> {
  const git = ctx.repo.git;
  if (input.since !== undefined) return { base: await resolveCommit(git, input.since), label: `--since ${input.since}` };
  const ref = await baseRef(git, ctx.repo.branch ?? null, ctx.config.get('init.defaultBranch'));
  const forkPoint = ref ? await mergeBase(git, head, ref) : null;
  let chosen: Base = forkPoint ? { base: forkPoint, label: `the merge-base with ${ref}` } : { base: head, label: 'HEAD (no upstream or default branch to compare with)' };
  if (prev?.point.head && prev.point.head !== chosen.base) {
    // Later: the previous point is on this branch's history, past the fork point. (A point that is no
    // longer a commit here, after a rebase or in another clone, is neither.)
    const [onBranch, pastFork] = await Promise.all([isAncestor(git, prev.point.head, head), chosen.base ? isAncestor(git, chosen.base, prev.point.head) : true]);
    if (onBranch && pastFork) chosen = { base: prev.point.head, label: `the previous regenerate (${prev.id.slice(0, 13)})` };
  }
  return chosen;
}

type Progress = (label: string, done: number, total: number) => void;

/** Calls deps.progress, but only once the run has taken over a second. */
function lateProgress(ctx: Ctx, start: number): Progress {
  return (label, done, total) => {
    if (ctx.deps.progress && ctx.deps.now() - start >= 1000) ctx.deps.progress(label, done, total);
  };
}

async function readTests(ctx: Ctx, input: RegenerateInput, warnings: string[], progress: Progress): Promise<TestSummary | null> {
  if (!input.testLogs?.length) return null;
  const format = input.format === undefined ? undefined : checkFormat(input.format);
  const paths = input.testLogs.map((p) => resolve(ctx.deps.cwd, p));
  for (const [i, p] of paths.entries()) {
    if (!existsSync(p)) throw new UsageError(`cannot read test log ${input.testLogs[i]}: no such file`, { code: 'E_FILE' });
  }
  const reports: TestReport[] = [];
  const unreadable: TestSummary['unreadable'] = [];
  for (const [i, p] of paths.entries()) {
    try {
      const MiB = 1 << 20;
      const onProgress = (bytes: number, size: number) => progress(`reading ${input.testLogs![i]} (MiB)`, Math.floor(bytes / MiB), Math.max(1, Math.ceil(size / MiB)));
      for (const r of await parseTestLogs(p, { format, onProgress })) {
        const rel = relative(ctx.deps.cwd, r.path);
        const shown = r.path === p ? input.testLogs[i]! : rel && !rel.startsWith('..') ? rel : r.path;
        const why = notUnderstood(r);
        if (why) {
          unreadable.push({ path: shown, reason: why });
          warnings.push(`${shown}: ${why}; not read`);
        } else reports.push({ ...r, path: shown });
      }
    } catch (e) {
      if (!(e instanceof CtxError) || e.code !== 'E_TEST_LOG_FORMAT') throw e;
      unreadable.push({ path: input.testLogs[i]!, reason: e.message });
      warnings.push(`${e.message}; not read${e.hint ? ` (${e.hint})` : ''}`);
    }
  }
  for (const r of reports) for (const w of r.warnings) warnings.push(w);
  // Logs of one run (JUnit and JSON side by side): one report, each failure once.
  return { reports: mergeSameRun(reports), unreadable };
}

/**
 * See RegeneratePoint.state: HEAD, what is staged and unstaged, and every changed or untracked file by
 * size and modification time (as git's own stat check does), and the test logs read. Not the base: a
 * second run starts from the first one's HEAD, and says nothing new if nothing changed.
 */
function stateDigest(ctx: Ctx, f: { head: string | null; uncommitted: Uncommitted | null; tests: TestSummary | null }): string {
  const h = nodeCrypto().createHash('sha1');
  h.update(JSON.stringify([f.head, f.uncommitted?.staged ?? null, f.uncommitted?.unstaged ?? null]));
  const workTree = ctx.repo.workTree;
  const paths = new Set([...(f.uncommitted?.staged ?? []), ...(f.uncommitted?.unstaged ?? [])].map((x) => x.path));
  for (const p of [...paths, ...(f.uncommitted?.untracked ?? [])]) {
    let stamp = '';
    try {
      const st = lstatSync(join(workTree!, p));
      stamp = `${st.size}:${st.mtimeMs}`;
    } catch {
      stamp = 'gone';
    }
    h.update(`\0${p}\0${stamp}`);
  }
  if (f.tests) h.update(JSON.stringify(f.tests));
  return h.digest('hex');
}

async function readSymbols(ctx: Ctx, diff: Buffer | null, untracked: readonly string[], base: string | null, head: string | null, progress: Progress, warnings: string[]): Promise<{ symbols: FileSymbols[]; skipped: number }> {
  const size = (d: FileDiff) => [...d.added, ...d.deleted].reduce((n, r) => n + r.end - r.start + 1, 0);
  const work = [
    ...(diff ? parseDiffSides(diff) : []).filter((d) => languageOf(d.path ?? d.oldPath!)).map((d) => ({ d, size: size(d) })),
    ...untracked.filter((p) => languageOf(p)).map((p) => ({ d: { path: p, oldPath: null, added: [{ start: 1, end: Number.MAX_SAFE_INTEGER }], deleted: [], deletedText: '' } as FileDiff, size: 0 })),
  ];
  // The biggest changes say the most: read those first, and as many as the budget allows.
  const pathOf = (d: FileDiff) => d.path ?? d.oldPath!;
  work.sort((a, b) => b.size - a.size || (pathOf(a.d) < pathOf(b.d) ? -1 : 1));
  try {
    await prepareSymbols(work.slice(0, SYMBOL_FILES).map((w) => pathOf(w.d)));
  } catch (e) {
    warnings.push(`symbols not read: ${(e as Error).message}`);
    return { symbols: [], skipped: work.length };
  }
  // The budget is for parsing: loading the grammars is paid once, and on a busy machine it alone can
  // take longer than the budget. The first few files are always read.
  const start = ctx.deps.now();
  const texts = {
    readNew: (path: string) => newText(ctx, path, head),
    readBase: async (path: string) => {
      if (!base) return null;
      const obj = await ctx.store.cat.read(`${base}:${path}`);
      if (obj?.type !== 'blob' || obj.content.length > DEFAULT_MAX_BYTES || obj.content.includes(0)) return null;
      return obj.content.toString('utf8');
    },
  };
  const out: FileSymbols[] = [];
  let done = 0;
  for (const w of work) {
    if (done >= SYMBOL_FILES || (done >= SYMBOL_FILES_ALWAYS && ctx.deps.now() - start > SYMBOL_BUDGET_MS)) break;
    done++;
    progress('reading symbols', done, Math.min(work.length, SYMBOL_FILES));
    try {
      const f = await fileSymbols(w.d, texts);
      if (f?.symbols.length) out.push(f);
    } catch (e) {
      warnings.push(`symbols not read: ${(e as Error).message}`);
      return { symbols: out, skipped: work.length - done + 1 };
    }
  }
  out.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return { symbols: out, skipped: work.length - done };
}

/** A changed file's text as it is now: in the worktree, or at HEAD without one. Null if not text or too big. */
async function newText(ctx: Ctx, path: string, head: string | null): Promise<string | null> {
  const workTree = ctx.repo.workTree;
  let bytes: Buffer | null = null;
  if (workTree) {
    const file = join(workTree, path);
    try {
      // Not through a symbolic link: the file's content must be the repository's.
      const st = lstatSync(file);
      if (!st.isFile() || st.size > DEFAULT_MAX_BYTES) return null;
      bytes = readFileSync(file);
    } catch {
      return null;
    }
  } else if (head) {
    const obj = await ctx.store.cat.read(`${head}:${path}`);
    bytes = obj?.type === 'blob' && obj.content.length <= DEFAULT_MAX_BYTES ? obj.content : null;
  }
  if (!bytes || bytes.includes(0)) return null;
  return bytes.toString('utf8');
}

export async function regenerate(ctx: Ctx, input: RegenerateInput): Promise<RegenerateResult> {
  const start = ctx.deps.now();
  const progress = lateProgress(ctx, start);
  const warnings: string[] = [];
  const git = ctx.repo.git;
  const emptyTree = hashObject(ctx.repo.objectFormat, 'tree', Buffer.alloc(0));
  const who = await resolveIdentity(ctx, input);
  // Test logs first: a missing file is a usage error, and must stop the run before anything is done.
  const tests = await readTests(ctx, input, warnings, progress);

  const head = ctx.repo.head;
  const prev = input.since === undefined ? previousPoint(ctx, who.session) : Promise.resolve(null);
  // The private index is made while the base is worked out: neither needs the other.
  const [{ base, label }, index] = await Promise.all([
    head ? prev.then((p) => chooseBase(ctx, input, head, p)) : { base: null, label: 'the first commit (none yet)' },
    ctx.repo.workTree ? PrivateIndex.create(git, { gitDir: ctx.repo.gitDir, scratchDir: join(ctx.store.privateDir, 'tmp'), name: `index-${ctx.deps.pid}-${Buffer.from(ctx.deps.random(6)).toString('hex')}` }) : null,
  ]);
  progress('regenerating', 1, 3);
  const committed = !!head && base !== head;
  let log: { commits: Commit[]; total: number };
  let files: FileChange[];
  let uncommitted: Uncommitted | null;
  let diff: Buffer | null;
  try {
    let since: { hunks: FileHunks[]; diff: Buffer | null };
    [log, files, uncommitted, since] = await Promise.all([
      committed ? listCommits(git, base, head!, COMMIT_LIMIT) : { commits: [], total: 0 },
      committed ? diffTrees(git, base, head!, emptyTree) : [],
      index ? index.uncommitted(head ?? emptyTree) : null,
      // Symbols are read from what the files are now: the worktree (committed and uncommitted changes), or HEAD.
      index ? index.hunksSince(base ?? emptyTree) : committed ? committedHunks(git, base, head!, emptyTree) : { hunks: [], diff: null },
    ]);
    diff = since.diff;
  } finally {
    index?.dispose();
  }
  progress('regenerating', 2, 3);

  const { symbols, skipped } = await readSymbols(ctx, diff, uncommitted?.untracked ?? [], base, head, progress, warnings);
  progress('regenerating', 3, 3);

  // Failure locations as repository paths where they can be.
  const changedByName = new Map<string, string[]>();
  for (const p of [...files.map((f) => f.path), ...(uncommitted ? [...uncommitted.staged, ...uncommitted.unstaged].map((f) => f.path) : [])]) {
    const name = p.slice(p.lastIndexOf('/') + 1);
    changedByName.set(name, [...new Set([...(changedByName.get(name) ?? []), p])]);
  }
  if (tests) for (const r of tests.reports) for (const f of r.failures) if (f.file) f.file = repoPath(f.file, { workTree: ctx.repo.workTree, cwd: ctx.deps.cwd, changed: changedByName });

  const facts: RegenerateFacts = {
    branch: who.branch,
    head,
    base,
    baseLabel: label,
    commits: log.commits,
    commitsTotal: log.total,
    files,
    symbols,
    symbolFilesSkipped: skipped,
    tests,
    uncommitted,
  };
  // Screened before anything is rendered, cut or printed: commit subjects, paths, symbol names and
  // failure messages are whole here; the body cut to its size budget, the dry run's text and the JSON
  // facts are made from them afterwards.
  if (!input.allowSecrets) {
    const screened = screenJson({ facts, warnings });
    Object.assign(facts, screened.facts);
    warnings.splice(0, warnings.length, ...screened.warnings);
  }
  const body = renderBody(facts, maxBodyBytes(ctx));
  const title = renderTitle(facts);
  const paths = [...files.flatMap((f) => (f.oldPath ? [f.oldPath, f.path] : [f.path])), ...(uncommitted ? [...uncommitted.staged.map((f) => f.path), ...uncommitted.unstaged.map((f) => f.path), ...uncommitted.untracked] : [])];
  const refs = compressRefs(
    paths.filter((p) => {
      try {
        return checkRef(p) === p;
      } catch {
        return false;
      }
    }),
    LIMITS.refs,
  );
  const hasUncommitted = !!uncommitted && uncommitted.staged.length + uncommitted.unstaged.length + uncommitted.untracked.length > 0;
  const state = stateDigest(ctx, { head, uncommitted, tests });
  const point: RegeneratePoint = { base, head, commits: log.total, uncommitted: hasUncommitted, state };
  let entry: StoredEntry | null = null;
  // Hooks run regenerate often: an entry that says "nothing happened", or what this session's previous
  // regenerate already said, is noise.
  const previous = await prev;
  const nothingNew = (log.total === 0 && !hasUncommitted && !tests) || (previous?.point.state === state && previous.point.head === head);
  if (!input.dryRun && !nothingNew) {
    ({ entry } = await addEntry(ctx, { kind: 'context', title, body, refs, tags: ['regenerated'], agent: input.agent, session: input.session, allowSecrets: input.allowSecrets, extra: { [POINT_FIELD]: point } }));
  }
  // What is shown is what would be stored: a dry run is screened as the entry would be.
  const shown = entry ?? (input.allowSecrets ? { title, body } : { title: redactText(title).text, body: redactText(body).text });
  return { facts, title: shown.title, body: shown.body, refs, point, entry, nothingNew, warnings };
}
