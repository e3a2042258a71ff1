import { describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync, utimesSync, mkdirSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { addWorktree, contextTip, fsck, git, makeRepo, tempDir, userState, writeFiles } from './helpers/repo.js';
import { cli, cliOk } from './helpers/cli.js';
import { compressRefs, renderBody, type RegenerateFacts } from '../src/regenerate/render.js';
import { parseHunks, parseRawNumstat, unquotePath } from '../src/regenerate/git.js';

const LOGS = fileURLToPath(new URL('../fixtures/test-logs/', import.meta.url));
const indexHash = (repo: string, gitDir = join(repo, '.git')) => createHash('sha1').update(readFileSync(join(gitDir, 'index'))).digest('hex');

const STORE_TS = `export class Store {
  save(key: string): void {
    console.log(key);
  }

  load(key: string): string {
    return key;
  }
}

export function helper(n: number): number {
  return n + 1;
}
`;

const PARSE_PY = `class Parser:
    def parse(self, text):
        return text.split()

    def close(self):
        pass


def tokenize(text):
    return list(text)
`;

const BUILDER_GO = `package main

type Builder struct{ buf []byte }

func (b *Builder) Write(p []byte) int {
	b.buf = append(b.buf, p...)
	return len(p)
}

func Reset() {}
`;

/**
 * A feature branch three commits ahead of main: TypeScript, Python and Go edits inside functions, a
 * rename, a binary file; then uncommitted work: a staged edit, an unstaged edit, two untracked files,
 * and a file only touched (stat-dirty, same content).
 */
function featureRepo(): { repo: string; main: string } {
  const repo = makeRepo({ files: { 'src/store.ts': STORE_TS, 'src/old_name.py': PARSE_PY, 'go/builder.go': BUILDER_GO, 'README.md': '# demo\n' } });
  const main = git(repo, ['rev-parse', 'HEAD']);
  git(repo, ['checkout', '-q', '-b', 'feature']);
  writeFiles(repo, { 'src/store.ts': STORE_TS.replace('console.log(key);', 'console.log(key);\n    console.log("saved");') });
  git(repo, ['commit', '-q', '-am', 'Log saves']);
  git(repo, ['mv', 'src/old_name.py', 'src/parser.py']);
  writeFiles(repo, { 'src/parser.py': PARSE_PY.replace('return text.split()', 'return text.split(",")'), 'assets/logo.png': Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 1, 2, 3, 0]) });
  git(repo, ['add', '-A']);
  git(repo, ['commit', '-q', '--author', 'Other Dev <other@example.com>', '-m', 'Rename the parser, add a logo']);
  writeFiles(repo, { 'go/builder.go': BUILDER_GO.replace('return len(p)', 'return len(b.buf)') });
  git(repo, ['commit', '-q', '-am', 'Builder.Write returns the total']);
  // Uncommitted.
  writeFiles(repo, { 'src/store.ts': readFileSync(join(repo, 'src/store.ts'), 'utf8').replace('return key;', 'return key.trim();') });
  git(repo, ['add', 'src/store.ts']);
  writeFiles(repo, { 'src/parser.py': readFileSync(join(repo, 'src/parser.py'), 'utf8').replace('return list(text)', 'return [t for t in text]') });
  writeFiles(repo, { 'notes.txt': 'todo\n', 'src/extra.ts': 'export function fresh(): number {\n  return 1;\n}\n' });
  return { repo, main };
}

describe('regenerate on a real repository', () => {
  it('extracts commits, files, renames, binaries, symbols and uncommitted work, and leaves the index alone', async () => {
    const { repo, main } = featureRepo();
    const before = userState(repo);
    // A file touched but unchanged: `git status` would refresh (rewrite) the index to clear it.
    const future = new Date(Date.now() + 60_000);
    utimesSync(join(repo, 'README.md'), future, future);
    const indexBefore = indexHash(repo);

    const r = await cliOk(repo, ['regenerate', '--json', '--agent', 'claude', '--session', 's1']);
    expect(indexHash(repo)).toBe(indexBefore);
    const j = r.json;
    const head = git(repo, ['rev-parse', 'HEAD']);
    expect(j.written).toBe(true);
    expect(j.range).toEqual({ base: main, head, commits: 3, uncommitted: true, state: expect.stringMatching(/^[0-9a-f]{40}$/) });
    expect(j.commits.map((c: any) => [c.shortSha, c.subject, c.author.name])).toEqual([
      [git(repo, ['rev-parse', '--short', 'HEAD']), 'Builder.Write returns the total', 'Test Author'],
      [git(repo, ['rev-parse', '--short', 'HEAD~1']), 'Rename the parser, add a logo', 'Other Dev'],
      [git(repo, ['rev-parse', '--short', 'HEAD~2']), 'Log saves', 'Test Author'],
    ]);
    const files = Object.fromEntries(j.files.map((f: any) => [f.path, f]));
    expect(Object.keys(files).sort()).toEqual(['assets/logo.png', 'go/builder.go', 'src/parser.py', 'src/store.ts']);
    expect(files['src/store.ts']).toMatchObject({ status: 'modified', added: 1, deleted: 0, binary: false });
    expect(files['go/builder.go']).toMatchObject({ status: 'modified', added: 1, deleted: 1 });
    expect(files['src/parser.py']).toMatchObject({ status: 'renamed', oldPath: 'src/old_name.py', added: 1, deleted: 1 });
    expect(files['src/parser.py'].similarity).toBeGreaterThan(50);
    expect(files['assets/logo.png']).toMatchObject({ status: 'added', binary: true, added: null, deleted: null });

    expect(j.uncommitted.staged.map((f: any) => [f.path, f.added, f.deleted])).toEqual([['src/store.ts', 1, 1]]);
    expect(j.uncommitted.unstaged.map((f: any) => f.path)).toEqual(['src/parser.py']); // README.md was only touched
    expect(j.uncommitted.untracked.sort()).toEqual(['notes.txt', 'src/extra.ts']);

    const symbols = Object.fromEntries(j.symbols.map((s: any) => [s.path, s.symbols.map((x: any) => `${x.kind} ${x.qualifiedName} ${x.startLine}-${x.endLine}`)]));
    expect(symbols).toEqual({
      'go/builder.go': ['method Builder.Write 5-8'],
      'src/extra.ts': ['function fresh 1-3'],
      'src/parser.py': ['method Parser.parse 2-3', 'function tokenize 9-10'],
      'src/store.ts': ['method Store.save 2-5', 'method Store.load 7-9'],
    });

    // The entry: a context entry with every section, findable by the files it is about.
    const e = j.entry;
    expect(e).toMatchObject({ kind: 'context', tags: ['regenerated'], agent: 'claude', session: 's1', head });
    expect(e.refs).toEqual(['assets/logo.png', 'go/builder.go', 'notes.txt', 'src/extra.ts', 'src/old_name.py', 'src/parser.py', 'src/store.ts']);
    expect(e.body.match(/^## .*$/gm)).toEqual(['## Range', '## Commits', '## Files', '## Symbols', '## Tests', '## Uncommitted']);
    expect(e.body).toContain('- `src/old_name.py` → `src/parser.py` +1 −1 (renamed, ');
    expect(e.body).toContain('- `assets/logo.png` (added, binary)');
    expect(e.body).toContain('- `src/store.ts`: `Store.save` (method), `Store.load` (method)');
    expect(e.body).toContain('4 files changed, +3 −2 (1 added, 1 renamed, 1 binary)');
    expect(e.body).toContain('1 staged, 1 unstaged, 2 untracked');
    expect(e.title).toBe('Regenerated: feature, 3 commits, 4 files, 4 uncommitted');
    const byRef = await cliOk(repo, ['log', '--json', '--ref', 'src/parser.py']);
    expect(byRef.json.entries.map((x: any) => x.id)).toEqual([e.id]);
    const file = git(repo, ['show', `context:${e.path}`]);
    expect(file).toContain(`regenerate: {"base":"${main}","head":"${head}","commits":3,"uncommitted":true,"state":"${j.range.state}"}`);

    // Nothing of the user's moved (git status itself refreshes the index, so compare after it).
    const after = userState(repo);
    expect({ ...after, index: 'x' }).toEqual({ ...before, index: 'x' });
    expect(git(repo, ['stash', 'list'])).toBe('');
    fsck(repo);
  });

  it('starts the next run from the previous regenerate, and writes nothing when nothing happened', async () => {
    const { repo, main } = featureRepo();
    git(repo, ['add', '-A']);
    git(repo, ['commit', '-q', '-m', 'Commit the rest']);
    const first = await cliOk(repo, ['regenerate', '--json']);
    expect(first.json.range).toMatchObject({ base: main, commits: 4, uncommitted: false });
    const firstHead = first.json.range.head;

    writeFiles(repo, { 'src/store.ts': readFileSync(join(repo, 'src/store.ts'), 'utf8').replace('return n + 1;', 'return n + 2;') });
    git(repo, ['commit', '-q', '-am', 'Bump helper']);
    const second = await cliOk(repo, ['regenerate', '--json']);
    expect(second.json.range).toMatchObject({ base: firstHead, commits: 1 });
    expect(second.json.body).toContain('from the previous regenerate (');
    expect(second.json.commits.map((c: any) => c.subject)).toEqual(['Bump helper']);
    expect(second.json.symbols).toEqual([{ path: 'src/store.ts', symbols: [expect.objectContaining({ qualifiedName: 'helper', kind: 'function' })] }]);

    const tip = contextTip(repo);
    const third = await cliOk(repo, ['regenerate', '--json']);
    expect(third.json).toMatchObject({ written: false, nothingNew: true, id: null });
    expect(contextTip(repo)).toBe(tip);
    const human = await cliOk(repo, ['regenerate']);
    expect(human.stdout).toMatch(/^nothing new since the previous regenerate/);

    // Another session has no previous point: it starts from the fork point again.
    const other = await cliOk(repo, ['regenerate', '--json', '--session', 'someone-else', '--dry-run']);
    expect(other.json.range).toMatchObject({ base: main, commits: 5 });
    // --since overrides both.
    const since = await cliOk(repo, ['regenerate', '--json', '--dry-run', '--since', 'HEAD~2']);
    expect(since.json.range.commits).toBe(2);
    expect(since.json.body).toContain('from --since HEAD~2');
  });

  it('--dry-run prints the entry and writes nothing; bad input writes nothing and exits 2', async () => {
    const { repo } = featureRepo();
    const dry = await cliOk(repo, ['regenerate', '--dry-run']);
    expect(dry.stdout).toMatch(/^# Regenerated: feature, 3 commits/);
    expect(dry.stdout).toContain('\n## Symbols\n');
    expect(contextTip(repo)).toBeNull();
    const badRev = await cli(repo, ['regenerate', '--since', 'no-such-rev', '--json']);
    expect(badRev.code).toBe(2);
    expect(badRev.json.error.code).toBe('E_REV');
    const missing = await cli(repo, ['regenerate', '--test-log', 'nope.xml', '--json']);
    expect([missing.code, missing.json.error.code]).toEqual([2, 'E_FILE']);
    const format = await cli(repo, ['regenerate', '--test-log', join(LOGS, 'tap.tap'), '--format', 'yaml', '--json']);
    expect([format.code, format.json.error.code]).toEqual([2, 'E_TEST_LOG_FORMAT']);
    expect(contextTip(repo)).toBeNull();
  });

  it('reads test logs of every format into the Tests section, with repository paths', async () => {
    const { repo } = featureRepo();
    // A JUnit report as a runner in this repository writes it: absolute paths, a Java frame by file name.
    mkdirSync(join(repo, 'src/test/java'), { recursive: true });
    writeFiles(repo, { 'src/test/java/AppTest.java': 'class AppTest {}\n' });
    git(repo, ['add', 'src/test/java/AppTest.java']);
    const junit = join(tempDir(), 'junit.xml');
    writeFileSync(junit, `<testsuites><testsuite name="app" time="1.25">
      <testcase classname="app" name="saves"><failure message="boom">Error: boom\n    at Object.save (${repo}/src/store.ts:3:13)</failure></testcase>
      <testcase classname="AppTest" name="loads"><failure message="bad">java.lang.AssertionError: bad\n\tat AppTest.loads(AppTest.java:7)</failure></testcase>
      <testcase classname="app" name="ok"/></testsuite></testsuites>`);
    const garbage = join(tempDir(), 'garbage.log');
    writeFileSync(garbage, 'not a test log\n');
    const r = await cliOk(repo, ['regenerate', '--json', '--dry-run', '--test-log', junit, '--test-log', join(LOGS, 'go-test.json'), '--test-log', join(LOGS, 'surefire'), '--test-log', garbage]);
    const reports = r.json.tests.reports;
    expect(reports.map((x: any) => [x.format, x.totals.passed, x.totals.failed, x.totals.skipped])).toEqual([
      ['junit', 1, 2, 0],
      ['go-test-json', 5, 5, 1],
      ['junit', 0, 1, 1],
      ['junit', 2, 3, 0],
      ['junit', 0, 0, 0],
    ]);
    expect(reports[0].failures.map((f: any) => [f.name, f.file, f.line])).toEqual([
      ['saves', 'src/store.ts', 3],
      ['loads', 'src/test/java/AppTest.java', 7],
    ]);
    expect(r.json.tests.unreadable).toEqual([{ path: garbage, reason: expect.stringMatching(/cannot tell the format/) }]);
    expect(r.stderr).toMatch(/warning: cannot tell the format of test log garbage\.log/);
    const body: string = r.json.body;
    expect(body).toContain('**8 passed, 11 failed, 2 skipped**');
    expect(body).toContain('- `saves` (`app`) at `src/store.ts:3`');
    expect(body).toContain('- `TestMultiplies` (`example.com/fixture`) at `math_test.go:19`\n  ```\n  2*3 = 6, want 5\n  ```');
    expect(body).toContain('- `dividesByZero` (`fixture.MathTest$EdgeCases`) at `MathTest.java:30` — error');
    expect(body).toContain(`- \`${garbage}\`: not read: cannot tell the format of test log garbage.log: not understood`);
    expect(r.json.title).toBe('Regenerated: feature, 3 commits, 4 files, 5 uncommitted, tests 8 passed, 11 failed');
  });

  it('summarises a big range within the entry size limit, and compresses refs to directories', async () => {
    const repo = makeRepo();
    git(repo, ['config', 'ctx.maxBodyBytes', '6000']);
    git(repo, ['checkout', '-q', '-b', 'big']);
    const files: Record<string, string> = {};
    for (let d = 0; d < 6; d++) for (let f = 0; f < 60; f++) files[`dir${d}/file${f}.txt`] = `${'line\n'.repeat(f + 1)}`;
    writeFiles(repo, files);
    git(repo, ['add', '-A']);
    git(repo, ['commit', '-q', '-m', 'Add 360 files']);
    for (let i = 0; i < 30; i++) git(repo, ['commit', '-q', '--allow-empty', '-m', `Empty commit ${i} with a subject long enough to weigh on the size ${'x'.repeat(60)}`]);
    const r = await cliOk(repo, ['regenerate', '--json']);
    expect(r.json.range.commits).toBe(31);
    expect(r.json.files).toHaveLength(360);
    const body: string = r.json.entry.body;
    expect(Buffer.byteLength(body)).toBeLessThanOrEqual(6000);
    expect(body).toContain('360 files changed, +10980 −0 (360 added)');
    expect(body).toMatch(/- … and \d+ more files \(\+\d+ −0\)/);
    expect(body).toMatch(/- … and \d+ earlier commits/);
    // Biggest changes first: file59 of some directory (60 lines) leads the list.
    expect(body).toMatch(/## Files\n\n[^\n]+\n\n- `dir\d\/file59\.txt` \+60 −0/);
    expect(r.json.entry.refs).toEqual(['dir0', 'dir1', 'dir2', 'dir3', 'dir4', 'dir5']);
    const found = await cliOk(repo, ['log', '--json', '--ref', 'dir3/file7.txt']);
    expect(found.json.entries).toHaveLength(1);
  });

  it('works with no commits yet, and from a linked worktree', async () => {
    const empty = makeRepo({ empty: true });
    writeFiles(empty, { 'a.ts': 'export function a() {}\n', 'b.txt': 'b\n' });
    // A link to a file outside the repository: listed, but its content is not read.
    const outside = join(tempDir(), 'outside.ts');
    writeFileSync(outside, 'export function secretName() {}\n');
    symlinkSync(outside, join(empty, 'link.ts'));
    git(empty, ['add', 'a.ts']);
    const r = await cliOk(empty, ['regenerate', '--json', '--dry-run']);
    expect(r.json.range).toEqual({ base: null, head: null, commits: 0, uncommitted: true, state: expect.any(String) });
    expect(r.json.uncommitted.staged.map((f: any) => [f.path, f.status])).toEqual([['a.ts', 'added']]);
    expect(r.json.uncommitted.untracked.sort()).toEqual(['b.txt', 'link.ts']);
    expect(r.json.body).not.toContain('secretName');
    expect(r.json.body).toContain('no commits yet on `main`');
    expect(r.json.symbols).toEqual([{ path: 'a.ts', symbols: [expect.objectContaining({ qualifiedName: 'a' })] }]);

    const { repo, main } = featureRepo();
    git(repo, ['add', '-A']);
    git(repo, ['commit', '-q', '-m', 'rest']);
    const wt = addWorktree(repo, 'wt-side', 'side');
    writeFiles(wt, { 'go/builder.go': readFileSync(join(wt, 'go/builder.go'), 'utf8').replace('func Reset() {}', 'func Reset() { println() }') });
    const wtGitDir = git(wt, ['rev-parse', '--absolute-git-dir']);
    const before = indexHash(wt, wtGitDir);
    const side = await cliOk(wt, ['regenerate', '--json']);
    expect(indexHash(wt, wtGitDir)).toBe(before);
    expect(side.json.entry.branch).toBe('side');
    expect(side.json.range.base).toBe(main);
    expect(side.json.uncommitted.unstaged.map((f: any) => f.path)).toEqual(['go/builder.go']);
    expect(side.json.symbols.find((s: any) => s.path === 'go/builder.go').symbols.map((s: any) => s.qualifiedName)).toEqual(['Builder.Write', 'Reset']);
    // The entry is on the one context branch every worktree shares.
    expect((await cliOk(repo, ['show', side.json.id, '--json'])).json.entry.worktree).toBe(wt);
  });

  it('measures a branch against init.defaultBranch before main, master and trunk', async () => {
    const repo = makeRepo({ files: { 'a.ts': 'export const a = 1;\n' } });
    git(repo, ['branch', 'develop']);
    git(repo, ['checkout', '-q', '-b', 'feature']);
    writeFiles(repo, { 'b.ts': 'export const b = 1;\n' });
    git(repo, ['add', '-A']);
    git(repo, ['commit', '-q', '-m', 'on main too']);
    git(repo, ['branch', '-f', 'main']);
    writeFiles(repo, { 'c.ts': 'export const c = 1;\n' });
    git(repo, ['add', '-A']);
    git(repo, ['commit', '-q', '-m', 'feature only']);
    const develop = git(repo, ['rev-parse', 'develop']);
    expect((await cliOk(repo, ['regenerate', '--json', '--dry-run'])).json.range).toMatchObject({ commits: 1 });
    git(repo, ['config', 'init.defaultBranch', 'develop']);
    expect((await cliOk(repo, ['regenerate', '--json', '--dry-run'])).json.range).toMatchObject({ base: develop, commits: 2 });
  });

  it('measures a clone against its upstream', async () => {
    const origin = makeRepo({ files: { 'a.ts': 'export function a() {\n  return 1;\n}\n' } });
    const clone = join(tempDir(), 'clone');
    git(origin, ['clone', '-q', origin, clone]);
    git(clone, ['config', 'user.name', 'Test User']);
    git(clone, ['config', 'user.email', 'test@example.com']);
    writeFiles(clone, { 'a.ts': 'export function a() {\n  return 2;\n}\n' });
    git(clone, ['commit', '-q', '-am', 'Local change']);
    const r = await cliOk(clone, ['regenerate', '--json', '--dry-run']);
    expect(r.json.range).toMatchObject({ base: git(origin, ['rev-parse', 'HEAD']), commits: 1 });
    expect(r.json.body).toContain('from the merge-base with origin/main');
  });
});

describe('pure parts', () => {
  it('parseRawNumstat: statuses, renames, binaries', () => {
    const raw = [':100644 100644 aaa bbb M', 'bin.dat', ':100644 100644 ccc ddd R087', 'old.txt', 'new.txt', ':000000 100644 000 eee A', 'sp ace é.txt', '-\t-\tbin.dat', '3\t1\t', 'old.txt', 'new.txt', '1\t0\tsp ace é.txt', ''].join('\0');
    expect(parseRawNumstat(raw)).toEqual([
      { path: 'bin.dat', oldPath: null, status: 'modified', added: null, deleted: null, binary: true, similarity: null },
      { path: 'new.txt', oldPath: 'old.txt', status: 'renamed', added: 3, deleted: 1, binary: false, similarity: 87 },
      { path: 'sp ace é.txt', oldPath: null, status: 'added', added: 1, deleted: 0, binary: false, similarity: null },
    ]);
  });

  it('parseHunks: new-side ranges, deletions touch both neighbours, quoted paths', () => {
    const diff = ['diff --git a/a.ts b/a.ts', '--- a/a.ts', '+++ b/a.ts', '@@ -3,0 +4,2 @@ x', '+a', '+b', '@@ -10 +12 @@', '-c', '+d', '@@ -20,3 +21,0 @@', '-e', 'diff --git a/gone b/gone', '--- a/gone', '+++ /dev/null', '@@ -1 +0,0 @@', '-x', 'diff --git "a/\\303\\251t\\303\\251.py" "b/\\303\\251t\\303\\251.py"', '+++ "b/\\303\\251t\\303\\251.py"', '@@ -1 +1 @@'].join('\n');
    expect(parseHunks(diff)).toEqual([
      { path: 'a.ts', ranges: [{ start: 4, end: 5 }, { start: 12, end: 12 }, { start: 21, end: 22 }] },
      { path: 'été.py', ranges: [{ start: 1, end: 1 }] },
    ]);
    expect(unquotePath('"tab\\there"')).toBe('tab\there');
  });

  it('compressRefs keeps paths while they fit, then the deepest directories that fit', () => {
    expect(compressRefs(['b', 'a/x', 'a/x'], 5)).toEqual(['a/x', 'b']);
    expect(compressRefs(['a/b/c1', 'a/b/c2', 'a/d/e', 'f'], 3)).toEqual(['a/b', 'a/d', 'f']);
    expect(compressRefs(['a/b/c1', 'a/b/c2', 'a/d/e', 'f'], 2)).toEqual(['a', 'f']);
  });

  it('renderBody shrinks its lists until the body fits', () => {
    const facts: RegenerateFacts = {
      branch: 'b',
      head: 'f'.repeat(40),
      base: 'e'.repeat(40),
      baseLabel: '--since x',
      commits: Array.from({ length: 500 }, (_, i) => ({ sha: String(i).padStart(40, '0'), shortSha: String(i).padStart(7, '0'), subject: `subject ${i} ${'s'.repeat(80)}`, author: { name: 'A', email: 'a@x' }, date: '2026-01-01T00:00:00Z' })),
      commitsTotal: 500,
      files: [],
      symbols: [],
      symbolFilesSkipped: 0,
      tests: null,
      uncommitted: null,
    };
    for (const limit of [100_000, 20_000, 3000]) {
      const body = renderBody(facts, limit);
      expect(Buffer.byteLength(body)).toBeLessThanOrEqual(limit);
      expect(body).toMatch(/- … and \d+ earlier commits\n/);
      expect(body).toContain('## Uncommitted');
    }
  });
});
