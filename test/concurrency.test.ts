import { describe, expect, inject, it } from 'vitest';
import { spawn } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { addWorktree, ctx, ENV, entryPaths, fsck, git, makeRepo } from './helpers/repo.js';
import { openCtx, closeCtx } from '../src/core/context.js';
import { realDeps } from './helpers/real-deps.js';
import { CommitQueue } from '../src/store/queue.js';

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

  it('a writer that bypasses our lock but moves the branch by compare-and-swap loses nothing to ours, nor ours to it', async () => {
    const repo = makeRepo();
    await ctx(repo, ['init']);
    // A foreign writer: no lock of ours, each commit one file on top of the tip it read, landed only if
    // the branch is still at that tip (update-ref with the old value). Ours must do the same: a write
    // that moved the branch without checking would drop the foreign commit that landed meanwhile.
    const foreign = `
      set -e
      export GIT_INDEX_FILE="$PWD/.git/foreign-index"
      for i in $(seq 1 60); do
        old=$(git rev-parse refs/heads/context)
        git read-tree "$old"
        blob=$(echo "foreign $i" | git hash-object -w --stdin)
        git update-index --add --cacheinfo 100644,"$blob",foreign/f$i
        new=$(git commit-tree "$(git write-tree)" -p "$old" -m "foreign $i")
        if git update-ref refs/heads/context "$new" "$old" 2>/dev/null; then echo "f$i"; fi
      done`;
    const landed = new Promise<string[]>((resolve) => {
      const child = spawn('bash', ['-c', foreign], { cwd: repo, env: ENV });
      let out = '';
      child.stdout.on('data', (b) => (out += b));
      child.on('close', () => resolve(out.split('\n').filter(Boolean)));
    });
    const ours = await Promise.all(Array.from({ length: 4 }, (_, i) => runWorker(repo, 15, `cas${i}`)));
    const theirs = await landed;
    for (const r of ours) expect(r.code, r.stderr).toBe(0);
    expect(theirs.length).toBeGreaterThan(0);
    const files = new Set(git(repo, ['ls-tree', '-r', '--name-only', 'context']).split('\n'));
    for (const f of theirs) expect(files.has(`foreign/${f}`), `foreign/${f}`).toBe(true);
    const stored = new Set(entryPaths(repo).map((p) => p.replace(/^.*\//, '').replace(/\.md$/, '')));
    for (const id of ours.flatMap((r) => r.ids)) expect(stored.has(id), id).toBe(true);
    expect(stored.size).toBe(60);
  }, 120_000);

  it('writers running while git packs and prunes the object store all land (an emptied fan-out directory is made again)', async () => {
    const repo = makeRepo();
    let stop = false;
    // What `git gc` does to loose objects, over and over: pack them, then remove them and the emptied
    // objects/XX directories, at any instant between a writer's mkdir and its write.
    const gc = (async () => {
      let rounds = 0;
      while (!stop || rounds < 2) {
        await new Promise<void>((resolve) => {
          const child = spawn('sh', ['-c', 'git repack -d -q && git prune-packed && git pack-refs --all'], { cwd: repo, env: ENV, stdio: 'ignore' });
          child.on('close', () => resolve());
        });
        rounds++;
      }
      return rounds;
    })();
    const runs = await Promise.all(
      Array.from({ length: 6 }, async (_, i) => {
        const out: { code: number; stderr: string; id: string }[] = [];
        for (let j = 0; j < 8; j++) {
          const r = await ctx(repo, ['add', '-m', `during gc ${i}.${j}`]);
          out.push({ code: r.code, stderr: r.stderr, id: r.stdout.trim() });
        }
        return out;
      }),
    );
    stop = true;
    expect(await gc).toBeGreaterThan(1);
    const all = runs.flat();
    expect(all.filter((r) => r.code !== 0).map((r) => r.stderr)).toEqual([]);
    expect(new Set(all.map((r) => r.id)).size).toBe(48);
    expect(entryPaths(repo)).toHaveLength(48);
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

  it('never removes a lock file git left on the branch, even an empty old one: it names it (exit 1) and writes nothing', async () => {
    const repo = makeRepo();
    await ctx(repo, ['add', '-m', 'before']);
    const lock = join(repo, '.git/refs/heads/context.lock');
    const { writeFileSync, utimesSync, existsSync } = await import('node:fs');
    writeFileSync(lock, '');
    const old = new Date(Date.now() - 60_000);
    utimesSync(lock, old, old);
    const r = await ctx(repo, ['add', '-m', 'after']);
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toContain(`${lock} exists`);
    expect(existsSync(lock)).toBe(true);
    expect(entryPaths(repo)).toHaveLength(1);
  });
});

describe('group commit', () => {
  const author = { name: 't', email: 't@example.com' };

  it('lands changes queued at the same time with one compare-and-swap, one commit each', async () => {
    const repo = makeRepo();
    await ctx(repo, ['add', '-m', 'first']);
    const ctxs = await Promise.all(Array.from({ length: 10 }, () => openCtx(realDeps(repo))));
    try {
      const results = await Promise.all(ctxs.map((c, i) => c.store.commit({ add: [{ path: `state/group/${i}`, content: `${i}\n` }], message: `change ${i}`, author })));
      expect(new Set(results.map((r) => r.commit)).size).toBe(10);
      const history = git(repo, ['rev-list', 'context']).split('\n');
      for (const r of results) expect(history).toContain(r.commit);
      // Root, the first add, and ten commits of one line of history; the branch moved twice.
      expect(history).toHaveLength(12);
      expect(git(repo, ['reflog', 'show', '--format=%H', 'refs/heads/context']).split('\n')).toHaveLength(2);
      expect(git(repo, ['ls-tree', '--name-only', 'context', 'state/group/']).split('\n')).toHaveLength(10);
      expect(readdirSync(join(repo, '.git/ctx/queue/context'))).toEqual([]);
    } finally {
      ctxs.forEach(closeCtx);
    }
  });

  it('takes a create-only file already there with the same bytes for its own; other bytes refuse the change whole', async () => {
    const repo = makeRepo();
    const c = await openCtx(realDeps(repo));
    try {
      const claim = { path: 'state/consumed/h1', content: 'claimed, token 1\n', createOnly: true };
      expect((await c.store.commit({ add: [claim], message: 'claim', author })).existing).toEqual([]);
      // As when a holder of the lock landed it and was killed before answering: this is the writer's own.
      const again = await c.store.commit({ add: [claim, { path: 'state/consumed/h2', content: 'x\n', createOnly: true }], message: 'claim again', author });
      expect(again.existing).toEqual([]);
      const other = await c.store.commit({ add: [{ ...claim, content: 'claimed, token 2\n' }, { path: 'state/consumed/h3', content: 'y\n', createOnly: true }], message: 'claim by another', author });
      expect(other.existing).toEqual(['state/consumed/h1']);
      expect(git(repo, ['ls-tree', '--name-only', 'context', 'state/consumed/']).split('\n')).toEqual(['state/consumed/h1', 'state/consumed/h2']);
      expect(git(repo, ['cat-file', 'blob', 'context:state/consumed/h1'])).toBe('claimed, token 1');
    } finally {
      closeCtx(c);
    }
  });

  it('answers a malformed queued change with a failure and goes on', async () => {
    const repo = makeRepo();
    await ctx(repo, ['add', '-m', 'first']);
    const dir = join(repo, '.git/ctx/queue/context');
    writeFileSync(join(dir, '0000000000-bad.req'), JSON.stringify({ message: 'no files', author }));
    writeFileSync(join(dir, '0000000001-worse.req'), '{ not json');
    const r = await ctx(repo, ['add', '-m', 'second']);
    expect(r.code, r.stderr).toBe(0);
    expect(entryPaths(repo)).toHaveLength(2);
    expect(readdirSync(dir).sort()).toEqual(['0000000000-bad.res', '0000000001-worse.res']);
    expect(JSON.parse(readFileSync(join(dir, '0000000000-bad.res'), 'utf8')).error).toMatch(/malformed/);
  });

  it('goes ahead without the writer lock when a stale one cannot be removed (it does not spin)', async () => {
    const repo = makeRepo();
    await ctx(repo, ['add', '-m', 'first']);
    // Stands for another user's lock in a shared repository: unlink fails on it.
    const lock = join(repo, '.git/ctx/locks/context.lock');
    mkdirSync(join(lock, 'held'), { recursive: true });
    const old = new Date(Date.now() - 60_000);
    utimesSync(lock, old, old);
    const started = Date.now();
    const r = await ctx(repo, ['add', '-m', 'second']);
    expect(r.code, r.stderr).toBe(0);
    expect(Date.now() - started).toBeLessThan(20_000);
    expect(entryPaths(repo)).toHaveLength(2);
  }, 30_000);

  it('lands a change whose writer was killed while queued, and never commits a landed change twice', async () => {
    const repo = makeRepo();
    await ctx(repo, ['add', '-m', 'first']);
    const dir = join(repo, '.git/ctx/queue/context');
    const oid = git(repo, ['hash-object', '-w', '--stdin'], { input: 'left behind\n' });
    const change = { message: 'queued by a writer that died', author, files: [{ path: 'state/orphan/a', oid }], remove: [] };
    const queue = new CommitQueue(dir, realDeps(repo));
    const first = queue.enqueue(change);
    const count = () => Number(git(repo, ['rev-list', '--count', 'context']));
    const before = count();
    expect((await ctx(repo, ['add', '-m', 'next writer'])).code).toBe(0);
    expect(git(repo, ['rev-parse', 'context:state/orphan/a'])).toBe(oid);
    expect(count()).toBe(before + 2);
    expect(readdirSync(dir)).toEqual([`${first}.res`]); // answered; nobody came for it (swept after a minute)
    // The same change queued again, as after a holder killed between the compare-and-swap and its answers.
    const again = queue.enqueue(change);
    expect((await ctx(repo, ['add', '-m', 'another writer'])).code).toBe(0);
    expect(count()).toBe(before + 3);
    expect(queue.take(again)).toMatchObject({ existing: [], commit: expect.stringMatching(/^[0-9a-f]{40}$/) });
    // The same for a create-only file, as every entry is: the writer is told it landed, not that it exists.
    const entryLike = queue.enqueue({ ...change, files: [{ ...change.files[0]!, createOnly: true }] });
    expect((await ctx(repo, ['add', '-m', 'a third writer'])).code).toBe(0);
    expect(count()).toBe(before + 4);
    expect(queue.take(entryLike)).toMatchObject({ existing: [] });
    fsck(repo);
  });
});
