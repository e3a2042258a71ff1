/**
 * The logs agents have: what each runner prints by default (fixtures/test-logs/*.console.txt, and the
 * same with colours, *.color.txt), vitest's TAP, go test -json with a package that does not build,
 * mocha and RSpec JSON; and files that are not test reports. Every fixture was written by the real
 * runner (scripts/fixtures/test-logs.sh).
 */
import { describe, expect, it } from 'vitest';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseTestLog, type TestReport } from '../src/testlog/index.js';
import { tempDir } from './helpers/repo.js';
import { makeSamples } from './helpers/secret-samples.js';

const LOGS = fileURLToPath(new URL('../fixtures/test-logs/', import.meta.url));
const log = (name: string) => join(LOGS, name);
const base = (p: string | null) => (p ? p.slice(p.lastIndexOf('/') + 1) : p);
const totals = (r: TestReport) => {
  const { durationMs: _, ...t } = r.totals;
  return t;
};
/** [suite, name, file basename, line, kind, first line of the message] of every failure, in log order. */
const rows = (r: TestReport) => r.failures.map((f) => [f.suite && base(f.suite), f.name, base(f.file), f.line, f.kind, f.message.split('\n')[0]]);

/** What each runner's own run of its fixture project failed: the truth the readers are measured against. */
const VITEST = [
  ['long.test.ts', 'very long message', 'long.test.ts', 5, 'failure', "AssertionError: expected 'line 0: xxxxxxxxxxxxxxxxxxxxxxxxxxxxx…' to be 'line 0: xxxxxxxxxxxxxxxxxxxxxxxxxxxxx…' // Object.is equality"],
  ['math.test.ts', 'math > multiplies', 'math.test.ts', 11, 'failure', 'AssertionError: expected 6 to be 5 // Object.is equality'],
  ['math.test.ts', 'math > edge cases > divides by zero', 'math.test.ts', 17, 'error', 'RangeError: division by zero'],
  ['math.test.ts', 'ünïcödé ✓ 日本語 > message with ünïcödé fails', 'math.test.ts', 37, 'failure', "AssertionError: expected 'naïve café ☕' to be 'naive cafe' // Object.is equality"],
];
const PYTEST = [
  ['test_long.py', 'test_very_long_message', 'test_long.py', 3, 'failure', "AssertionError: assert 'line 0: xxxx...xxxxxxxxxxxxx' == 'line 0: xxxx...xxxxxxxxxxxxx'"],
  ['test_math.py', 'TestMath::test_multiplies', 'test_math.py', 12, 'failure', 'assert (2 * 3) == 5'],
  ['test_math.py', 'TestMath::TestEdgeCases::test_divides_by_zero', 'test_math.py', 16, 'failure', 'ZeroDivisionError: division by zero'],
  ['test_math.py', 'TestÜnïcödé::test_message_with_ünïcödé_fails', 'test_math.py', 32, 'failure', 'AssertionError: attendu «naive cafe» — 日本語'],
  ['test_math.py', 'test_parametrized[2]', 'test_math.py', 37, 'failure', 'assert 2 == 1'],
  ['test_math.py', 'test_error_in_fixture', 'test_math.py', 40, 'error', "fixture 'missing_fixture' not found"],
];
const JEST = [
  ['math.test.js', 'math > multiplies', 'math.test.js', 9, 'failure', 'expect(received).toBe(expected) // Object.is equality'],
  ['math.test.js', 'math > edge cases > divides by zero', 'math.test.js', 15, 'error', 'RangeError: division by zero'],
  ['math.test.js', 'ünïcödé ✓ 日本語 > message with ünïcödé fails', 'math.test.js', 35, 'failure', 'expect(received).toBe(expected) // Object.is equality'],
  ['long.test.js', 'very long message', 'long.test.js', 3, 'failure', 'expect(received).toBe(expected) // Object.is equality'],
];
const GO = [
  ['fixture', 'TestMultiplies', 'math_test.go', 19, 'failure', '2*3 = 6, want 5'],
  ['fixture', 'TestEdgeCases/divides_by_zero', 'math_test.go', 27, 'failure', 'recovered: runtime error: integer divide by zero'],
  ['fixture', 'TestÜnïcödé/message_with_ünïcödé_fails', 'math_test.go', 44, 'failure', 'got "naïve café ☕", want "naive cafe" — 日本語'],
  ['fixture', 'TestVeryLongMessage', 'math_test.go', 53, 'failure', 'mismatch:'],
  ['panics', 'TestPanics', 'panics_test.go', 10, 'error', 'panic: assignment to entry in nil map [recovered]'],
];
const CARGO = [
  ['lib.rs', 'tests::edge_cases::divides_by_zero', 'lib.rs', 5, 'failure', 'attempt to divide by zero'],
  ['lib.rs', 'tests::message_with_ünïcödé_fails', 'lib.rs', 39, 'failure', 'assertion `left == right` failed: attendu «naive cafe» — 日本語'],
  ['lib.rs', 'tests::multiplies', 'lib.rs', 19, 'failure', 'assertion `left == right` failed'],
  ['lib.rs', 'tests::very_long_message', 'lib.rs', 46, 'failure', 'assertion `left == right` failed'],
];
const NODE = [
  [null, 'very long message', 'long.test.mjs', 4, 'failure', 'AssertionError: Expected values to be strictly equal:'],
  [null, 'math > multiplies', 'math.test.mjs', 11, 'failure', 'AssertionError: Expected values to be strictly equal:'],
  [null, 'math > edge cases > divides by zero', 'math.test.mjs', 16, 'error', 'RangeError: division by zero'],
  [null, 'ünïcödé ✓ 日本語 > message with ünïcödé fails', 'math.test.mjs', 37, 'failure', 'AssertionError: Expected values to be strictly equal:'],
];

describe('console output, as an agent captured it, with and without colours', () => {
  it.each([
    ['pytest', 'pytest-console', { total: 12, passed: 4, failed: 6, skipped: 2 }, PYTEST],
    ['vitest', 'vitest-console', { total: 9, passed: 3, failed: 4, skipped: 2 }, VITEST],
    ['jest', 'jest-console', { total: 9, passed: 3, failed: 4, skipped: 2 }, JEST],
    ['node-test', 'node-test-console', { total: 9, passed: 3, failed: 4, skipped: 2 }, NODE],
  ] as const)('%s', async (name, format, expected, failures) => {
    for (const file of [`${name}.console.txt`, `${name}.color.txt`]) {
      const r = await parseTestLog(log(file));
      expect(r.format, file).toBe(format);
      expect(totals(r), file).toEqual(expected);
      expect(r.totals.durationMs, file).toBeGreaterThan(0);
      expect(rows(r), file).toEqual(failures);
      expect(r.warnings, file).toEqual([]);
      for (const f of r.failures) expect(f.message).not.toMatch(/\u001b|^\s*at .*:\d+:\d+\)?$|^\s*\d+ \|/m);
    }
  });

  it('the whole assertion: Expected and Received, a diff, without the code frame', async () => {
    const jest = await parseTestLog(log('jest.console.txt'));
    expect(jest.failures[0]!.message).toBe('expect(received).toBe(expected) // Object.is equality\n\nExpected: 5\nReceived: 6');
    const vitest = await parseTestLog(log('vitest.color.txt'));
    expect(vitest.failures[1]!.message).toBe('AssertionError: expected 6 to be 5 // Object.is equality\n\n- Expected\n+ Received\n\n- 5\n+ 6');
    expect(vitest.failures[3]!.message).toContain('Expected: "naive cafe"\nReceived: "naïve café ☕"');
    const pytest = await parseTestLog(log('pytest.console.txt'));
    expect(pytest.failures[3]!.message).toBe("AssertionError: attendu «naive cafe» — 日本語\nassert 'naïve café ☕' == 'naive cafe'\n\n  - naive cafe\n  + naïve café ☕");
    const cargo = await parseTestLog(log('cargo.console.txt'));
    expect(cargo.failures[2]!.message).toBe('assertion `left == right` failed\n  left: 6\n right: 5');
  });

  it('go test, plain and -v; a plain log says passed tests are not counted', async () => {
    const plain = await parseTestLog(log('go-test.console.txt'));
    expect(plain.format).toBe('go-test-console');
    expect(totals(plain)).toEqual({ total: 5, passed: 0, failed: 5, skipped: 0 });
    expect(rows(plain)).toEqual(GO);
    expect(plain.warnings.join('\n')).toMatch(/without -v names failed tests only: passed tests are not counted/);
    const verbose = await parseTestLog(log('go-test-v.console.txt'));
    // The same as go test -json reads it: leaves only.
    expect(totals(verbose)).toEqual({ total: 11, passed: 5, failed: 5, skipped: 1 });
    expect(rows(verbose)).toEqual(GO);
    expect(verbose.warnings).toEqual([]);
    expect(verbose.failures[4]!.message).not.toMatch(/goroutine/);
  });

  it('"ok  <tab>pkg" is go test, not TAP; a package that did not build is a failure with the compiler error', async () => {
    const okFirst = await parseTestLog(log('go-test-ok-first.console.txt'));
    expect(okFirst.format).toBe('go-test-console');
    expect(rows(okFirst)).toEqual([['ok', 'TestFails', 'ok_test.go', 9, 'failure', 'expected 1, got 2']]);
    expect(okFirst.warnings.join('\n')).toMatch(/\(1 package passed\)/);
    const buildFailed = [
      ['ok', 'TestFails', 'ok_test.go', 9, 'failure', 'expected 1, got 2'],
      ['broken', 'example.com/buildfail/broken (build failed)', 'broken_test.go', 7, 'error', 'broken/broken_test.go:7:14: cannot use "not a number" (untyped string constant) as int value in variable declaration'],
    ];
    const console = await parseTestLog(log('go-test-build-failed.console.txt'));
    expect(rows(console)).toEqual(buildFailed);
    // go 1.19's -json: the compiler's lines and "FAIL pkg [build failed]" come as plain lines first.
    const json = await parseTestLog(log('go-test-build-failed.json'));
    expect(readFileSync(log('go-test-build-failed.json'), 'utf8')).toMatch(/^# example\.com\/buildfail\/broken/);
    expect(json.format).toBe('go-test-json');
    expect(totals(json)).toEqual({ total: 5, passed: 2, failed: 2, skipped: 1 });
    expect(rows(json)).toEqual(buildFailed);
    expect(json.warnings).toEqual([]);
  });

  it('cargo test: stops at the first failing binary (said), or runs them all with --no-fail-fast', async () => {
    const plain = await parseTestLog(log('cargo.console.txt'));
    expect(plain.format).toBe('cargo-test-console');
    expect(totals(plain)).toEqual({ total: 6, passed: 1, failed: 4, skipped: 1 });
    expect(rows(plain)).toEqual(CARGO);
    expect(plain.warnings.join('\n')).toMatch(/stopped at the first test binary that failed/);
    const all = await parseTestLog(log('cargo.color.txt'));
    expect(totals(all)).toEqual({ total: 8, passed: 2, failed: 5, skipped: 1 });
    expect(rows(all)).toEqual([...CARGO, ['integration.rs', 'integration_fails', 'integration.rs', 10, 'failure', 'expected a non-empty vector']]);
    expect(all.warnings).toEqual([]);
  });

  it('cut logs warn, and count only what they name; output of other tools around a log does not matter', async () => {
    const dir = tempDir();
    for (const name of ['pytest.console.txt', 'vitest.console.txt', 'jest.console.txt', 'cargo.console.txt', 'node-test.console.txt', 'go-test-v.console.txt']) {
      const full = await parseTestLog(log(name));
      const text = readFileSync(log(name), 'utf8');
      // Cut before the summary: a warning says the log may be cut.
      const path = join(dir, `cut-${name}`);
      writeFileSync(path, text.slice(0, Math.floor(text.length * 0.3)));
      const cut = await parseTestLog(path, { format: full.format });
      expect(cut.warnings.length, name).toBeGreaterThan(0);
      expect(cut.totals.failed, name).toBeLessThanOrEqual(full.totals.failed);
      // Interleaved with an agent's other commands: the same report.
      const mixed = join(dir, `mixed-${name}`);
      writeFileSync(mixed, `$ npm run build\n> build\n> tsc -p .\n\nok 3 things done\n${text}\n$ git status --short\n M src/a.ts\n`);
      const again = await parseTestLog(mixed);
      expect([again.format, totals(again), rows(again)], name).toEqual([full.format, totals(full), rows(full)]);
    }
  });

  it('a secret in failure text is screened whole before the message is cut from it', async () => {
    const key = makeSamples(7).find((s) => s.kind === 'private-key' && s.text.includes('staging box'))!;
    const text = readFileSync(log('pytest.console.txt'), 'utf8').replace('E       assert (2 * 3) == 5', `E       assert (2 * 3) == 5\n${key.text.split('\n').map((l) => `E       ${l}`).join('\n')}`);
    const path = join(tempDir(), 'secret.txt');
    writeFileSync(path, text);
    const r = await parseTestLog(path);
    const f = r.failures.find((x) => x.name === 'TestMath::test_multiplies')!;
    expect(f.message).toContain('[REDACTED:');
    for (const v of key.values) expect(JSON.stringify(r)).not.toContain(v);
  });
});

describe('vitest TAP, mocha and RSpec JSON', () => {
  it('vitest --reporter=tap: blocks for files and describe blocks are not tests; YAML gives message and place', async () => {
    for (const file of ['vitest.tap', 'vitest.tap-flat.tap']) {
      const r = await parseTestLog(log(file));
      expect(r.format).toBe('tap');
      expect(totals(r), file).toEqual({ total: 9, passed: 3, failed: 4, skipped: 2 });
      expect(rows(r), file).toEqual(VITEST);
      expect(r.warnings, file).toEqual([]);
    }
    const tap = await parseTestLog(log('vitest.tap'));
    expect(tap.failures[1]!.file).toMatch(/^\/.*\/vitest\/math\.test\.ts$/);
  });

  it('mocha --reporter json', async () => {
    const r = await parseTestLog(log('mocha.json'));
    expect(r.format).toBe('mocha-json');
    expect(totals(r)).toEqual({ total: 9, passed: 3, failed: 4, skipped: 2 });
    expect(rows(r)).toEqual([
      ['long.test.mjs', 'very long message', 'long.test.mjs', 5, 'failure', 'AssertionError [ERR_ASSERTION]: Expected values to be strictly equal:'],
      ['math.test.mjs', 'math multiplies', 'math.test.mjs', 11, 'failure', 'AssertionError [ERR_ASSERTION]: Expected values to be strictly equal:'],
      ['math.test.mjs', 'math edge cases divides by zero', 'math.test.mjs', 17, 'error', 'RangeError: division by zero'],
      ['math.test.mjs', 'ünïcödé ✓ 日本語 message with ünïcödé fails', 'math.test.mjs', 37, 'failure', 'AssertionError [ERR_ASSERTION]: Expected values to be strictly equal:'],
    ]);
  });

  it('rspec --format json', async () => {
    const r = await parseTestLog(log('rspec.json'));
    expect(r.format).toBe('rspec-json');
    expect(totals(r)).toEqual({ total: 8, passed: 2, failed: 4, skipped: 2 });
    expect(rows(r)).toEqual([
      ['long_spec.rb', 'long very long message', 'long_spec.rb', 4, 'failure', expect.stringMatching(/^expected: "line 0: x+\\nline 1/)],
      ['math_spec.rb', 'math multiplies', 'math_spec.rb', 9, 'failure', 'expected: 5'],
      ['math_spec.rb', 'math edge cases divides by zero', 'math_spec.rb', 14, 'error', 'ZeroDivisionError: divided by 0'],
      ['math_spec.rb', 'ünïcödé ✓ 日本語 message with ünïcödé fails', 'math_spec.rb', 34, 'failure', 'expected: "naive cafe"'],
    ]);
    expect(r.failures[1]!.message).toBe('expected: 5\n     got: 6\n\n(compared using ==)');
  });

  it('pytest-json-report (1.5.0, run from its source): as pytest itself says it', async () => {
    const r = await parseTestLog(log('pytest-json-report.json'));
    expect(r.format).toBe('pytest-json');
    expect(totals(r)).toEqual({ total: 12, passed: 4, failed: 6, skipped: 2 });
    expect(rows(r)).toEqual(PYTEST);
    expect(r.failures.map((f) => f.message)).toEqual((await parseTestLog(log('pytest.console.txt'))).failures.map((f) => f.message));
  });

  it('pytest --junitxml with junit_family=xunit1: the line of the failure, not one above the def', async () => {
    const r = await parseTestLog(log('pytest.xunit1.xml'));
    expect(r.failures.map((f) => [f.name, base(f.file), f.line])).toEqual(PYTEST.map((p) => [String(p[1]).split('::').pop(), p[2], p[3]]));
  });
});

describe('not a test report: refused, saying what it is, never "0 failed"', () => {
  it.each([
    ['page.html', '<!DOCTYPE html>\n<html><head><title>Test Report</title></head><body>3 failed</body></html>', /is not a test report: an HTML page/],
    ['package.json', '{\n  "name": "x",\n  "version": "1.0.0",\n  "scripts": { "test": "vitest" }\n}\n', /is not a test report: JSON that is not a test report/],
    ['results.trx', '<?xml version="1.0" encoding="UTF-8"?>\n<TestRun id="1" xmlns="http://microsoft.com/schemas/VisualStudio/TeamTest/2010"></TestRun>', /is not a test report: a \.NET TRX report/],
    ['coverage-summary.json', '{"total": {"lines": {"total": 10, "covered": 8, "skipped": 0, "pct": 80}}}', /is not a test report: JSON that is not a test report/],
    ['pom.xml', '<?xml version="1.0"?>\n<project><modelVersion>4.0.0</modelVersion></project>', /is not a test report: XML whose root is <project>/],
    ['notes.txt', 'hello\nnothing to see here\n', /cannot tell the format of test log notes\.txt: not understood/],
  ])('%s', async (name, content, message) => {
    const path = join(tempDir(), name);
    writeFileSync(path, content);
    await expect(parseTestLog(path)).rejects.toMatchObject({ code: 'E_TEST_LOG_FORMAT', message: expect.stringMatching(message) });
  });
});

/** Precision and recall of failures (by name, file and line) over every console fixture. */
it('precision and recall over the console fixtures are 1', async () => {
  const truth: Record<string, unknown[][]> = {
    'pytest.console.txt': PYTEST,
    'pytest.color.txt': PYTEST,
    'vitest.console.txt': VITEST,
    'vitest.color.txt': VITEST,
    'vitest.tap': VITEST,
    'vitest.tap-flat.tap': VITEST,
    'jest.console.txt': JEST,
    'jest.color.txt': JEST,
    'node-test.console.txt': NODE,
    'node-test.color.txt': NODE,
    'go-test.console.txt': GO,
    'go-test-v.console.txt': GO,
    'cargo.console.txt': CARGO,
    'cargo.color.txt': [...CARGO, ['integration.rs', 'integration_fails', 'integration.rs', 10]],
    'pytest-json-report.json': PYTEST,
  };
  let found = 0;
  let right = 0;
  let expected = 0;
  for (const [file, want] of Object.entries(truth)) {
    const got = rows(await parseTestLog(log(file))).map((r) => JSON.stringify(r.slice(1, 4)));
    const wanted = new Set(want.map((r) => JSON.stringify(r.slice(1, 4))));
    found += got.length;
    expected += wanted.size;
    right += got.filter((g) => wanted.has(g)).length;
  }
  expect({ precision: right / found, recall: right / expected }).toEqual({ precision: 1, recall: 1 });
});
