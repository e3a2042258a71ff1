/**
 * One run, many files: a `test-results/` folder often holds the same run twice (JUnit and JSON, a
 * console log beside a report). Reports that describe the same run (the same number of tests, the same
 * failed tests) are merged into one: totals once, each failure once, with the richest message and the
 * most precise location any of them gives.
 */
import type { TestFailure, TestLogFormat, TestReport } from './types.js';

export interface MergedReport extends TestReport {
  /** The other logs of the same run, merged into this one. */
  alsoIn?: { path: string; format: TestLogFormat }[];
}

/** Which format's totals and names are trusted first (a runner's own JSON, then JUnit, TAP, console). */
const RANK: Record<string, number> = { 'jest-json': 0, 'go-test-json': 0, 'mocha-json': 0, 'rspec-json': 0, 'pytest-json': 0, junit: 1, tap: 2 };
const rank = (r: TestReport) => RANK[r.format] ?? 3;

/** A test's own name, whatever the log prefixes it with (describe blocks, classes, files). */
export function leafName(f: TestFailure): string {
  const parts = f.name.split(/ > | › |::/);
  return parts[parts.length - 1]!.trim().toLowerCase();
}

function leaves(r: TestReport): string {
  return r.failures
    .map(leafName)
    .sort()
    .join('\u0000');
}

/** The files the failures are in, by name: two runs of different projects fail in different files. */
function failedFiles(r: TestReport): string {
  return [...new Set(r.failures.flatMap((f) => (f.file ? [base(f.file)] : [])))].sort().join('\u0000');
}

function sameRun(a: TestReport, b: TestReport): boolean {
  if (a.totals.total !== b.totals.total || a.totals.failed !== b.totals.failed || a.totals.total === 0) return false;
  if (a.failuresOmitted || b.failuresOmitted) return false;
  if (a.totals.failed === 0) return a.totals.passed === b.totals.passed && a.format !== b.format;
  if (leaves(a) !== leaves(b)) return false;
  const [fa, fb] = [failedFiles(a), failedFiles(b)];
  return !fa || !fb || fa === fb;
}

function nonBlankLines(s: string): number {
  return s.split('\n').filter((l) => l.trim() && l !== '…').length;
}

/** The richer of two descriptions of one failure: the longer message; a location with a line. */
function richer(keep: TestFailure, other: TestFailure): TestFailure {
  const out = { ...keep };
  if (nonBlankLines(other.message) > nonBlankLines(keep.message) || (nonBlankLines(other.message) === nonBlankLines(keep.message) && other.message.length > keep.message.length)) out.message = other.message;
  if ((keep.line === null && other.line !== null) || (!keep.file && other.file)) {
    out.file = other.file;
    out.line = other.line;
  }
  return out;
}

/** Merge the reports that describe the same run; the others are returned as they are, in their order. */
export function mergeSameRun(reports: readonly TestReport[]): MergedReport[] {
  const group = reports.map((_, i) => i);
  const find = (i: number): number => (group[i] === i ? i : (group[i] = find(group[i]!)));
  for (let i = 0; i < reports.length; i++) for (let j = i + 1; j < reports.length; j++) if (sameRun(reports[i]!, reports[j]!)) group[find(j)] = find(i);
  const out: MergedReport[] = [];
  const done = new Set<number>();
  for (let i = 0; i < reports.length; i++) {
    const root = find(i);
    if (done.has(root)) continue;
    done.add(root);
    const members = reports.filter((_, k) => find(k) === root);
    if (members.length === 1) {
      out.push(members[0]!);
      continue;
    }
    const [primary, ...others] = [...members].sort((a, b) => rank(a) - rank(b));
    const failures = primary!.failures.map((f) => {
      let best = f;
      const leaf = leafName(f);
      for (const o of others) {
        const match = o.failures.find((g) => leafName(g) === leaf && (!g.file || !f.file || base(g.file) === base(f.file)));
        if (match) best = richer(best, match);
      }
      return best;
    });
    out.push({
      ...primary!,
      failures,
      warnings: members.flatMap((m) => m.warnings),
      alsoIn: others.map((o) => ({ path: o.path, format: o.format })),
    });
  }
  return out;
}

function base(p: string): string {
  return p.slice(p.lastIndexOf('/') + 1);
}
