/**
 * git's own lock on the context branch (`refs/heads/context.lock`) belongs to whichever git process
 * holds it: git-ctx waits a bounded time for it and then fails naming the file, and never removes it,
 * however old it is (git never removes another process's lock either). Held here by a real
 * `git update-ref --stdin` transaction kept open after `prepare`.
 */
import { describe, expect, it } from 'vitest';
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync, utimesSync } from 'node:fs';
import { join } from 'node:path';
import { ENV, contextTip, ctx, ctxOk, entryPaths, git, makeRepo } from './helpers/repo.js';

interface Holder {
  child: ChildProcessWithoutNullStreams;
  /** Finish the transaction (`commit`) or drop it (close stdin); resolves with git's output and status. */
  end(commit: boolean): Promise<{ code: number | null; out: string }>;
}

/** Take git's lock on `ref` the way git does, moving it to `to`, and keep it until end() is called. */
async function holdRefLock(repo: string, ref: string, to: string): Promise<Holder> {
  const child = spawn('git', ['update-ref', '--stdin'], { cwd: repo, env: ENV, stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.setEncoding('utf8');
  child.stderr.setEncoding('utf8');
  child.stdout.on('data', (s: string) => (out += s));
  child.stderr.on('data', (s: string) => (out += s));
  const closed = new Promise<number | null>((res) => child.on('close', res));
  child.stdin.write(`start\nupdate ${ref} ${to} ${git(repo, ['rev-parse', ref])}\nprepare\n`);
  while (!out.includes('prepare: ok')) {
    if (child.exitCode !== null) throw new Error(`update-ref ended: ${out}`);
    await new Promise((r) => setTimeout(r, 10));
  }
  return {
    child,
    async end(commit) {
      child.stdin.end(commit ? 'commit\n' : '');
      return { code: await closed, out };
    },
  };
}

describe("git's lock on the context branch", () => {
  it('is never removed, however old: the write waits, then fails naming the file; the holder finishes its update', async () => {
    const repo = makeRepo();
    await ctxOk(repo, ['add', '-m', 'first']);
    const before = entryPaths(repo);
    const holder = await holdRefLock(repo, 'refs/heads/context', git(repo, ['rev-parse', 'context^']));
    const lock = join(repo, '.git', 'refs', 'heads', 'context.lock');
    // As old as a lock left by a process that died long ago.
    const old = new Date(Date.now() - 60_000);
    utimesSync(lock, old, old);

    const t0 = Date.now();
    const r = await ctx(repo, ['add', '-m', 'second', '--json']);
    const ms = Date.now() - t0;
    expect(r.code, r.stderr).toBe(1);
    expect(r.json.error).toMatchObject({ code: 'E_REF_LOCKED', data: { lockFile: lock } });
    expect(r.stderr).toContain(`git-ctx: cannot update refs/heads/context: ${lock} exists`);
    expect(r.stderr).toMatch(/hint: .*remove /);
    expect(ms).toBeGreaterThanOrEqual(4500);
    expect(ms).toBeLessThan(20_000);
    expect(existsSync(lock)).toBe(true);

    // The holder's update goes through as git meant it to; the failed add left nothing behind.
    const done = await holder.end(true);
    expect(done.out).toContain('commit: ok');
    expect(done.code).toBe(0);
    expect(before).toHaveLength(1);
    expect(entryPaths(repo)).toEqual([]); // the holder moved the branch back to its root, as asked

    // The failed write's queued request was withdrawn: the next write lands only its own entry.
    await ctxOk(repo, ['add', '-m', 'third']);
    expect(entryPaths(repo)).toHaveLength(1);
    expect(git(repo, ['log', '-1', '--format=%s', 'context'])).toBe('note: third');
  }, 60_000);

  it('a lock released while the write waits: the write lands', async () => {
    const repo = makeRepo();
    await ctxOk(repo, ['add', '-m', 'first']);
    const tip = contextTip(repo)!;
    const holder = await holdRefLock(repo, 'refs/heads/context', tip);
    const pending = ctx(repo, ['add', '-m', 'second', '--json']);
    await new Promise((r) => setTimeout(r, 1000));
    await holder.end(false); // the transaction is dropped: git releases its lock
    const r = await pending;
    expect(r.code, r.stderr).toBe(0);
    expect(entryPaths(repo)).toHaveLength(2);
  });

  it('the MCP-style long-lived updater does not remove it either', async () => {
    const { openCtx, closeCtx } = await import('../src/core/context.js');
    const { realDeps } = await import('./helpers/real-deps.js');
    const repo = makeRepo();
    await ctxOk(repo, ['add', '-m', 'first']);
    const holder = await holdRefLock(repo, 'refs/heads/context', contextTip(repo)!);
    const lock = join(repo, '.git', 'refs', 'heads', 'context.lock');
    const old = new Date(Date.now() - 60_000);
    utimesSync(lock, old, old);
    const c = await openCtx(realDeps(repo, ENV));
    try {
      c.store.keepRefUpdater('test');
      const write = c.store.commit({ add: [{ path: 'x/y.md', content: 'y\n' }], message: 'note: y\n', author: { name: 'a', email: 'a@example.com' } });
      await expect(write).rejects.toMatchObject({ code: 'E_REF_LOCKED' });
      expect(existsSync(lock)).toBe(true);
    } finally {
      closeCtx(c);
      await holder.end(false);
    }
  }, 60_000);
});
