/**
 * Sync at team scale: every clone pushes its own ref (refs/ctx/clones/<branch>/<clone-id>), so clones
 * syncing at once never contend at the remote; a remote that refuses refs outside refs/heads/ is
 * pushed to through the shared branch; a failed sync changes nothing local; a remote whose history
 * was rewritten is not merged back silently; gc keeps what the remote holds small.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { execFileSync, spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ENV, contextTip, ctx, ctxOk, entryPaths, fsck, git, makeRepo, tempDir } from './helpers/repo.js';
import { cli, cliOk } from './helpers/cli.js';
import { add, cloneOf, startDaemon, withCtx, type Daemon } from './helpers/remote.js';
import { realDeps } from './helpers/real-deps.js';
import { openCtx, closeCtx } from '../src/core/context.js';
import { addEntry } from '../src/core/entries/add.js';
import { pickup } from '../src/core/mailbox/pickup.js';

function runWorker(args: string[]): Promise<{ lines: any[]; code: number; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [join(inject('workerDir'), 'sync-worker.cjs'), ...args], { env: ENV });
    let out = '';
    let err = '';
    child.stdout.on('data', (b) => (out += b));
    child.stderr.on('data', (b) => (err += b));
    child.on('close', (code) => resolve({ lines: out.split('\n').filter(Boolean).map((l) => JSON.parse(l)), code: code ?? -1, stderr: err }));
  });
}

// One directory of bare remotes for the whole file, served by one git daemon.
let root: string;
let daemon: Daemon;
let seed: string;
beforeAll(async () => {
  root = tempDir('git-ctx-remotes-');
  seed = makeRepo();
  git(root, ['clone', '-q', '--bare', seed, join(root, 'first.git')]);
  daemon = await startDaemon(join(root, 'first.git'));
});
afterAll(async () => {
  await daemon?.stop();
});

/** A bare remote in the served directory, with a code branch. */
function bare(name: string): { path: string; daemonUrl: string } {
  const path = join(root, `${name}.git`);
  git(root, ['clone', '-q', '--bare', seed, path]);
  return { path, daemonUrl: daemon.url.replace(/first\.git$/, `${name}.git`) };
}

const ids = (repo: string) => entryPaths(repo).map((p) => p.replace(/^.*\//, '').replace(/\.md$/, ''));
const remoteRefs = (path: string) => git(path, ['for-each-ref', '--format=%(refname)']).split('\n').filter(Boolean);

function hook(path: string, name: string, script: string): void {
  writeFileSync(join(path, 'hooks', name), `#!/bin/sh\n${script}\n`);
  chmodSync(join(path, 'hooks', name), 0o755);
}

describe('16 clones syncing at once', () => {
  it('half over file://, half through git daemon, to one remote: no sync fails, and after one quiet round every clone has every entry', async () => {
    const rounds = 2;
    const remote = bare('race');
    const urls = [`file://${remote.path}`, remote.daemonUrl];
    const clones = Array.from({ length: 16 }, (_, i) => ({ dir: cloneOf(remote.path, [], `c${i}`), url: urls[i % 2]! }));
    const runs = await Promise.all(clones.map((c, i) => runWorker([c.dir, String(rounds), `c${i}`, c.url])));
    for (const r of runs) expect(r.code, r.stderr).toBe(0);
    const lines = runs.flatMap((r) => r.lines);
    expect(lines).toHaveLength(16 * rounds);
    expect(lines.filter((l) => !l.pushed), 'failed syncs').toEqual([]);
    // One quiet round, all at once, through the real CLI.
    const quiet = await Promise.all(clones.map((c) => ctx(c.dir, ['sync', c.url, '--json'])));
    for (const q of quiet) expect(q.code, q.stderr).toBe(0);
    const expected = lines.map((l) => l.id).sort();
    for (const c of clones) expect(ids(c.dir).sort(), c.dir).toEqual(expected);
    // What the remote holds: the branch, and one ref per clone.
    const refs = remoteRefs(remote.path);
    expect(refs.filter((r) => r.startsWith('refs/ctx/clones/context/'))).toHaveLength(16);
    expect(refs.filter((r) => !r.startsWith('refs/ctx/clones/context/')).sort()).toEqual(['refs/heads/context', 'refs/heads/main']);
    expect(ids(remote.path).sort()).toEqual(expected);
    fsck(remote.path);
  }, 300_000);
});

describe('a merge of many histories', () => {
  it('writes only the trees it keeps: the fold of eight clones\' tips leaves no tree per step behind', async () => {
    const remote = bare('fold');
    const clones = Array.from({ length: 8 }, (_, i) => cloneOf(remote.path, [], `f${i}`));
    await ctxOk(clones[0]!, ['add', '-m', 'first']);
    await ctxOk(clones[0]!, ['sync']);
    for (const c of clones.slice(1)) await ctxOk(c, ['sync']);
    // Seven histories that know nothing of each other, each on its clone's ref.
    for (const c of clones.slice(1)) {
      await ctxOk(c, ['add', '-m', `from ${c}`]);
      git(c, ['push', '-q', 'origin', `context:refs/ctx/clones/context/${readFileSync(join(c, '.git', 'ctx', 'clone-id'), 'utf8').trim()}`]);
    }
    const [a] = clones as [string];
    await ctxOk(a, ['add', '-m', 'a again']);
    git(a, ['fetch', '-q', 'origin', '+refs/ctx/clones/context/*:refs/objects-only/*']);
    const loose = () => Number(/^count: (\d+)$/m.exec(git(a, ['count-objects', '-v']))![1]);
    const before = loose();
    const r = await ctxOk(a, ['sync', '--json']);
    expect(r.json.received).toBe(7);
    expect(git(a, ['rev-list', '--parents', '-n1', 'context']).split(' ')).toHaveLength(9);
    // The merge commit and the trees on its entry's path (5 deep); a tree per path per step of the
    // fold (7 steps) was 55 objects.
    expect(loose() - before).toBeLessThanOrEqual(16);
    expect(ids(a)).toHaveLength(9);
    fsck(a);
    fsck(remote.path);
  });
});

describe('the branch moves in a session of its own', () => {
  it('every git that updates the context branch in a sync runs detached: a signal to git-ctx\'s group cannot leave its lock', async () => {
    const remote = bare('detached');
    const [a, b] = [cloneOf(remote.path, [], 'da'), cloneOf(remote.path, [], 'db')];
    await ctxOk(b, ['add', '-m', 'from b']);
    await ctxOk(b, ['sync']);
    await ctxOk(a, ['add', '-m', 'from a']);
    // A git first on PATH that notes, for each update-ref touching the branch, its pid and session.
    const dir = tempDir('git-ctx-sid-');
    const log = join(dir, 'runs.log');
    const real = execFileSync('sh', ['-c', 'command -v git'], { encoding: 'utf8' }).trim();
    writeFileSync(
      join(dir, 'git'),
      `#!/bin/sh
case "$*" in *update-ref*) ;; *) exec "${real}" "$@" ;; esac
in="${dir}/in.$$"
case "$*" in *--stdin*) cat > "$in" ;; *) : > "$in" ;; esac
if printf '%s\\n' "$*" | cat - "$in" | grep -q 'refs/heads/context'; then echo "$$ $(cut -d' ' -f6 /proc/$$/stat)" >> "${log}"; fi
exec "${real}" "$@" < "$in"
`,
    );
    chmodSync(join(dir, 'git'), 0o755);
    const r = await ctxOk(a, ['sync', '--json'], { env: { PATH: `${dir}:${ENV.PATH}` } });
    expect(r.json.merge).toBe('merge');
    const runs = readFileSync(log, 'utf8').trim().split('\n').map((l) => l.split(' '));
    expect(runs.length).toBeGreaterThan(0);
    for (const [pid, sid] of runs) expect(sid, 'a session of its own').toBe(pid);
    expect(ids(a)).toHaveLength(2);
  });
});

describe('a failed sync changes nothing local', () => {
  it("keeps the server hook's words and git's reason, and writes no local commit", async () => {
    const remote = bare('frozen');
    hook(remote.path, 'pre-receive', 'echo "policy: context writes are frozen until Monday" >&2\nexit 1');
    const a = cloneOf(remote.path, [], 'a');
    await add(a, 'kept here');
    writeFileSync(join(a, 'README.md'), '# changed, so that push has work in progress to publish\n');
    const tip = contextTip(a);
    const r = await cli(a, ['sync', '--json']);
    expect(r.code).toBe(5);
    expect(r.json.error.code).toBe('E_REMOTE_REJECTED');
    expect(r.json.error.message).toMatch(/pre-receive hook declined.*context writes are frozen until Monday/);
    expect(contextTip(a)).toBe(tip);
    expect(git(a, ['log', '--format=%s', 'context'])).not.toMatch(/^wip:/m);
    expect(contextTip(remote.path)).toBeNull();

    // Nothing listens on the port any more: git's "Connection refused" is in the message.
    const gone = await startDaemon(join(root, 'first.git'));
    await gone.stop();
    const refused = await cli(a, ['push', gone.url.replace(/first\.git$/, 'frozen.git'), '--json']);
    expect(refused.code).toBe(5);
    expect(refused.json.error.code).toBe('E_REMOTE_UNREACHABLE');
    expect(refused.json.error.message).toMatch(/Connection refused/);
    expect(contextTip(a)).toBe(tip);
  });
});

describe('what another clone ref holds is checked before it is merged', () => {
  /** a has synced an entry; b has one of its own, not synced; `commit` is pushed under a clone ref of its own. */
  async function foreignCloneRef(name: string, commit: (a: string) => string) {
    const remote = bare(name);
    const [a, b] = [cloneOf(remote.path, [], 'a'), cloneOf(remote.path, [], 'b')];
    await add(a, 'from a');
    await cliOk(a, ['sync']);
    await add(b, 'from b');
    git(a, ['push', '-q', 'origin', `${commit(a)}:refs/ctx/clones/context/01m94foreignclone00000000`]);
    return { b, tipB: contextTip(b) };
  }

  it('a clone ref of a newer format: sync and pull refuse (exit 3), nothing local changes', async () => {
    // A newer git-ctx's clone: its history goes on from a's, with a newer .ctx-format.
    const { b, tipB } = await foreignCloneRef('newer', (a) => {
      const format = git(a, ['hash-object', '-w', '--stdin'], { input: '3\n' });
      const tree = git(a, ['mktree'], { input: git(a, ['ls-tree', 'context']).replace(/^100644 blob \S+\t\.ctx-format$/m, `100644 blob ${format}\t.ctx-format`) + '\n' });
      return git(a, ['commit-tree', tree, '-p', 'context', '-m', 'format: 3']);
    });
    for (const args of [['sync'], ['pull']]) {
      const r = await cli(b, [...args, '--json']);
      expect(r.code, r.stderr).toBe(3);
      expect(r.json.error.code).toBe('E_FORMAT_NEWER');
      expect(contextTip(b)).toBe(tipB);
    }
  });

  it('a clone ref holding a history that is no context branch (another root): sync and pull refuse (exit 2), nothing local changes', async () => {
    const { b, tipB } = await foreignCloneRef('other-root', (a) => {
      const readme = git(a, ['hash-object', '-w', '--stdin'], { input: '# not a context branch\n' });
      return git(a, ['commit-tree', git(a, ['mktree'], { input: `100644 blob ${readme}\tREADME.md\n` }), '-m', 'other root']);
    });
    for (const args of [['sync'], ['pull']]) {
      const r = await cli(b, [...args, '--json']);
      expect(r.code, r.stderr).toBe(2);
      expect(r.json.error.code).toBe('E_NOT_CONTEXT_BRANCH');
      expect(contextTip(b)).toBe(tipB);
    }
    expect(git(b, ['log', '--format=%s', 'context'])).not.toMatch(/other root/);
  });
});

describe('a remote that takes only branches', () => {
  it('is pushed to through the shared branch, with a warning, and still decides pickups', async () => {
    const remote = bare('branches-only');
    hook(remote.path, 'update', 'case "$1" in refs/heads/*) exit 0 ;; esac\necho "only branches on this server" >&2\nexit 1');
    const [a, b] = [cloneOf(remote.path, [], 'a'), cloneOf(remote.path, [], 'b')];
    for (const c of [a, b]) git(c, ['config', 'ctx.remote', 'origin']);
    await add(a, 'from a');
    const first = await cliOk(a, ['sync', '--json']);
    expect(first.json).toMatchObject({ layout: 'branch', cloneRef: null, sent: 1 });
    expect(first.json.warnings).toEqual([expect.stringMatching(/refuses git-ctx's refs outside refs\/heads\/ \(.*only branches on this server\).*shared branch/)]);
    expect(first.stderr).toMatch(/git-ctx: warning: origin refuses git-ctx's refs outside refs\/heads\//);
    expect(remoteRefs(remote.path).filter((r) => r.startsWith('refs/ctx/'))).toEqual([]);
    expect(ids(remote.path)).toEqual(ids(a));

    await add(b, 'from b');
    expect((await cliOk(b, ['sync', '--json'])).json).toMatchObject({ layout: 'branch', received: 1, sent: 1 });
    // Remembered: the next sync goes straight to the branch, and says so.
    const again = await cliOk(a, ['sync', '--json']);
    expect(again.json).toMatchObject({ layout: 'branch', received: 1, attempts: 1 });
    expect(again.json.warnings).toHaveLength(1);
    expect(ids(a).sort()).toEqual(ids(b).sort());

    // Claims are decided by the shared branch's compare-and-swap.
    const handoff = (await cliOk(a, ['handoff', '-m', 'for whoever comes next', '--json'])).json.id;
    await cliOk(a, ['sync']);
    const [pa, pb] = await Promise.all([ctx(a, ['pickup', '--json'], { env: { GIT_CTX_SESSION: 'sa' } }), ctx(b, ['pickup', '--json'], { env: { GIT_CTX_SESSION: 'sb' } })]);
    const got = [pa, pb].flatMap((p) => p.json.handoffs.map((h: any) => h.id));
    expect(got).toEqual([handoff]);
    expect([pa.json.decidedBy, pb.json.decidedBy].filter(Boolean).every((d: string) => d === 'remote')).toBe(true);
    expect(remoteRefs(remote.path).filter((r) => r.startsWith('refs/ctx/'))).toEqual([]);
  }, 120_000);
});

describe('a remote whose history was rewritten', () => {
  it('is not merged back silently: sync refuses, names what would come back, and --adopt-rewrite takes the purge', async () => {
    const remote = bare('purged');
    const [a, b] = [cloneOf(remote.path, [], 'a'), cloneOf(remote.path, [], 'b')];
    const leaked = (await withCtx(a, (c) => addEntry(c, { title: 'leaked', body: 'the staging password is hunter2-but-longer' }))).entry;
    const kept = (await withCtx(a, (c) => addEntry(c, { title: 'kept', body: 'a decision that stays' }))).entry;
    await cliOk(a, ['sync']);
    await cliOk(b, ['sync']);
    expect(ids(b).sort()).toEqual([leaked.id, kept.id].sort());
    const leakedPath = entryPaths(b).find((p) => p.includes(leaked.id))!;
    const leakedBlob = git(b, ['rev-parse', `context:${leakedPath}`]);

    // An administrator purges the entry from every history on the remote and forces the result there.
    const admin = join(mkdtempSync(join(tempDir(), 'admin-')), 'mirror.git');
    git(root, ['clone', '-q', '--mirror', remote.path, admin]);
    git(admin, ['filter-branch', '-f', '--index-filter', `git rm -q --cached --ignore-unmatch ${leakedPath}`, '--', '--all'], { env: { FILTER_BRANCH_SQUELCH_WARNING: '1' } });
    const purged = git(admin, ['for-each-ref', '--format=%(refname)', 'refs/ctx/clones/']).split('\n').filter(Boolean);
    git(admin, ['push', '-q', '--force', remote.path, 'refs/heads/context:refs/heads/context', ...purged.map((r) => `:${r}`)]);
    expect(git(remote.path, ['rev-list', '--objects', '--all'])).not.toContain(leakedBlob);

    // b wrote something meanwhile; its sync refuses to merge the old history back, and changes nothing.
    const mine = (await withCtx(b, (c) => addEntry(c, { title: 'only on b', body: 'written before the purge reached b' }))).entry;
    const tip = contextTip(b);
    for (const verb of ['sync', 'pull', 'sync']) {
      const r = await cli(b, [verb, '--json']);
      expect(r.code, verb).toBe(5);
      expect(r.json.error.code).toBe('E_REMOTE_REWRITTEN');
      expect(r.json.error.data.removed).toEqual([leaked.id]);
      expect(r.stderr).toMatch(/--adopt-rewrite/);
      expect(contextTip(b)).toBe(tip);
    }
    expect(git(remote.path, ['rev-list', '--objects', '--all'])).not.toContain(leakedBlob);

    // Adopting: the purged entry goes, what only b had stays, and the old history is not pushed back.
    const adopted = await cliOk(b, ['sync', '--adopt-rewrite', '--json']);
    expect(adopted.json.rewrite).toEqual({ choice: 'adopt', removed: [leaked.id], changed: [] });
    expect(ids(b).sort()).toEqual([kept.id, mine.id].sort());
    expect(git(remote.path, ['rev-list', '--objects', '--all'])).not.toContain(leakedBlob);
    expect(ids(remote.path).sort()).toEqual([kept.id, mine.id].sort());

    // a, which also had it, is stopped the same way, adopts, and the two agree.
    expect((await cli(a, ['sync', '--json'])).json.error.code).toBe('E_REMOTE_REWRITTEN');
    const human = await cliOk(a, ['sync', '--adopt-rewrite']);
    expect(human.stdout).toMatch(/^Adopted the rewritten history of origin: removed 1 entry it had removed; what only this clone had is kept\./);
    await cliOk(b, ['sync']);
    expect(ids(a).sort()).toEqual([kept.id, mine.id].sort());
    expect(git(a, ['rev-parse', 'context^{tree}'])).toBe(git(b, ['rev-parse', 'context^{tree}']));
    expect(git(remote.path, ['rev-list', '--objects', '--all'])).not.toContain(leakedBlob);
    fsck(remote.path);
  }, 120_000);
});

describe('gc on the remote', () => {
  it('folds the refs of silent clones and old claim refs into the branch and removes them; nothing is lost', async () => {
    const remote = bare('collected');
    const [a, b, c] = ['a', 'b', 'c'].map((n) => cloneOf(remote.path, [], n)) as [string, string, string];
    for (const x of [a, b, c]) git(x, ['config', 'ctx.remote', 'origin']);
    // c writes and syncs two hours ago, then goes quiet; a hands off and b picks up, also two hours ago.
    const past = Date.now() - 2 * 3600 * 1000;
    const inThePast = async <T>(dir: string, fn: (x: Awaited<ReturnType<typeof openCtx>>) => Promise<T>) => {
      const x = await openCtx(realDeps(dir, ENV, { now: () => past + (Date.now() % 1000) }));
      try {
        return await fn(x);
      } finally {
        closeCtx(x);
      }
    };
    const fromC = (await inThePast(c, (x) => addEntry(x, { body: 'from the clone that went quiet' }))).entry;
    await inThePast(c, async (x) => (await import('../src/core/sync/sync.js')).syncContext(x, { action: 'sync' }));
    const h = (await inThePast(a, (x) => addEntry(x, { kind: 'handoff', body: '## Summary\n\nwork to take\n' }))).entry;
    await inThePast(a, async (x) => (await import('../src/core/sync/sync.js')).syncContext(x, { action: 'sync' }));
    const picked = await inThePast(b, (x) => pickup(x, { session: 'b-session' }));
    expect(picked).toMatchObject({ decidedBy: 'remote', handoffs: [expect.objectContaining({ id: h.id })] });
    await cliOk(a, ['sync']);
    await cliOk(b, ['sync']);
    const before = remoteRefs(remote.path);
    expect(before.filter((r) => r.startsWith('refs/ctx/clones/'))).toHaveLength(3);
    expect(before.filter((r) => r.startsWith('refs/ctx/claims/'))).toEqual([`refs/ctx/claims/context/${h.id}`]);

    // Silent: no new history of its own for longer than the window. Only a's own ref, the clone
    // running gc, is never folded; b and c wrote nothing since two hours ago.
    const dry = await cliOk(a, ['gc', '--older-than', '1h', '--dry-run', '--json']);
    expect(dry.json.remote.clones).toHaveLength(2);
    expect((await cliOk(a, ['gc', '--older-than', '1h', '--dry-run'])).stdout).toMatch(/Would fold into origin's branch and remove the refs of 2 silent clones and 1 old claim\./);
    expect(remoteRefs(remote.path)).toEqual(before);
    const r = await cliOk(a, ['gc', '--older-than', '1h', '--json']);
    expect(r.json.remote).toMatchObject({ claims: [h.id], kept: [], clones: dry.json.remote.clones });
    const after = remoteRefs(remote.path);
    expect(after.filter((x) => x.startsWith('refs/ctx/claims/'))).toEqual([]);
    expect(after.filter((x) => x.startsWith('refs/ctx/clones/'))).toHaveLength(1);
    // The branch holds everything the removed refs held.
    expect(ids(remote.path)).toContain(fromC.id);
    expect(git(remote.path, ['ls-tree', '-r', '--name-only', 'context', '--', 'state/consumed'])).toContain(h.id);

    // The quiet clone comes back: no rewrite is seen, its ref is pushed again, nothing lost; the
    // handoff is not offered again anywhere.
    await add(c, 'back again');
    const back = await cliOk(c, ['sync', '--json']);
    expect(back.json.cloneRef).toMatch(/^refs\/ctx\/clones\/context\//);
    expect(remoteRefs(remote.path).filter((x) => x.startsWith('refs/ctx/clones/'))).toHaveLength(2);
    for (const x of [a, b]) await cliOk(x, ['sync']);
    expect(remoteRefs(remote.path).filter((x) => x.startsWith('refs/ctx/clones/'))).toHaveLength(3);
    await cliOk(c, ['sync']);
    expect(ids(c).sort()).toEqual(ids(a).sort());
    expect((await cliOk(c, ['pickup', '--json'])).json.handoffs).toEqual([]);
  }, 120_000);
});
