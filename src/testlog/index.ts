/**
 * Test logs: `parseTestLog(file)` reads a JUnit XML, TAP, jest/vitest JSON, mocha or RSpec JSON or
 * `go test -json` report, or the console output of pytest, vitest, jest, go test, cargo test or
 * node --test (the format told by the file's content, or forced) into totals and failures. A directory
 * stands for the logs in it (Surefire writes one file per test class). Malformed or truncated logs give
 * a report of whatever could be read, with warnings; a file that cannot be read at all, or that is not
 * a test report (a JSON or XML document of another kind, an HTML page), is an error saying so.
 */
import { createReadStream, openSync, readSync, closeSync, statSync, readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { StringDecoder } from 'node:string_decoder';
import { UsageError } from '../errors.js';
import { Tally, TEST_LOG_FORMATS, type TestLogFormat, type TestReport } from './types.js';
import { CONSOLE_FORMATS, detectConsole, type ConsoleFormat } from './console.js';

export * from './types.js';

const ALIASES: Record<string, TestLogFormat> = {
  junit: 'junit',
  xml: 'junit',
  'junit-xml': 'junit',
  surefire: 'junit',
  tap: 'tap',
  'jest-json': 'jest-json',
  'vitest-json': 'jest-json',
  jest: 'jest-json',
  vitest: 'jest-json',
  json: 'jest-json',
  'go-test-json': 'go-test-json',
  'go-json': 'go-test-json',
  go: 'go-test-json',
  test2json: 'go-test-json',
  mocha: 'mocha-json',
  'mocha-json': 'mocha-json',
  rspec: 'rspec-json',
  'rspec-json': 'rspec-json',
  'pytest-json': 'pytest-json',
  'pytest-json-report': 'pytest-json',
  'pytest-console': 'pytest-console',
  pytest: 'pytest-console',
  'vitest-console': 'vitest-console',
  'jest-console': 'jest-console',
  'go-test-console': 'go-test-console',
  'go-test': 'go-test-console',
  'cargo-test-console': 'cargo-test-console',
  cargo: 'cargo-test-console',
  'cargo-test': 'cargo-test-console',
  'node-test-console': 'node-test-console',
  'node-test-spec': 'node-test-console',
};

/** A --format value as a format, or a usage error naming the choices. */
export function checkFormat(value: string): TestLogFormat {
  const f = ALIASES[value.trim().toLowerCase()];
  if (!f) throw new UsageError(`unknown test log format: ${value}`, { code: 'E_TEST_LOG_FORMAT', hint: `formats: ${TEST_LOG_FORMATS.join(', ')}` });
  return f;
}

/**
 * Why a report read with a forced format says nothing (no test at all, and the reader warned that it
 * found none of its format's markers), or null when it says something: such a log is "not understood",
 * never "0 passed, 0 failed".
 */
export function notUnderstood(r: TestReport): string | null {
  if (r.totals.total > 0 || r.failures.length || r.failuresOmitted || !r.warnings.length) return null;
  const w = r.warnings[0]!;
  return `not understood as ${r.format}: ${w.startsWith(`${r.path}: `) ? w.slice(r.path.length + 2) : w}`;
}

/** A file that is not a test report these readers read: why, said to the user. */
export class NotATestReport extends Error {}

/** The name of an XML document's root element, past its prolog, comments and doctype. */
function xmlRoot(text: string): string | null {
  const m = /^(?:<\?[\s\S]*?\?>\s*|<!--[\s\S]*?-->\s*|<!DOCTYPE[^>]*>\s*)*<([A-Za-z_][\w:.-]*)/i.exec(text);
  return m ? m[1]! : null;
}

/**
 * The format of a log from its content: its first bytes, and for console output also its last ones
 * (`tail`: the summary lines are at the end). Null when nothing is recognisable; NotATestReport when
 * the file is recognisably something else (a JSON or XML document of another kind, an HTML page).
 */
export function detectFormat(head: string, tail = ''): TestLogFormat | null {
  const text = head.replace(/^\uFEFF/, '').trimStart();
  if (text.startsWith('<')) {
    const root = xmlRoot(text)?.toLowerCase() ?? '';
    if (root === 'testsuites' || root === 'testsuite') return 'junit';
    if (root === 'html' || /^<!doctype html/i.test(text)) throw new NotATestReport('an HTML page, not a test report (give the JUnit XML or JSON report the runner wrote)');
    if (root === 'testrun') throw new NotATestReport('a .NET TRX report, which git-ctx does not read (a JUnit logger, e.g. JunitXml.TestLogger, writes one it does)');
    if (root === 'assemblies' || root === 'test-run' || root === 'test-results') throw new NotATestReport(`an xUnit.net or NUnit report (<${root}>), which git-ctx does not read (give a JUnit XML report)`);
    throw new NotATestReport(root ? `XML whose root is <${root}>, not a JUnit report (<testsuites> or <testsuite>)` : 'not a JUnit XML report');
  }
  // go test -json: one event a line, possibly after lines that are not events (build output, Go < 1.24).
  const firstEvent = text.split('\n').find((l) => l.trimStart().startsWith('{'));
  if (firstEvent && (/^\s*\{\s*"(Time|Action|ImportPath)"\s*:/.test(firstEvent) || (/"Action"\s*:\s*"(run|output|pass|fail|skip|start|pause|cont|bench|build-output|build-fail)"/.test(firstEvent) && firstEvent.trimEnd().endsWith('}')))) return 'go-test-json';
  if (text.startsWith('{') || text.startsWith('[')) {
    if (/"(numTotalTests|numFailedTests|numTotalTestSuites|testResults)"\s*:/.test(text)) return 'jest-json';
    if (/^\{\s*"stats"\s*:\s*\{/.test(text) && /"(passes|failures|pending|tests)"\s*:/.test(text)) return 'mocha-json';
    if (/"examples"\s*:\s*\[/.test(text) && /"(version|summary_line|full_description)"/.test(text)) return 'rspec-json';
    if (/"exitcode"\s*:/.test(text) && /"(collectors|tests|summary)"\s*:/.test(text)) return 'pytest-json';
    throw new NotATestReport('JSON that is not a test report git-ctx reads (jest, vitest, mocha or RSpec JSON, go test -json)');
  }
  if (/^<!doctype html|^<html/i.test(text)) throw new NotATestReport('an HTML page, not a test report');
  if (/^TAP version \d+/m.test(text) || /^\s*# Subtest:/m.test(text)) return 'tap';
  const console = detectConsole(`${head}\n${tail}`);
  if (console) return console;
  // Weaker TAP: a plan, or test points (not go test's "ok  <tab>pkg" lines, which are not TAP).
  if (/^1\.\.\d+/m.test(text) || /^(not )?ok\b(?![ \t]+\S+\t)/m.test(text)) return 'tap';
  return null;
}

const HEAD_BYTES = 8192;
const LOG_FILE_RE = /\.(xml|tap|json|jsonl|log|txt|out)$/i;

/** Bytes read from each end of a file to tell a console log's runner (one failure's text can be long). */
const CONSOLE_SAMPLE_BYTES = 256 * 1024;

/** `bytes` bytes of a file from `from` (fewer at its end), as text. */
function readAt(file: string, from: number, bytes: number): string {
  const fd = openSync(file, 'r');
  try {
    const buf = Buffer.alloc(bytes);
    const n = readSync(fd, buf, 0, bytes, from);
    return buf.subarray(0, n).toString('utf8');
  } finally {
    closeSync(fd);
  }
}

export interface ParseOptions {
  /** Force the format instead of detecting it. */
  format?: TestLogFormat;
  /** Called as a file is read: bytes read so far, and the file's size. */
  onProgress?: (bytes: number, size: number) => void;
}

/** A file's text in chunks, decoded across chunk boundaries, with the bytes read reported as it goes. */
async function* readChunks(file: string, size: number, onProgress?: ParseOptions['onProgress']): AsyncGenerator<string> {
  const decoder = new StringDecoder('utf8');
  let bytes = 0;
  for await (const buf of createReadStream(file, { highWaterMark: 256 * 1024 }) as AsyncIterable<Buffer>) {
    bytes += buf.length;
    onProgress?.(bytes, size);
    yield decoder.write(buf);
  }
  const rest = decoder.end();
  if (rest) yield rest;
}

/**
 * Parse one log file, or every log file directly inside a directory (one report each). Throws
 * UsageError (E_FILE) when the path cannot be read, E_TEST_LOG_FORMAT when the format cannot be told.
 */
export async function parseTestLogs(path: string, opts: ParseOptions = {}): Promise<TestReport[]> {
  let st;
  try {
    st = statSync(path);
  } catch (e) {
    throw new UsageError(`cannot read test log ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, { code: 'E_FILE' });
  }
  if (!st.isDirectory()) return [await parseTestLog(path, opts)];
  const files = readdirSync(path)
    .filter((f) => LOG_FILE_RE.test(f))
    .sort()
    .map((f) => join(path, f))
    .filter((f) => statSync(f).isFile());
  if (!files.length) throw new UsageError(`no test logs in ${path}`, { code: 'E_FILE', hint: 'a directory is read for *.xml, *.tap, *.json files' });
  const reports: TestReport[] = [];
  for (const f of files) reports.push(await parseTestLog(f, opts));
  return reports;
}

/** Parse one log file. */
export async function parseTestLog(file: string, opts: ParseOptions = {}): Promise<TestReport> {
  let head: string;
  let tail: string;
  let size: number;
  try {
    size = statSync(file).size;
    head = readAt(file, 0, HEAD_BYTES);
    tail = '';
    if (!opts.format && size > HEAD_BYTES && !/^\uFEFF?\s*[<{[]/.test(head)) {
      // Not a structured report: a console log, whose runner may show only further in, or at its end.
      head = readAt(file, 0, CONSOLE_SAMPLE_BYTES);
      if (size > CONSOLE_SAMPLE_BYTES) tail = readAt(file, Math.max(CONSOLE_SAMPLE_BYTES, size - CONSOLE_SAMPLE_BYTES), CONSOLE_SAMPLE_BYTES);
    }
  } catch (e) {
    throw new UsageError(`cannot read test log ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, { code: 'E_FILE' });
  }
  let format: TestLogFormat | null;
  try {
    format = opts.format ?? detectFormat(head, tail);
  } catch (e) {
    if (!(e instanceof NotATestReport)) throw e;
    throw new UsageError(`${basename(file)} is not a test report: ${e.message}`, { code: 'E_TEST_LOG_FORMAT', data: { file, notATestReport: true } });
  }
  if (!format) {
    throw new UsageError(`cannot tell the format of test log ${basename(file)}: not understood`, {
      code: 'E_TEST_LOG_FORMAT',
      data: { file },
      hint: `give it with --format (${TEST_LOG_FORMATS.join(', ')})`,
    });
  }
  const stream = () => readChunks(file, size, opts.onProgress);
  switch (format) {
    case 'junit':
      return (await import('./junit.js')).parseJUnit(file, stream());
    case 'tap':
      return (await import('./tap.js')).parseTap(file, stream());
    case 'go-test-json':
      return (await import('./go-json.js')).parseGoTestJson(file, stream());
    case 'jest-json':
    case 'mocha-json':
    case 'rspec-json':
    case 'pytest-json': {
      const { parseJestJson, MAX_JSON_BYTES } = await import('./jest-json.js');
      if (size > MAX_JSON_BYTES) {
        return new Tally().report(file, format, null, [`${file}: ${size} bytes is over the ${MAX_JSON_BYTES}-byte limit for JSON reports; not read`]);
      }
      const text = readFileSync(file, 'utf8');
      if (format === 'jest-json') return parseJestJson(file, text);
      const { parseMochaJson, parseRspecJson, parsePytestJson } = await import('./json-reports.js');
      return format === 'mocha-json' ? parseMochaJson(file, text) : format === 'rspec-json' ? parseRspecJson(file, text) : parsePytestJson(file, text);
    }
    default:
      if ((CONSOLE_FORMATS as readonly string[]).includes(format)) return (await import('./console.js')).parseConsole(file, format as ConsoleFormat, stream());
      throw new UsageError(`unknown test log format: ${format}`, { code: 'E_TEST_LOG_FORMAT' });
  }
}
