import { describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ENV, addWorktree, git, makeRepo, tempDir } from './helpers/repo.js';
import { GitRunner } from '../src/git/run.js';
import { hunksTouch, sameEdit, touchingRanges, type Hunk } from '../src/conflicts/hunks.js';
import { commonSymbols, LONG_SYMBOL_LINES, NEAR_LINES } from '../src/conflicts/symbol-overlaps.js';
import { blobPairKey, diffPatches, parsePatches } from '../src/conflicts/patch.js';
import { mergeBases } from '../src/conflicts/merge-base.js';
import { diffCommits } from '../src/conflicts/changes.js';
import { mergeVerdicts, parseMergeTreeBatch } from '../src/conflicts/merge-verdicts.js';
import { listWorktrees, parseWorktreeList } from '../src/conflicts/worktrees.js';
import { parseWip, sameWork, serializeWip, sessionKey, type WipRecord } from '../src/conflicts/wip.js';
import { contentFingerprint, overlapId } from '../src/conflicts/acks.js';
import { mayConflict } from '../src/core/conflicts/conflicts-scan.js';
import type { FileChange } from '../src/conflicts/changes.js';

const runner = (cwd: string) => new GitRunner(cwd, ENV);

describe('hunks', () => {
  const cases: [string, string, Hunk[]][] = [
    ['a\nb\nc\n', 'a\nB\nc\n', [[2, 1, 2, 1]]],
    ['a\nb\nc\n', 'a\nb\nx\nc\n', [[2, 0, 3, 1]]], // insertion after line 2
    ['a\nb\nc\n', 'x\na\nb\nc\n', [[0, 0, 1, 1]]], // at the top
    ['a\nb\nc\n', 'a\nc\n', [[2, 1, 1, 0]]], // deletion
    ['', 'a\nb\n', [[0, 0, 1, 2]]],
    ['a\nb\n', '', [[1, 2, 0, 0]]],
    ['a\nb', 'a\nb\n', [[2, 1, 2, 1]]], // a newline added at the end
  ];

  it('come from git, as unified diffs number them, keyed by blob pair', async () => {
    const files = Object.fromEntries(cases.map(([before], i) => [`f${i}.txt`, before]));
    const repo = makeRepo({ files: { ...files, 'bin.dat': 'x\0y', 'same.txt': 'same\n' } });
    const from = git(repo, ['rev-parse', 'HEAD']);
    cases.forEach(([, after], i) => writeFileSync(join(repo, `f${i}.txt`), after));
    writeFileSync(join(repo, 'bin.dat'), 'x\0z');
    git(repo, ['add', '-A']);
    git(repo, ['commit', '-q', '-m', 'after']);
    const to = git(repo, ['rev-parse', 'HEAD']);
    const oid = (rev: string, path: string) => git(repo, ['rev-parse', `${rev}:${path}`]);
    const diffs = await diffPatches(runner(repo), [{ from, to }], null);
    cases.forEach(([, , expected], i) => {
      const d = diffs.get(blobPairKey(oid(from, `f${i}.txt`), oid(to, `f${i}.txt`)));
      expect(d?.hunks, `case ${i}`).toEqual(expected);
      expect(d?.digests).toHaveLength(expected.length);
    });
    // Binary: no hunks, as git says. A path list limits the work to those paths.
    expect(diffs.get(blobPairKey(oid(from, 'bin.dat'), oid(to, 'bin.dat')))).toEqual({ hunks: null, digests: null });
    expect([...(await diffPatches(runner(repo), [{ from, to }], ['f0.txt'])).keys()]).toEqual([blobPairKey(oid(from, 'f0.txt'), oid(to, 'f0.txt'))]);
  });

  it('digest the written lines: the same edit has the same digest, a different one (or a missing newline) another', () => {
    const patch = (lines: string) => `diff --git a/x b/x\nindex ${'1'.repeat(40)}..${'2'.repeat(40)} 100644\n--- a/x\n+++ b/x\n${lines}`;
    const one = parsePatches(patch('@@ -2 +2 @@ ctx\n-b\n+B\n')).get(blobPairKey('1'.repeat(40), '2'.repeat(40)))!;
    const two = parsePatches(patch('@@ -2 +2 @@\n-other\n+B\n')).get(blobPairKey('1'.repeat(40), '2'.repeat(40)))!;
    const three = parsePatches(patch('@@ -2 +2 @@\n-b\n+B\n\\ No newline at end of file\n')).get(blobPairKey('1'.repeat(40), '2'.repeat(40)))!;
    // A content line that looks like a header is content: the header's counts say how many lines follow.
    const tricky = parsePatches(patch('@@ -1,0 +1,2 @@\n+@@ -9 +9 @@\n+index 0..1\n@@ -5 +7 @@\n-x\n+y\n')).get(blobPairKey('1'.repeat(40), '2'.repeat(40)))!;
    expect(one.hunks).toEqual([[2, 1, 2, 1]]);
    expect(one.digests).toEqual(two.digests);
    expect(three.digests).not.toEqual(one.digests);
    expect(tricky.hunks).toEqual([[1, 0, 1, 2], [5, 1, 7, 1]]);
    expect(sameEdit([2, 1, 2, 1], one.digests![0], [2, 1, 5, 1], two.digests![0])).toBe(true);
    expect(sameEdit([2, 1, 2, 1], one.digests![0], [2, 1, 2, 1], three.digests![0])).toBe(false);
    expect(sameEdit([2, 1, 2, 1], undefined, [2, 1, 2, 1], undefined)).toBe(false);
  });

  it.each([
    [[5, 1, 5, 1], [5, 1, 5, 1], true], // same line
    [[5, 1, 5, 1], [6, 1, 6, 1], true], // adjacent lines: git conflicts on these too
    [[5, 1, 5, 1], [7, 1, 7, 1], false], // one unchanged line between
    [[5, 0, 6, 1], [6, 1, 6, 1], true], // insertion after 5 touches a change of 6
    [[5, 0, 6, 1], [5, 0, 6, 2], true], // two insertions at one place
    [[5, 0, 6, 1], [7, 1, 8, 1], false],
    [[1, 3, 1, 1], [2, 1, 2, 1], true], // containment
  ] as [Hunk, Hunk, boolean][])('%j and %j touch: %s', (a, b, touch) => {
    expect(hunksTouch(a, b)).toBe(touch);
    expect(hunksTouch(b, a)).toBe(touch);
  });

  it('reports where hunks touch as base line ranges', () => {
    expect(touchingRanges([[2, 1, 2, 1], [10, 2, 10, 2]], [[3, 1, 3, 1], [20, 1, 20, 1]])).toEqual([[2, 3]]);
    expect(touchingRanges([[4, 0, 5, 2]], [[4, 0, 5, 1]])).toEqual([[4, 5]]);
    expect(touchingRanges([[2, 1, 2, 1]], [[9, 1, 9, 1]])).toEqual([]);
    // The identical edit on both sides is not a collision.
    expect(touchingRanges([[2, 1, 2, 1], [5, 1, 5, 1]], [[5, 1, 5, 1]], (i, j) => i === 1 && j === 0)).toEqual([]);
    // One sweep finds every touching pair, however the two lists interleave.
    const a: Hunk[] = Array.from({ length: 50 }, (_, i) => [i * 10 + 1, 2, i * 10 + 1, 2]);
    const b: Hunk[] = Array.from({ length: 50 }, (_, i) => [i * 10 + 2, 0, i * 10 + 3, 1]);
    expect(touchingRanges(a, b)).toHaveLength(50);
    expect(touchingRanges(a, b)[0]).toEqual([1, 2]);
    expect(touchingRanges(a, b.map(([o, , n]) => [o + 1, 0, n, 1] as Hunk))).toEqual([]);
  });
});

describe('symbols both sides meet in', () => {
  const hits = (names: string[], hunks: number[][], lines: number[]) => ({ names, hunks, lines });
  it('leave out the same edit made on both sides, and in a long symbol need changes near each other', () => {
    const ha: Hunk[] = [[10, 1, 10, 1], [100, 1, 100, 1]];
    const hb: Hunk[] = [[10, 1, 10, 1], [100 + NEAR_LINES + 2, 1, 100 + NEAR_LINES + 2, 1]];
    const long = LONG_SYMBOL_LINES + 1;
    const a = hits(['f', 'g'], [[0], [1]], [5, long]);
    const b = hits(['f', 'g'], [[0], [1]], [5, long]);
    const weigh = (same: (i: number, j: number) => boolean) => ({ ha, hb, same });
    // Hunk 0 is the same edit on both sides: f is not common; g is long and its changes 21 lines apart.
    expect(commonSymbols(a, b, weigh((i, j) => i === 0 && j === 0))).toEqual([]);
    // Different edits of line 10: f is common (short); g still is not.
    expect(commonSymbols(a, b, weigh(() => false))).toEqual(['f']);
    // NEAR_LINES unchanged lines apart: near.
    const hb2: Hunk[] = [hb[0]!, [100 + NEAR_LINES + 1, 1, 100 + NEAR_LINES + 1, 1]];
    expect(commonSymbols(a, b, { ha, hb: hb2, same: () => false })).toEqual(['f', 'g']);
    // A symbol not in the base (0 lines: added on both sides) is common wherever it was added.
    expect(commonSymbols(hits(['h'], [[0]], [0]), hits(['h'], [[1]], [0]), weigh(() => false))).toEqual(['h']);
    // Without hunks to weigh (an older record, or different bases): every name both touch.
    expect(commonSymbols({ names: ['f', 'g'], hunks: null, lines: null }, b, weigh(() => true))).toEqual(['f', 'g']);
    expect(commonSymbols(a, b, null)).toEqual(['f', 'g']);
  });
});

describe('which pairs need a real merge', () => {
  const side = (...changes: [string, string, string?][]) =>
    new Map(changes.map(([status, path, oldPath]) => [oldPath ?? path, { change: { status, path, oldPath: oldPath ?? path, oldOid: null, oid: null, oldMode: '100644', mode: '100644' } as FileChange }]));
  it.each([
    [side(['M', 'a.txt']), side(['M', 'b.txt']), false],
    [side(['M', 'a.txt']), side(['M', 'a.txt']), true],
    [side(['A', 'd']), side(['A', 'd/x']), true], // directory/file
    [side(['R', 'y/a', 'x/a']), side(['A', 'x/new']), true], // a directory renamed, the other adds to it
    [side(['R', 'b.txt', 'a.txt']), side(['A', 'b.txt']), true], // rename onto an added path
    [side(['R', 'sub/a', 'a']), side(['M', 'c/d']), false], // out of the top level: no directory rename
    [side(), side(['M', 'a.txt']), false],
  ] as const)('%#', (a, b, expected) => {
    expect(mayConflict(a, b)).toBe(expected);
    expect(mayConflict(b, a)).toBe(expected);
  });
});

describe('git plumbing parsers, against real git', () => {
  it('computes every pairwise merge base with two git calls, as git merge-base --all does', async () => {
    // main with branches forked at different points, a criss-cross pair, a merge, and an unrelated history.
    const repo = makeRepo();
    const commit = (msg: string) => {
      writeFileSync(join(repo, 'f'), `${msg}\n`);
      git(repo, ['add', 'f']);
      git(repo, ['commit', '-q', '-m', msg]);
      return git(repo, ['rev-parse', 'HEAD']);
    };
    commit('m1');
    git(repo, ['branch', 'x']);
    commit('m2');
    git(repo, ['branch', 'y']);
    commit('m3');
    git(repo, ['checkout', '-q', 'x']);
    const x1 = commit('x1');
    git(repo, ['checkout', '-q', 'y']);
    commit('y1');
    git(repo, ['checkout', '-q', '-b', 'cc1', 'x']);
    git(repo, ['merge', '-q', '-s', 'ours', '--no-edit', 'y']);
    git(repo, ['checkout', '-q', '-b', 'cc2', 'y']);
    git(repo, ['merge', '-q', '-s', 'ours', '--no-edit', x1]);
    git(repo, ['checkout', '-q', 'main']);
    const heads = ['main', 'x', 'y', 'cc1', 'cc2', 'main~1', 'x'].map((r) => git(repo, ['rev-parse', r]));
    const pairs: [number, number][] = [];
    for (let a = 0; a < heads.length; a++) for (let b = a + 1; b < heads.length; b++) pairs.push([a, b]);
    const bases = await mergeBases(runner(repo), heads, pairs);
    pairs.forEach(([a, b], i) => {
      const expected = git(repo, ['merge-base', '--all', heads[a]!, heads[b]!]).split('\n').sort();
      expect(bases[i]!.sort(), `${a}/${b}`).toEqual(expected);
    });
    expect(bases[pairs.findIndex(([a, b]) => a === 3 && b === 4)]).toHaveLength(2); // criss-cross: two bases

    git(repo, ['checkout', '-q', '--orphan', 'alone']);
    const alone = commit('alone');
    git(repo, ['checkout', '-q', 'main']);
    const unrelated = await mergeBases(runner(repo), [heads[0]!, alone, heads[1]!], [[0, 1], [0, 2]]);
    expect(unrelated).toEqual([[], [git(repo, ['merge-base', heads[0]!, heads[1]!])]]);
  });

  it('splits one diff-tree --stdin answer per input line, renames followed, empty diffs included', async () => {
    const repo = makeRepo({ files: { 'a.txt': 'one\ntwo\nthree\nfour\n', 'b.txt': 'b\n' } });
    const base = git(repo, ['rev-parse', 'HEAD']);
    git(repo, ['mv', 'a.txt', ':odd name.txt']);
    writeFileSync(join(repo, 'b.txt'), 'B\n');
    writeFileSync(join(repo, 'c.txt'), 'c\n');
    git(repo, ['add', '-A']);
    git(repo, ['commit', '-q', '-m', 'x']);
    const head = git(repo, ['rev-parse', 'HEAD']);
    const [d1, d2, d3] = await diffCommits(runner(repo), [
      { from: base, to: head },
      { from: head, to: head },
      { from: head, to: base },
    ]);
    expect(d1!.map((c) => [c.status, c.oldPath, c.path]).sort()).toEqual([
      ['A', 'c.txt', 'c.txt'],
      ['M', 'b.txt', 'b.txt'],
      ['R', 'a.txt', ':odd name.txt'],
    ]);
    expect(d1!.find((c) => c.status === 'A')!.oldOid).toBeNull();
    expect(d2).toEqual([]);
    expect(d3!.find((c) => c.status === 'D')!.oid).toBeNull();
  });

  it('reads merge-tree --stdin verdicts with the kind of each conflict', async () => {
    const repo = makeRepo({ files: { 'f.txt': '1\n2\n3\n', 'g.txt': 'g\n' } });
    const branch = (name: string, edit: () => void) => {
      git(repo, ['checkout', '-q', '-b', name, 'main']);
      edit();
      git(repo, ['add', '-A']);
      git(repo, ['commit', '-q', '-m', name]);
      return git(repo, ['rev-parse', 'HEAD']);
    };
    const a = branch('a', () => {
      writeFileSync(join(repo, 'f.txt'), '1\nA\n3\n');
      writeFileSync(join(repo, 'new.txt'), 'a\n');
      git(repo, ['rm', '-q', 'g.txt']);
    });
    const b = branch('b', () => {
      writeFileSync(join(repo, 'f.txt'), '1\nB\n3\n');
      writeFileSync(join(repo, 'new.txt'), 'b\n');
      writeFileSync(join(repo, 'g.txt'), 'G\n');
    });
    const c = branch('c', () => writeFileSync(join(repo, 'other.txt'), 'c\n'));
    const verdicts = await mergeVerdicts(runner(repo), [
      [a, b],
      [a, c],
      [a, a],
    ]);
    expect(verdicts[0]!.clean).toBe(false);
    expect(Object.fromEntries(verdicts[0]!.conflicts.map((x) => [x.path, x.kind]))).toEqual({ 'f.txt': 'content', 'new.txt': 'add/add', 'g.txt': 'modify/delete' });
    expect(verdicts.slice(1)).toEqual([
      { clean: true, conflicts: [] },
      { clean: true, conflicts: [] },
    ]);
    expect(() => parseMergeTreeBatch('1\0abc\0\0', 2)).toThrow();
  });

  it('lists worktrees with their git dirs', async () => {
    const repo = makeRepo();
    const wt = addWorktree(repo, 'side');
    git(repo, ['worktree', 'add', '-q', '--detach', join(tempDir(), 'detached')]);
    const list = await listWorktrees(runner(repo), 'refs/heads/context');
    const head = git(repo, ['rev-parse', 'HEAD']);
    expect(list.map((w) => `${w.branch}:${w.head === head}`).sort()).toEqual(['main:true', 'null:true', 'side:true']);
    expect(list[0]!).toMatchObject({ path: repo, gitDir: join(repo, '.git') });
    expect(list.find((w) => w.branch === 'side')).toMatchObject({ path: wt, gitDir: join(repo, '.git', 'worktrees', 'side') });
    expect(parseWorktreeList('worktree /b\0bare\0\0worktree /p\0HEAD 0000000000000000000000000000000000000000\0branch refs/heads/x\0prunable gitdir file points to non-existent location\0\0')).toEqual([
      { path: '/b', head: null, branchRef: null, bare: true, prunable: false },
      { path: '/p', head: null, branchRef: 'refs/heads/x', bare: false, prunable: true },
    ]);
  });
});

describe('published records and overlap ids', () => {
  const record: WipRecord = {
    format: 1,
    id: '01m7yvmwgafc92k5d0vbbcz0n0',
    key: sessionKey('laptop', '/src/proj'),
    session: 'proj:main',
    agent: 'claude',
    host: 'laptop',
    repo: '/src/proj/.git',
    worktree: '/src/proj',
    branch: 'main',
    head: 'a'.repeat(40),
    base: 'b'.repeat(40),
    baseRef: 'refs/remotes/origin/main',
    snapshot: 'c'.repeat(40),
    tree: 'd'.repeat(40),
    publishedAt: '2026-11-21T10:00:00.000Z',
    files: [
      { path: 'src/a.ts', status: 'M', oldOid: 'e'.repeat(40), oid: 'f'.repeat(40), mode: '100644', hunks: [[3, 1, 3, 2]], symbols: ['A.run'], symbolHunks: [[0]], symbolLines: [12] },
      { path: 'docs/b.md', oldPath: 'b.md', status: 'R', oldOid: 'e'.repeat(40), oid: 'e'.repeat(40), mode: '100644', hunks: [], symbols: null },
    ],
    truncated: false,
  };

  it('round-trips, one line per file, and rejects what it cannot trust', () => {
    const text = serializeWip(record);
    expect(parseWip(text)).toEqual(record);
    expect(text.split('\n').filter((l) => l.includes('"path"'))).toHaveLength(2);
    expect(sameWork(record, { ...record, id: '01m7yvmwgafc92k5d0vbbcz0n1', publishedAt: '2027-01-01T00:00:00.000Z' })).toBe(true);
    expect(sameWork(record, { ...record, head: '9'.repeat(40) })).toBe(false);
    expect(() => parseWip(text.replace('"M"', '"Q"'))).toThrow(/status/);
    expect(() => parseWip(text.replace('a'.repeat(40), 'HEAD'))).toThrow(/head/);
    expect(() => parseWip(text.replace('[3,1,3,2]', '[3,-1,3,2]'))).toThrow(/hunk/);
    expect(() => parseWip(text.replace('"format": 1', '"format": 2'))).toThrow(/format/);
    expect(() => parseWip(text.replace('"symbolHunks":[[0]]', '"symbolHunks":[[1]]'))).toThrow(/symbolHunks/);
    expect(() => parseWip(text.replace('"symbolLines":[12]', '"symbolLines":[-1]'))).toThrow(/symbolLines/);
    // Written before symbols carried their hunks: read as before.
    expect(parseWip(text.replace(',"symbolHunks":[[0]],"symbolLines":[12]', '')).files[0]).toEqual({ ...record.files[0], symbolHunks: undefined, symbolLines: undefined });
  });

  it('keys sessions by host and path; ids and fingerprints do not depend on which side looks', () => {
    expect(sessionKey('laptop', '/src/proj')).toMatch(/^proj-[0-9a-f]{10}$/);
    expect(sessionKey('desktop', '/src/proj')).not.toBe(sessionKey('laptop', '/src/proj'));
    expect(sessionKey('h', '/x/.Weird Name!')).toMatch(/^weird-name-[0-9a-f]{10}$/);
    expect(overlapId('k1', 'k2', 'a.ts')).toBe(overlapId('k2', 'k1', 'a.ts'));
    expect(overlapId('k1', 'k2', 'a.ts')).not.toBe(overlapId('k1', 'k2', 'b.ts'));
    const a = { key: 'k1', oid: '1'.repeat(40) };
    const b = { key: 'k2', oid: null };
    expect(contentFingerprint(a, b)).toBe(contentFingerprint(b, a));
    expect(contentFingerprint(a, b)).not.toBe(contentFingerprint({ ...a, oid: '2'.repeat(40) }, b));
  });
});
