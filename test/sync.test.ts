import { describe, expect, inject, it } from 'vitest';
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync, chmodSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { ENV, contextTip, entryPaths, fsck, git, makeRepo, userState } from './helpers/repo.js';
import { cli, cliOk } from './helpers/cli.js';
import { add, cloneOf, init, makeRemote, run, startDaemon, withCtx } from './helpers/remote.js';
import { addEntry } from '../src/core/entries/add.js';
import { syncContext } from '../src/core/sync/sync.js';
import { variantPath } from '../src/model/merge.js';

function runWorker(name: string, args: string[]): Promise<{ lines: any[]; code: number; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [join(inject('workerDir'), `${name}.cjs`), ...args], { env: ENV });
    let out = '';
    let err = '';
    child.stdout.on('data', (b) => (out += b));
    child.stderr.on('data', (b) => (err += b));
    child.on('close', (code) => resolve({ lines: out.split('\n').filter(Boolean).map((l) => JSON.parse(l)), code: code ?? -1, stderr: err }));
  });
}

/** A bare remote and two clones of it; `published`: a's context branch is on the remote already. */
async function pair(published = false): Promise<{ remote: string; a: string; b: string }> {
  const remote = makeRemote();
  const [a, b] = [cloneOf(remote), cloneOf(remote)];
  if (published) {
    await init(a);
    await run(a, 'push');
  }
  return { remote, a, b };
}

const ids = (repo: string) => entryPaths(repo).map((p) => p.replace(/^.*\//, '').replace(/\.md$/, ''));
const tree = (repo: string) => git(repo, ['rev-parse', 'context^{tree}']);

describe('push, pull, sync with a bare remote', () => {
  it('round trip: entries go both ways, --json counts them, and nothing of the user changes', async () => {
    const { remote, a, b } = await pair();
    const before = { a: userState(a), b: userState(b) };
    await add(a, 'first from a');
    await add(a, 'second from a');
    const pushed = await cliOk(a, ['push', '--json']);
    expect(pushed.json).toMatchObject({ schemaVersion: 1, action: 'push', remote: 'origin', branch: 'context', sent: 2, received: 0, createdRemote: true, remoteBefore: null, attempts: 1 });
    expect(pushed.json.remoteTip).toBe(contextTip(a));
    expect(git(remote, ['rev-parse', 'context'])).toBe(contextTip(a));

    const pulled = await cliOk(b, ['pull', '--json']);
    expect(pulled.json).toMatchObject({ action: 'pull', received: 2, sent: 0, merge: 'created', localBefore: null });
    await add(b, 'from b');
    const synced = await cliOk(b, ['sync', '--json']);
    expect(synced.json).toMatchObject({ action: 'sync', received: 0, sent: 1, merge: 'up-to-date' });
    const back = await cliOk(a, ['pull']);
    expect(back.stdout).toMatch(/Received 1 entry from origin/);
    expect(ids(a).sort()).toEqual(ids(b).sort());
    expect(ids(a)).toHaveLength(3);
    const again = await cliOk(a, ['sync', '--json']);
    expect(again.json).toMatchObject({ received: 0, sent: 0 });

    // Only the context branch and refs/ctx/ moved: not refs/remotes/*, HEAD, index, worktree, stash.
    expect(userState(a)).toEqual(before.a);
    expect(userState(b)).toEqual(before.b);
    // git-ctx's own refs only: the copies of the remote's view and of each clone's ref.
    const own = git(a, ['for-each-ref', '--format=%(refname)', 'refs/ctx/']).split('\n');
    expect(own.filter((r) => !r.startsWith('refs/ctx/remote-clones/origin/context/'))).toEqual(['refs/ctx/remotes/origin/context']);
    expect(own).toHaveLength(3);
    fsck(a);
    fsck(b);
    fsck(remote);
  });

  it('4 clones each add 25 entries and push after every add, all at once: every clone ends with the same 100', async () => {
    const remote = makeRemote();
    const clones = [0, 1, 2, 3].map(() => cloneOf(remote));
    const runs = await Promise.all(clones.map((c, i) => runWorker('sync-worker', [c, '25', `c${i}`])));
    for (const r of runs) expect(r.code, r.stderr).toBe(0);
    const acknowledged = runs.flatMap((r) => r.lines.map((l) => l.id));
    expect(new Set(acknowledged).size).toBe(100);
    // Every clone pushes its own ref: no push ever loses a race, so none fails.
    const failed = runs.flatMap((r) => r.lines.filter((l) => !l.pushed));
    expect(failed).toEqual([]);
    for (const c of clones) await run(c, 'sync');
    for (const c of clones) await run(c, 'pull');
    const expected = [...acknowledged].sort();
    for (const c of clones) expect(ids(c).sort()).toEqual(expected);
    expect(new Set(clones.map(tree)).size).toBe(1);
    expect(git(remote, ['rev-parse', 'context^{tree}'])).toBe(tree(clones[0]!));
    fsck(remote);
    fsck(clones[0]!);
  }, 120_000);

  it('refuses to merge a history that does not start at git-ctx\'s root: it is no context branch', async () => {
    const { a, b } = await pair();
    await add(a, 'a1');
    await run(a, 'push');
    // Someone pushes another history under the context branch's name: another root, another README.
    const readme = git(b, ['hash-object', '-w', '--stdin'], { input: '# not a context branch\n' });
    const rootTree = git(b, ['mktree'], { input: `100644 blob ${readme}\tREADME.md\n` });
    const root = git(b, ['commit-tree', rootTree, '-m', 'other root'], { env: { GIT_AUTHOR_DATE: '2023-01-01T00:00:00Z', GIT_COMMITTER_DATE: '2023-01-01T00:00:00Z' } });
    git(b, ['push', '-q', '--force', 'origin', `${root}:refs/heads/context`]);
    const tip = contextTip(a);
    const r = await cli(a, ['sync', '--json']);
    expect(r.code, r.stderr).toBe(2);
    expect(r.json.error.code).toBe('E_NOT_CONTEXT_BRANCH');
    expect(r.stderr).toContain('shares no history with the local context branch');
    expect(contextTip(a)).toBe(tip);
    expect(ids(a)).toHaveLength(1);
    // A clone with no context branch yet does not take it in either.
    const c = await cli(b, ['pull', '--json']);
    expect(c.json.error.code).toBe('E_NOT_CONTEXT_BRANCH');
    expect(contextTip(b)).toBeNull();
  });

  it('propagates a deletion made on one side while the other side added', async () => {
    const { a, b } = await pair();
    for (const m of ['keep', 'drop', 'keep too']) await add(a, m);
    await run(a, 'push');
    await run(b, 'pull');
    const drop = entryPaths(a).find((p) => git(a, ['show', `context:${p}`]).includes('\ndrop'))!;
    await withCtx(a, (c) => c.store.commit({ add: [], remove: [drop], message: 'gc: drop one\n', author: { name: 'gc', email: 'gc@example.com' } }));
    await add(b, 'new on b');
    await run(a, 'push');
    const r = await cliOk(b, ['sync', '--json']);
    expect(r.json).toMatchObject({ merge: 'merge', sent: 1 });
    await run(a, 'pull');
    for (const c of [a, b]) {
      expect(entryPaths(c)).not.toContain(drop);
      expect(entryPaths(c)).toHaveLength(3);
    }
    expect(tree(a)).toBe(tree(b));
  });

  it('keeps both versions of a path written differently on two clones; both converge on one tree', async () => {
    const { a, b } = await pair(true);
    await run(b, 'pull');
    const path = 'state/consumed/01m7yvmwgafc92k5d0vbbcz0n0';
    const write = (dir: string, who: string) => withCtx(dir, (c) => c.store.commit({ add: [{ path, content: `consumed by ${who}\n` }], message: `pickup by ${who}\n`, author: { name: who, email: `${who}@example.com` } }));
    await write(a, 'a');
    await write(b, 'b');
    await run(a, 'push');
    const r = await cliOk(b, ['sync', '--json']);
    await run(a, 'pull');
    expect(tree(a)).toBe(tree(b));
    const files = git(a, ['ls-tree', '-r', '--name-only', 'context', '--', 'state']).split('\n');
    const oids = ['a', 'b'].map((w) => git(a, ['hash-object', '--stdin'], { input: `consumed by ${w}\n` })).sort();
    expect(files.sort()).toEqual([path, variantPath(path, oids[1]!)].sort());
    expect(git(a, ['rev-parse', `context:${path}`])).toBe(oids[0]);
    expect(r.json.keptBoth).toEqual([variantPath(path, oids[1]!)]);
    expect(() => git(a, ['grep', '-l', '<<<<<<<', 'context'])).toThrow(); // no conflict markers anywhere
  });
});

describe('failures', () => {
  it('an unreachable remote: exit 5 with git reason in one line, nothing local changed or lost', async () => {
    const remote = makeRemote();
    const a = cloneOf(remote);
    await add(a, 'precious');
    const tip = contextTip(a);
    git(a, ['remote', 'set-url', 'origin', join(remote, 'gone.git')]);
    for (const cmd of ['push', 'pull', 'sync']) {
      const r = await cli(a, [cmd, '--json']);
      expect(r.code).toBe(5);
      expect(r.json.error.code).toBe('E_REMOTE_UNREACHABLE');
      expect(r.json.error.message).toMatch(/does not appear to be a git repository/);
      expect(r.stderr.split('\n').filter(Boolean).map((l) => l.split(':')[0])).toEqual(['git-ctx', 'hint']);
    }
    const direct = await cli(a, ['push', '/nonexistent/remote.git']);
    expect(direct.code).toBe(5);
    expect(contextTip(a)).toBe(tip);
    expect(ids(a)).toHaveLength(1);
    fsck(a);
  });

  it('a remote that refuses the branch (protected): exit 5 at once with its reason; local state intact', async () => {
    const remote = makeRemote();
    const hook = join(remote, 'hooks', 'pre-receive');
    writeFileSync(hook, '#!/bin/sh\necho "error: context is protected here" >&2\nexit 1\n');
    chmodSync(hook, 0o755);
    const a = cloneOf(remote);
    await add(a, 'kept locally');
    const tip = contextTip(a);
    const r = await cli(a, ['push', '--json']);
    expect(r.code).toBe(5);
    expect(r.json.error.code).toBe('E_REMOTE_REJECTED');
    expect(r.json.error.message).toMatch(/pre-receive hook declined.*context is protected here/);
    expect(contextTip(a)).toBe(tip);
    expect(contextTip(remote)).toBeNull();
  });

  it('through the shared branch (a remote that takes only branches), gives up after a bounded number of rounds when the remote moves between every fetch and push', async () => {
    const remote = makeRemote();
    const hook = join(remote, 'hooks', 'pre-receive');
    writeFileSync(hook, '#!/bin/sh\nwhile read old new ref; do case "$ref" in refs/heads/*) ;; *) echo "only branches here" >&2; exit 1;; esac; done\n');
    chmodSync(hook, 0o755);
    const a = cloneOf(remote);
    await add(a, 'x');
    await run(a, 'push');
    // The remote's upload-pack adds a commit to its context branch right after serving each fetch,
    // so every push that follows is refused as a non-fast-forward.
    const wrapper = join(remote, 'moving-upload-pack');
    writeFileSync(
      wrapper,
      `#!/bin/sh
git upload-pack "$@"; s=$?
g="git --git-dir=${remote} -c user.name=m -c user.email=m@example.com"
t=$($g rev-parse refs/heads/context)
c=$(echo moved | $g commit-tree "$t^{tree}" -p "$t")
$g update-ref refs/heads/context "$c" "$t"
exit $s
`,
    );
    chmodSync(wrapper, 0o755);
    git(a, ['config', 'remote.origin.uploadpack', wrapper]);
    await add(a, 'y');
    const tip = contextTip(a);
    const err = await withCtx(a, (c) => syncContext(c, { action: 'push', maxAttempts: 3 })).catch((e) => e);
    expect(err.code).toBe('E_REMOTE_BUSY');
    expect(err.exitCode).toBe(5);
    expect(err.data.attempts).toBe(3);
    expect(err.data.layout).toBe('branch');
    // Nothing local changed: the local branch is where it was.
    expect(contextTip(a)).toBe(tip);
    expect(ids(a)).toHaveLength(2);
  });
});

describe('transport', () => {
  it('pushes to and pulls from a real git server (git daemon on 127.0.0.1)', async () => {
    const remote = makeRemote();
    const daemon = await startDaemon(remote);
    try {
      const a = cloneOf(remote);
      const b = cloneOf(remote);
      await add(a, 'over the wire');
      const pushed = await cliOk(a, ['push', daemon.url, '--json']);
      expect(pushed.json).toMatchObject({ sent: 1, createdRemote: true, remote: daemon.url });
      expect(git(remote, ['rev-parse', 'context'])).toBe(contextTip(a));
      git(b, ['config', 'ctx.remote', daemon.url]);
      const pulled = await cliOk(b, ['pull', '--json']);
      expect(pulled.json).toMatchObject({ received: 1, remote: daemon.url });
      expect(ids(b)).toEqual(ids(a));
    } finally {
      await daemon.stop();
    }
    const a = cloneOf(remote);
    const r = await cli(a, ['push', daemon.url, '--json']);
    expect(r.code).toBe(5);
    expect(r.json.error.code).toBe('E_REMOTE_UNREACHABLE');
  });

  it('uses ctx.remote, else the upstream of the current branch, else origin', async () => {
    const remote = makeRemote();
    const other = makeRemote();
    const a = cloneOf(remote);
    git(a, ['remote', 'rename', 'origin', 'upstream']);
    await add(a, 'x');
    expect((await cliOk(a, ['push', '--json'])).json.remote).toBe('upstream');
    git(a, ['remote', 'add', 'mirror', other]);
    git(a, ['config', 'ctx.remote', 'mirror']);
    expect((await cliOk(a, ['push', '--json'])).json.remote).toBe('mirror');
    expect(contextTip(other)).toBe(contextTip(a));
  });

  it('a local add racing pulls loses nothing', async () => {
    const { a, b } = await pair(true);
    const adds = runWorker('add-worker', [b, '40', 'local']);
    const remoteIds: string[] = [];
    await withCtx(a, async (ca) => {
      await withCtx(b, async (cb) => {
        for (let i = 0; i < 8; i++) {
          remoteIds.push((await addEntry(ca, { body: `remote ${i}` })).entry.id);
          await syncContext(ca, { action: 'push' });
          await syncContext(cb, { action: 'pull' });
        }
      });
    });
    const local = await adds;
    expect(local.code, local.stderr).toBe(0);
    await run(b, 'pull');
    const have = new Set(ids(b));
    for (const id of [...remoteIds, ...local.lines.map((l) => l.id)]) expect(have.has(id)).toBe(true);
    expect(have.size).toBe(48);
    fsck(b);
  }, 60_000);

  it('a shallow clone syncs: the context history is deepened (and only it), so merge bases are right', async () => {
    const seed = makeRepo();
    for (let i = 0; i < 3; i++) {
      writeFileSync(join(seed, 'f.txt'), `${i}\n`);
      git(seed, ['add', 'f.txt']);
      git(seed, ['commit', '-qm', `code ${i}`]);
    }
    for (let i = 0; i < 4; i++) await add(seed, `early ${i}`);
    const remote = makeRemote();
    git(seed, ['push', '-q', remote, '+main:main', 'context']);
    const full = cloneOf(remote);
    await run(full, 'pull');
    const shallow = cloneOf(`file://${remote}`, ['--depth', '1', '--no-single-branch']);
    await run(shallow, 'pull');
    // The remote deletes an early entry; the shallow clone re-fetches at depth 1 (as CI checkouts do),
    // which hides the commit its local branch stands on. Merged against no base, the union would bring
    // the deleted entry back.
    const gone = entryPaths(full)[0]!;
    await withCtx(full, (c) => c.store.commit({ add: [], remove: [gone], message: 'gc\n', author: { name: 'gc', email: 'gc@example.com' } }));
    await run(full, 'push');
    git(shallow, ['fetch', '-q', '--depth', '1', 'origin']);
    await add(full, 'from full');
    await run(full, 'push');
    await add(shallow, 'from shallow');
    const r = await cliOk(shallow, ['sync', '--json']);
    expect(r.json).toMatchObject({ deepened: true, sent: 1, received: 1, merge: 'merge' });
    expect(entryPaths(shallow)).not.toContain(gone);
    expect(readFileSync(join(shallow, '.git', 'shallow'), 'utf8').trim()).toBe(git(shallow, ['rev-parse', 'origin/main']));
    expect(git(shallow, ['rev-list', '--count', 'origin/main'])).toBe('1');
    await run(full, 'pull');
    expect(tree(full)).toBe(tree(shallow));
    expect(ids(full)).toHaveLength(5);
    expect((await cliOk(shallow, ['sync', '--json'])).json.deepened).toBe(false);
    fsck(shallow);
  });
});

describe('init --remote', () => {
  it('adopts the remote context branch, stores ctx.remote, and is idempotent', async () => {
    const remote = makeRemote();
    const a = cloneOf(remote);
    await add(a, 'published');
    await run(a, 'push');
    const b = cloneOf(remote);
    git(b, ['remote', 'rename', 'origin', 'team']);
    const r = await cliOk(b, ['init', '--remote', 'team', '--json']);
    expect(r.json).toMatchObject({ created: false, tip: contextTip(a), remote: { remote: 'team', merge: 'created', received: 1 } });
    expect(git(b, ['config', 'ctx.remote'])).toBe('team');
    const again = await cliOk(b, ['init', '--remote', 'team', '--json']);
    expect(again.json).toMatchObject({ created: false, tip: contextTip(a), remote: { merge: 'up-to-date', received: 0 } });
  });

  it('creates the branch locally when the remote has none, and says how to publish it', async () => {
    const remote = makeRemote();
    const a = cloneOf(remote);
    const r = await cliOk(a, ['init', '--remote', 'origin']);
    expect(r.stdout).toMatch(/git ctx push origin/);
    expect(contextTip(a)).not.toBeNull();
    expect(contextTip(remote)).toBeNull();
    expect(existsSync(join(a, '.git', 'refs', 'ctx', 'remotes', 'origin', 'context'))).toBe(false);
  });
});
