import { describe, expect, it } from 'vitest';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { checkFormat, detectFormat, parseTestLog, parseTestLogs, MAX_FAILURES, type TestReport } from '../src/testlog/index.js';
import { findLocation, firstLines, MESSAGE_LINES, MESSAGE_LINE_CHARS } from '../src/testlog/text.js';
import { repairTruncatedJson } from '../src/testlog/jest-json.js';
import { parseYaml } from '../src/testlog/tap.js';
import { tempDir } from './helpers/repo.js';
import { CtxError } from '../src/errors.js';

const LOGS = fileURLToPath(new URL('../fixtures/test-logs/', import.meta.url));
const log = (name: string) => join(LOGS, name);
const base = (p: string | null) => (p ? p.slice(p.lastIndexOf('/') + 1) : p);

/** Failures as [name, file basename, line], in log order: compact to compare. */
const where = (r: TestReport) => r.failures.map((f) => [f.name, base(f.file), f.line]);
const totals = (r: TestReport) => {
  const { durationMs: _, ...t } = r.totals;
  return t;
};
const failure = (r: TestReport, name: string) => {
  const f = r.failures.find((x) => x.name === name);
  if (!f) throw new Error(`no failure named ${name} in ${r.path}: ${r.failures.map((x) => x.name).join(', ')}`);
  return f;
};

/** What every message must be: short, no stack frames. */
function expectShortMessages(r: TestReport): void {
  for (const f of r.failures) {
    const lines = f.message.split('\n');
    expect(lines.length).toBeLessThanOrEqual(MESSAGE_LINES * 2 + 1); // blank separators allowed
    expect(lines.filter((l) => l.trim() && l !== '…').length).toBeLessThanOrEqual(MESSAGE_LINES);
    for (const l of lines) expect([...l].length).toBeLessThanOrEqual(MESSAGE_LINE_CHARS);
    expect(f.message).not.toMatch(/^\s*at .*:\d+:\d+\)?$/m);
  }
}

describe('JavaScript runners: vitest, jest, node --test, tap', () => {
  it('vitest JUnit XML', async () => {
    const r = await parseTestLog(log('vitest.junit.xml'));
    expect(r.format).toBe('junit');
    expect(totals(r)).toEqual({ total: 9, passed: 3, failed: 4, skipped: 2 });
    expect(r.totals.durationMs).toBeGreaterThan(0);
    expect(where(r)).toEqual([
      ['very long message', 'long.test.ts', 5],
      ['math > multiplies', 'math.test.ts', 11],
      ['math > edge cases > divides by zero', 'math.test.ts', 17],
      ['ünïcödé ✓ 日本語 > message with ünïcödé fails', 'math.test.ts', 37],
    ]);
    expect(failure(r, 'math > multiplies')).toMatchObject({ suite: 'math.test.ts', kind: 'failure', file: 'math.test.ts' });
    expect(failure(r, 'math > multiplies').message).toMatch(/^AssertionError: expected 6 to be 5/);
    expect(failure(r, 'math > multiplies').message).toContain('+ 6');
    expect(failure(r, 'ünïcödé ✓ 日本語 > message with ünïcödé fails').message).toContain('Received: "naïve café ☕"');
    // The diff's changed lines fit within the lines kept.
    expect(failure(r, 'very long message').message.split('\n').slice(-2)).toEqual([`- line 399: ${'x'.repeat(40)}`, `+ line 3999: ${'x'.repeat(40)}`]);
    expectShortMessages(r);
    expect(r.warnings).toEqual([]);
  });

  it('vitest JSON', async () => {
    const r = await parseTestLog(log('vitest.json'));
    expect(r.format).toBe('jest-json');
    expect(totals(r)).toEqual({ total: 9, passed: 3, failed: 4, skipped: 2 });
    expect(where(r)).toEqual([
      ['very long message', 'long.test.ts', 5],
      ['math > multiplies', 'math.test.ts', 11],
      ['math > edge cases > divides by zero', 'math.test.ts', 17],
      ['ünïcödé ✓ 日本語 > message with ünïcödé fails', 'math.test.ts', 37],
    ]);
    expect(failure(r, 'math > edge cases > divides by zero')).toMatchObject({ kind: 'error', message: 'RangeError: division by zero' });
    expect(failure(r, 'math > multiplies').suite).toMatch(/\/vitest\/math\.test\.ts$/);
    expectShortMessages(r);
  });

  it('jest JSON and jest-junit XML of the same run', async () => {
    const json = await parseTestLog(log('jest.json'));
    expect(totals(json)).toEqual({ total: 9, passed: 3, failed: 4, skipped: 2 });
    expect(where(json)).toEqual([
      ['math > multiplies', 'math.test.js', 9],
      ['math > edge cases > divides by zero', 'math.test.js', 15],
      ['ünïcödé ✓ 日本語 > message with ünïcödé fails', 'math.test.js', 35],
      ['very long message', 'long.test.js', 3],
    ]);
    expect(failure(json, 'math > multiplies').message).toBe('Error: expect(received).toBe(expected) // Object.is equality\n\nExpected: 5\nReceived: 6');

    const xml = await parseTestLog(log('jest.junit.xml'));
    // jest-junit writes a todo test as a passing one: the log says 4 passed.
    expect(totals(xml)).toEqual({ total: 9, passed: 4, failed: 4, skipped: 1 });
    expect(where(xml)).toEqual([
      ['multiplies', 'math.test.js', 9],
      ['divides by zero', 'math.test.js', 15],
      ['message with ünïcödé fails', 'math.test.js', 35],
      ['very long message', 'long.test.js', 3],
    ]);
    expect(xml.failures.map((f) => f.suite)).toEqual(['math', 'math edge cases', 'ünïcödé ✓ 日本語', null]);
    // The relative file the report names beats the absolute path of the stack frame.
    expect(failure(xml, 'multiplies').file).toBe('math.test.js');
    expect(xml.failures.map((f) => f.message)).toEqual(json.failures.map((f) => f.message));
  });

  it('node --test: TAP and JUnit of the same suite', async () => {
    const tap = await parseTestLog(log('node-test.tap'));
    expect(tap.format).toBe('tap');
    expect(totals(tap)).toEqual({ total: 9, passed: 3, failed: 4, skipped: 2 });
    expect(tap.totals.durationMs).toBeGreaterThan(0);
    expect(where(tap)).toEqual([
      ['very long message', 'long.test.mjs', 4],
      ['math > multiplies', 'math.test.mjs', 11],
      ['math > edge cases > divides by zero', 'math.test.mjs', 16],
      ['ünïcödé ✓ 日本語 > message with ünïcödé fails', 'math.test.mjs', 37],
    ]);
    expect(failure(tap, 'math > multiplies').message).toBe('Expected values to be strictly equal:\n\n6 !== 5');
    expect(failure(tap, 'math > edge cases > divides by zero')).toMatchObject({ kind: 'error', message: 'division by zero' });
    expect(failure(tap, 'ünïcödé ✓ 日本語 > message with ünïcödé fails').message).toContain("+ 'naïve café ☕'");

    const xml = await parseTestLog(log('node-test.junit.xml'));
    expect(totals(xml)).toEqual(totals(tap));
    expect(xml.failures.map((f) => [f.suite, f.name])).toEqual([
      [null, 'very long message'],
      ['math', 'multiplies'],
      ['math > edge cases', 'divides by zero'],
      ['ünïcödé ✓ 日本語', 'message with ünïcödé fails'],
    ]);
    // JUnit's locations are the failing assertions' frames; TAP's the tests' declarations.
    expect(where(xml).map((w) => w.slice(1))).toEqual([
      ['long.test.mjs', 6],
      ['math.test.mjs', 12],
      ['math.test.mjs', 18],
      ['math.test.mjs', 38],
    ]);
    expect(failure(xml, 'multiplies').message).toBe('Expected values to be strictly equal:\n\n6 !== 5');
    expectShortMessages(tap);
    expectShortMessages(xml);
  });

  it('tap (node-tap) TAP 14: assertions inside tests, tests inside files', async () => {
    const r = await parseTestLog(log('tap.tap'));
    expect(totals(r)).toEqual({ total: 9, passed: 3, failed: 4, skipped: 2 });
    expect(r.totals.durationMs).toBeGreaterThan(1000);
    expect(r.failures.map((f) => [f.suite, f.name, f.file, f.line, f.kind])).toEqual([
      ['long.test.mjs', 'very long message > should be equal', 'long.test.mjs', 5, 'failure'],
      ['math.test.mjs', 'math > multiplies > should be equal', 'math.test.mjs', 11, 'failure'],
      ['math.test.mjs', 'math > edge cases > divides by zero > division by zero', 'math.test.mjs', 17, 'error'],
      ['math.test.mjs', 'ünïcödé ✓ 日本語 > message with ünïcödé fails > should be equal', 'math.test.mjs', 37, 'failure'],
    ]);
    expect(failure(r, 'math > multiplies > should be equal').message).toBe('should be equal\n-5\n+6');
    expect(failure(r, 'ünïcödé ✓ 日本語 > message with ünïcödé fails > should be equal').message).toBe('should be equal\n-naive cafe\n+naïve café ☕');
    expectShortMessages(r);
  });
});

describe('pytest, go, Maven Surefire', () => {
  it('pytest --junitxml: the "E" lines are the message', async () => {
    const r = await parseTestLog(log('pytest.junit.xml'));
    expect(totals(r)).toEqual({ total: 12, passed: 4, failed: 6, skipped: 2 });
    expect(r.failures.map((f) => [f.suite, f.name, base(f.file), f.line, f.kind])).toEqual([
      ['test_long', 'test_very_long_message', 'test_long.py', 3, 'failure'],
      ['test_math.TestMath', 'test_multiplies', 'test_math.py', 12, 'failure'],
      ['test_math.TestMath.TestEdgeCases', 'test_divides_by_zero', 'test_math.py', 16, 'failure'],
      ['test_math.TestÜnïcödé', 'test_message_with_ünïcödé_fails', 'test_math.py', 32, 'failure'],
      ['test_math', 'test_parametrized[2]', 'test_math.py', 37, 'failure'],
      ['test_math', 'test_error_in_fixture', 'test_math.py', 40, 'error'],
    ]);
    expect(failure(r, 'test_multiplies').message).toBe('assert (2 * 3) == 5');
    expect(failure(r, 'test_divides_by_zero').message).toBe('ZeroDivisionError: division by zero');
    expect(failure(r, 'test_message_with_ünïcödé_fails').message.split('\n').slice(0, 2)).toEqual(['AssertionError: attendu «naive cafe» — 日本語', "assert 'naïve café ☕' == 'naive cafe'"]);
    expect(failure(r, 'test_error_in_fixture').message).toBe("fixture 'missing_fixture' not found");
    expectShortMessages(r);
  });

  it('go test -json and gotestsum JUnit of the same run agree', async () => {
    const json = await parseTestLog(log('go-test.json'));
    expect(json.format).toBe('go-test-json');
    // Leaves only: TestEdgeCases and TestÜnïcödé have subtests and are not counted themselves.
    expect(totals(json)).toEqual({ total: 11, passed: 5, failed: 5, skipped: 1 });
    expect(json.failures.map((f) => [f.suite, f.name, base(f.file), f.line, f.kind, f.message.split('\n')[0]])).toEqual([
      ['example.com/fixture', 'TestMultiplies', 'math_test.go', 19, 'failure', '2*3 = 6, want 5'],
      ['example.com/fixture', 'TestEdgeCases/divides_by_zero', 'math_test.go', 27, 'failure', 'recovered: runtime error: integer divide by zero'],
      ['example.com/fixture', 'TestÜnïcödé/message_with_ünïcödé_fails', 'math_test.go', 44, 'failure', 'got "naïve café ☕", want "naive cafe" — 日本語'],
      ['example.com/fixture', 'TestVeryLongMessage', 'math_test.go', 53, 'failure', 'mismatch:'],
      ['example.com/fixture/panics', 'TestPanics', 'panics_test.go', 10, 'error', 'panic: assignment to entry in nil map [recovered]'],
    ]);
    expect(failure(json, 'TestPanics').message).not.toMatch(/goroutine/);

    const xml = await parseTestLog(log('gotestsum.junit.xml'));
    expect(totals(xml)).toEqual(totals(json));
    expect(xml.failures.map((f) => [f.suite, f.name, base(f.file), f.line, f.message])).toEqual(json.failures.map((f) => [f.suite, f.name, base(f.file), f.line, f.message]));
    expectShortMessages(json);
  });

  it('Maven Surefire: a directory of reports, one per class', async () => {
    const reports = await parseTestLogs(join(LOGS, 'surefire'));
    expect(reports.map((r) => base(r.path))).toEqual(['TEST-fixture.MathTest$EdgeCases.xml', 'TEST-fixture.MathTest$Unicode.xml', 'TEST-fixture.MathTest.xml']);
    const sum = reports.reduce((a, r) => ({ total: a.total + r.totals.total, passed: a.passed + r.totals.passed, failed: a.failed + r.totals.failed, skipped: a.skipped + r.totals.skipped }), { total: 0, passed: 0, failed: 0, skipped: 0 });
    expect(sum).toEqual({ total: 7, passed: 2, failed: 4, skipped: 1 });
    const all = reports.flatMap((r) => r.failures);
    expect(all.map((f) => [f.suite, f.name, f.file, f.line, f.kind])).toEqual([
      ['fixture.MathTest$EdgeCases', 'dividesByZero', 'MathTest.java', 30, 'error'],
      // Its message is 20 kB: the stack frame that locates it comes after what is kept of the text.
      ['fixture.MathTest', 'veryLongMessage', 'MathTest.java', 59, 'failure'],
      ['fixture.MathTest', 'multiplies', 'MathTest.java', 22, 'failure'],
      ['fixture.MathTest$Unicode', 'unicodeFails', 'MathTest.java', 52, 'failure'],
    ]);
    expect(all.find((f) => f.name === 'multiplies')!.message).toBe('org.opentest4j.AssertionFailedError: expected: <5> but was: <6>');
    expect(all.find((f) => f.name === 'unicodeFails')!.message).toContain('attendu «naive cafe» — 日本語');
    expect(all.find((f) => f.name === 'dividesByZero')!.message).toBe('java.lang.ArithmeticException: / by zero');
  });
});

describe('broken, truncated and odd logs: warnings and whatever could be read', () => {
  const files = ['vitest.junit.xml', 'vitest.json', 'jest.json', 'jest.junit.xml', 'node-test.tap', 'node-test.junit.xml', 'tap.tap', 'pytest.junit.xml', 'go-test.json', 'gotestsum.junit.xml'];

  it.each(files)('%s cut at a fifth, a half and four fifths: no throw, a warning, no more counted than in the whole', async (name) => {
    const full = await parseTestLog(log(name));
    const bytes = readFileSync(log(name));
    const dir = tempDir();
    for (const cut of [0.2, 0.5, 0.8]) {
      const path = join(dir, `${cut}-${name}`);
      writeFileSync(path, bytes.subarray(0, Math.floor(bytes.length * cut)));
      const r = await parseTestLog(path, { format: full.format });
      expect(r.warnings.length, `${name} at ${cut}`).toBeGreaterThan(0);
      expect(r.totals.total).toBeLessThanOrEqual(full.totals.total);
      expect(r.totals.failed).toBeLessThanOrEqual(full.totals.failed);
      expect(r.totals.passed + r.totals.failed + r.totals.skipped).toBe(r.totals.total);
      // What was read is what the whole log says about those tests.
      for (const f of r.failures) {
        const same = full.failures.find((g) => g.name === f.name && g.suite === f.suite);
        if (same && !r.warnings.some((w) => /with no result/.test(w))) expect([f.file, f.line]).toEqual([same.file, same.line]);
      }
    }
  });

  it('a truncated JUnit file keeps the complete test cases', async () => {
    const text = readFileSync(log('pytest.junit.xml'), 'utf8');
    const cut = text.indexOf('<testcase classname="test_math.TestMath.TestEdgeCases" name="test_divides_by_zero"') + 40;
    const path = join(tempDir(), 'cut.xml');
    writeFileSync(path, text.slice(0, cut));
    const r = await parseTestLog(path);
    expect(totals(r)).toEqual({ total: 4, passed: 2, failed: 2, skipped: 0 });
    expect(r.failures.map((f) => f.name)).toEqual(['test_very_long_message', 'test_multiplies']);
    expect(r.warnings.join('\n')).toMatch(/ends inside a test (case|suite)/);
  });

  it('bad XML inside a report: a warning, and parsing goes on', async () => {
    const path = join(tempDir(), 'bad.xml');
    writeFileSync(path, '<testsuites><testsuite name="s"><testcase name="a"/><testcase name="b"><failure message="x &nbsp; y">boom</failure></testcase><testcase name="c"/></testsuite></testsuites>');
    const r = await parseTestLog(path);
    expect(totals(r)).toEqual({ total: 3, passed: 2, failed: 1, skipped: 0 });
    expect(r.failures[0]).toMatchObject({ name: 'b', suite: 's' });
    expect(r.warnings.join('\n')).toMatch(/not well-formed XML/);
  });

  it('a truncated JSON report is read up to its last complete test file', async () => {
    const text = readFileSync(log('jest.json'), 'utf8');
    const path = join(tempDir(), 'cut.json');
    writeFileSync(path, text.slice(0, Math.floor(text.length * 0.7)));
    const r = await parseTestLog(path);
    expect(r.warnings[0]).toMatch(/not valid JSON.*read the complete part/);
    expect(r.totals.total).toBeGreaterThan(0);
  });

  it('garbage: an error when the format must be guessed, an empty report with a warning when forced', async () => {
    const path = join(tempDir(), 'garbage.log');
    writeFileSync(path, 'hello\nthis is not a test log\n');
    await expect(parseTestLog(path)).rejects.toMatchObject({ code: 'E_TEST_LOG_FORMAT', exitCode: 2 });
    for (const format of ['junit', 'tap', 'jest-json', 'go-test-json'] as const) {
      const r = await parseTestLog(path, { format });
      expect(r.totals.total).toBe(0);
      expect(r.warnings.length).toBeGreaterThan(0);
    }
    await expect(parseTestLog(join(tempDir(), 'missing.xml'))).rejects.toMatchObject({ code: 'E_FILE', exitCode: 2 });
    expect(() => checkFormat('yaml')).toThrow(CtxError);
    expect(checkFormat('vitest-json')).toBe('jest-json');
  });

  it('keeps at most MAX_FAILURES failures and counts the rest', async () => {
    const n = MAX_FAILURES + 25;
    const cases = Array.from({ length: n }, (_, i) => `<testcase classname="c" name="t${i}"><failure message="m${i}">at x (src/a.ts:${i + 1}:1)</failure></testcase>`).join('');
    const path = join(tempDir(), 'many.xml');
    writeFileSync(path, `<testsuite name="s">${cases}<testcase name="ok"/></testsuite>`);
    const r = await parseTestLog(path);
    expect(totals(r)).toEqual({ total: n + 1, passed: 1, failed: n, skipped: 0 });
    expect(r.failures).toHaveLength(MAX_FAILURES);
    expect(r.failuresOmitted).toBe(25);
    expect(r.failures[999]).toMatchObject({ name: 't999', file: 'src/a.ts', line: 1000, message: 'm999' });
  });
});

describe('pure helpers', () => {
  it.each([
    ['<?xml version="1.0"?><testsuites>', 'junit'],
    ['\uFEFF  <testsuite name="x">', 'junit'],
    ['TAP version 13\n# Subtest: a', 'tap'],
    ['1..3\nok 1 - a', 'tap'],
    ['ok 1 - a\n', 'tap'],
    ['{"Time":"2026-01-01T00:00:00Z","Action":"run","Package":"p","Test":"TestA"}\n', 'go-test-json'],
    ['{"Action":"start","Package":"p"}\n', 'go-test-json'],
    ['{"numFailedTestSuites":0,"testResults":[]}', 'jest-json'],
    ['hello', null],
    ['', null],
  ])('detectFormat(%j) -> %s', (head, format) => expect(detectFormat(head)).toBe(format));

  it.each([
    ['    at Object.toBe (/r/src/a.test.ts:9:19)\n    at x (/r/node_modules/j/b.js:1:1)', null, { file: '/r/src/a.test.ts', line: 9 }],
    ['    at x (/r/node_modules/j/b.js:1:1)\n    at file:///r/src/a%20b.test.mjs:4:2', null, { file: '/r/src/a b.test.mjs', line: 4 }],
    [' ❯ divide math.test.ts:17:28\n ❯ math.test.ts:20:14', null, { file: 'math.test.ts', line: 17 }],
    ['\tat org.junit.Assert.fail(Assert.java:89)\n\tat com.x.FooTest.bar(FooTest.java:41)', null, { file: 'FooTest.java', line: 41 }],
    ['\tat com.x.Util.f(Util.java:3)\n\tat com.x.FooTest.bar(FooTest.java:41)', 'com.x.FooTest', { file: 'FooTest.java', line: 41 }],
    ['  File "/usr/lib/python3.11/unittest/case.py", line 3\n  File "tests/test_a.py", line 12, in test_x', null, { file: 'tests/test_a.py', line: 12 }],
    ['tests/test_a.py:12: AssertionError', null, { file: 'tests/test_a.py', line: 12 }],
    ['    foo_test.go:19: 2*3 = 6', null, { file: 'foo_test.go', line: 19 }],
    ['\t/usr/lib/go-1.19/src/testing/testing.go:1396 +0x24e\n\t/src/p/foo_test.go:10 +0x2e', null, { file: '/src/p/foo_test.go', line: 10 }],
    ['no location here', null, null],
  ])('findLocation %#', (text, prefer, expected) => expect(findLocation(text, prefer)).toEqual(expected));

  it('firstLines: first lines up to the stack, colour codes out, long lines cut', () => {
    expect(firstLines('\u001b[31mError: boom\u001b[39m\n\n\n  detail\n    at f (a.js:1:1)\n  after the stack')).toBe('Error: boom\n\n  detail');
    const long = firstLines(Array.from({ length: 20 }, (_, i) => `line ${i} ${'y'.repeat(400)}`).join('\n'));
    expect(long.split('\n')).toHaveLength(MESSAGE_LINES + 1);
    expect(long.split('\n')[0]).toHaveLength(MESSAGE_LINE_CHARS);
    expect(long.endsWith('\n…')).toBe(true);
    expect(firstLines('=== RUN   TestA\n    a_test.go:3: bad\n--- FAIL: TestA (0.00s)')).toBe('a_test.go:3: bad');
  });

  it.each([
    ['{"a":[{"b":1},{"c":2', '{"a":[{"b":1}]}'],
    ['{"a":[{"b":"x}"},{"c"', '{"a":[{"b":"x}"}]}'],
    ['{"a":1}', '{"a":1}'],
    ['{"a":', null],
  ])('repairTruncatedJson(%j)', (text, expected) => expect(repairTruncatedJson(text)).toBe(expected));

  it('parseYaml reads the diagnostics TAP producers write', () => {
    const y = parseYaml(["duration_ms: 3.2", "location: '/a/b.mjs:11:3'", 'error: |-', '  line one', '  line two', 'at:', '  fileName: b.mjs', '  lineNumber: 5', "name: 'it''s'", 'expected: 5']);
    expect(y).toEqual({ duration_ms: '3.2', location: '/a/b.mjs:11:3', error: 'line one\nline two', at: { fileName: 'b.mjs', lineNumber: '5' }, name: "it's", expected: '5' });
  });
});
