/**
 * regenerate on real repositories: an edit git's racy-entry check catches is never hidden by the
 * private index copy; a second run with nothing new writes nothing; a dry run is screened as the entry.
 */
import { describe, expect, it } from 'vitest';
import { readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { contextTip, git, makeRepo, writeFiles } from './helpers/repo.js';
import { cliOk } from './helpers/cli.js';
import { makeSamples } from './helpers/secret-samples.js';

describe('racy-clean reads', () => {
  it('an edit of the same size, stamped with the index mtime, is seen as git status sees it', async () => {
    for (let run = 0; run < 3; run++) {
      const repo = makeRepo({ files: { 'a.txt': 'aaaa\n', 'b.txt': 'bbbb\n' } });
      // ctime cannot be set: let git compare modification times and sizes only, as on file systems
      // where that is all there is, so that the race is the same on every run.
      git(repo, ['config', 'core.trustctime', 'false']);
      const t = Math.floor(Date.now() / 1000) - 100;
      utimesSync(join(repo, 'a.txt'), t, t);
      git(repo, ['update-index', '--refresh']);
      // The edit lands in the same second as the index write: same size, same mtime as recorded.
      writeFileSync(join(repo, 'a.txt'), 'AAAA\n');
      utimesSync(join(repo, 'a.txt'), t, t);
      utimesSync(join(repo, '.git', 'index'), t, t);
      expect(git(repo, ['-c', 'core.trustctime=false', 'status', '--porcelain'], { env: { GIT_OPTIONAL_LOCKS: '0' } })).toBe(' M a.txt');
      const r = await cliOk(repo, ['regenerate', '--json', '--dry-run']);
      expect(r.json.uncommitted.unstaged.map((f: { path: string }) => f.path)).toEqual(['a.txt']);
      expect(r.json.range.uncommitted).toBe(true);
    }
  });
});

describe('idempotent regenerate', () => {
  it('nothing new since the last regenerate of this session: no entry, --json says nothingNew', async () => {
    const repo = makeRepo({ files: { 'src/a.ts': 'export function a() {\n  return 1;\n}\n' } });
    git(repo, ['checkout', '-q', '-b', 'feature']);
    writeFiles(repo, { 'src/a.ts': 'export function a() {\n  return 2;\n}\n', 'notes.md': 'wip\n' });
    const as = { env: { GIT_CTX_SESSION: 's-1' } };
    const first = await cliOk(repo, ['regenerate', '--json'], as);
    expect(first.json).toMatchObject({ written: true, nothingNew: false });
    const tip = contextTip(repo);
    for (let i = 0; i < 2; i++) {
      const again = await cliOk(repo, ['regenerate', '--json'], as);
      expect(again.json).toMatchObject({ written: false, nothingNew: true, id: null });
      expect(contextTip(repo)).toBe(tip);
    }
    // Another session has said nothing yet.
    expect((await cliOk(repo, ['regenerate', '--json'], { env: { GIT_CTX_SESSION: 's-2' } })).json.written).toBe(true);
    // Something new: an edit of a file already changed, a new untracked file, a commit.
    writeFiles(repo, { 'src/a.ts': 'export function a() {\n  return 3;\n}\n' });
    expect((await cliOk(repo, ['regenerate', '--json'], as)).json.written).toBe(true);
    expect((await cliOk(repo, ['regenerate', '--json'], as)).json.nothingNew).toBe(true);
    writeFiles(repo, { 'more.md': 'x\n' });
    expect((await cliOk(repo, ['regenerate', '--json'], as)).json.written).toBe(true);
    git(repo, ['add', '-A']);
    git(repo, ['commit', '-qm', 'all of it']);
    expect((await cliOk(repo, ['regenerate', '--json'], as)).json).toMatchObject({ written: true, range: { commits: 1, uncommitted: false } });
    expect((await cliOk(repo, ['regenerate', '--json'], as)).json.nothingNew).toBe(true);
  });
});

describe('logs that are not understood', () => {
  it('are never "0 passed, 0 failed": not a test report, or not the format forced', async () => {
    const repo = makeRepo({ files: { 'a.txt': 'a\n' } });
    writeFileSync(join(repo, 'page.html'), '<!DOCTYPE html><html><body>Tests: 3 failed</body></html>\n');
    writeFileSync(join(repo, 'notes.log'), 'all good, I think\n');
    const r = await cliOk(repo, ['regenerate', '--json', '--dry-run', '--test-log', 'page.html']);
    expect(r.json.tests).toEqual({ reports: [], unreadable: [{ path: 'page.html', reason: expect.stringMatching(/^page\.html is not a test report: an HTML page/) }] });
    expect(r.json.title).toMatch(/test logs not read$/);
    expect(r.json.body).toContain('**No test log could be read** (1 log)');
    expect(r.json.body).not.toMatch(/0 passed, 0 failed/);
    const forced = await cliOk(repo, ['regenerate', '--json', '--dry-run', '--format', 'pytest', '--test-log', 'notes.log']);
    expect(forced.json.tests.unreadable).toEqual([{ path: 'notes.log', reason: expect.stringMatching(/^not understood as pytest-console: no pytest summary line/) }]);
    expect(forced.json.body).not.toMatch(/0 passed, 0 failed/);
  });
});

describe('dry run', () => {
  it('prints what the entry would hold: screened for secrets like the written entry', async () => {
    const repo = makeRepo({ files: { 'a.txt': 'a\n' } });
    const key = makeSamples(3).find((s) => s.kind === 'private-key' && s.text.includes('staging box'))!;
    const log = join(repo, 'junit.xml');
    const body = key.text.replace(/&/g, '&amp;').replace(/</g, '&lt;');
    writeFileSync(log, `<testsuite name="s"><testcase classname="c" name="leaks"><failure message="boom">Error: boom\n${body}\n</failure></testcase></testsuite>`);
    // And one in a commit subject, which no test log reader sees.
    const token = makeSamples(5).find((s) => !s.text.includes('\n') && s.kind !== 'private-key' && s.text.length < 120)!;
    git(repo, ['checkout', '-q', '-b', 'feature']);
    git(repo, ['commit', '-q', '--allow-empty', '-m', `Deploy: ${token.text}`]);
    key.values.push(...token.values);
    const dry = await cliOk(repo, ['regenerate', '--dry-run', '--test-log', 'junit.xml']);
    const json = await cliOk(repo, ['regenerate', '--dry-run', '--json', '--test-log', 'junit.xml']);
    for (const v of key.values) {
      expect(dry.stdout).not.toContain(v);
      // The JSON's facts quote the commits as git has them; the entry's title and body are screened.
      expect(json.json.body + json.json.title).not.toContain(v);
      expect(JSON.stringify(json.json.tests)).not.toContain(v);
    }
    expect(dry.stdout).toContain('[REDACTED:');
    const written = await cliOk(repo, ['regenerate', '--json', '--test-log', 'junit.xml']);
    expect(written.json.body).toBe(json.json.body.replace(/^(.*)$/m, '$1'));
    expect(readFileSync(log, 'utf8')).toContain(key.values[0]);
    expect(git(repo, ['log', '-1', '--format=%s', 'feature'])).toContain(token.values[0]);
  });
});
