/**
 * What a test log says, whatever wrote it: totals and every failure with its name, location and the
 * first lines of its message. The readers (junit.ts, tap.ts, jest-json.ts, go-json.ts, json-reports.ts,
 * console.ts) all produce this.
 */
import { finishFailure } from './text.js';

export const TEST_LOG_FORMATS = [
  'junit',
  'tap',
  'jest-json',
  'go-test-json',
  'mocha-json',
  'rspec-json',
  'pytest-json',
  'pytest-console',
  'vitest-console',
  'jest-console',
  'go-test-console',
  'cargo-test-console',
  'node-test-console',
] as const;
export type TestLogFormat = (typeof TEST_LOG_FORMATS)[number];

export interface TestTotals {
  /** passed + failed + skipped. */
  total: number;
  passed: number;
  /** Failures and errors. */
  failed: number;
  /** Skipped, todo, pending, disabled, expected failures. */
  skipped: number;
  /** Wall time of the run as the log states it, null when it does not. */
  durationMs: number | null;
}

export interface TestFailure {
  /** The test's name as the runner gives it (with its enclosing describe blocks where the log nests them). */
  name: string;
  /** What groups it: a file, class, package or suite path; null when the log names none. */
  suite: string | null;
  /** Where it failed, as the log says it (possibly absolute or a file URL); null when unknown. */
  file: string | null;
  line: number | null;
  /** The first lines of the failure message, stack frames left out. */
  message: string;
  /** An assertion failure, or an error (exception, crash, a suite that could not run). */
  kind: 'failure' | 'error';
}

export interface TestReport {
  /** The log file, as given. */
  path: string;
  format: TestLogFormat;
  totals: TestTotals;
  /** In the order the log lists them, at most MAX_FAILURES. */
  failures: TestFailure[];
  /** Failures beyond MAX_FAILURES, counted but not kept. */
  failuresOmitted: number;
  /** What could not be read (malformed, truncated): the report holds whatever could be. */
  warnings: string[];
}

/**
 * A failure as a reader sees it, before anything is taken from its text: `texts` are the raw texts of
 * the log (screened for secrets whole by finishFailure before `build` sees them), `build` chooses the
 * message and the location from the screened texts.
 */
export interface FailureDraft {
  name: string;
  suite: string | null;
  kind: 'failure' | 'error';
  texts: string[];
  build(screened: string[]): { message: string; file: string | null; line: number | null; fallback?: string; kind?: 'failure' | 'error'; suite?: string | null };
}

/** Failures kept per log (the rest are counted): bounds memory on huge logs. */
export const MAX_FAILURES = 1000;
/** Characters of raw failure text kept while reading, before the message is cut to its first lines. */
export const MAX_RAW_MESSAGE = 8192;

export type Outcome = 'passed' | 'failed' | 'skipped';

/** What a parser counts as it reads: tests by outcome, and failures up to MAX_FAILURES (the rest counted). */
export class Tally {
  readonly counts: Record<Outcome, number> = { passed: 0, failed: 0, skipped: 0 };
  readonly failures: TestFailure[] = [];
  omitted = 0;

  /** Whether another failure would be kept (so that callers skip building ones that would not). */
  get full(): boolean {
    return this.failures.length >= MAX_FAILURES;
  }

  /** Count one test; a failed one with its failure (built only when it will be kept, its text screened first). */
  add(outcome: Outcome, failure?: () => FailureDraft): void {
    this.counts[outcome]++;
    if (outcome !== 'failed') return;
    if (this.full || !failure) this.omitted++;
    else this.failures.push(finishFailure(failure()));
  }

  /** Uncount a test counted by mistake (a Go test that turns out to have subtests). */
  remove(outcome: Outcome, matches?: (f: TestFailure) => boolean): void {
    this.counts[outcome]--;
    if (outcome !== 'failed' || !matches) return;
    const i = this.failures.findIndex(matches);
    if (i >= 0) this.failures.splice(i, 1);
    else if (this.omitted > 0) this.omitted--;
  }

  report(path: string, format: TestLogFormat, durationMs: number | null, warnings: string[]): TestReport {
    const { passed, failed, skipped } = this.counts;
    return {
      path,
      format,
      totals: { total: passed + failed + skipped, passed, failed, skipped, durationMs: durationMs === null ? null : Math.round(durationMs) },
      failures: this.failures,
      failuresOmitted: this.omitted,
      warnings,
    };
  }
}

/** Parser input: the log's text, in chunks (a file stream, or one string in tests). */
export type TextChunks = AsyncIterable<string> | Iterable<string>;
