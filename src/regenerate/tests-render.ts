/**
 * Test results as Markdown, for regenerate's Tests section and a handoff's "What still needs work":
 * each log with its totals and warnings (a cut log must not look complete), then the failures grouped
 * by cause (the same message, numbers and quoted values aside), each group with its full message once
 * and every test in it by name (in a code span: greppable as written) and place.
 */
import type { TestFailure, TestReport } from '../testlog/index.js';
import type { MergedReport } from '../testlog/merge.js';

export interface TestSummary {
  reports: MergedReport[];
  /** Logs that could not be read at all (unknown format, not a test report), with the reason. */
  unreadable: { path: string; reason: string }[];
}

export interface TestCaps {
  /** Groups of failures shown. */
  groups: number;
  /** Tests named per group. */
  namesPerGroup: number;
  /** Warnings shown per log. */
  warnings: number;
}

/** A Markdown code span that survives any text: backticks, control characters. */
export function code(s: string): string {
  const clean = s.replace(/[\u0000-\u001f\u007f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
  if (!clean.includes('`')) return `\`${clean}\``;
  const longest = Math.max(...(clean.match(/`+/g) ?? ['']).map((r) => r.length));
  const fence = '`'.repeat(longest + 1);
  return `${fence} ${clean} ${fence}`;
}

function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

function fmtMs(ms: number | null): string {
  if (ms === null) return '';
  return ms >= 1000 ? ` in ${(ms / 1000).toFixed(1)} s` : ` in ${ms} ms`;
}

/** Sum of the totals of several test logs (logs of one run were merged into one before). */
export function sumTotals(reports: readonly TestReport[]): { total: number; passed: number; failed: number; skipped: number; durationMs: number | null } {
  const t = { total: 0, passed: 0, failed: 0, skipped: 0, durationMs: null as number | null };
  for (const r of reports) {
    t.total += r.totals.total;
    t.passed += r.totals.passed;
    t.failed += r.totals.failed;
    t.skipped += r.totals.skipped;
    if (r.totals.durationMs !== null) t.durationMs = (t.durationMs ?? 0) + r.totals.durationMs;
  }
  return t;
}

/** What a failure's cause is: its kind and the first line of its message, numbers and quoted values aside. */
export function causeOf(f: TestFailure): string {
  const first = f.message.split('\n').find((l) => l.trim()) ?? '';
  return `${f.kind}\u0000${first
    .replace(/(["'`])(?:(?!\1).){0,200}\1/g, '$1…$1')
    .replace(/\b0x[0-9a-f]+\b/gi, 'H')
    .replace(/\d+(\.\d+)?/g, 'N')
    .trim()}`;
}

export interface FailureGroup {
  failures: TestFailure[];
}

/** Failures grouped by cause, the biggest group first, groups in the order their first failure came otherwise. */
export function groupFailures(failures: readonly TestFailure[]): FailureGroup[] {
  const groups = new Map<string, FailureGroup>();
  for (const f of failures) {
    const k = causeOf(f);
    let g = groups.get(k);
    if (!g) groups.set(k, (g = { failures: [] }));
    g.failures.push(f);
  }
  return [...groups.values()].sort((a, b) => b.failures.length - a.failures.length);
}

/** A test as a person would look for it: its name, then its suite when the name does not hold it. */
export function testLabel(f: TestFailure): string {
  // A suite that is the failure's own file says nothing its place does not.
  const sameFile = !!f.suite && !!f.file && baseName(f.suite) === baseName(f.file);
  const suite = f.suite && !sameFile && !f.name.startsWith(f.suite) ? ` (${code(f.suite)})` : '';
  return `${code(f.name)}${suite}`;
}

function baseName(p: string): string {
  return p.slice(p.lastIndexOf('/') + 1);
}

function where(f: TestFailure): string {
  return f.file ? ` at ${code(f.line ? `${f.file}:${f.line}` : f.file)}` : '';
}

function fenced(message: string, indent: string): string[] {
  if (!message.trim()) return [];
  const fence = '`'.repeat(Math.max(3, ...(message.match(/`{3,}/g) ?? []).map((r) => r.length + 1)));
  return [`${indent}${fence}`, ...message.split('\n').map((l) => (l ? `${indent}${l}` : '')), `${indent}${fence}`];
}

/** The logs, one line each, with their warnings; the logs that could not be read, and why. */
export function logLines(tests: TestSummary, caps: TestCaps): string[] {
  const out: string[] = [];
  for (const r of tests.reports) {
    const paths = [r, ...(r.alsoIn ?? [])].map((x) => code(x.path)).join(', ');
    const formats = [r.format, ...(r.alsoIn ?? []).map((x) => x.format)].join(', ');
    out.push(`- ${paths} (${formats}${r.alsoIn?.length ? ': one run' : ''}): ${r.totals.passed} passed, ${r.totals.failed} failed, ${r.totals.skipped} skipped${fmtMs(r.totals.durationMs)}`);
    for (const w of r.warnings.slice(0, caps.warnings)) out.push(`  - warning: ${w.replace(/\s+/g, ' ')}`);
    if (r.warnings.length > caps.warnings) out.push(`  - … and ${plural(r.warnings.length - caps.warnings, 'more warning')}`);
  }
  for (const u of tests.unreadable) out.push(`- ${code(u.path)}: not read: ${u.reason.replace(/\s+/g, ' ')}`);
  return out;
}

/** Groups this small are shown failure by failure. */
const SMALL_GROUP = 3;

/** The failures, grouped by cause (see the module comment). */
export function failureLines(tests: TestSummary, caps: TestCaps): string[] {
  const failures = tests.reports.flatMap((r) => r.failures);
  const omitted = tests.reports.reduce((n, r) => n + r.failuresOmitted, 0);
  if (!failures.length && !omitted) return [];
  const groups = groupFailures(failures);
  const out: string[] = [];
  out.push(`${plural(failures.length + omitted, 'failure')}${groups.length > 1 ? `, ${groups.length} causes` : ''}:`, '');
  for (const g of groups.slice(0, caps.groups)) {
    const first = g.failures[0]!;
    if (g.failures.length <= SMALL_GROUP) {
      // A few failures alike: each with its own message (their values differ).
      for (const f of g.failures) {
        out.push(`- ${testLabel(f)}${where(f)}${f.kind === 'error' ? ' — error' : ''}`);
        out.push(...fenced(f.message, '  '));
      }
      continue;
    } else {
      out.push(`- ${g.failures.length} tests${first.kind === 'error' ? ' (errors)' : ''}:`);
      for (const f of g.failures.slice(0, caps.namesPerGroup)) out.push(`  - ${testLabel(f)}${where(f)}`);
      if (g.failures.length > caps.namesPerGroup) out.push(`  - … and ${g.failures.length - caps.namesPerGroup} more with this cause`);
    }
    out.push(...fenced(first.message, '  '));
  }
  const restGroups = groups.slice(caps.groups);
  if (restGroups.length) out.push(`- … and ${plural(restGroups.reduce((n, g) => n + g.failures.length, 0), 'more failure')} with ${plural(restGroups.length, 'other cause')}`);
  if (omitted) out.push(`- … and ${plural(omitted, 'more failure')} whose text was not read (past the first 1000 of a log, or not in it)`);
  return out;
}
