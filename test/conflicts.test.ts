import { describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { chmodSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { addWorktree, BIN, ctx, ENV, fsck, git, makeRepo, tempDir } from './helpers/repo.js';
import { cli, cliOk } from './helpers/cli.js';
import { frozenState, realMerge, stateCommit } from './helpers/worktree-state.js';
import { openCtx, closeCtx } from '../src/core/context.js';
import { currentConflicts, describeOverlap } from '../src/core/conflicts/conflicts.js';
import { realDeps } from './helpers/real-deps.js';

const PARSER = `export class Parser {
  parse(input: string): string[] {
    const parts = input.split(',');
    const trimmed = parts.map((p) => p.trim());
    const nonEmpty = trimmed.filter(Boolean);
    const lower = nonEmpty.map((p) => p.toLowerCase());
    const unique = [...new Set(lower)];
    return unique;
  }

  lex(input: string): number {
    let count = 0;
    for (const ch of input) {
      if (ch === ',') count++;
    }
    return count;
  }

  emit(tokens: string[]): string {
    const joined = tokens.join(', ');
    return \`[\${joined}]\`;
  }
}
`;

const COUNT_PY = `def count(items):
    total = 0
    for item in items:
        total += item
    return total


def mean(items):
    return count(items) / len(items)
`;

const NOTES = Array.from({ length: 30 }, (_, i) => `line ${i + 1}\n`).join('');
const FILES = { 'README.md': '# test\n', 'src/parser.ts': PARSER, 'tools/count.py': COUNT_PY, 'notes.txt': NOTES, '.gitignore': 'build/\n' };

/** Replace one line (1-based) of a file in a worktree. */
function editLine(wt: string, path: string, line: number, text: string): void {
  const lines = readFileSync(join(wt, path), 'utf8').split('\n');
  lines[line - 1] = text;
  writeFileSync(join(wt, path), lines.join('\n'));
}

function commitAll(wt: string, message: string): void {
  git(wt, ['add', '-A']);
  git(wt, ['commit', '-q', '-m', message]);
}

function setup(): { repo: string; wa: string; wb: string } {
  const repo = makeRepo({ files: FILES });
  return { repo, wa: addWorktree(repo, 'wa'), wb: addWorktree(repo, 'wb') };
}

/** Run `conflicts --json` and check that no worktree's index, status, HEAD or stash moved. */
async function scan(cwd: string, worktrees: string[], args: string[] = []): Promise<any> {
  const before = worktrees.map(frozenState);
  const r = await cliOk(cwd, ['conflicts', '--json', ...args]);
  expect(worktrees.map(frozenState)).toEqual(before);
  expect(r.json.schemaVersion).toBe(1);
  return r.json;
}

function between(json: any, x: string, y: string): any[] {
  const key = (wt: string) => json.sessions.find((s: any) => s.worktree === wt)?.key;
  const [kx, ky] = [key(x), key(y)];
  return json.overlaps.filter((o: any) => (o.a.key === kx && o.b.key === ky) || (o.a.key === ky && o.b.key === kx));
}

/**
 * For every pair of local worktrees: the scan's merge verdicts are what `git merge` of the two whole
 * states (copied into throwaway worktrees, committed, merged) really does.
 */
function expectMergeTruth(repo: string, json: any, worktrees: string[]): number {
  const states = new Map(worktrees.map((wt) => [wt, stateCommit(repo, wt)]));
  let conflicts = 0;
  for (let i = 0; i < worktrees.length; i++) {
    for (let j = i + 1; j < worktrees.length; j++) {
      const [x, y] = [worktrees[i]!, worktrees[j]!];
      const real = realMerge(repo, states.get(x)!, states.get(y)!);
      const found = between(json, x, y);
      expect(found.every((o) => o.merge !== null)).toBe(true);
      const reported = found.filter((o) => o.merge === 'conflict');
      if (real.clean) expect(reported).toEqual([]);
      else {
        conflicts++;
        const paths = (o: any) => [o.path, o.a.path, o.b.path].filter(Boolean);
        for (const p of real.conflicted) expect(reported.some((o) => paths(o).includes(p)), `${p} conflicts in a real merge`).toBe(true);
        for (const o of reported) expect(paths(o).some((p: string) => real.conflicted.includes(p))).toBe(true);
      }
    }
  }
  return conflicts;
}

describe('conflicts between linked worktrees', () => {
  it('reports file, symbol and merge levels for committed edits, as git merge decides', async () => {
    const { repo, wa, wb } = setup();
    editLine(wa, 'notes.txt', 3, 'line three (a)');
    editLine(wb, 'notes.txt', 20, 'line twenty (b)');
    editLine(wa, 'notes.txt', 11, 'the same fix on both sides');
    editLine(wb, 'notes.txt', 11, 'the same fix on both sides');
    editLine(wa, 'src/parser.ts', 3, "    const parts = input.split(';');");
    editLine(wb, 'src/parser.ts', 7, '    const unique = Array.from(new Set(lower));');
    editLine(wa, 'tools/count.py', 2, '    total = 1');
    editLine(wb, 'tools/count.py', 2, '    total = 2');
    commitAll(wa, 'a');
    commitAll(wb, 'b');

    const json = await scan(wa, [repo, wa, wb]);
    // Session ids are the place's: `<folder>:<branch>@<hex of host and path>`.
    expect(json.sessions.map((s: any) => s.id.replace(/@[0-9a-f]{6}$/, '')).sort()).toEqual(['wa:wa', 'wb:wb', `${repo.split('/').pop()}:main`].sort());
    expect(json.sessions.find((s: any) => s.current).worktree).toBe(wa);
    const byPath = Object.fromEntries(json.overlaps.map((o: any) => [o.path, o]));
    expect(Object.keys(byPath).sort()).toEqual(['notes.txt', 'src/parser.ts', 'tools/count.py']);

    // Same file, disjoint hunks: file level only, and the merge is clean.
    expect(byPath['notes.txt']).toMatchObject({ level: 'file', levels: ['file'], lines: [], symbols: [], merge: 'clean' });
    expect(byPath['notes.txt'].a.hunks).toEqual([[3, 1, 3, 1], [11, 1, 11, 1]]);
    // Same function, different lines: symbol level, no textual conflict.
    expect(byPath['src/parser.ts']).toMatchObject({ level: 'symbol', levels: ['file', 'symbol'], symbols: ['Parser.parse'], lines: [], merge: 'clean' });
    // Same lines: every level, and a real conflict.
    expect(byPath['tools/count.py']).toMatchObject({ level: 'merge', levels: ['file', 'symbol', 'hunk', 'merge'], symbols: ['count'], lines: [[2, 2]], merge: 'conflict', conflict: 'content' });
    expect(new Set(json.overlaps.map((o: any) => o.id)).size).toBe(3);
    expect(json.overlaps.every((o: any) => /^[0-9a-f]{12}$/.test(o.id))).toBe(true);
    expect(json.stats).toMatchObject({ sessions: 3, pairs: 3 });

    expect(expectMergeTruth(repo, json, [repo, wa, wb])).toBe(1);

    // The same overlaps, with the same ids, seen from the other worktree and from the main one.
    const fromB = await scan(wb, [repo, wa, wb]);
    expect(fromB.overlaps.map((o: any) => o.id).sort()).toEqual(json.overlaps.map((o: any) => o.id).sort());

    // Filters and exit codes.
    const hunk = await scan(repo, [repo, wa, wb], ['--level', 'hunk']);
    expect(hunk.overlaps.map((o: any) => o.path)).toEqual(['tools/count.py']);
    expect((await cliOk(repo, ['conflicts', '--level', 'symbol', '--json'])).json.overlaps.map((o: any) => o.path).sort()).toEqual(['src/parser.ts', 'tools/count.py']);
    expect((await cli(repo, ['conflicts', '--level', 'nope'])).code).toBe(2);
    const text = await cli(repo, ['conflicts', '--exit-code']);
    expect(text.code).toBe(1);
    expect(text.stdout).toMatch(/^ID\s+PAIR\s+PATH\s+LEVEL\s+LINES\s+SYMBOLS/);
    expect(text.stdout).toContain(byPath['tools/count.py'].id);
    expect(text.stdout).toMatch(/3 overlaps in 1 pair of 3 sessions, 1 merge conflict\./);
    expect(fsck(repo)).toBe('');
  });

  it('sees conflicts that exist only in uncommitted edits (staged, unstaged, untracked), touching nothing', async () => {
    const { repo, wa, wb } = setup();
    editLine(wa, 'src/parser.ts', 12, '    let count = 5;');
    git(wa, ['add', 'src/parser.ts']); // staged
    editLine(wb, 'src/parser.ts', 12, '    let count = 7;'); // unstaged
    writeFiles(wa, { 'new.txt': 'from a\n', 'build/out.txt': 'ignored a\n' });
    writeFiles(wb, { 'new.txt': 'from b\n', 'build/out.txt': 'ignored b\n' });
    rmSync(join(wa, 'notes.txt'));
    editLine(wb, 'notes.txt', 5, 'line five (b)');
    const headBefore = git(wa, ['rev-parse', 'HEAD']);

    const json = await scan(wb, [repo, wa, wb]);
    expect(git(wa, ['rev-parse', 'HEAD'])).toBe(headBefore);
    const byPath = Object.fromEntries(between(json, wa, wb).map((o: any) => [o.path, o]));
    expect(Object.keys(byPath).sort()).toEqual(['new.txt', 'notes.txt', 'src/parser.ts']); // ignored build/ is not compared
    expect(byPath['src/parser.ts']).toMatchObject({ level: 'merge', symbols: ['Parser.lex'], lines: [[12, 12]], conflict: 'content' });
    expect(byPath['new.txt']).toMatchObject({ level: 'merge', conflict: 'add/add' });
    expect(byPath['new.txt'].a.status).toBe('A');
    expect(byPath['notes.txt']).toMatchObject({ level: 'merge', conflict: 'modify/delete' });
    expect(json.sessions.filter((s: any) => s.dirty).map((s: any) => s.worktree).sort()).toEqual([wa, wb].sort());
    expect(expectMergeTruth(repo, json, [repo, wa, wb])).toBe(1);
  });

  it('follows renames on one side, committed or not', async () => {
    const { repo, wa, wb } = setup();
    mkdirSync(join(wa, 'docs'));
    git(wa, ['mv', 'notes.txt', 'docs/notes.md']);
    commitAll(wa, 'move notes');
    git(wa, ['mv', 'src/parser.ts', 'src/parse.ts']); // staged, not committed
    editLine(wa, 'src/parse.ts', 12, '    let count = 1;');
    editLine(wb, 'notes.txt', 5, 'line five (b)');
    editLine(wb, 'src/parser.ts', 12, '    let count = 2;');
    commitAll(wb, 'b');

    const json = await scan(wa, [repo, wa, wb]);
    const byPath = Object.fromEntries(between(json, wa, wb).map((o: any) => [o.path, o]));
    expect(Object.keys(byPath).sort()).toEqual(['notes.txt', 'src/parser.ts']);
    // Renamed on one side, edited on the other: the same file, and git merges it cleanly.
    expect(byPath['notes.txt']).toMatchObject({ level: 'file', merge: 'clean' });
    expect(byPath['notes.txt'].a).toMatchObject({ path: 'docs/notes.md', status: 'R' });
    expect(byPath['notes.txt'].b).toMatchObject({ path: 'notes.txt', status: 'M' });
    // Renamed and edited on the same line the other side edited: a conflict, found through the rename.
    expect(byPath['src/parser.ts']).toMatchObject({ level: 'merge', lines: [[12, 12]], symbols: ['Parser.lex'] });
    expect(byPath['src/parser.ts'].a.path).toBe('src/parse.ts');
    const text = await cliOk(wa, ['conflicts']);
    expect(text.stdout).toContain('notes.txt -> docs/notes.md');
    expect(expectMergeTruth(repo, json, [repo, wa, wb])).toBe(1);
  });

  it('ack silences an overlap until either side edits the file again', async () => {
    const { repo, wa, wb } = setup();
    editLine(wa, 'tools/count.py', 2, '    total = 1');
    editLine(wb, 'tools/count.py', 2, '    total = 2');
    editLine(wb, 'notes.txt', 1, 'first');
    editLine(wa, 'notes.txt', 30, 'last');
    const first = await scan(wa, [repo, wa, wb]);
    expect(first.overlaps).toHaveLength(2);
    const id = first.overlaps.find((o: any) => o.path === 'tools/count.py').id;

    const ack = await cliOk(wb, ['conflicts', 'ack', id.slice(0, 6), '--json']);
    expect(ack.json.acked).toEqual([expect.objectContaining({ id, path: 'tools/count.py', already: false })]);
    const ackFiles = git(repo, ['ls-tree', '-r', '--name-only', 'context', '--', `state/acks/${id}`]).split('\n');
    expect(ackFiles).toHaveLength(1);
    expect(JSON.parse(git(repo, ['show', `context:${ackFiles[0]}`]))).toMatchObject({ overlap: id, path: 'tools/count.py', session: expect.stringMatching(/^wb:wb@[0-9a-f]{6}$/) });
    expect((await cliOk(wb, ['conflicts', 'ack', id, '--json'])).json.acked[0].already).toBe(true);

    const silenced = await scan(wa, [repo, wa, wb], ['--all']);
    expect(silenced.overlaps.map((o: any) => [o.path, o.acked])).toEqual([
      ['tools/count.py', true],
      ['notes.txt', false],
    ]);
    expect(silenced.silenced).toBe(1);
    const quiet = await cli(wa, ['conflicts', '--level', 'hunk', '--exit-code']);
    expect(quiet.code).toBe(0);
    expect(quiet.stdout).toMatch(/No overlapping edits between 3 sessions at level hunk or above; 1 acknowledged/);

    // A new edit on one side (anywhere in the file) brings it back.
    editLine(wa, 'tools/count.py', 9, '    return count(items) / max(1, len(items))');
    const again = await scan(wa, [repo, wa, wb]);
    expect(again.overlaps.find((o: any) => o.id === id)).toMatchObject({ acked: false, level: 'merge' });
    expect(again.silenced).toBe(0);
    expect((await cli(wa, ['conflicts', '--level', 'hunk', '--exit-code'])).code).toBe(1);

    const missing = await cli(wa, ['conflicts', 'ack', 'abcdef', '--json']);
    expect(missing.code).toBe(3);
    expect(missing.json.error.code).toBe('E_NO_OVERLAP');
    expect((await cli(wa, ['conflicts', 'ack', 'not-an-id'])).code).toBe(2);
    expect(fsck(repo)).toBe('');
  });
});

describe('the pre-commit hook', () => {
  it('warns about staged files that overlap, blocks only when asked, and never fails on its own problems', async () => {
    const { repo, wa, wb } = setup();
    const hooks = tempDir('git-ctx-hooks-');
    writeFileSync(join(hooks, 'pre-commit'), `#!/bin/sh\nexec "${process.execPath}" "${BIN}" conflicts --staged --hook\n`);
    chmodSync(join(hooks, 'pre-commit'), 0o755);
    git(repo, ['config', 'core.hooksPath', hooks]);
    editLine(wb, 'tools/count.py', 2, '    total = 2');
    editLine(wa, 'tools/count.py', 2, '    total = 1');
    editLine(wa, 'README.md', 1, '# readme');

    // Only README is staged: nothing to say.
    git(wa, ['add', 'README.md']);
    const quiet = await runGit(wa, ['commit', '-q', '-m', 'readme']);
    expect(quiet.code).toBe(0);
    expect(quiet.stderr).not.toContain('git-ctx');

    // `commit -a` stages count.py in a temporary index: the hook reads that one.
    git(repo, ['config', 'ctx.conflicts.block', 'true']);
    const blocked = await runGit(wa, ['commit', '-q', '-a', '-m', 'count']);
    expect(blocked.code).toBe(1);
    expect(blocked.stderr).toMatch(/git-ctx: warning: tools\/count\.py: merge conflict with wb:wb@[0-9a-f]{6} \(lines 2; count\)/);
    expect(blocked.stderr).toContain('commit refused');
    expect(git(wa, ['log', '-1', '--format=%s'])).toBe('readme');

    git(repo, ['config', 'ctx.conflicts.block', 'merge']);
    expect((await runGit(wa, ['commit', '-q', '-a', '-m', 'count'])).code).toBe(1);
    git(repo, ['config', '--unset', 'ctx.conflicts.block']);
    const warned = await runGit(wa, ['commit', '-q', '-a', '-m', 'count']);
    expect(warned.code).toBe(0);
    expect(warned.stderr).toContain('git-ctx: warning: tools/count.py');
    expect(git(wa, ['log', '-1', '--format=%s'])).toBe('count');

    // A check that cannot finish in time lets the commit through, with a note.
    git(repo, ['config', 'ctx.conflicts.block', 'true']);
    editLine(wa, 'tools/count.py', 4, '        total += 2 * item');
    const slow = await ctx(wa, ['conflicts', '--staged', '--hook', '--timeout', '1'], { env: { GIT_INDEX_FILE: '' } });
    expect(slow.code).toBe(0);
    expect(slow.stderr).toMatch(/conflict check stopped at its 1 ms time limit \(not done: /);
    // Outside a repository: not ours to stop.
    const outside = await ctx(tempDir(), ['conflicts', '--staged', '--hook']);
    expect(outside.code).toBe(0);
    expect(outside.stderr).toMatch(/conflict check skipped/);
  });
});

describe('sessions on other machines, through the context branch', () => {
  it('compares with published work in progress, and merges for real once the snapshot objects travel', async () => {
    const origin = makeRepo({ files: FILES });
    const bare = makeRepo({ bare: true });
    git(origin, ['push', '-q', bare, 'main']);
    const clone = (name: string) => {
      const dir = join(tempDir(), name);
      git(tempDir(), ['clone', '-q', bare, dir]);
      git(dir, ['config', 'user.name', name]);
      git(dir, ['config', 'user.email', `${name}@example.com`]);
      return dir;
    };
    const here = clone('here');
    const here2 = addWorktree(here, 'here2'); // a second live session on this machine, with no edits
    const there = clone('there');
    editLine(there, 'tools/count.py', 2, '    total = 2'); // uncommitted, on the other machine
    editLine(there, 'notes.txt', 25, 'line 25 (there)');
    editLine(here, 'tools/count.py', 2, '    total = 1');
    editLine(here, 'notes.txt', 2, 'line 2 (here)');

    const pub = await cliOk(there, ['publish', '--json']);
    expect(pub.json).toMatchObject({ unchanged: false, files: 2, baseRef: 'refs/remotes/origin/main', snapshotRef: null });
    expect(pub.json.path).toMatch(/^state\/wip\/there-[0-9a-f]{10}\/[0-9a-z]{26}\.json$/);
    expect((await cliOk(there, ['publish', '--json'])).json.unchanged).toBe(true);
    // Sync's transport, by hand: the context branch through the bare remote.
    git(there, ['push', '-q', bare, 'context']);
    git(here, ['fetch', '-q', bare, 'context:context']);

    const meta = await scan(here, [here, here2]);
    const remote = meta.sessions.find((s: any) => s.origin === 'published');
    expect(remote).toMatchObject({ id: expect.stringMatching(/^there:main@[0-9a-f]{6}$/), snapshot: null, worktree: there });
    const byPath = Object.fromEntries(meta.overlaps.map((o: any) => [o.path, o]));
    expect(byPath['tools/count.py']).toMatchObject({ level: 'hunk', levels: ['file', 'symbol', 'hunk'], lines: [[2, 2]], symbols: ['count'], merge: null });
    expect(byPath['notes.txt']).toMatchObject({ level: 'file', merge: null });
    // What git would do with the two states (ground truth, computed on the other machine's objects).
    const thereState = stateCommit(there, there);
    git(there, ['push', '-q', bare, `${thereState}:refs/test/there`]);
    git(here, ['fetch', '-q', bare, 'refs/test/there:refs/test/there']);
    const truth = realMerge(here, stateCommit(here, here), thereState);
    expect(truth).toEqual({ clean: false, conflicted: ['tools/count.py'] });

    // With ctx.publish.snapshots, the snapshot commit goes along (sync pushes refs/ctx/wip/*): real merge.
    git(there, ['config', 'ctx.publish.snapshots', 'true']);
    editLine(there, 'notes.txt', 26, 'line 26 (there)');
    const pub2 = await cliOk(there, ['publish', '--json']);
    expect(pub2.json.snapshotRef).toMatch(/^refs\/ctx\/wip\/there-/);
    expect(git(there, ['ls-tree', '--name-only', 'context', `state/wip/${pub2.json.key}/`]).split('\n')).toHaveLength(1); // older record removed
    git(there, ['push', '-q', bare, 'context', 'refs/ctx/wip/*:refs/ctx/wip/*']);
    git(here, ['fetch', '-q', bare, 'context:context', 'refs/ctx/wip/*:refs/ctx/remote-wip/*']);
    const full = await scan(here, [here, here2]);
    expect(full.sessions.find((s: any) => s.origin === 'published').snapshot).toBe(pub2.json.snapshot);
    const count = full.overlaps.find((o: any) => o.path === 'tools/count.py');
    expect(count).toMatchObject({ level: 'merge', merge: 'conflict', conflict: 'content' });
    expect(full.overlaps.find((o: any) => o.path === 'notes.txt').merge).toBe('clean');
    const thereState2 = stateCommit(there, there);
    git(there, ['push', '-q', '-f', bare, `${thereState2}:refs/test/there`]);
    git(here, ['fetch', '-q', '-f', bare, 'refs/test/there:refs/test/there']);
    expect(realMerge(here, stateCommit(here, here), thereState2)).toEqual({ clean: false, conflicted: ['tools/count.py'] });

    // Nothing uncommitted and the branch fetched: the objects are here without any snapshot ref.
    git(there, ['config', 'ctx.publish.snapshots', 'false']);
    git(there, ['checkout', '-q', '-b', 'there-work']);
    git(there, ['commit', '-q', '-a', '-m', 'there']);
    const pub3 = await cliOk(there, ['publish', '--json']);
    expect(pub3.json.snapshot).toBe(git(there, ['rev-parse', 'HEAD']));
    git(there, ['push', '-q', bare, 'context', 'there-work']);
    git(here, ['fetch', '-q', bare, 'context:context', 'there-work']);
    const fetched = await scan(here, [here, here2]);
    expect(fetched.sessions.find((s: any) => s.origin === 'published')).toMatchObject({ id: expect.stringMatching(/^there:there-work@[0-9a-f]{6}$/), snapshot: pub3.json.snapshot, dirty: false });
    expect(fetched.overlaps.find((o: any) => o.path === 'tools/count.py')).toMatchObject({ level: 'merge', merge: 'conflict' });
    expect(realMerge(here, stateCommit(here, here), pub3.json.snapshot)).toEqual({ clean: false, conflicted: ['tools/count.py'] });

    // This clone's own records never count as another machine's.
    await cliOk(here, ['publish']);
    expect((await scan(here, [here, here2])).sessions.filter((s: any) => s.origin === 'published')).toHaveLength(1);
  });
});

describe('the brief seam', () => {
  it('returns this session\'s current conflicts, from a fresh cache when there is one', async () => {
    const { wa, wb } = setup();
    editLine(wa, 'tools/count.py', 2, '    total = 1');
    editLine(wb, 'tools/count.py', 2, '    total = 2');
    const c = await openCtx(realDeps(wa, ENV));
    try {
      const fresh = await currentConflicts(c, { maxAgeMs: 0, timeoutMs: 20_000 });
      expect(fresh).toMatchObject({ fromCache: false, complete: true });
      expect(fresh.overlaps.map((o) => o.path)).toEqual(['tools/count.py']);
      expect(describeOverlap(fresh.overlaps[0]!, fresh.key)).toMatch(/^tools\/count\.py: merge conflict with wb:wb@[0-9a-f]{6} \(lines 2; count\) \[[0-9a-f]{12}\]$/);
      const cached = await currentConflicts(c, { maxAgeMs: 60_000 });
      expect(cached).toMatchObject({ fromCache: true, complete: true });
      expect(cached.overlaps.map((o) => o.id)).toEqual(fresh.overlaps.map((o) => o.id));
      // An ack (from any worktree) drops the cached scans: the brief does not show it again.
      await cliOk(wb, ['conflicts', 'ack', fresh.overlaps[0]!.id]);
      expect(await currentConflicts(c, { maxAgeMs: 60_000, timeoutMs: 20_000 })).toMatchObject({ fromCache: false, overlaps: [] });
    } finally {
      closeCtx(c);
    }
  });
});

function writeFiles(dir: string, files: Record<string, string>): void {
  for (const [p, content] of Object.entries(files)) {
    mkdirSync(join(dir, p, '..'), { recursive: true });
    writeFileSync(join(dir, p), content);
  }
}

async function runGit(cwd: string, args: string[]): Promise<{ code: number; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn('git', args, { cwd, env: ENV });
    let stderr = '';
    child.stderr.on('data', (b) => (stderr += b));
    child.on('close', (code) => resolve({ code: code ?? -1, stderr }));
  });
}
