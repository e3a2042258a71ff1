/**
 * JUnit XML, as written by vitest, jest-junit, pytest --junitxml, Maven Surefire, node --test, go-junit-
 * report and gotestsum: `<testsuites>` (optional) > `<testsuite>` (nested by some) > `<testcase>` with a
 * `<failure>`, `<error>` or `<skipped>` child.
 *
 * Streamed through saxes (a small, strict, well-kept streaming XML parser), so memory stays bounded
 * whatever the size of the file: only counts, the current test case and the kept failures are held.
 * XML errors (a truncated file, a bad entity) become warnings, and parsing goes on with what follows.
 */
import type { SaxesParser as SaxesParserType, SaxesTagPlain } from 'saxes';
import { MAX_RAW_MESSAGE, Tally, type FailureDraft, type TestReport, type TextChunks } from './types.js';
import { BoundedText, findLocation, goMessage, isGoOutput, pytestExplanation } from './text.js';

interface OpenCase {
  name: string;
  classname: string | null;
  file: string | null;
  line: number | null;
  timeMs: number | null;
  status: 'passed' | 'failed' | 'skipped';
  kind: 'failure' | 'error';
  messageAttr: string;
  type: string;
  /** Text of the failure or error element, bounded. */
  text: BoundedText;
  capturing: boolean;
  suitePath: string[];
}

function num(v: string | undefined): number | null {
  if (v === undefined || v === '') return null;
  let n = Number(v);
  // Some writers format times with thousands separators ("1,234.5").
  if (Number.isNaN(n)) n = Number(v.replace(/,/g, ''));
  return Number.isFinite(n) ? n : null;
}

/** A `time` attribute (seconds) in milliseconds. */
function ms(v: string | undefined): number | null {
  const n = num(v);
  return n === null ? null : n * 1000;
}

/** A message attribute that says nothing beyond "it failed" (gotestsum writes "Failed"). */
function emptyMessage(m: string): boolean {
  return !m.trim() || /^(failed|failure|error)$/i.test(m.trim());
}

export async function parseJUnit(path: string, chunks: TextChunks): Promise<TestReport> {
  const { SaxesParser } = await import('saxes');
  const parser: SaxesParserType = new SaxesParser({ position: true });
  const warnings: string[] = [];
  let xmlErrors = 0;
  const tally = new Tally();
  const suites: { name: string; timeMs: number | null }[] = [];
  let rootTimeMs: number | null = null;
  let outerSuitesMs = 0;
  let outerSuitesTimed = false;
  let casesMs = 0;
  let current: OpenCase | null = null;
  let sawRoot = false;
  const goTests = new GoParents();
  let pytestSuite = false;
  let pytestXunit1 = false;

  parser.on('opentag', (tag: SaxesTagPlain) => {
    const a = tag.attributes as Record<string, string>;
    switch (tag.name) {
      case 'testsuites':
        sawRoot = true;
        rootTimeMs = ms(a.time);
        break;
      case 'testsuite':
        sawRoot = true;
        // pytest names its suite "pytest"; its xunit1 flavour gives each case a file and a 0-based line.
        if (a.name === 'pytest' && suites.length === 0) pytestSuite = true;
        suites.push({ name: a.name && a.name !== 'undefined' ? a.name : '', timeMs: ms(a.time) });
        break;
      case 'testcase':
        if (pytestSuite && a.file !== undefined && a.line !== undefined) pytestXunit1 = true;
        current = {
          name: a.name ?? '(unnamed)',
          // jest-junit writes "undefined" for a test outside any describe block.
          classname: a.classname && a.classname !== 'undefined' ? a.classname : null,
          file: a.file || a.filepath || null,
          line: num(a.line),
          timeMs: ms(a.time),
          status: 'passed',
          kind: 'failure',
          messageAttr: '',
          type: '',
          text: new BoundedText(MAX_RAW_MESSAGE),
          capturing: false,
          suitePath: suites.map((s) => s.name),
        };
        break;
      case 'failure':
      case 'error':
        if (current) {
          // A test case may carry several; the first one is the reason it failed. Past the kept
          // failures, only counting matters: their text is not captured.
          if (current.status !== 'failed') {
            current.status = 'failed';
            current.kind = tag.name;
            current.messageAttr = a.message ?? '';
            current.type = a.type ?? '';
          }
          current.capturing = !tally.full;
        }
        break;
      case 'skipped':
        if (current && current.status !== 'failed') current.status = 'skipped';
        break;
    }
  });

  const onText = (text: string) => {
    const c = current as OpenCase | null;
    if (c?.capturing) c.text.add(text);
  };
  parser.on('text', onText);
  parser.on('cdata', onText);

  parser.on('closetag', (tag) => {
    switch (tag.name) {
      case 'failure':
      case 'error':
        if (current) current.capturing = false;
        break;
      case 'testcase': {
        const c = current as OpenCase | null;
        current = null;
        if (!c) break;
        tally.add(c.status, () => toFailure(c, pytestXunit1));
        if (c.timeMs !== null) casesMs += c.timeMs;
        goTests.record(c);
        break;
      }
      case 'testsuite': {
        const s = suites.pop();
        if (s && suites.length === 0 && s.timeMs !== null) {
          outerSuitesMs += s.timeMs;
          outerSuitesTimed = true;
        }
        break;
      }
    }
  });

  let closing = false;
  parser.on('error', (e: Error) => {
    // At the end of a truncated file saxes reports each open tag; one warning below says it better.
    if (closing && /unclosed tag/.test(e.message)) return;
    xmlErrors++;
    if (xmlErrors <= 3) warnings.push(`${path}: not well-formed XML: ${e.message}`);
  });

  for await (const chunk of chunks) parser.write(chunk);
  closing = true;
  try {
    parser.close();
  } catch (e) {
    warnings.push(`${path}: ${(e as Error).message}`);
  }
  // Go reports (gotestsum, go-junit-report) list a test with subtests as a test case of its own, which
  // fails whenever a subtest does: count the subtests only, as go test -json is read.
  for (const parent of goTests.parents()) tally.remove(parent.status, (f) => f.name === parent.name && f.suite === parent.suite);
  if (xmlErrors > 3) warnings.push(`${path}: ${xmlErrors - 3} more XML errors`);
  if (current || suites.length) warnings.push(`${path}: the file ends inside a ${current ? 'test case' : 'test suite'} (truncated?); counted what was complete`);
  if (!sawRoot) warnings.push(`${path}: no <testsuite> or <testsuites> element: is this a JUnit XML report?`);

  return tally.report(path, 'junit', rootTimeMs ?? (outerSuitesTimed ? outerSuitesMs : casesMs || null), warnings);
}

const GO_TEST_RE = /^(Test|Example|Benchmark|Fuzz)[^/]*(\/.+)?$/;

/** Go tests that have subtests (`TestX` when `TestX/case` exists), seen in any order. */
class GoParents {
  /** Top-level and intermediate Go test cases, by suite and name, with what they were counted as. */
  private readonly candidates = new Map<string, { name: string; suite: string | null; status: OpenCase['status'] }>();
  private readonly withChildren = new Set<string>();

  record(c: OpenCase): void {
    if (!GO_TEST_RE.test(c.name)) return;
    const suite = c.classname ?? c.suitePath[c.suitePath.length - 1] ?? null;
    this.candidates.set(`${suite}\u0000${c.name}`, { name: c.name, suite, status: c.status });
    for (let n = c.name; n.includes('/'); ) this.withChildren.add(`${suite}\u0000${(n = n.slice(0, n.lastIndexOf('/')))}`);
  }

  parents(): { name: string; suite: string | null; status: OpenCase['status'] }[] {
    return [...this.withChildren].map((k) => this.candidates.get(k)).filter((p) => p !== undefined);
  }
}

function baseName(p: string): string {
  return p.slice(p.lastIndexOf('/') + 1);
}

/** Text without whitespace, to compare a message attribute with the body that repeats it reflowed. */
function squash(s: string): string {
  return s.replace(/\s+/g, '');
}

function toFailure(c: OpenCase, pytestXunit1: boolean): FailureDraft {
  // node --test nests <testsuite> per describe block and sets classname="test": the suite path names the test better.
  const nested = c.suitePath.length > 1 || c.classname === 'test';
  const suite = nested ? c.suitePath.filter(Boolean).join(' > ') : (c.classname ?? c.suitePath[c.suitePath.length - 1] ?? null);
  return {
    name: c.name,
    suite: suite || null,
    kind: c.kind,
    texts: [c.text.toString().trim(), c.messageAttr.trim()],
    build: ([body, attr]) => {
      // The body usually repeats the message attribute and adds the diff or the stack; the attribute alone
      // is kept when the body says nothing more, or says something else entirely.
      let text: string;
      const explained = pytestExplanation(body!);
      if (explained) text = explained;
      else if (isGoOutput(body!)) text = goMessage(body!);
      else if (!body) text = attr!;
      else if (emptyMessage(attr!) || squash(body).includes(squash(attr!).slice(0, 200))) text = body;
      else text = `${attr}\n${body}`;
      // pytest's xunit1 reports give the line of the `def` counted from 0.
      const declared = c.file && c.line !== null ? { file: c.file, line: pytestXunit1 ? c.line + 1 : c.line } : null;
      const found = findLocation(body!, c.file ?? c.classname);
      // Where it failed beats where the test is declared, when both are in the same file.
      const loc = declared && !(found && baseName(found.file) === baseName(declared.file)) ? declared : (found ?? declared);
      // A frame's absolute path that ends with the file the report names: the report's (relative) name is better.
      const file = loc && c.file && loc.file.endsWith(`/${c.file}`) ? c.file : (loc?.file ?? c.file);
      return { message: text, file, line: loc?.line ?? null, fallback: c.type || 'failed' };
    },
  };
}
