/**
 * The regenerated context as Markdown: sections Range, Commits, Files, Symbols, Tests, Uncommitted.
 * Pure. Long lists are cut to the most telling part (newest commits, files by churn) with "… and N
 * more", and the caps shrink until the whole fits the entry size limit.
 */
import type { Commit, FileChange, Uncommitted } from './git.js';
import type { ChangedSymbol, FileSymbols } from './changed-symbols.js';
import { code, failureLines, logLines, sumTotals, type TestCaps, type TestSummary } from './tests-render.js';

export type { FileSymbols } from './changed-symbols.js';
export type { TestSummary } from './tests-render.js';
export { code, sumTotals } from './tests-render.js';

export interface RegenerateFacts {
  branch: string | null;
  head: string | null;
  base: string | null;
  /** How the base was chosen, for people: "merge-base with origin/main", "--since v1.2", ... */
  baseLabel: string;
  commits: Commit[];
  commitsTotal: number;
  files: FileChange[];
  symbols: FileSymbols[];
  /** Changed source files whose symbols were not read (over the file or time budget). */
  symbolFilesSkipped: number;
  tests: TestSummary | null;
  /** Null in a repository with no worktree. */
  uncommitted: Uncommitted | null;
}

interface Caps {
  commits: number;
  files: number;
  symbolFiles: number;
  symbolsPerFile: number;
  failures: number;
  messageLines: number;
  uncommitted: number;
}

const START: Caps = { commits: 100, files: 100, symbolFiles: 60, symbolsPerFile: 15, failures: 50, messageLines: 6, uncommitted: 40 };

/** A changed symbol as a list item: `Store.get` (method, renamed from `Store.fetch`). */
export function symbolText(x: ChangedSymbol): string {
  const how = x.change === 'renamed' ? `, renamed from ${code(x.from ?? '?')}` : x.change === 'modified' ? '' : `, ${x.change}`;
  return `${code(x.qualifiedName)} (${x.kind}${how})`;
}

function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

function churn(f: FileChange): number {
  return (f.added ?? 0) + (f.deleted ?? 0);
}

/** Files to show: all in path order when they fit, else the biggest changes first. */
function pickFiles(files: readonly FileChange[], cap: number): { shown: FileChange[]; rest: FileChange[] } {
  if (files.length <= cap) return { shown: [...files].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0)), rest: [] };
  const sorted = [...files].sort((a, b) => churn(b) - churn(a) || (a.path < b.path ? -1 : 1));
  return { shown: sorted.slice(0, cap), rest: sorted.slice(cap) };
}

function fileLine(f: FileChange): string {
  const name = f.oldPath ? `${code(f.oldPath)} → ${code(f.path)}` : code(f.path);
  const notes: string[] = [];
  if (f.status !== 'modified') notes.push(f.similarity !== null && f.similarity < 100 ? `${f.status}, ${f.similarity}% similar` : f.status);
  if (f.binary) notes.push('binary');
  const counts = f.binary ? '' : ` +${f.added} −${f.deleted}`;
  return `- ${name}${counts}${notes.length ? ` (${notes.join(', ')})` : ''}`;
}

function totalsLine(files: readonly FileChange[]): string {
  const added = files.reduce((n, f) => n + (f.added ?? 0), 0);
  const deleted = files.reduce((n, f) => n + (f.deleted ?? 0), 0);
  const counts = (['added', 'deleted', 'renamed', 'copied'] as const).map((s) => [s, files.filter((f) => f.status === s).length] as const).filter(([, n]) => n);
  const binary = files.filter((f) => f.binary).length;
  const extra = [...counts.map(([s, n]) => `${n} ${s}`), ...(binary ? [`${binary} binary`] : [])];
  return `${plural(files.length, 'file')} changed, +${added} −${deleted}${extra.length ? ` (${extra.join(', ')})` : ''}`;
}

function fmtMs(ms: number | null): string {
  if (ms === null) return '';
  return ms >= 1000 ? ` in ${(ms / 1000).toFixed(1)} s` : ` in ${ms} ms`;
}

function testsSection(tests: TestSummary, caps: Caps): string[] {
  const t = sumTotals(tests.reports);
  const logs = tests.reports.reduce((n, r) => n + 1 + (r.alsoIn?.length ?? 0), 0) + tests.unreadable.length;
  const tc: TestCaps = { groups: caps.failures, namesPerGroup: Math.max(3, caps.failures), warnings: 3 };
  const head = tests.reports.length ? `**${t.passed} passed, ${t.failed} failed, ${t.skipped} skipped**${fmtMs(t.durationMs)} (${plural(logs, 'log')})` : `**No test log could be read** (${plural(logs, 'log')})`;
  const out = [head, '', ...logLines(tests, tc)];
  const failures = failureLines(tests, tc);
  if (failures.length) out.push('', '### Failures', '', ...failures);
  return out;
}

function uncommittedSection(u: Uncommitted, caps: Caps): string[] {
  const out = [`${u.staged.length} staged, ${u.unstaged.length} unstaged, ${u.untracked.length} untracked`];
  const group = (label: string, files: readonly FileChange[]) => {
    if (!files.length) return;
    out.push('', `${label}:`);
    const { shown, rest } = pickFiles(files, caps.uncommitted);
    out.push(...shown.map(fileLine));
    if (rest.length) out.push(`- … and ${plural(rest.length, 'more file')}`);
  };
  group('Staged', u.staged);
  group('Unstaged', u.unstaged);
  if (u.untracked.length) {
    out.push('', 'Untracked:');
    const shown = [...u.untracked].sort().slice(0, caps.uncommitted);
    out.push(...shown.map((p) => `- ${code(p)}`));
    if (u.untracked.length > shown.length) out.push(`- … and ${plural(u.untracked.length - shown.length, 'more file')}`);
  }
  return out;
}

function render(f: RegenerateFacts, caps: Caps): string {
  const out: string[] = [];
  out.push('## Range', '');
  const head = f.head ? code(f.head.slice(0, 12)) : 'no commits yet';
  out.push(`${f.base ? `${code(f.base.slice(0, 12))}..` : ''}${head}${f.branch ? ` on ${code(f.branch)}` : ' (detached HEAD)'}, from ${f.baseLabel}: ${plural(f.commitsTotal, 'commit')}${f.uncommitted ? ', plus uncommitted work' : ''}.`);

  out.push('', '## Commits', '');
  if (!f.commitsTotal) out.push('None.');
  const commits = f.commits.slice(0, caps.commits);
  for (const c of commits) out.push(`- ${code(c.shortSha)} ${c.subject.replace(/[\r\n]+/g, ' ')} — ${c.author.name} (${c.date.slice(0, 10)})`);
  if (f.commitsTotal > commits.length) out.push(`- … and ${plural(f.commitsTotal - commits.length, 'earlier commit')}`);
  const authors = new Set(f.commits.map((c) => c.author.email || c.author.name));
  if (f.commitsTotal > 1 && authors.size > 1) out.push('', `${plural(authors.size, 'author')}${f.commits.length < f.commitsTotal ? ` in the newest ${f.commits.length}` : ''}.`);

  out.push('', '## Files', '');
  if (!f.files.length) out.push('No committed changes.');
  else {
    out.push(totalsLine(f.files), '');
    const { shown, rest } = pickFiles(f.files, caps.files);
    out.push(...shown.map(fileLine));
    if (rest.length) out.push(`- … and ${plural(rest.length, 'more file')} (+${rest.reduce((n, x) => n + (x.added ?? 0), 0)} −${rest.reduce((n, x) => n + (x.deleted ?? 0), 0)})`);
  }

  out.push('', '## Symbols', '');
  const withSymbols = f.symbols.filter((s) => s.symbols.length);
  if (!withSymbols.length) out.push(f.symbolFilesSkipped ? 'Not read.' : 'No function, method or class touched (or no supported language changed).');
  for (const s of withSymbols.slice(0, caps.symbolFiles)) {
    const names = s.symbols.slice(0, caps.symbolsPerFile).map(symbolText);
    const more = s.symbols.length - names.length;
    out.push(`- ${code(s.path)}: ${names.join(', ')}${more > 0 ? `, … and ${more} more` : ''}`);
  }
  const moreFiles = withSymbols.length - Math.min(withSymbols.length, caps.symbolFiles);
  if (moreFiles > 0) out.push(`- … and ${plural(moreFiles, 'more file')}`);
  if (f.symbolFilesSkipped) out.push('', `Symbols of ${plural(f.symbolFilesSkipped, 'more changed source file')} not read (over the budget of a run).`);

  out.push('', '## Tests', '');
  if (!f.tests) out.push('No test log given (`--test-log FILE`).');
  else out.push(...testsSection(f.tests, caps));

  out.push('', '## Uncommitted', '');
  if (!f.uncommitted) out.push('No worktree.');
  else out.push(...uncommittedSection(f.uncommitted, caps));
  return `${out.join('\n')}\n`;
}

/**
 * The entry body: every section, with lists cut so that the whole fits `maxBytes` (the caps halve
 * until it does; a body that still does not fit is cut, saying so).
 */
export function renderBody(facts: RegenerateFacts, maxBytes: number): string {
  let caps = { ...START };
  for (let round = 0; round < 12; round++) {
    const body = render(facts, caps);
    if (Buffer.byteLength(body, 'utf8') <= maxBytes) return body;
    caps = Object.fromEntries(Object.entries(caps).map(([k, v]) => [k, Math.max(1, Math.floor(v / 2))])) as unknown as Caps;
  }
  const note = '\n\n(cut at the entry size limit)\n';
  const body = Buffer.from(render(facts, caps), 'utf8').subarray(0, Math.max(0, maxBytes - note.length - 4)).toString('utf8').replace(/\uFFFD+$/, '');
  return body + note;
}

/** One line saying what the entry covers. */
export function renderTitle(f: RegenerateFacts): string {
  const parts = [`${plural(f.commitsTotal, 'commit')}`, totalsLine(f.files).split(',')[0]!.replace(' changed', '')];
  if (f.uncommitted) {
    const n = new Set([...f.uncommitted.staged, ...f.uncommitted.unstaged].map((x) => x.path)).size + f.uncommitted.untracked.length;
    if (n) parts.push(`${n} uncommitted`);
  }
  if (f.tests?.reports.length) {
    const t = sumTotals(f.tests.reports);
    parts.push(`tests ${t.passed} passed, ${t.failed} failed`);
  } else if (f.tests?.unreadable.length) parts.push('test logs not read');
  const where = f.branch ?? (f.head ? f.head.slice(0, 12) : 'no commits');
  return `Regenerated: ${where}, ${parts.join(', ')}`.slice(0, 200);
}

/**
 * Paths for the entry's `refs`, at most `max`: the paths themselves when they fit, else their
 * directories at the deepest level that fits (a ref to a directory matches `log --ref` for anything under it).
 */
export function compressRefs(paths: readonly string[], max: number): string[] {
  const unique = [...new Set(paths)].sort();
  if (unique.length <= max) return unique;
  const depth = Math.max(...unique.map((p) => p.split('/').length));
  for (let d = depth - 1; d >= 1; d--) {
    const cut = [...new Set(unique.map((p) => p.split('/').slice(0, d).join('/')))].sort();
    if (cut.length <= max) return cut;
  }
  return [...new Set(unique.map((p) => p.split('/')[0]!))].sort().slice(0, max);
}
