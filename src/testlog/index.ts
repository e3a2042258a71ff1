/**
 * Test logs: `parseTestLog(file)` reads a JUnit XML, TAP, jest/vitest JSON or `go test -json` log
 * (the format told by its first bytes, or forced) into totals and failures. A directory stands for the
 * logs in it (Surefire writes one file per test class). Malformed or truncated logs give a report of
 * whatever could be read, with warnings; only a file that cannot be read at all is an error.
 */
import { createReadStream, openSync, readSync, closeSync, statSync, readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { StringDecoder } from 'node:string_decoder';
import { UsageError } from '../errors.js';
import { Tally, TEST_LOG_FORMATS, type TestLogFormat, type TestReport } from './types.js';

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
};

/** A --format value as a format, or a usage error naming the choices. */
export function checkFormat(value: string): TestLogFormat {
  const f = ALIASES[value.trim().toLowerCase()];
  if (!f) throw new UsageError(`unknown test log format: ${value}`, { code: 'E_TEST_LOG_FORMAT', hint: `formats: ${TEST_LOG_FORMATS.join(', ')}` });
  return f;
}

/** The format of a log from its first bytes; null when they say nothing recognisable. */
export function detectFormat(head: string): TestLogFormat | null {
  const text = head.replace(/^\uFEFF/, '').trimStart();
  if (text.startsWith('<')) return 'junit';
  const firstLine = text.split('\n', 1)[0]!.trim();
  if (/^\{\s*"Time"\s*:|^\{\s*"Action"\s*:/.test(firstLine) || (/^\{.*"Action"\s*:\s*"(run|output|pass|fail|skip|start|pause|cont|bench)"/.test(firstLine) && firstLine.endsWith('}'))) return 'go-test-json';
  if (text.startsWith('{')) return 'jest-json';
  if (/^(TAP version \d+|1\.\.\d+|(not )?ok\b|#\s*Subtest:)/m.test(text)) return 'tap';
  return null;
}

const HEAD_BYTES = 8192;
const LOG_FILE_RE = /\.(xml|tap|json|jsonl|log|txt)$/i;

function readHead(file: string): string {
  const fd = openSync(file, 'r');
  try {
    const buf = Buffer.alloc(HEAD_BYTES);
    const n = readSync(fd, buf, 0, HEAD_BYTES, 0);
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
  let size: number;
  try {
    size = statSync(file).size;
    head = readHead(file);
  } catch (e) {
    throw new UsageError(`cannot read test log ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, { code: 'E_FILE' });
  }
  const format = opts.format ?? detectFormat(head);
  if (!format) {
    throw new UsageError(`cannot tell the format of test log ${basename(file)}`, {
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
    case 'jest-json': {
      const { parseJestJson, MAX_JSON_BYTES } = await import('./jest-json.js');
      if (size > MAX_JSON_BYTES) {
        return new Tally().report(file, format, null, [`${file}: ${size} bytes is over the ${MAX_JSON_BYTES}-byte limit for JSON reports; not read`]);
      }
      return parseJestJson(file, readFileSync(file, 'utf8'));
    }
  }
}
