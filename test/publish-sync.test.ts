/**
 * Publishing on push: `git ctx push` and the pre-push hook record this worktree's work in progress
 * before pushing the context, so that `git ctx conflicts` on another machine sees it after a pull; with
 * ctx.publish.snapshots the snapshot commit travels too (refs/ctx/wip/ -> refs/ctx/remote-wip/), and
 * the other machine runs the real merge against it.
 */
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { chmodSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BIN, ENV, contextTip, ctxOk, fsck, git, tempDir } from './helpers/repo.js';
import { cliOk } from './helpers/cli.js';
import { cloneOf, makeRemote } from './helpers/remote.js';
import { withBackground } from './helpers/hook-runs.js';

const COUNT_PY = 'def count(items):\n    total = 0\n    for item in items:\n        total += item\n    return total\n';
const NOTES = Array.from({ length: 30 }, (_, i) => `line ${i + 1}\n`).join('');

function editLine(wt: string, path: string, line: number, text: string): void {
  const lines = readFileSync(join(wt, path), 'utf8').split('\n');
  lines[line - 1] = text;
  writeFileSync(join(wt, path), lines.join('\n'));
}

/** A bare remote with code on main, and two clones of it ("machines") named `a` and `b`. */
function world(): { bare: string; a: string; b: string } {
  const bare = makeRemote({ 'README.md': '# test\n', 'tools/count.py': COUNT_PY, 'notes.txt': NOTES });
  return { bare, a: cloneOf(bare, [], 'a'), b: cloneOf(bare, [], 'b') };
}

/** `conflicts --json` in `dir`: the overlaps with the published session `id`, by path. */
async function overlapsWith(dir: string, id: string): Promise<Record<string, any>> {
  const json = (await cliOk(dir, ['conflicts', '--json'])).json;
  const other = json.sessions.find((s: any) => s.origin === 'published' && s.id.replace(/@[0-9a-f]{6}$/, '') === id);
  expect(other, `a published session ${id}`).toBeDefined();
  const mine = json.overlaps.filter((o: any) => o.a.key === other.key || o.b.key === other.key);
  return Object.fromEntries(mine.map((o: any) => [o.path, o]));
}

const wipFiles = (repo: string) => git(repo, ['ls-tree', '-r', '--name-only', 'context', '--', 'state/wip']).split('\n').filter(Boolean);

describe('push publishes the work in progress', () => {
  it('git ctx push: the other machine sees the overlap after a pull; an unchanged work adds no commit', async () => {
    const { bare, a, b } = world();
    editLine(a, 'tools/count.py', 2, '    total = 1'); // uncommitted on machine a
    editLine(b, 'tools/count.py', 2, '    total = 2'); // uncommitted on machine b

    const first = await cliOk(a, ['push', '--json']);
    expect(first.json.published).toMatchObject({ files: 1, snapshotRef: null, snapshotPushed: false });
    expect(first.json.published.commit).toMatch(/^[0-9a-f]{40}$/);
    expect(first.json.warnings).toEqual([]);
    expect(contextTip(bare)).toBe(contextTip(a));
    expect(wipFiles(bare)).toEqual([first.json.published.path]);

    // Pushing again with the same work: no publish commit, nothing to push.
    const tip = contextTip(a);
    const again = await cliOk(a, ['push', '--json']);
    expect(again.json.published).toMatchObject({ commit: null, path: first.json.published.path });
    expect(again.json.sent).toBe(0);
    expect(contextTip(a)).toBe(tip);
    expect(contextTip(bare)).toBe(tip);

    // A pull alone publishes nothing.
    const pulled = await cliOk(b, ['pull', '--json']);
    expect(pulled.json.published).toBeNull();
    expect(wipFiles(b)).toEqual([first.json.published.path]);
    const seen = await overlapsWith(b, 'a:main');
    // Compared from the record: file, symbol and hunk levels; the merge needs a's objects.
    expect(seen['tools/count.py']).toMatchObject({ level: 'hunk', levels: ['file', 'symbol', 'hunk'], lines: [[2, 2]], symbols: ['count'], merge: null });
    expect(Object.keys(seen)).toEqual(['tools/count.py']);
    expect(git(b, ['for-each-ref', '--format=%(refname)', 'refs/ctx/remote-wip/'])).toBe('');

    // ctx.publish.snapshots: the snapshot commit goes along, and b's conflicts see the real merge.
    git(a, ['config', 'ctx.publish.snapshots', 'true']);
    const snap = await cliOk(a, ['push', '--json']);
    const key = snap.json.published.snapshotRef.slice('refs/ctx/wip/'.length);
    expect(snap.json.published).toMatchObject({ commit: null, snapshotRef: `refs/ctx/wip/${key}`, snapshotPushed: true });
    expect(git(bare, ['rev-parse', `refs/ctx/wip/${key}`])).toBe(snap.json.published.snapshot);
    expect(git(a, ['rev-parse', `refs/ctx/remote-wip/origin/${key}`])).toBe(snap.json.published.snapshot);
    // Unchanged: neither a commit nor a second snapshot push.
    const still = await cliOk(a, ['push', '--json']);
    expect(still.json.published).toMatchObject({ commit: null, snapshotPushed: false });
    expect(contextTip(a)).toBe(tip);

    await cliOk(b, ['pull']);
    expect(git(b, ['rev-parse', `refs/ctx/remote-wip/origin/${key}`])).toBe(snap.json.published.snapshot);
    const merged = await overlapsWith(b, 'a:main');
    expect(merged['tools/count.py']).toMatchObject({ level: 'merge', levels: ['file', 'symbol', 'hunk', 'merge'], merge: 'conflict', conflict: 'content' });

    // The work changes: a new record replaces the old one, and a new snapshot replaces the old ref.
    editLine(a, 'notes.txt', 10, 'line 10 (a)');
    editLine(b, 'notes.txt', 20, 'line 20 (b)');
    const changed = await cliOk(a, ['push', '--json']);
    expect(changed.json.published).toMatchObject({ files: 2, snapshotPushed: true });
    expect(changed.json.published.snapshot).not.toBe(snap.json.published.snapshot);
    expect(git(bare, ['rev-parse', `refs/ctx/wip/${key}`])).toBe(changed.json.published.snapshot);
    expect(wipFiles(bare)).toEqual([changed.json.published.path]);
    await cliOk(b, ['pull']);
    const both = await overlapsWith(b, 'a:main');
    expect(both['notes.txt']).toMatchObject({ level: 'file', merge: 'clean' });
    expect(both['tools/count.py'].merge).toBe('conflict');
    for (const r of [a, b, bare]) expect(fsck(r)).toBe('');
  });

  it('the pre-push hook of a plain `git push` publishes too, and pushes the snapshot', async () => {
    const { bare, a, b } = world();
    const bin = tempDir('git-ctx-bin-');
    writeFileSync(join(bin, 'git-ctx'), `#!/bin/sh\nexec "${process.execPath}" "${BIN}" "$@"\n`);
    chmodSync(join(bin, 'git-ctx'), 0o755);
    const userPush = (args: string[]) => {
      const t0 = Date.now();
      const r = spawnSync('git', ['push', '-q', 'origin', ...args], { cwd: a, env: { ...ENV, PATH: `${bin}:${process.env.PATH}` }, encoding: 'utf8', timeout: 60_000 });
      expect(r.status, r.stderr).toBe(0);
      // Past its second, the hook's push goes on in the background: what it did is read once it ended.
      return withBackground(a, t0, r.stderr);
    };
    await cliOk(a, ['add', '-m', 'a context entry']); // the hook pushes a context that exists
    await cliOk(a, ['init', '--hooks']);

    editLine(a, 'tools/count.py', 4, '        total += 2 * item'); // uncommitted
    editLine(b, 'tools/count.py', 4, '        total -= item');
    git(a, ['checkout', '-q', '-b', 'feature']);
    writeFileSync(join(a, 'new.txt'), 'new\n');
    git(a, ['add', 'new.txt']);
    git(a, ['commit', '-q', '-m', 'new file']);
    expect(userPush(['feature'])).toMatch(/git-ctx: pushed 1 context entry to origin|the context push goes on in the background/);
    const published = wipFiles(bare);
    expect(published, published.map((p) => git(bare, ['show', `context:${p}`])).join('\n') + git(bare, ['log', '--format=%h %s', 'context'])).toHaveLength(1);
    const record = JSON.parse(git(bare, ['show', `context:${published[0]}`]));
    expect(record).toMatchObject({ session: expect.stringMatching(/^a:feature@[0-9a-f]{6}$/), branch: 'feature' });
    expect(record.files.map((f: any) => f.path).filter((p: string) => !p.startsWith('.githooks/')).sort()).toEqual(['new.txt', 'tools/count.py']);

    await cliOk(b, ['pull']);
    const seen = await overlapsWith(b, 'a:feature');
    expect(seen['tools/count.py']).toMatchObject({ level: 'hunk', lines: [[4, 4]], symbols: ['count'], merge: null });

    // Pushing code again with the same work in progress (and HEAD): no new context commit.
    const tip = contextTip(a);
    userPush(['feature:feature-copy']);
    expect(git(bare, ['rev-parse', 'feature-copy'])).toBe(git(a, ['rev-parse', 'HEAD']));
    expect(contextTip(a)).toBe(tip);
    expect(contextTip(bare)).toBe(tip);

    // With snapshots on, the hook pushes the snapshot ref as well: b gets the merge level.
    git(a, ['config', 'ctx.publish.snapshots', 'true']);
    git(a, ['commit', '-q', '--allow-empty', '-m', 'again']);
    userPush(['feature']);
    const refs = git(bare, ['for-each-ref', '--format=%(refname) %(objectname)', 'refs/ctx/wip/']).split('\n').filter(Boolean);
    expect(refs).toHaveLength(1);
    await cliOk(b, ['pull']);
    const merged = await overlapsWith(b, 'a:feature');
    expect(merged['tools/count.py']).toMatchObject({ level: 'merge', merge: 'conflict' });
    expect(contextTip(a)).not.toBe(tip); // HEAD moved, so the record did too
    for (const r of [a, b, bare]) expect(fsck(r)).toBe('');
  });

  it('a push whose run was stopped after the remote took it, before it landed here: the next push leaves one record of the session', async () => {
    const { bare, a } = world();
    await ctxOk(a, ['add', '-m', 'entry']);
    const before = contextTip(a)!;
    editLine(a, 'tools/count.py', 2, '    total = 1');
    const first = await ctxOk(a, ['push', '--json']);
    expect(wipFiles(bare)).toEqual([first.json.published.path]);
    // As a hook's foreground stopped between its push and its landing leaves it: the remote holds the
    // record, this clone's branch and its copies of the remote's refs do not.
    git(a, ['update-ref', 'refs/heads/context', before]);
    for (const ref of git(a, ['for-each-ref', '--format=%(refname)', 'refs/ctx/remotes/', 'refs/ctx/remote-clones/']).split('\n').filter(Boolean)) git(a, ['update-ref', '-d', ref]);
    const second = await ctxOk(a, ['push', '--json']);
    expect(second.json.published.path).not.toBe(first.json.published.path);
    expect(wipFiles(bare)).toEqual([second.json.published.path]);
    expect(wipFiles(a)).toEqual([second.json.published.path]);
  });

  it('a publish that fails is a warning: the push still happens', async () => {
    const { bare, a } = world();
    await cliOk(a, ['add', '-m', 'entry']);
    editLine(a, 'tools/count.py', 2, '    total = 1');
    git(a, ['config', 'ctx.publish.snapshots', 'true']);
    // The remote refuses the snapshot refs (a server hook): the context still goes.
    writeFileSync(join(bare, 'hooks', 'update'), '#!/bin/sh\ncase "$1" in refs/ctx/wip/*) echo "no snapshots here" >&2; exit 1 ;; esac\nexit 0\n');
    chmodSync(join(bare, 'hooks', 'update'), 0o755);
    const r = await cliOk(a, ['push', '--json']);
    expect(contextTip(bare)).toBe(contextTip(a));
    expect(r.json.published).toMatchObject({ snapshotPushed: false });
    expect(r.json.warnings).toHaveLength(1);
    expect(r.json.warnings[0]).toMatch(/^snapshot not pushed: origin refused refs\/ctx\/wip\//);
    expect(r.stderr).toMatch(/git-ctx: warning: snapshot not pushed/);
    // A publish that cannot run (here: its scratch directory is taken by a file): no record, a
    // warning, and the push lands.
    await cliOk(a, ['add', '-m', 'second entry']);
    rmSync(join(a, '.git', 'ctx', 'tmp'), { recursive: true, force: true });
    writeFileSync(join(a, '.git', 'ctx', 'tmp'), 'in the way');
    const broken = await cliOk(a, ['push', '--json']);
    expect(broken.json.published).toBeNull();
    expect(broken.json.warnings[0]).toMatch(/^work in progress not published: /);
    expect(broken.json.sent).toBe(1);
    expect(contextTip(bare)).toBe(contextTip(a));
  });
});
