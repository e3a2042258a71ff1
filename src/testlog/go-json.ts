/**
 * `go test -json` (test2json): one JSON event a line, `{Time, Action, Package, Test, Elapsed, Output}`,
 * packages interleaved. Subtests are `Parent/child`; a test counts when it has no subtests. A package
 * that fails with no failed test (a build failure, a panic outside a test, a timeout) is a failure of
 * its own. A package that did not build is reported before Go 1.24 as plain lines among the events
 * (the compiler's `# pkg` and its errors, then `FAIL pkg [build failed]`), since 1.24 as `build-output`
 * and `build-fail` events and a `fail` event with `FailedBuild`: either way, a failure of the package
 * with the compiler's first errors. Read line by line, keeping only a few output lines per test: memory
 * stays bounded.
 */
import { Tally, type FailureDraft, type TestReport, type TextChunks } from './types.js';
import { findLocation, goMessage, linesOf } from './text.js';

/** Output lines kept per test or package (the message is its first few; a panic's frame comes soon after). */
const MAX_OUTPUT_LINES = 60;

interface Event {
  Time?: string;
  Action?: string;
  Package?: string;
  ImportPath?: string;
  FailedBuild?: string;
  Test?: string;
  Elapsed?: number;
  Output?: string;
}

interface TestState {
  pkg: string;
  name: string;
  result: 'pass' | 'fail' | 'skip' | null;
  output: string[];
  order: number;
}

function keepOutput(into: string[], output: string): void {
  if (into.length < MAX_OUTPUT_LINES && !/^\s*(=== (RUN|PAUSE|CONT|NAME)|--- (PASS|FAIL|SKIP):)/.test(output)) into.push(output.replace(/\n$/, ''));
}

export async function parseGoTestJson(path: string, chunks: TextChunks): Promise<TestReport> {
  const warnings: string[] = [];
  const tests = new Map<string, TestState>();
  const packages = new Map<string, { result: string | null; output: string[]; order: number; build?: boolean }>();
  /** Compiler output by package (plain `# pkg` lines, or build-output events). */
  const buildOutput = new Map<string, string[]>();
  let building: string[] | null = null;
  let badLines = 0;
  let events = 0;
  let first: number | null = null;
  let last: number | null = null;
  let order = 0;

  for await (const raw of linesOf(chunks)) {
    const line = raw.trim();
    if (!line) continue;
    let e: Event;
    try {
      e = JSON.parse(line) as Event;
      if (!e || typeof e !== 'object' || typeof e.Action !== 'string') throw new Error('not an event');
    } catch {
      // `go test -json` before Go 1.24 passes build failures through as plain lines.
      let m: RegExpExecArray | null;
      if ((m = /^# (\S+)(?: \[\S+\])?$/.exec(line))) buildOutput.set(m[1]!, (building = []));
      else if ((m = /^FAIL\s+(\S+) \[(build|setup) failed\]$/.exec(line))) {
        building = null;
        const pkg = m[1]!;
        if (!packages.has(pkg)) packages.set(pkg, { result: null, output: [], order: packages.size });
        const p = packages.get(pkg)!;
        p.result = 'fail';
        p.build = true;
      } else if (building && building.length < MAX_OUTPUT_LINES) building.push(raw);
      else if (!building) badLines++;
      continue;
    }
    building = null;
    if (e.Action === 'build-output' || e.Action === 'build-fail') {
      const pkg = e.ImportPath?.replace(/ \[.*\]$/, '') ?? '';
      const out = buildOutput.get(pkg) ?? [];
      buildOutput.set(pkg, out);
      if (e.Action === 'build-output' && e.Output && out.length < MAX_OUTPUT_LINES && !/^# /.test(e.Output)) out.push(e.Output.replace(/\n$/, ''));
      continue;
    }
    events++;
    const t = e.Time ? Date.parse(e.Time) : NaN;
    if (Number.isFinite(t)) {
      first = first === null ? t : Math.min(first, t);
      last = last === null ? t : Math.max(last, t);
    }
    const pkg = e.Package ?? '';
    if (!e.Test) {
      let p = packages.get(pkg);
      if (!p) packages.set(pkg, (p = { result: null, output: [], order: packages.size }));
      if (e.Action === 'output' && e.Output) keepOutput(p.output, e.Output);
      else if (e.Action === 'pass' || e.Action === 'fail' || e.Action === 'skip') p.result = e.Action;
      if (e.FailedBuild) p.build = true;
      continue;
    }
    const key = `${pkg}\u0000${e.Test}`;
    let s = tests.get(key);
    if (!s) tests.set(key, (s = { pkg, name: e.Test, result: null, output: [], order: order++ }));
    if (!packages.has(pkg)) packages.set(pkg, { result: null, output: [], order: packages.size });
    if (e.Action === 'output' && e.Output) keepOutput(s.output, e.Output);
    else if (e.Action === 'pass' || e.Action === 'fail' || e.Action === 'skip') s.result = e.Action;
  }
  if (badLines) warnings.push(`${path}: ${badLines === 1 ? '1 line is not a test2json event' : `${badLines} lines are not test2json events`} (skipped)`);
  if (!events) warnings.push(`${path}: no go test -json events found`);

  const parents = new Set<string>();
  for (const s of tests.values()) {
    const slash = s.name.lastIndexOf('/');
    if (slash > 0) for (let n = s.name; n.includes('/'); ) parents.add(`${s.pkg}\u0000${(n = n.slice(0, n.lastIndexOf('/')))}`);
  }
  const tally = new Tally();
  const failedPackages = new Set<string>();
  let unfinished = 0;
  // Packages run in parallel and their events interleave: list by package, then in the order tests ran.
  const pkgOrder = (pkg: string) => packages.get(pkg)?.order ?? 0;
  for (const [key, s] of [...tests].sort((a, b) => pkgOrder(a[1].pkg) - pkgOrder(b[1].pkg) || a[1].order - b[1].order)) {
    if (parents.has(key)) continue;
    // A test with no result in a package that ended: its binary died (a panic, a timeout): it failed.
    // In a package that did not end either, the log was cut: the test is not counted.
    const result = s.result ?? (packages.get(s.pkg)?.result ? 'fail' : null);
    if (result === null) {
      unfinished++;
      continue;
    }
    if (result === 'fail') failedPackages.add(s.pkg);
    tally.add(result === 'pass' ? 'passed' : result === 'skip' ? 'skipped' : 'failed', () => toFailure(s.name, s.pkg, s.output, s.result === null));
  }
  for (const [pkg, p] of packages) {
    if (p.result === 'fail' && !failedPackages.has(pkg)) {
      tally.add('failed', () => {
        const built = p.build ? (buildOutput.get(pkg) ?? []) : [];
        const d = toFailure(`${pkg} (${p.build ? 'build failed' : 'package failed'})`, pkg, built.length ? built : p.output, false);
        return { ...d, build: (t) => ({ ...d.build(t), kind: 'error', fallback: p.build ? 'build failed' : 'failed' }) };
      });
    }
  }
  if (unfinished) warnings.push(`${path}: ${unfinished} test${unfinished === 1 ? '' : 's'} with no result (truncated log?), not counted`);
  return tally.report(path, 'go-test-json', first !== null && last !== null ? last - first : null, warnings);
}

function toFailure(name: string, pkg: string, output: string[], unfinished: boolean): FailureDraft {
  return {
    name,
    suite: pkg || null,
    kind: 'failure',
    texts: [output.join('\n')],
    build: ([text]) => {
      const loc = findLocation(text!);
      const panic = /^panic: /m.test(text!);
      return { message: goMessage(text!), file: loc?.file ?? null, line: loc?.line ?? null, fallback: unfinished ? 'no result (the test binary stopped)' : 'failed', kind: panic || unfinished ? 'error' : 'failure' };
    },
  };
}
