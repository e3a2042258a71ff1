/**
 * The same answer on every route: between two worktrees here and between two machines through a
 * bare remote; under the attributes the sessions have, whatever the scanning worktree has; for a
 * commit whose tree git itself would write differently. And `publish` finding its base where the
 * default branch is not main or master.
 */
import { describe, expect, it } from 'vitest';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { addWorktree, ENV, git, makeRepo, tempDir } from './helpers/repo.js';
import { cli, cliOk } from './helpers/cli.js';
import { cloneOf, makeRemote } from './helpers/remote.js';
import { realMerge, stateCommit } from './helpers/worktree-state.js';
import { execFileSync } from 'node:child_process';

const NOTES = Array.from({ length: 30 }, (_, i) => `line ${i + 1}\n`).join('');
const COUNT_PY = 'def count(items):\n    total = 0\n    for item in items:\n        total += item\n    return total\n';

function editLine(wt: string, path: string, line: number, text: string): void {
  const lines = readFileSync(join(wt, path), 'utf8').split('\n');
  lines[line - 1] = text;
  writeFileSync(join(wt, path), lines.join('\n'));
}

/** A session's id without the suffix that tells places apart (`wb:wb@1a2b3c` -> `wb:wb`). */
const place = (id: string) => id.replace(/@[0-9a-f]{6}$/, '');
const sessionsOf = (o: any) => [place(o.a.session), place(o.b.session)];

async function overlaps(dir: string, args: string[] = []): Promise<any> {
  return (await cliOk(dir, ['conflicts', '--json', ...args])).json;
}

describe('identical edits', () => {
  it('a fix made on both sides is recognised across machines as it is between local worktrees', async () => {
    // Two machines and, on the first, a second worktree: the same fix (line 11) on all three, and each
    // its own edit far from it.
    const bare = makeRemote({ 'notes.txt': NOTES, 'tools/count.py': COUNT_PY });
    const a = cloneOf(bare, [], 'a');
    const b = cloneOf(bare, [], 'b');
    const a2 = addWorktree(a, 'a2', 'a2');
    for (const [wt, line] of [[a, 2], [b, 25], [a2, 20]] as const) {
      editLine(wt, 'notes.txt', 11, 'the same fix on every side');
      editLine(wt, 'notes.txt', line, `own edit of line ${line}`);
    }
    await cliOk(b, ['push']);
    await cliOk(a, ['pull']);
    const json = await overlaps(a);
    const local = json.overlaps.find((o: any) => o.path === 'notes.txt' && sessionsOf(o).includes('a2:a2'));
    const remote = json.overlaps.find((o: any) => o.path === 'notes.txt' && sessionsOf(o).includes('b:main'));
    // Locally the identical hunk is skipped; from the published record, too (its digest says so).
    expect(local).toMatchObject({ level: 'file', lines: [] });
    expect(remote).toMatchObject({ level: 'file', lines: [], merge: null });
    const record = JSON.parse(git(a, ['show', `context:${git(a, ['ls-tree', '-r', '--name-only', 'context', 'state/wip/']).split('\n')[0]}`]));
    expect(record.files[0].digests).toHaveLength(2);
    expect(record.files[0].digests[0]).toMatch(/^[0-9a-f]{16}$/);
    // A different line at the same place is still a collision across machines.
    editLine(a, 'notes.txt', 11, 'another fix');
    expect((await overlaps(a)).overlaps.find((o: any) => o.path === 'notes.txt' && sessionsOf(o).includes('b:main'))).toMatchObject({ level: 'hunk', lines: [[11, 11]] });
  });
});

describe('the same fix in one function', () => {
  it('is no symbol overlap, locally or from a published record; a different edit there is', async () => {
    const STATS_PY = `${COUNT_PY}\n\ndef mean(items):\n    return count(items) / len(items)\n\n\ndef spread(items):\n    return max(items) - min(items)\n\n\ndef first(items):\n    return items[0]\n`;
    const bare = makeRemote({ 'tools/stats.py': STATS_PY });
    const a = cloneOf(bare, [], 'a');
    const b = cloneOf(bare, [], 'b');
    const a2 = addWorktree(a, 'a2', 'a2');
    // The fix (count, line 2) on every side; each side's own edit in a function of its own.
    for (const [wt, own] of [[a, 'return count(items) / len(items)'], [b, 'return max(items) - min(items)'], [a2, 'return items[0]']] as const) {
      const text = readFileSync(join(wt, 'tools/stats.py'), 'utf8');
      writeFileSync(join(wt, 'tools/stats.py'), text.replace('total = 0', 'total = 0.0').replace(own, `${own}  # own`));
    }
    await cliOk(b, ['push']);
    await cliOk(a, ['pull']);
    const find = (json: any, session: string) => json.overlaps.find((o: any) => o.path === 'tools/stats.py' && sessionsOf(o).includes(session));
    let json = await overlaps(a);
    for (const o of [find(json, 'a2:a2'), find(json, 'b:main')]) {
      expect(o).toMatchObject({ level: 'file', symbols: [], lines: [] });
      expect(o.a.symbols).toContain('count');
      expect(o.b.symbols).toContain('count');
    }
    const record = JSON.parse(git(a, ['show', `context:${git(a, ['ls-tree', '-r', '--name-only', 'context', 'state/wip/']).split('\n')[0]}`]));
    expect(record.files[0].symbolHunks).toHaveLength(record.files[0].symbols.length);
    expect(record.files[0].symbolLines[record.files[0].symbols.indexOf('count')]).toBe(5);
    // Another fix in the same function: a symbol (and hunk) overlap on both routes.
    editLine(a, 'tools/stats.py', 2, '    total = 0  # kept');
    json = await overlaps(a);
    expect(find(json, 'b:main')).toMatchObject({ level: 'hunk', symbols: ['count'] });
    expect(find(json, 'a2:a2')).toMatchObject({ levels: ['file', 'symbol', 'hunk', 'merge'], symbols: ['count'] });
  });
});

describe('attributes', () => {
  it('the merge verdict uses the sessions\' attributes, not the scanning worktree\'s', async () => {
    const repo = makeRepo({ files: { 'notes.txt': NOTES, 'README.md': '# r\n' } });
    const wa = addWorktree(repo, 'wa');
    const wb = addWorktree(repo, 'wb');
    // Both sessions adopted a union merge for the notes; the main worktree (which scans) did not.
    for (const [wt, text] of [[wa, 'from a'], [wb, 'from b']] as const) {
      writeFileSync(join(wt, '.gitattributes'), 'notes.txt merge=union\n');
      editLine(wt, 'notes.txt', 5, text);
      git(wt, ['add', '-A']);
      git(wt, ['commit', '-q', '-m', 'union notes']);
    }
    const truth = realMerge(repo, stateCommit(repo, wa), stateCommit(repo, wb));
    expect(truth.clean).toBe(true);
    const json = await overlaps(repo);
    const notes = json.overlaps.find((o: any) => o.path === 'notes.txt' && sessionsOf(o).sort().join() === 'wa:wa,wb:wb');
    expect(notes).toMatchObject({ merge: 'clean', level: 'hunk' });

    // The other way round: the scanning worktree has a union driver (uncommitted) that the sessions do not.
    const wc = addWorktree(repo, 'wc');
    const wd = addWorktree(repo, 'wd');
    editLine(wc, 'README.md', 1, '# from c');
    editLine(wd, 'README.md', 1, '# from d');
    writeFileSync(join(repo, '.gitattributes'), 'README.md merge=union\n');
    expect(realMerge(repo, stateCommit(repo, wc), stateCommit(repo, wd)).clean).toBe(false);
    const json2 = await overlaps(repo);
    const readme = json2.overlaps.find((o: any) => o.path === 'README.md' && sessionsOf(o).sort().join() === 'wc:wc,wd:wd');
    expect(readme).toMatchObject({ merge: 'conflict', level: 'merge' });
  });
});

describe('generated files', () => {
  it('are compared at file level, by their linguist-generated attribute, with a note', async () => {
    const repo = makeRepo({ files: { '.gitattributes': 'gen/** linguist-generated\n', 'gen/api.ts': NOTES, 'src/b.txt': NOTES } });
    const wa = addWorktree(repo, 'wa');
    const wb = addWorktree(repo, 'wb');
    for (const [wt, text] of [[wa, 'a'], [wb, 'b']] as const) {
      editLine(wt, 'gen/api.ts', 5, text);
      editLine(wt, 'src/b.txt', 5, text);
    }
    const json = await overlaps(wa, ['--mine']);
    const byPath = Object.fromEntries(json.overlaps.map((o: any) => [o.path, o]));
    expect(byPath['gen/api.ts']).toMatchObject({ note: 'generated', level: 'merge', lines: [], symbols: [] });
    expect(byPath['gen/api.ts'].a.hunks).toBeNull();
    expect(byPath['src/b.txt']).toMatchObject({ note: null, lines: [[5, 5]] });
  });
});

describe('zero-padded modes', () => {
  it('a clean worktree on a commit whose tree git would write differently is not dirty', async () => {
    const repo = makeRepo({ files: { 'sub/a.txt': 'a\n', 'b.txt': 'b\n' } });
    // A tree with a zero-padded mode (older tools wrote those): same files, another tree id.
    const sub = git(repo, ['rev-parse', 'HEAD:sub']);
    const blob = git(repo, ['rev-parse', 'HEAD:b.txt']);
    const entry = (mode: string, name: string, oid: string) => Buffer.concat([Buffer.from(`${mode} ${name}\0`), Buffer.from(oid, 'hex')]);
    const tree = execFileSync('git', ['hash-object', '-t', 'tree', '-w', '--literally', '--stdin'], { cwd: repo, env: ENV, input: Buffer.concat([entry('100644', 'b.txt', blob), entry('040000', 'sub', sub)]) }).toString().trim();
    const commit = git(repo, ['commit-tree', tree, '-p', 'HEAD', '-m', 'padded']);
    const wt = join(tempDir(), 'padded');
    git(repo, ['worktree', 'add', '-q', '--detach', wt, commit]);
    expect(git(wt, ['status', '--porcelain'])).toBe('');
    const json = await overlaps(wt);
    expect(json.sessions.find((s: any) => s.worktree === wt)).toMatchObject({ dirty: false, snapshot: commit });
    const pub = await cliOk(wt, ['publish', '--json']);
    expect(pub.json.snapshot).toBe(commit);
  });
});

describe('publish', () => {
  it('measures from trunk when that is the only branch of a remote without HEAD', async () => {
    const seed = makeRepo({ files: { 'notes.txt': NOTES } });
    git(seed, ['branch', '-m', 'main', 'trunk']);
    const bare = join(tempDir(), 'remote.git');
    git(tempDir(), ['init', '-q', '--bare', bare]);
    git(seed, ['push', '-q', bare, 'trunk']);
    // A repository that added the remote and fetched: no origin/HEAD (only `git clone` sets one).
    const dir = join(tempDir(), 'work');
    git(tempDir(), ['init', '-q', '-b', 'feature', dir]);
    git(dir, ['config', 'user.name', 'W']);
    git(dir, ['config', 'user.email', 'w@example.com']);
    git(dir, ['remote', 'add', 'origin', bare]);
    git(dir, ['fetch', '-q', 'origin']);
    git(dir, ['reset', '-q', '--hard', 'origin/trunk']);
    editLine(dir, 'notes.txt', 3, 'committed on feature');
    git(dir, ['commit', '-q', '-am', 'feature work']);
    editLine(dir, 'notes.txt', 20, 'not committed');
    const pub = await cliOk(dir, ['publish', '--json']);
    expect(pub.json).toMatchObject({ baseRef: 'refs/remotes/origin/trunk', base: git(dir, ['rev-parse', 'origin/trunk']), files: 1 });
    expect(pub.json.record.files[0].hunks).toEqual([
      [3, 1, 3, 1],
      [20, 1, 20, 1],
    ]);
  });

  it('before the first commit there is nothing to publish, and that is not an error', async () => {
    const dir = join(tempDir(), 'fresh');
    git(tempDir(), ['init', '-q', dir]);
    writeFileSync(join(dir, 'a.txt'), 'a\n');
    const r = await cli(dir, ['publish', '--json']);
    expect(r.code).toBe(0);
    expect(r.json).toMatchObject({ commit: null, unchanged: true, files: 0, reason: 'no commits yet' });
    expect((await cli(dir, ['publish'])).stdout).toMatch(/Nothing to publish before the first commit/);
  });
});
