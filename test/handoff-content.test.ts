/**
 * What an automatic handoff holds, on real repositories with the real runners' logs: symbols changed,
 * the notes and decisions of the session, staged/unstaged/added/deleted files, failures grouped by
 * cause with their whole assertion, paths in the repository, warnings of cut logs, one run given twice
 * read once, names as written.
 */
import { describe, expect, it } from 'vitest';
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { git, makeRepo, writeFiles } from './helpers/repo.js';
import { cliOk } from './helpers/cli.js';

const LOGS = fileURLToPath(new URL('../fixtures/test-logs/', import.meta.url));
const as = { env: { GIT_CTX_SESSION: 'sess-1', GIT_CTX_AGENT: 'claude' } };

const STORE = `export class Store {
  save(key: string): void {
    console.log(key);
  }

  fetch(key: string): string {
    const value = key.trim();
    return value.toUpperCase();
  }

  clear(): void {
    console.log('clear');
  }
}
`;

describe('automatic handoff content', () => {
  it('symbols, notes and decisions, file states, failures by cause from logs of one run', async () => {
    const repo = makeRepo({ files: { 'src/store.ts': STORE, 'math.test.js': '// tests\n', 'old.txt': 'x\n' } });
    git(repo, ['checkout', '-q', '-b', 'feature']);
    writeFiles(repo, { 'src/store.ts': STORE.replace('fetch(key', 'get(key') });
    git(repo, ['commit', '-qam', 'rename fetch to get']);
    await cliOk(repo, ['add', '-m', 'The store keeps keys trimmed'], as);
    await cliOk(repo, ['add', '-k', 'decision', '-m', 'Keys are case-insensitive'], as);
    await cliOk(repo, ['add', '-m', 'Written by someone else'], { env: { GIT_CTX_SESSION: 'other' } });
    // Uncommitted: clear() removed (unstaged), a new file staged, a file deleted.
    writeFiles(repo, { 'src/store.ts': readFileSync(join(repo, 'src/store.ts'), 'utf8').replace("\n  clear(): void {\n    console.log('clear');\n  }\n", ''), 'src/util.ts': 'export function trim(s: string): string {\n  return s.trim();\n}\n' });
    git(repo, ['add', 'src/util.ts']);
    git(repo, ['rm', '-q', 'old.txt']);
    // One run in two formats, as a test-results folder holds it; jest's JSON with absolute paths.
    const results = join(repo, 'test-results');
    mkdirSync(results);
    copyFileSync(join(LOGS, 'vitest.junit.xml'), join(results, 'junit.xml'));
    copyFileSync(join(LOGS, 'vitest.json'), join(results, 'report.json'));
    const cut = readFileSync(join(LOGS, 'pytest.console.txt'), 'utf8');
    writeFileSync(join(repo, 'pytest.txt'), cut.slice(0, cut.indexOf('=== short test summary')));

    const r = await cliOk(repo, ['handoff', '--auto', '--json', '--test-log', 'test-results', '--test-log', join(LOGS, 'jest.json'), '--test-log', 'pytest.txt'], as);
    const body: string = r.json.entry.body;
    expect(r.json.auto).toMatchObject({ symbolFiles: 2, notes: 1, decisions: 1 });
    // Symbols changed since the branch left main, committed and not.
    expect(body).toContain('- symbols changed:\n  - src/store.ts: `Store.get` (method, renamed from `Store.fetch`), `Store.clear` (method, removed)\n  - src/util.ts: `trim` (function, added)\n');
    expect(body).toContain('  - D old.txt (deleted, staged)\n');
    expect(body).toContain('  - A src/util.ts (added, staged)\n');
    expect(body).toContain('  - M src/store.ts (modified, unstaged)\n');
    expect(body).toMatch(/- notes written by this session:\n {2}- [0-9a-z]{26} The store keeps keys trimmed\n/);
    expect(body).not.toContain('Written by someone else');
    expect(body).toMatch(/Recorded by this session:\n- [0-9a-z]{26} Keys are case-insensitive/);
    // The two files of one vitest run: one report, totals once, each failure once.
    expect(body).toContain('- `test-results/report.json`, `test-results/junit.xml` (jest-json, junit: one run): 3 passed, 4 failed, 2 skipped');
    expect(body.match(/`math > multiplies` at `[^`]*math\.test\.ts:11`/g)).toHaveLength(1);
    // jest: the whole assertion, Expected and Received; its absolute path as the repository's file.
    expect(body).toContain('- `math > multiplies` at `math.test.js:9`\n  ```\n  Error: expect(received).toBe(expected) // Object.is equality\n\n  Expected: 5\n  Received: 6\n  ```');
    // A cut console log says so; its tests by their pytest names, as written (no Markdown escapes).
    expect(body).toMatch(/- `pytest\.txt` \(pytest-console\): 0 passed, 6 failed, 0 skipped\n {2}- warning: .*no pytest summary line/);
    expect(body).toContain('- `TestMath::test_multiplies` at `test_math.py:12`\n');
    expect(body).not.toMatch(/\\_/);
  });

  it('2,000 failures of two causes: every cause shown, not "… and 950 more"', async () => {
    const repo = makeRepo({ files: { 'a.txt': 'a\n' } });
    const cases = Array.from({ length: 2000 }, (_, i) =>
      i % 10 === 3
        ? `<testcase classname="db" name="test_reserve_${i}"><failure message="ConnectionError: pool exhausted after ${i} ms">ConnectionError: pool exhausted after ${i} ms</failure></testcase>`
        : `<testcase classname="calc" name="test_sum_${i}"><failure message="expected ${i} to be ${i + 1}">AssertionError: expected ${i} to be ${i + 1}</failure></testcase>`,
    ).join('');
    writeFileSync(join(repo, 'many.xml'), `<testsuite name="s">${cases}</testsuite>`);
    const r = await cliOk(repo, ['handoff', '--auto', '--json', '--test-log', 'many.xml'], as);
    const body: string = r.json.entry.body;
    expect(body).toContain('2000 failures, 2 causes:');
    expect(body).toContain('- 900 tests:\n');
    expect(body).toContain('- 100 tests:\n  - `test_reserve_3` (`db`)\n');
    expect(body).toMatch(/ {2}- … and 892 more with this cause/);
    expect(body).toContain('1000 more failures whose text was not read');
  });
});
