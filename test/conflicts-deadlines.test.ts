/**
 * Conflicts under load and under deadlines, the way they happen: two sessions that both ran
 * `npm install` (a 20,000-line lockfile changed on both sides, one rewriting most of it), a large
 * generated file beside it, and every bounded route over them: `conflicts --timeout`, the pre-commit
 * hook inside a real `git commit`, the agent prompt hook (which gives up and lets a detached scan
 * cache the result for the next prompt). Bounds are generous for a loaded 2-core machine; before
 * hunks came from git, this scan took 10-21 s.
 */
import { describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { chmodSync, existsSync, readFileSync, realpathSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join, resolve } from 'node:path';
import { addWorktree, BIN, ctx, ctxOk, ENV, git, makeRepo, tempDir } from './helpers/repo.js';
import { cli, cliOk } from './helpers/cli.js';
import { frozenState, realMerge, stateCommit } from './helpers/worktree-state.js';
import { sessionKey } from '../src/conflicts/wip.js';

/** A yarn.lock-like file: 4,000 entries of 5 lines. `bump(i)` says which entries get which version. */
function lockfile(version: (i: number) => string): string {
  const out: string[] = [];
  for (let i = 0; i < 4000; i++) {
    const name = `pkg-${String(i).padStart(4, '0')}`;
    const v = version(i);
    out.push(`"${name}@^1.0.0":`, `  version "${v}"`, `  resolved "https://registry.example.com/${name}/-/${name}-${v}.tgz#${(i * 7919 + v.length).toString(16).padStart(8, '0')}"`, `  integrity sha512-${name}${v.replace(/\./g, '')}==`, '');
  }
  return out.join('\n');
}

/** 20,000 lines of generated data (not a lockfile by name: its hunks come from git's diff). */
function catalog(tag: (i: number) => string): string {
  return Array.from({ length: 20_000 }, (_, i) => `item ${i} ${tag(i)}`).join('\n') + '\n';
}

function setup(): { repo: string; wa: string; wb: string } {
  const repo = makeRepo({ files: { 'yarn.lock': lockfile(() => '1.0.0'), 'data/catalog.txt': catalog(() => 'v1'), 'src/app.ts': 'export const app = 1;\n' } });
  const wa = addWorktree(repo, 'wa');
  const wb = addWorktree(repo, 'wb');
  // a: an upgrade of everything; b: a few packages, differently. Both uncommitted, like two installs.
  writeFileSync(join(wa, 'yarn.lock'), lockfile(() => '1.2.0'));
  writeFileSync(join(wb, 'yarn.lock'), lockfile((i) => (i % 7 === 0 ? '1.1.0' : '1.0.0')));
  writeFileSync(join(wa, 'data/catalog.txt'), catalog((i) => (i >= 2000 && i < 14000 ? 'v2' : 'v1')));
  writeFileSync(join(wb, 'data/catalog.txt'), catalog((i) => (i % 100 === 50 ? 'v3' : 'v1')));
  return { repo, wa, wb };
}

async function timed<T>(fn: () => Promise<T>): Promise<{ ms: number; r: T }> {
  const t0 = Date.now();
  const r = await fn();
  return { ms: Date.now() - t0, r };
}

function runGit(cwd: string, args: string[]): Promise<{ code: number; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn('git', args, { cwd, env: ENV });
    let stderr = '';
    child.stderr.on('data', (b) => (stderr += b));
    child.on('close', (code) => resolve({ code: code ?? -1, stderr }));
  });
}

async function waitFor(check: () => boolean, ms: number): Promise<boolean> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (check()) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return check();
}

describe('a lockfile and a large generated file changed on both sides', () => {
  it('are scanned in seconds, with git hunks for the data file and a file-level note for the lockfile', async () => {
    const { repo, wa, wb } = setup();
    const before = [repo, wa, wb].map(frozenState);
    const { ms, r } = await timed(() => ctxOk(wa, ['conflicts', '--json']));
    expect([repo, wa, wb].map(frozenState)).toEqual(before);
    expect(ms).toBeLessThan(6000); // 10-21 s with an in-process line diff
    expect(r.json.complete).toBe(true);
    const byPath = Object.fromEntries(r.json.overlaps.map((o: any) => [o.path, o]));
    expect(byPath['yarn.lock']).toMatchObject({ level: 'merge', merge: 'conflict', note: 'lockfile', lines: [] });
    expect(byPath['yarn.lock'].a.hunks).toBeNull();
    // The data file: git's hunks (one block rewritten on one side, every 100th line on the other).
    expect(byPath['data/catalog.txt']).toMatchObject({ level: 'merge', note: null, lines: [[2001, 14000]] });
    expect(byPath['data/catalog.txt'].a.hunks).toEqual([[2001, 12000, 2001, 12000]]);
    expect(byPath['data/catalog.txt'].b.hunks).toHaveLength(200);
    const truth = realMerge(repo, stateCommit(repo, wa), stateCommit(repo, wb));
    expect(truth.conflicted).toEqual(['data/catalog.txt', 'yarn.lock']);
    const text = await ctxOk(wa, ['conflicts']);
    expect(text.stdout).toContain('(lockfile: file level)');
  });

  it('--timeout is honoured: the answer comes on time, complete or marked partial', async () => {
    const { wa } = setup();
    const { ms, r } = await timed(() => ctx(wa, ['conflicts', '--json', '--timeout', '500']));
    expect(r.code).toBe(0);
    // 500 ms, Node's start-up and a loaded machine's slack: far from the 10-21 s it took.
    expect(ms).toBeLessThan(3000);
    if (!r.json.complete) {
      expect(r.json.missing.length).toBeGreaterThan(0);
      expect(r.stderr).toMatch(/stopped at the 500 ms time limit \(not done: /);
    }
    // A limit nothing fits in: still an answer, marked partial, exit 0.
    const tiny = await ctx(wa, ['conflicts', '--json', '--timeout', '1']);
    expect(tiny.code).toBe(0);
    expect(tiny.json).toMatchObject({ complete: false, overlaps: [] });
    const human = await ctx(wa, ['conflicts', '--timeout', '1']);
    expect(human.stdout).toMatch(/Partial: stopped at the time limit \(not done: /);
  });

  it('the pre-commit hook keeps its 3 s inside a real git commit', async () => {
    const { repo, wa } = setup();
    const hooks = tempDir('git-ctx-hooks-');
    writeFileSync(join(hooks, 'pre-commit'), `#!/bin/sh\nexec "${process.execPath}" "${BIN}" conflicts --staged --hook\n`);
    chmodSync(join(hooks, 'pre-commit'), 0o755);
    git(repo, ['config', 'core.hooksPath', hooks]);
    git(wa, ['add', 'yarn.lock', 'data/catalog.txt']);
    const { ms, r } = await timed(() => runGit(wa, ['commit', '-q', '-m', 'install']));
    expect(r.code).toBe(0);
    expect(ms).toBeLessThan(7000); // the commit waited 10 s before
    expect(r.stderr).toMatch(/git-ctx: (warning: yarn\.lock: merge conflict with wb:wb|conflict check stopped at its 3000 ms time limit)/);
  });

  it('the agent prompt hook gives up on time; the scan it left goes on detached and the next prompt reads its result', async () => {
    const { wa } = setup();
    const hook = (env: Record<string, string> = {}) =>
      timed(() =>
        ctx(tempDir(), ['agent-hook', 'claude', 'UserPromptSubmit'], {
          input: JSON.stringify({ session_id: 'p1', cwd: wa, hook_event_name: 'UserPromptSubmit', prompt: 'go on' }),
          env,
        }),
      );
    const cache = join(resolve(wa, git(wa, ['rev-parse', '--git-common-dir'])), 'ctx', 'cache', 'conflicts', `${sessionKey(hostname(), realpathSync(wa))}.json`);
    // With its own deadline (850 ms from the process start), the hook answers on time.
    const first = await hook();
    expect(first.r.code).toBe(0);
    expect(first.ms).toBeLessThan(3000); // 20-28 s before
    // A hook with more time left still gives the scan only 400 ms: the scan stops there, and goes on detached.
    const second = await hook({ GIT_CTX_HOOK_DEADLINE_MS: '3000' });
    expect(second.r.code).toBe(0);
    expect(second.ms).toBeLessThan(4000);
    // The detached scan writes the cache (bounded wait: a loaded machine).
    expect(await waitFor(() => existsSync(cache), 30_000)).toBe(true);
    const cached = JSON.parse(readFileSync(cache, 'utf8'));
    expect(cached.overlaps.map((o: any) => `${o.path} ${o.level}`).sort()).toEqual(['data/catalog.txt merge', 'yarn.lock merge']);
    // The next prompt shows the real merge conflicts, from the cache, at once.
    const third = await hook({ GIT_CTX_HOOK_DEADLINE_MS: '3000' });
    expect(third.ms).toBeLessThan(4000);
    const context = JSON.parse(third.r.stdout).hookSpecificOutput.additionalContext;
    expect(context).toMatch(/yarn\.lock: merge conflict with wb:wb/);
  });
});

describe('the size of the answer', () => {
  it('works out at most --limit overlaps, real merge conflicts first, and counts the rest', async () => {
    const files = Object.fromEntries(Array.from({ length: 6 }, (_, i) => [`f${i}.txt`, 'a\nb\nc\nd\ne\n']));
    const repo = makeRepo({ files });
    const wa = addWorktree(repo, 'wa');
    const wb = addWorktree(repo, 'wb');
    for (let i = 0; i < 6; i++) {
      writeFileSync(join(wa, `f${i}.txt`), 'A\nb\nc\nd\ne\n');
      // Files 4 and 5 conflict; the others are edited far apart.
      writeFileSync(join(wb, `f${i}.txt`), i >= 4 ? 'B\nb\nc\nd\ne\n' : 'a\nb\nc\nd\nE\n');
    }
    const all = await cliOk(wa, ['conflicts', '--json']);
    expect(all.json.overlaps).toHaveLength(6);
    expect(all.json.more).toBe(0);
    const capped = await cliOk(wa, ['conflicts', '--json', '--limit', '2']);
    expect(capped.json.overlaps.map((o: any) => [o.path, o.level])).toEqual([
      ['f4.txt', 'merge'],
      ['f5.txt', 'merge'],
    ]);
    expect(capped.json.more).toBe(4);
    expect((await cliOk(wa, ['conflicts', '--limit', '2'])).stdout).toMatch(/4 more not examined \(over the limit: --limit N, 0 for none\)/);
    expect((await cli(wa, ['conflicts', '--limit', 'x'])).code).toBe(2);
  });
});
