/**
 * What a test log says, whatever wrote it: totals and every failure with its name, location and the
 * first lines of its message. The parsers (junit.ts, tap.ts, jest-json.ts, go-json.ts) all produce this.
 */
export const TEST_LOG_FORMATS = ['junit', 'tap', 'jest-json', 'go-test-json'] as const;
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

/** Failures kept per log (the rest are counted): bounds memory on huge logs. */
export const MAX_FAILURES = 1000;
/** Characters of raw failure text kept while reading, before the message is cut to its first lines. */
export const MAX_RAW_MESSAGE = 8192;

/** Collects failures up to the cap, counting the rest. */
export class FailureList {
  readonly items: TestFailure[] = [];
  omitted = 0;

  /** Whether another failure would be kept (so that callers skip building ones that would not). */
  get full(): boolean {
    return this.items.length >= MAX_FAILURES;
  }

  push(f: TestFailure): void {
    if (this.full) this.omitted++;
    else this.items.push(f);
  }
}

/** Parser input: the log's text, in chunks (a file stream, or one string in tests). */
export type TextChunks = AsyncIterable<string> | Iterable<string>;
