import { describe, expect, inject, it } from 'vitest';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { addWorktree, ctx, ENV, entryPaths, fsck, git, makeRepo } from './helpers/repo.js';
import { openCtx, closeCtx } from '../src/core/context.js';
import { realDeps } from './helpers/real-deps.js';

function runWorker(cwd: string, count: number, label: string): Promise<{ ids: string[]; code: number; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [join(inject('workerDir'), 'add-worker.cjs'), cwd, String(count), label], { cwd, env: ENV });
    let out = '';
    let err = '';
    child.stdout.on('data', (b) => (out += b));
    child.stderr.on('data', (b) => (err += b));
    child.on('close', (code) => resolve({ ids: out.split('\n').filter(Boolean).map((l) => JSON.parse(l).id), code: code ?? -1, stderr: err }));
  });
}

describe('concurrent writers', () => {
  it('16 processes in 4 linked worktrees x 50 adds: exactly 800 entries, every acknowledged id present, fsck clean', async () => {
    const repo = makeRepo();
    const trees = [repo, addWorktree(repo, 'w1'), addWorktree(repo, 'w2'), addWorktree(repo, 'w3')];
    const runs = await Promise.all(Array.from({ length: 16 }, (_, i) => runWorker(trees[i % 4]!, 50, `p${i}`)));
    for (const r of runs) expect(r.code, r.stderr).toBe(0);
    const acknowledged = runs.flatMap((r) => r.ids);
    expect(acknowledged).toHaveLength(800);
    const paths = entryPaths(repo);
    expect(paths).toHaveLength(800);
    const stored = new Set(paths.map((p) => p.replace(/^.*\//, '').replace(/\.md$/, '')));
    for (const id of acknowledged) expect(stored.has(id)).toBe(true);
    // One commit per entry on a single line of history, plus the root.
    expect(Number(git(repo, ['rev-list', '--count', 'context']))).toBe(801);
    expect(git(repo, ['rev-list', '--merges', 'context'])).toBe('');
    fsck(repo);
    // Every worktree's own checkout is untouched.
    for (const t of trees) expect(git(t, ['status', '--porcelain'])).toBe('');
  }, 180_000);

  it('8 CLI processes at once, 5 adds each: 40 entries', async () => {
    const repo = makeRepo();
    const wt = addWorktree(repo, 'cli-wt');
    const runs = await Promise.all(
      Array.from({ length: 8 }, async (_, i) => {
        const ids: string[] = [];
        for (let j = 0; j < 5; j++) {
          const r = await ctx(i % 2 ? wt : repo, ['add', '-m', `cli ${i}.${j}`]);
          expect(r.code, r.stderr).toBe(0);
          ids.push(r.stdout.trim());
        }
        return ids;
      }),
    );
    expect(new Set(runs.flat()).size).toBe(40);
    expect(entryPaths(repo)).toHaveLength(40);
    fsck(repo);
  }, 120_000);

  it('of several create-only writes of one path, exactly one lands (decided by the compare-and-swap)', async () => {
    const repo = makeRepo();
    const ctxs = await Promise.all(Array.from({ length: 6 }, () => openCtx(realDeps(repo))));
    try {
      const results = await Promise.all(
        ctxs.map((c, i) =>
          c.store.commit({
            add: [{ path: 'state/claims/h1', content: `claimed by ${i}\n`, createOnly: true }, { path: `state/log/${i}`, content: 'x' }],
            message: `claim ${i}`,
            author: { name: 't', email: 't@example.com' },
          }),
        ),
      );
      const winners = results.filter((r) => r.existing.length === 0);
      expect(winners).toHaveLength(1);
      expect(git(repo, ['ls-tree', '-r', '--name-only', 'context', 'state/log']).split('\n')).toHaveLength(1);
    } finally {
      ctxs.forEach(closeCtx);
    }
  });

  it('recovers from a lock file left by a killed git process', async () => {
    const repo = makeRepo();
    await ctx(repo, ['add', '-m', 'before']);
    const lock = join(repo, '.git/refs/heads/context.lock');
    const { writeFileSync, utimesSync, existsSync } = await import('node:fs');
    writeFileSync(lock, '');
    const old = new Date(Date.now() - 60_000);
    utimesSync(lock, old, old);
    const r = await ctx(repo, ['add', '-m', 'after']);
    expect(r.code, r.stderr).toBe(0);
    expect(existsSync(lock)).toBe(false);
    expect(entryPaths(repo)).toHaveLength(2);
  });
});
