/**
 * What test runners print by default, as an agent's shell tool captures it (stdout and stderr in one
 * stream, colours sometimes, cut off sometimes, mixed with other output): pytest, vitest, jest,
 * `go test` (plain and -v), cargo test and node --test's spec reporter.
 *
 * Conservative: a test is counted as failed only where the runner's own markers say so (pytest's
 * FAILED/ERROR lines and failure sections, vitest's `FAIL file > test` blocks, jest's `●` blocks under
 * `FAIL file`, go's `--- FAIL:` and `FAIL pkg`, cargo's `test x ... FAILED` and `---- x stdout ----`,
 * node's `✖`), and totals come from the runner's own summary line; a log without one gets a warning
 * (it may have been cut), and its totals count only the tests it names. Read line by line, with
 * colour codes removed; only the text of failures is kept, bounded.
 */
import { MAX_RAW_MESSAGE, Tally, type FailureDraft, type TestLogFormat, type TestReport, type TextChunks } from './types.js';
import { BoundedText, findLocation, goMessage, linesOf, pytestExplanation, stripAnsi } from './text.js';

export const CONSOLE_FORMATS = ['pytest-console', 'vitest-console', 'jest-console', 'go-test-console', 'cargo-test-console', 'node-test-console'] as const;
export type ConsoleFormat = (typeof CONSOLE_FORMATS)[number];

/** Which runner printed a console log, from some of its text (its head and its tail); null when none can be told. */
export function detectConsole(sample: string): ConsoleFormat | null {
  const text = stripAnsi(sample).replace(/\r\n?/g, '\n');
  if (/^=+ test session starts =+$/m.test(text) || /^=+ .*\b(passed|failed|errors?|no tests ran)\b.* in [\d.]+s( \([^)]*\))? =+$/m.test(text)) return 'pytest-console';
  if (/^ RUN {2}v\d+\.\d+/m.test(text) || /^\s*Test Files\s+\d+ (passed|failed)/m.test(text)) return 'vitest-console';
  if (/^Tests:\s+.*\d+ total$/m.test(text) || /^Test Suites:\s+.*\d+ total$/m.test(text)) return 'jest-console';
  if (/^test result: (ok|FAILED)\. \d+ passed; \d+ failed;/m.test(text) || (/^running \d+ tests?$/m.test(text) && /^test \S+ \.\.\. (ok|FAILED|ignored)/m.test(text))) return 'cargo-test-console';
  if (/^ℹ tests \d+$/m.test(text) || (/^\s*[✔✖] .+ \([\d.]+m?s\)/m.test(text) && /^\s*▶ /m.test(text))) return 'node-test-console';
  if (/^(\s*--- (FAIL|PASS|SKIP): \S|=== RUN\s+\S|ok\s+\S+\s+(\d+\.\d+s|\(cached\))|FAIL\s+\S+\s+(\d+\.\d+s|\[(build|setup) failed\]))/m.test(text)) return 'go-test-console';
  // pytest -q: only the short summary and the counts line.
  if (/^(FAILED|ERROR) \S+\.py::/m.test(text) || /^\d+ (passed|failed)(, \d+ \w+)* in [\d.]+s/m.test(text)) return 'pytest-console';
  return null;
}

type Warn = (w: string) => void;

interface Reader {
  line(l: string): void;
  end(tally: Tally, warn: Warn): number | null;
}

export async function parseConsole(path: string, format: ConsoleFormat, chunks: TextChunks): Promise<TestReport> {
  const warnings: string[] = [];
  const warn: Warn = (w) => warnings.push(`${path}: ${w}`);
  const reader = READERS[format]();
  for await (const raw of linesOf(chunks)) reader.line(stripAnsi(raw));
  const tally = new Tally();
  const durationMs = reader.end(tally, warn);
  return tally.report(path, format as TestLogFormat, durationMs, warnings);
}

const READERS: Record<ConsoleFormat, () => Reader> = {
  'pytest-console': pytestReader,
  'vitest-console': vitestReader,
  'jest-console': jestReader,
  'go-test-console': goReader,
  'cargo-test-console': cargoReader,
  'node-test-console': nodeSpecReader,
};

/** Failed tests kept with their text (the rest are counted): the same bound as the other readers. */
const MAX_KEPT = 1000;

/** Counts as a runner's summary says them ("4 failed", "1 error"), by word. */
function countsOf(text: string, re = /(\d+) ([a-z]+)/g): Map<string, number> {
  const out = new Map<string, number>();
  for (const m of text.matchAll(re)) out.set(m[2]!, (out.get(m[2]!) ?? 0) + Number(m[1]));
  return out;
}

function durationOf(value: string, unit: string): number {
  return Number(value) * (unit === 's' ? 1000 : unit === 'm' ? 60_000 : 1);
}

/** A failure with the text a block of the log gives it. */
interface Block {
  name: string;
  suite: string | null;
  text: BoundedText;
  kind: 'failure' | 'error';
}

function newBlock(name: string, suite: string | null, kind: Block['kind'] = 'failure'): Block {
  return { name, suite, text: new BoundedText(MAX_RAW_MESSAGE), kind };
}

function addLine(b: Block | null, line: string): void {
  if (b) b.text.add(`${line}\n`);
}

/** Lines of a code frame (`  12 |   expect(x)`, `     |   ^`): where it is, not what failed. */
const CODE_FRAME_RE = /^\s*>?\s*\d*\s*\|/;

function withoutCodeFrames(text: string): string {
  return text
    .split('\n')
    .filter((l) => !CODE_FRAME_RE.test(l))
    .join('\n');
}

/** vitest's and jest's failure blocks: code frames dropped, located in the suite's file, counted past MAX_KEPT. */
function addJsFailures(tally: Tally, blocks: readonly Block[], kind: (b: Block, text: string) => Block['kind']): void {
  for (const b of blocks.slice(0, MAX_KEPT)) {
    tally.add('failed', () =>
      draft(
        b,
        (t) => withoutCodeFrames(t),
        (t) => findLocation(t, b.suite),
        (t) => kind(b, t),
      ),
    );
  }
  for (let i = MAX_KEPT; i < blocks.length; i++) tally.add('failed');
}

function draft(b: Block, message: (text: string) => string, locate: (text: string) => { file: string; line: number } | null, kind?: (text: string) => Block['kind']): FailureDraft {
  return {
    name: b.name,
    suite: b.suite,
    kind: b.kind,
    texts: [b.text.toString()],
    build: ([text]) => {
      const loc = locate(text!);
      return { message: message(text!), file: loc?.file ?? null, line: loc?.line ?? null, kind: kind?.(text!) };
    },
  };
}

// ---------------------------------------------------------------------------------------------------
// pytest

function pytestReader(): Reader {
  /** Failure and error sections' blocks, by their header ("TestMath.test_multiplies"). */
  const blocks: Block[] = [];
  /** The short summary's lines: node ids of what failed, in order. */
  const summary: { kind: 'failure' | 'error'; nodeid: string; message: string }[] = [];
  let section: 'failures' | 'errors' | 'summary' | null = null;
  let current: Block | null = null;
  let totals: Map<string, number> | null = null;
  let duration: number | null = null;
  return {
    line(l) {
      let m: RegExpExecArray | null;
      if ((m = /^=+ (.*?) =+$/.exec(l)) || (m = /^(\d+ (?:passed|failed|errors?|skipped|xfailed|xpassed|deselected|warnings?)(?:, \d+ \w+)* in [\d.]+s.*)$/.exec(l))) {
        const title = m[1]!;
        current = null;
        if (title === 'FAILURES') section = 'failures';
        else if (title === 'ERRORS') section = 'errors';
        else if (title === 'short test summary info') section = 'summary';
        else {
          section = null;
          const t = /^(.*?) in ([\d.]+)s\b/.exec(title);
          if (t && /\b(passed|failed|errors?|skipped|xfailed|xpassed|no tests ran|deselected)\b/.test(t[1]!)) {
            totals = countsOf(t[1]!);
            duration = durationOf(t[2]!, 's');
          }
        }
        return;
      }
      if (section === 'failures' || section === 'errors') {
        if ((m = /^_{3,} (.+?) _{3,}$/.exec(l))) {
          current = newBlock(m[1]!.replace(/^ERROR at (setup|teardown) of /, ''), null, section === 'errors' ? 'error' : 'failure');
          blocks.push(current);
        } else addLine(current, l);
      } else if (section === 'summary' && (m = /^(FAILED|ERROR) (\S+?)(?: - (.*))?$/.exec(l))) {
        summary.push({ kind: m[1] === 'ERROR' ? 'error' : 'failure', nodeid: m[2]!, message: m[3] ?? '' });
      } else if (section === null && (m = /^(FAILED|ERROR) (\S+\.py::\S+?)(?: - (.*))?$/.exec(l))) {
        // -q without the summary heading (older pytest, -rfE given explicitly).
        summary.push({ kind: m[1] === 'ERROR' ? 'error' : 'failure', nodeid: m[2]!, message: m[3] ?? '' });
      }
    },
    end(tally, warn) {
      // Each failed test once: the short summary names them all (node ids), the sections give their text.
      const byHeader = new Map<string, Block[]>();
      for (const b of blocks) byHeader.set(b.name, [...(byHeader.get(b.name) ?? []), b]);
      const take = (header: string, kind: Block['kind']): Block | null => {
        const list = byHeader.get(header);
        const i = list?.findIndex((b) => b.kind === kind) ?? -1;
        return i >= 0 ? list!.splice(i, 1)[0]! : null;
      };
      const failures: { block: Block; fallback: string }[] = [];
      for (const s of summary) {
        const sep = s.nodeid.indexOf('::');
        const file = sep > 0 ? s.nodeid.slice(0, sep) : null;
        const name = sep > 0 ? s.nodeid.slice(sep + 2) : s.nodeid;
        const header = name.replace(/::/g, '.');
        const block = take(header, s.kind) ?? take(header, s.kind === 'error' ? 'failure' : 'error') ?? newBlock(name, file, s.kind);
        failures.push({ block: { ...block, name, suite: file, kind: s.kind }, fallback: s.message });
      }
      // Sections whose test the summary does not name (no short summary: -rN, or a cut log): the
      // header's dots are the node id's "::" (outside a parameter's brackets).
      for (const list of byHeader.values()) for (const b of list) failures.push({ block: { ...b, name: b.name.replace(/\.(?![^[]*\])/g, '::') }, fallback: '' });
      const counted = failures.length;
      for (const { block, fallback } of failures.slice(0, MAX_KEPT)) {
        tally.add('failed', () => ({
          name: block.name,
          suite: block.suite,
          kind: block.kind,
          texts: [block.text.toString(), fallback],
          build: ([text, fb]) => {
            const loc = pytestLocation(text!, block.suite);
            // An absolute path that ends with the node id's file: the node id's (relative) name is better.
            const file = loc && block.suite && loc.file.endsWith(`/${block.suite}`) ? block.suite : (loc?.file ?? block.suite);
            // No node id: the file the failure is in stands for it.
            const suite = block.suite ?? (file && !file.startsWith('/') ? file : null);
            return { message: pytestExplanation(text!) ?? fb!, file, line: loc?.line ?? null, suite };
          },
        }));
      }
      for (let i = MAX_KEPT; i < counted; i++) tally.add('failed');
      if (!totals) {
        warn('no pytest summary line ("N passed, N failed in S"): the log may be cut; only the failures it names are counted');
        return null;
      }
      const t = totals as Map<string, number>;
      const failed = (t.get('failed') ?? 0) + (t.get('error') ?? 0) + (t.get('errors') ?? 0);
      settle(tally, { passed: (t.get('passed') ?? 0) + (t.get('xpassed') ?? 0), failed, skipped: (t.get('skipped') ?? 0) + (t.get('xfailed') ?? 0) }, warn);
      return duration;
    },
  };
}

/** Where a pytest failure happened: the frame in the test's own file (`test_x.py:12: AssertionError`), else the first. */
function pytestLocation(text: string, file: string | null): { file: string; line: number } | null {
  return findLocation(text, file);
}

/**
 * Bring the tally to the totals the runner's summary states: the failures read are kept, and what the
 * summary counts beyond them is counted (a log cut before its failure sections, a runner that repeats
 * none). More failures read than the summary states is said as a warning.
 */
function settle(tally: Tally, totals: { passed: number; failed: number; skipped: number }, warn: Warn): void {
  const read = tally.counts.failed;
  if (read > totals.failed) warn(`${read} failures read but the summary line says ${totals.failed}`);
  for (let i = read; i < totals.failed; i++) tally.add('failed');
  tally.counts.passed = totals.passed;
  tally.counts.skipped = totals.skipped;
  if (read < totals.failed) warn(`the summary line counts ${totals.failed} failed, ${totals.failed - read} of them with no failure text in the log`);
}

// ---------------------------------------------------------------------------------------------------
// vitest

function vitestReader(): Reader {
  const blocks: Block[] = [];
  let current: Block | null = null;
  let inFailures = false;
  let totals: Map<string, number> | null = null;
  let duration: number | null = null;
  return {
    line(l) {
      let m: RegExpExecArray | null;
      if (/^⎯+ Failed (Tests|Suites) \d+ ⎯+$/.test(l.trim())) {
        inFailures = true;
        current = null;
      } else if (inFailures && (m = /^\s*FAIL\s+(.+?)\s*$/.exec(l))) {
        const parts = m[1]!.split(' > ');
        // A suite that failed to load: ` FAIL  math.test.ts [ math.test.ts ]`.
        const file = parts[0]!.replace(/\s*\[.*\]$/, '');
        current = newBlock(parts.length > 1 ? parts.slice(1).join(' > ') : '(test file failed to run)', file, parts.length > 1 ? 'failure' : 'error');
        blocks.push(current);
      } else if (/^⎯{3,}(\[\d+\/\d+\])?⎯*$/.test(l.trim())) current = null;
      else if ((m = /^\s*Tests\s+(.*?)\s*\((\d+)\)\s*$/.exec(l))) {
        totals = countsOf(m[1]!);
        inFailures = false;
        current = null;
      } else if ((m = /^\s*Duration\s+([\d.]+)(ms|s|m)\b/.exec(l))) duration = durationOf(m[1]!, m[2]!);
      else if (/^\s*Test Files\s/.test(l)) {
        inFailures = false;
        current = null;
      } else addLine(current, l);
    },
    end(tally, warn) {
      addJsFailures(tally, blocks, (b, t) => (/^\s*(\w*Assertion\w*|Error: expect\()/.test(t) ? 'failure' : 'error'));
      if (!totals) {
        warn('no vitest summary line ("Tests  N failed | N passed"): the log may be cut; only the failures it names are counted');
        return null;
      }
      const t = totals as Map<string, number>;
      settle(tally, { passed: t.get('passed') ?? 0, failed: t.get('failed') ?? 0, skipped: (t.get('skipped') ?? 0) + (t.get('todo') ?? 0) }, warn);
      return duration;
    },
  };
}

// ---------------------------------------------------------------------------------------------------
// jest

function jestReader(): Reader {
  const blocks: Block[] = [];
  const seen = new Set<string>();
  let file: string | null = null;
  let current: Block | null = null;
  let totals: Map<string, number> | null = null;
  let duration: number | null = null;
  return {
    line(l) {
      let m: RegExpExecArray | null;
      if ((m = /^\s*(FAIL|PASS)\s+(\S+)/.exec(l)) && !/^\s{3,}/.test(l)) {
        file = m[2]!.replace(/^\.\//, '');
        current = null;
      } else if ((m = /^ {2}● (.+)$/.exec(l))) {
        const title = m[1]!.trim();
        // "Summary of all failing tests" repeats the blocks: each failure once.
        const key = `${file}\u0000${title}`;
        if (seen.has(key) || title === 'Console') {
          current = null;
          return;
        }
        seen.add(key);
        const suiteFailed = title === 'Test suite failed to run';
        current = newBlock(suiteFailed ? '(test file failed to run)' : title.split(' › ').join(' > '), file, suiteFailed ? 'error' : 'failure');
        blocks.push(current);
      } else if ((m = /^Tests:\s+(.*)$/.exec(l))) {
        totals = countsOf(m[1]!);
        current = null;
      } else if ((m = /^Time:\s+([\d.]+) ?(ms|s|m)\b/.exec(l))) duration = durationOf(m[1]!, m[2]!);
      else if (/^(Test Suites|Snapshots):/.test(l) || /^Summary of all failing tests$/.test(l)) current = null;
      else addLine(current, l);
    },
    end(tally, warn) {
      addJsFailures(tally, blocks, (b, t) => (b.kind === 'error' ? 'error' : /^\s*(\w*Assertion\w*|expect\(|Error: expect\()/.test(t) ? 'failure' : 'error'));
      if (!totals) {
        warn('no jest summary line ("Tests: N failed, N passed, N total"): the log may be cut; only the failures it names are counted');
        return null;
      }
      const t = totals as Map<string, number>;
      settle(tally, { passed: t.get('passed') ?? 0, failed: t.get('failed') ?? 0, skipped: (t.get('skipped') ?? 0) + (t.get('todo') ?? 0) + (t.get('pending') ?? 0) }, warn);
      return duration;
    },
  };
}

// ---------------------------------------------------------------------------------------------------
// go test (plain and -v)

interface GoTest {
  name: string;
  pkg: string | null;
  result: 'pass' | 'fail' | 'skip' | null;
  output: BoundedText;
}

function goReader(): Reader {
  /** Tests since the last package line (they belong to the package that line names). */
  let pending: GoTest[] = [];
  const tests: GoTest[] = [];
  const byName = new Map<string, GoTest>();
  let current: GoTest | null = null;
  const packages: { pkg: string; result: 'ok' | 'fail' | 'build' | 'none'; seconds: number | null; output: string }[] = [];
  /** Output not inside a test since the last package line: a panic outside a test, build errors. */
  let loose = new BoundedText(MAX_RAW_MESSAGE);
  /** Compiler output by package (`# pkg` then its errors). */
  const buildOutput = new Map<string, BoundedText>();
  let building: BoundedText | null = null;
  /** -v output (`=== RUN` lines): every test is named, passed ones too. */
  let verbose = false;
  const test = (name: string): GoTest => {
    let t = byName.get(name);
    if (!t) {
      t = { name, pkg: null, result: null, output: new BoundedText(MAX_RAW_MESSAGE) };
      byName.set(name, t);
      tests.push(t);
      pending.push(t);
    }
    return t;
  };
  return {
    line(l) {
      let m: RegExpExecArray | null;
      if ((m = /^# (\S+)(?: \[\S+\])?$/.exec(l))) {
        building = new BoundedText(MAX_RAW_MESSAGE);
        buildOutput.set(m[1]!, building);
        current = null;
      } else if ((m = /^=== (RUN|CONT|PAUSE|NAME)\s+(\S+)/.exec(l))) {
        building = null;
        verbose = true;
        current = m[1] === 'PAUSE' ? null : test(m[2]!);
      } else if ((m = /^\s*--- (FAIL|PASS|SKIP): (\S+) \(/.exec(l))) {
        building = null;
        const t = test(m[2]!);
        t.result = m[1] === 'FAIL' ? 'fail' : m[1] === 'PASS' ? 'pass' : 'skip';
        current = t;
      } else if ((m = /^(ok|FAIL)\s+(\S+)\s+(?:([\d.]+)s|\(cached\)|\[(build failed|setup failed|no test files)\])/.exec(l)) || (m = /^(\?)\s+(\S+)\s+\[no test files\]/.exec(l))) {
        building = null;
        const pkg = m[2]!;
        const result = m[1] === 'ok' ? (m[4] === 'no test files' ? 'none' : 'ok') : m[1] === '?' ? 'none' : m[4] ? 'build' : 'fail';
        packages.push({ pkg, result, seconds: m[3] ? Number(m[3]) : null, output: loose.toString() });
        for (const t of pending) t.pkg = pkg;
        pending = [];
        byName.clear();
        loose = new BoundedText(MAX_RAW_MESSAGE);
        current = null;
      } else if (/^(FAIL|PASS|ok|exit status \d+)$/.test(l)) current = null;
      else if (building) building.add(`${l}\n`);
      else if (current && (/^\s/.test(l) || !l)) current.output.add(`${l}\n`);
      else {
        // A panic ends the binary: what follows belongs to the test that was running.
        if (current && /^(panic: |fatal error: )/.test(l)) current.output.add(`${l}\n`);
        else if (current && /^(goroutine \d+ \[|\t|\S+\(.*\)$|created by )/.test(l)) current.output.add(`${l}\n`);
        else {
          current = null;
          loose.add(`${l}\n`);
        }
      }
    },
    end(tally, warn) {
      const parents = new Set<string>();
      for (const t of tests) for (let n = t.name; n.includes('/'); ) parents.add(`${t.pkg}\u0000${(n = n.slice(0, n.lastIndexOf('/')))}`);
      const failedPkgs = new Set<string>();
      let unfinished = 0;
      for (const t of tests) {
        if (parents.has(`${t.pkg}\u0000${t.name}`)) continue;
        const pkgResult = packages.find((p) => p.pkg === t.pkg)?.result;
        // A test that ran but has no result in a package that failed: its binary died (a panic, a timeout).
        const result = t.result ?? (pkgResult === 'fail' ? 'fail' : null);
        if (result === null) {
          unfinished++;
          continue;
        }
        if (result === 'fail' && t.pkg) failedPkgs.add(t.pkg);
        tally.add(result === 'pass' ? 'passed' : result === 'skip' ? 'skipped' : 'failed', () => ({
          name: t.name,
          suite: t.pkg,
          kind: 'failure',
          texts: [t.output.toString()],
          build: ([text]) => {
            const loc = findLocation(text!);
            return { message: goMessage(text!), file: loc?.file ?? null, line: loc?.line ?? null, fallback: t.result ? 'failed' : 'no result (the test binary stopped)', kind: /^panic: /m.test(text!) || !t.result ? 'error' : 'failure' };
          },
        }));
      }
      for (const p of packages) {
        if ((p.result !== 'fail' && p.result !== 'build') || failedPkgs.has(p.pkg)) continue;
        const text = p.result === 'build' ? (buildOutput.get(p.pkg)?.toString() ?? p.output) : p.output;
        tally.add('failed', () => ({
          name: `${p.pkg} (${p.result === 'build' ? 'build failed' : 'package failed'})`,
          suite: p.pkg,
          kind: 'error',
          texts: [text],
          build: ([t]) => {
            const loc = findLocation(t!);
            return { message: goMessage(t!), file: loc?.file ?? null, line: loc?.line ?? null, fallback: p.result === 'build' ? 'build failed' : 'failed' };
          },
        }));
      }
      if (unfinished) warn(`${unfinished} test${unfinished === 1 ? '' : 's'} with no result (the log may be cut), not counted`);
      if (pending.length) warn('no package result line ("ok pkg" or "FAIL pkg") after the last tests: the log may be cut');
      if (!packages.length) warn('no package result line ("ok pkg" or "FAIL pkg"): the log may be cut');
      if (!verbose) {
        const ok = packages.filter((p) => p.result === 'ok').length;
        warn(`go test without -v names failed tests only: passed tests are not counted${ok ? ` (${ok} package${ok === 1 ? '' : 's'} passed)` : ''}`);
      }
      const seconds = packages.reduce((n, p) => n + (p.seconds ?? 0), 0);
      return packages.some((p) => p.seconds !== null) ? seconds * 1000 : null;
    },
  };
}

// ---------------------------------------------------------------------------------------------------
// cargo test

function cargoReader(): Reader {
  const blocks = new Map<string, Block>();
  const failed: { name: string; binary: string | null }[] = [];
  let binary: string | null = null;
  let current: Block | null = null;
  let sums = { passed: 0, failed: 0, skipped: 0 };
  let results = 0;
  let duration = 0;
  let stoppedEarly = false;
  const compileErrors: Block[] = [];
  let compiling: Block | null = null;
  return {
    line(l) {
      let m: RegExpExecArray | null;
      if ((m = /^\s*Running (?:unittests )?(\S+)/.exec(l)) || (m = /^\s*Doc-tests (\S+)/.exec(l))) {
        binary = m[1]!;
        stoppedEarly = false;
        current = null;
        compiling = null;
      } else if ((m = /^test (\S+) \.\.\. (ok|FAILED|ignored|bench)\b/.exec(l))) {
        if (m[2] === 'FAILED') failed.push({ name: m[1]!, binary });
        current = null;
      } else if ((m = /^---- (\S+) (stdout|stderr) ----$/.exec(l))) {
        current = blocks.get(`${binary}\u0000${m[1]}`) ?? newBlock(m[1]!, binary);
        blocks.set(`${binary}\u0000${m[1]}`, current);
      } else if (/^failures:$/.test(l) || /^successes:$/.test(l)) current = null;
      else if ((m = /^test result: (ok|FAILED)\. (\d+) passed; (\d+) failed; (\d+) ignored; (\d+) measured; (\d+) filtered out(?:; finished in ([\d.]+)s)?/.exec(l))) {
        sums = { passed: sums.passed + Number(m[2]), failed: sums.failed + Number(m[3]), skipped: sums.skipped + Number(m[4]) };
        results++;
        if (m[7]) duration += Number(m[7]) * 1000;
        current = null;
      } else if (/^error: test failed, to rerun pass /.test(l)) stoppedEarly = true;
      else if (/^error: \d+ targets? failed:?$/.test(l)) compiling = null;
      else if ((m = /^error(\[E\d+\])?: (.*)$/.exec(l))) {
        if (/^could not compile /.test(m[2]!)) compiling = null;
        else {
          compiling = newBlock(`build failed: ${m[2]!}`, binary, 'error');
          compiling.text.add(`${l}\n`);
          compileErrors.push(compiling);
        }
      } else if (compiling && /^\s/.test(l)) compiling.text.add(`${l}\n`);
      else {
        compiling = null;
        addLine(current, l);
      }
    },
    end(tally, warn) {
      for (const f of failed.slice(0, MAX_KEPT)) {
        const b = blocks.get(`${f.binary}\u0000${f.name}`) ?? newBlock(f.name, f.binary);
        tally.add('failed', () => ({
          name: f.name,
          suite: f.binary,
          kind: 'failure',
          texts: [b.text.toString()],
          build: ([text]) => {
            const { message, file, line } = rustPanic(text!);
            return { message, file, line };
          },
        }));
      }
      for (let i = MAX_KEPT; i < failed.length; i++) tally.add('failed');
      // A compiler error shows where it is (` --> src/lib.rs:5:5`); other "error:" lines are cargo's own.
      const built = compileErrors.filter((c) => /-->\s+\S+:\d+/.test(c.text.toString())).slice(0, 20);
      for (const c of built) {
        tally.add('failed', () =>
          draft(
            c,
            (t) => t,
            (t) => {
              const m = /-->\s+(\S+?):(\d+):\d+/.exec(t);
              return m ? { file: m[1]!, line: Number(m[2]) } : null;
            },
          ),
        );
      }
      if (stoppedEarly) warn('cargo stopped at the first test binary that failed: the tests of later binaries did not run (cargo test --no-fail-fast runs them all)');
      if (!results) {
        if (!built.length) warn('no cargo summary line ("test result: ..."): the log may be cut; only the failures it names are counted');
        return null;
      }
      settle(tally, { passed: sums.passed, failed: sums.failed + built.length, skipped: sums.skipped }, warn);
      return duration || null;
    },
  };
}

/** A Rust test's panic: its message (the lines after `panicked at file:line:col:`) and where. */
function rustPanic(text: string): { message: string; file: string | null; line: number | null } {
  const lines = text.split('\n');
  const at = lines.findIndex((l) => /^thread '.*' (?:\(\d+\) )?panicked at /.test(l));
  if (at < 0) return { message: text, file: null, line: null };
  const m = /panicked at (\S+?):(\d+):\d+:?\s*(.*)$/.exec(lines[at]!);
  const rest: string[] = m?.[3] ? [m[3]] : [];
  for (const l of lines.slice(at + 1)) {
    if (/^(note: run with `RUST_BACKTRACE|stack backtrace:)/.test(l)) break;
    rest.push(l);
  }
  return { message: rest.join('\n'), file: m?.[1] ?? null, line: m ? Number(m[2]) : null };
}

// ---------------------------------------------------------------------------------------------------
// node --test, spec reporter

function nodeSpecReader(): Reader {
  interface Node {
    indent: number;
    name: string;
    path: string[];
    result: 'pass' | 'fail' | 'skip' | 'todo';
    text: BoundedText;
  }
  const leaves: Node[] = [];
  /** Open `▶ suite` lines, innermost last. */
  const suites: { indent: number; name: string }[] = [];
  let current: Node | null = null;
  const totals = new Map<string, number>();
  let duration: number | null = null;
  /** The recap after "✖ failing tests:": each failed test's declaration. */
  let recap = false;
  let recapAt: { file: string; line: number } | null = null;
  const declared: { name: string; at: { file: string; line: number } }[] = [];
  return {
    line(l) {
      let m: RegExpExecArray | null;
      if ((m = /^ℹ (tests|suites|pass|fail|cancelled|skipped|todo|duration_ms) ([\d.]+)$/.exec(l))) {
        if (m[1] === 'duration_ms') duration = Number(m[2]);
        else totals.set(m[1]!, Number(m[2]));
        current = null;
        return;
      }
      if (/^✖ failing tests:$/.test(l)) {
        recap = true;
        current = null;
        return;
      }
      if (recap) {
        if ((m = /^test at (.+?):(\d+):\d+$/.exec(l))) recapAt = { file: m[1]!, line: Number(m[2]) };
        else if ((m = /^\s*✖ (.+?) \([\d.]+m?s\)/.exec(l)) && recapAt) {
          declared.push({ name: m[1]!, at: recapAt });
          recapAt = null;
        }
        return;
      }
      if ((m = /^(\s*)▶ (.+)$/.exec(l))) {
        const indent = m[1]!.length;
        while (suites.length && suites[suites.length - 1]!.indent >= indent) suites.pop();
        suites.push({ indent, name: m[2]!.trim() });
        current = null;
      } else if ((m = /^(\s*)([✔✖﹣]) (.+?) \([\d.]+m?s\)(?: # (.*))?$/.exec(l))) {
        const indent = m[1]!.length;
        const name = m[3]!;
        const open = suites[suites.length - 1];
        if (open && open.indent === indent && open.name === name) {
          // A suite's own result line, after its children.
          suites.pop();
          current = null;
          return;
        }
        while (suites.length && suites[suites.length - 1]!.indent >= indent) suites.pop();
        const result = m[2] === '✖' ? 'fail' : m[2] === '﹣' ? 'skip' : m[4] !== undefined && /^TODO\b/.test(m[4]) ? 'todo' : 'pass';
        current = { indent, name, path: suites.map((s) => s.name), result, text: new BoundedText(MAX_RAW_MESSAGE) };
        leaves.push(current);
      } else if (current && current.result === 'fail' && (l.startsWith(' '.repeat(current.indent + 2)) || !l.trim())) current.text.add(`${l.slice(current.indent + 2)}\n`);
      else current = null;
    },
    end(tally, warn) {
      const at = new Map<string, { file: string; line: number }[]>();
      for (const d of declared) at.set(d.name, [...(at.get(d.name) ?? []), d.at]);
      for (const n of leaves) {
        const place = n.result === 'fail' ? (at.get(n.name)?.shift() ?? null) : null;
        tally.add(n.result === 'fail' ? 'failed' : n.result === 'pass' ? 'passed' : 'skipped', () => ({
          name: [...n.path, n.name].join(' > '),
          suite: null,
          kind: 'failure',
          texts: [n.text.toString()],
          build: ([text]) => {
            const clean = text!.replace(/^(\s*)(\w*Error) \[(ERR_\w+|Error)\]: /, '$1$2: ');
            const loc = place ?? findLocation(text!);
            return { message: clean.split(/ \{\n\s+(generatedMessage|code):/)[0]!, file: loc?.file ?? null, line: loc?.line ?? null, kind: /^\s*AssertionError/.test(clean) ? 'failure' : 'error' };
          },
        }));
      }
      if (!totals.has('tests')) {
        warn('no node --test summary lines ("ℹ tests N"): the log may be cut; only the tests it names are counted');
        return null;
      }
      const failed = (totals.get('fail') ?? 0) + (totals.get('cancelled') ?? 0);
      settle(tally, { passed: totals.get('pass') ?? 0, failed, skipped: (totals.get('skipped') ?? 0) + (totals.get('todo') ?? 0) }, warn);
      return duration;
    },
  };
}
