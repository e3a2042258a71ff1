/**
 * More JSON reports, read whole like jest's (jest-json.ts): mocha's `--reporter json`
 * (`{stats, tests, failures, passes, pending}`), RSpec's `--format json` (`{examples, summary}`) and
 * pytest-json-report's (`{summary, tests: [{nodeid, outcome, setup, call, teardown}]}`).
 */
import { Tally, type TestReport } from './types.js';
import { findLocation, pytestExplanation } from './text.js';
import { repairTruncatedJson } from './jest-json.js';

interface MochaTest {
  title?: string;
  fullTitle?: string;
  file?: string;
  err?: { message?: string; stack?: string; name?: string } | null;
}

interface MochaReport {
  stats?: { tests?: number; passes?: number; pending?: number; failures?: number; duration?: number };
  tests?: MochaTest[];
  failures?: MochaTest[];
  passes?: MochaTest[];
  pending?: MochaTest[];
}

/** Parse a whole JSON text, or its complete part when it was cut (with a warning). */
function parseJson<T>(path: string, text: string, warnings: string[]): T | null {
  try {
    return JSON.parse(text) as T;
  } catch (e) {
    const repaired = repairTruncatedJson(text);
    let parsed: T | null = null;
    if (repaired) {
      try {
        parsed = JSON.parse(repaired) as T;
      } catch {
        parsed = null;
      }
    }
    warnings.push(`${path}: not valid JSON (${(e as Error).message.split('\n')[0]})${parsed ? '; read the complete part of it' : ''}`);
    return parsed;
  }
}

export function parseMochaJson(path: string, text: string): TestReport {
  const warnings: string[] = [];
  const report = parseJson<MochaReport>(path, text, warnings) ?? {};
  const tally = new Tally();
  const failures = Array.isArray(report.failures) ? report.failures : [];
  for (const f of failures) {
    tally.add('failed', () => ({
      name: f.fullTitle ?? f.title ?? '(unnamed)',
      suite: f.file ?? null,
      kind: f.err?.name && !/Assertion/.test(f.err.name) && !/^AssertionError/.test(f.err.stack ?? '') ? 'error' : 'failure',
      texts: [f.err?.stack ?? '', f.err?.message ?? ''],
      build: ([stack, message]) => {
        const loc = findLocation(stack!, f.file);
        // The stack starts with "Name: message"; the message alone lacks the error's name.
        const head = stack!.split(/\n\s+at /)[0]!;
        return { message: head || message!, file: loc?.file ?? f.file ?? null, line: loc?.line ?? null, kind: /^\s*AssertionError/.test(head) ? 'failure' : 'error' };
      },
    }));
  }
  const s = report.stats;
  if (s && typeof s.tests === 'number') {
    tally.counts.passed = s.passes ?? 0;
    tally.counts.skipped = s.pending ?? 0;
    // Hook failures ("before all" hook) are failures that are not tests: mocha counts them in failures.
  } else {
    warnings.push(`${path}: no "stats": the report may be cut; counted the tests it lists`);
    tally.counts.passed = Array.isArray(report.passes) ? report.passes.length : 0;
    tally.counts.skipped = Array.isArray(report.pending) ? report.pending.length : 0;
  }
  return tally.report(path, 'mocha-json', typeof s?.duration === 'number' ? s.duration : null, warnings);
}

interface RspecExample {
  description?: string;
  full_description?: string;
  status?: string;
  file_path?: string;
  line_number?: number;
  exception?: { class?: string; message?: string; backtrace?: string[] | null } | null;
}

interface RspecReport {
  examples?: RspecExample[];
  summary?: { duration?: number; example_count?: number; failure_count?: number; pending_count?: number; errors_outside_of_examples_count?: number };
  messages?: string[];
}

/** The first backtrace line in the spec's own file: `./spec/math_spec.rb:9:in 'block (2 levels)...'`. */
function rubyLocation(backtrace: readonly string[], file: string | undefined): { file: string; line: number } | null {
  const base = file?.replace(/^\.\//, '');
  let first: { file: string; line: number } | null = null;
  for (const b of backtrace) {
    const m = /^(.+?):(\d+)(?::in |$)/.exec(b);
    if (!m) continue;
    const f = m[1]!.replace(/^\.\//, '');
    if (base && (f === base || f.endsWith(`/${base}`))) return { file: base, line: Number(m[2]) };
    if (!first && !/\/(gems|rubygems|ruby)\//.test(f)) first = { file: f, line: Number(m[2]) };
  }
  return first;
}

export function parseRspecJson(path: string, text: string): TestReport {
  const warnings: string[] = [];
  const report = parseJson<RspecReport>(path, text, warnings) ?? {};
  const tally = new Tally();
  const examples = Array.isArray(report.examples) ? report.examples : [];
  for (const e of examples) {
    const outcome = e.status === 'passed' ? 'passed' : e.status === 'failed' ? 'failed' : 'skipped';
    tally.add(outcome, () => {
      const cls = e.exception?.class ?? '';
      return {
        name: e.full_description ?? e.description ?? '(unnamed)',
        suite: e.file_path?.replace(/^\.\//, '') ?? null,
        kind: /ExpectationNotMetError|MultipleExpectationsNotMetError/.test(cls) ? 'failure' : 'error',
        texts: [e.exception?.message ?? '', (e.exception?.backtrace ?? []).join('\n')],
        build: ([message, backtrace]) => {
          const loc = rubyLocation(backtrace!.split('\n'), e.file_path) ?? (e.file_path && e.line_number ? { file: e.file_path.replace(/^\.\//, ''), line: e.line_number } : null);
          const expectation = /ExpectationNotMetError/.test(cls);
          return { message: expectation ? message!.replace(/^\n+/, '') : `${cls}: ${message}`, file: loc?.file ?? null, line: loc?.line ?? null };
        },
      };
    });
  }
  const outside = report.summary?.errors_outside_of_examples_count ?? 0;
  for (let i = 0; i < outside; i++) {
    const text = report.messages?.[i] ?? '';
    tally.add('failed', () => ({ name: '(error outside of examples)', suite: null, kind: 'error', texts: [text], build: ([t]) => ({ message: t!, file: null, line: null, fallback: 'error outside of examples' }) }));
  }
  if (!report.summary) warnings.push(`${path}: no "summary": the report may be cut; counted the examples it lists`);
  return tally.report(path, 'rspec-json', typeof report.summary?.duration === 'number' ? report.summary.duration * 1000 : null, warnings);
}

interface PytestStage {
  outcome?: string;
  crash?: { path?: string; lineno?: number; message?: string } | null;
  traceback?: { path?: string; lineno?: number; message?: string }[] | null;
  longrepr?: string | null;
}

interface PytestTest {
  nodeid?: string;
  outcome?: string;
  setup?: PytestStage;
  call?: PytestStage;
  teardown?: PytestStage;
}

interface PytestJsonReport {
  duration?: number;
  summary?: Record<string, number>;
  tests?: PytestTest[];
}

export function parsePytestJson(path: string, text: string): TestReport {
  const warnings: string[] = [];
  const report = parseJson<PytestJsonReport>(path, text, warnings) ?? {};
  const tally = new Tally();
  const tests = Array.isArray(report.tests) ? report.tests : [];
  for (const t of tests) {
    const o = t.outcome ?? '';
    const outcome = o === 'passed' || o === 'xpassed' ? 'passed' : o === 'failed' || o === 'error' ? 'failed' : 'skipped';
    tally.add(outcome, () => {
      const nodeid = t.nodeid ?? '(unnamed)';
      const sep = nodeid.indexOf('::');
      const file = sep > 0 ? nodeid.slice(0, sep) : null;
      // The stage that failed: the call, or for an error its setup or teardown.
      const stage = [t.call, t.setup, t.teardown].find((s) => s && s.outcome === 'failed') ?? t.call ?? t.setup ?? {};
      return {
        name: sep > 0 ? nodeid.slice(sep + 2) : nodeid,
        suite: file,
        kind: o === 'error' ? 'error' : 'failure',
        texts: [stage.longrepr ?? '', stage.crash?.message ?? ''],
        build: ([longrepr, crash]) => {
          // The test file's own frame in the traceback, else where it crashed.
          const frame = (stage.traceback ?? []).find((f) => f.path && file && (f.path === file || f.path.endsWith(`/${file}`)));
          const loc = frame?.path && frame.lineno ? { file: frame.path, line: frame.lineno } : stage.crash?.path && stage.crash.lineno ? { file: stage.crash.path, line: stage.crash.lineno } : findLocation(longrepr!, file);
          const at = loc && file && loc.file.endsWith(`/${file}`) ? file : (loc?.file ?? file);
          return { message: pytestExplanation(longrepr!) ?? (crash || longrepr!), file: at, line: loc?.line ?? null };
        },
      };
    });
  }
  const s = report.summary;
  if (s && typeof s.total === 'number') {
    // The summary's counts are the run's own; a report cut short lists fewer tests.
    const listed = tally.counts.passed + tally.counts.failed + tally.counts.skipped;
    if (listed < s.total) warnings.push(`${path}: the summary counts ${s.total} tests but the report lists ${listed} (cut?)`);
  } else warnings.push(`${path}: no "summary": the report may be cut; counted the tests it lists`);
  return tally.report(path, 'pytest-json', typeof report.duration === 'number' ? report.duration * 1000 : null, warnings);
}
