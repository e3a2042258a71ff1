/**
 * The claim API (core/sync/claim-round-trip.ts, model/claims.ts claimHolder, store/state.ts claimVersions)
 * as a feature whose items change hands would use it: claim an item for a session, find who holds it,
 * take over a stale claim, release one. Here the item is an id and its claim file a JSON record under
 * `state/test-claims/`; without a remote the branch's compare-and-swap decides, with one the item's
 * claim ref on the remote. Every decision is checked the way it is used: processes at once, from
 * several worktrees and clones.
 */
import { describe, expect, inject, it } from 'vitest';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { ENV, addWorktree, git, makeRepo } from './helpers/repo.js';
import { cliOk } from './helpers/cli.js';
import { cloneOf, makeRemote, withCtx } from './helpers/remote.js';
import { ITEM, PATH, act, author, bytes, holderAt, type Action, type Held, type TestClaim } from './helpers/test-claims.js';
import { claimRoundTrip, type ClaimRound } from '../src/core/sync/claim-round-trip.js';
import { claimHolder } from '../src/model/claims.js';
import { unvariantPath, variantPath } from '../src/model/merge.js';

/** act() in a process of its own (test/helpers/claim-worker.ts): races are between processes, as in use. */
function actApart(dir: string, session: string, action: Action, target?: Held): Promise<ClaimRound> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(inject('workerDir'), 'claim-worker.cjs'), dir, session, action, target ? JSON.stringify(target) : ''], { env: ENV });
    let out = '';
    let err = '';
    child.stdout.on('data', (b) => (out += b));
    child.stderr.on('data', (b) => (err += b));
    child.on('close', (code) => (code === 0 ? resolve(JSON.parse(out) as ClaimRound) : reject(new Error(`claim-worker exited ${code}: ${err}`))));
  });
}

const holder = (dir: string) => withCtx(dir, async (c) => (await holderAt(c, await c.store.tip()))?.claim ?? null);
const heldAt = (dir: string) => withCtx(dir, async (c) => (await holderAt(c, await c.store.tip()))!);

describe('who holds an item (model/claims.ts claimHolder)', () => {
  const at = (s: number) => new Date(Date.UTC(2026, 10, 1, 0, 0, s)).toISOString();
  const a: TestClaim = { item: ITEM, session: 'a', claimedAt: at(1), token: 'aa' };
  const b: TestClaim = { item: ITEM, session: 'b', claimedAt: at(2), token: 'bb' };
  const bTakesA: TestClaim = { item: ITEM, session: 'b', claimedAt: at(30), token: 'b2', replaces: 'aa' };
  const cTakesA: TestClaim = { item: ITEM, session: 'c', claimedAt: at(20), token: 'c2', replaces: 'aa' };
  const dTakesB: TestClaim = { item: ITEM, session: 'd', claimedAt: at(5), token: 'd2', replaces: 'bb' };
  const remoteTakesA: TestClaim = { ...bTakesA, token: 'r2', remote: true };
  const released: TestClaim = { item: ITEM, session: 'c', claimedAt: at(40), token: 'c3', replaces: 'c2', released: true };

  function permutations<T>(xs: readonly T[]): T[][] {
    if (xs.length <= 1) return [[...xs]];
    return xs.flatMap((x, i) => permutations([...xs.slice(0, i), ...xs.slice(i + 1)]).map((p) => [x, ...p]));
  }

  it('follows takeovers from the first claim; a takeover of a claim that lost is void; the same in every order', () => {
    const cases: [TestClaim[], TestClaim | null][] = [
      [[], null],
      [[a], a],
      [[a, b], a],
      [[a, b, bTakesA], bTakesA],
      [[a, b, dTakesB], a], // d took over b's claim, which had lost to a's
      [[a, bTakesA, cTakesA], cTakesA], // two offline takeovers of one claim: the winner rule
      [[a, bTakesA, cTakesA, remoteTakesA], remoteTakesA], // the one the remote decided wins
      [[a, cTakesA, released], released], // the caller reads it: released, nobody holds the item
    ];
    for (const [claims, expected] of cases) for (const order of permutations(claims)) expect(claimHolder(order, bytes)).toBe(expected);
  });

  it('a version a merge kept beside the claim file is found, and named back to the file it stands beside', () => {
    for (const p of [PATH, 'state/x/a.json', 'state/x/a~b', 'state/x/.x']) expect(unvariantPath(variantPath(p, 'e4b0c7a91f2d3e5a6b7c8d9e0f1a2b3c4d5e6f70'))).toBe(p);
    expect(unvariantPath('state/x/a~zz')).toBe('state/x/a~zz');
  });
});

describe('claims on one machine (no remote): the branch decides', () => {
  it('claimed once across worktrees; of several takeovers at once exactly one lands; a stale takeover, and a release by another, do nothing', async () => {
    const repo = makeRepo();
    await cliOk(repo, ['add', '-m', 'the context branch exists: claims are made on its tip']);
    const wts = [repo, addWorktree(repo, 'w1'), addWorktree(repo, 'w2')];
    const first = await Promise.all(wts.flatMap((w, i) => [actApart(w, `s${i}a`, 'claim'), actApart(w, `s${i}b`, 'claim')]));
    expect(first.filter((r) => r.written.length)).toHaveLength(1);
    first.forEach((r) => expect(r.decidedBy).toBe('local'));
    const owner = await heldAt(repo);
    // Someone else's release is not taken; six takeovers of the owner's claim from three worktrees at once: one lands.
    expect((await act(wts[1]!, 'not-the-owner', 'release', { env: ENV })).written).toEqual([]);
    const sessions = wts.flatMap((_, i) => [`t${i}a`, `t${i}b`]);
    const takeovers = await Promise.all(sessions.map((s, i) => actApart(wts[i >> 1]!, s, 'take over', owner)));
    const won = sessions.filter((_, i) => takeovers[i]!.written.length);
    expect(won).toHaveLength(1);
    takeovers.forEach((r) => expect(r.written.length ? r.written : r.existing).toEqual([PATH]));
    const now = (await holder(repo))!;
    expect(now).toMatchObject({ session: won[0], replaces: owner.claim.token });
    expect(git(repo, ['ls-tree', '-r', '--name-only', 'context', '--', 'state/test-claims'])).toBe(PATH);
    // The holder releases; then a plain claim takes it.
    expect((await act(repo, now.session, 'release', { env: ENV })).written).toEqual([PATH]);
    expect((await holder(repo))!.released).toBe(true);
    expect((await act(wts[2]!, 'after-release', 'claim', { env: ENV })).written).toEqual([PATH]);
    expect((await holder(repo))!.session).toBe('after-release');
  }, 120_000);

  it('a takeover of a claim that changed hands meanwhile loses (the file no longer holds what it read)', async () => {
    const repo = makeRepo();
    await cliOk(repo, ['add', '-m', 'the context branch exists']);
    expect((await act(repo, 'owner', 'claim', { env: ENV })).written).toEqual([PATH]);
    const read = await withCtx(repo, async (c) => (await holderAt(c, await c.store.tip()))!);
    await act(repo, 'quick', 'take over', { env: ENV });
    const late = await withCtx(repo, (c) =>
      claimRoundTrip(c, {
        author,
        message: () => 'claim\n',
        files: async () => [{ item: ITEM, path: read.path, content: bytes({ item: ITEM, session: 'late', claimedAt: new Date().toISOString(), token: 'ff', replaces: read.claim.token }), replaces: read.blob }],
      }),
    );
    expect(late).toMatchObject({ written: [], existing: [PATH], decidedBy: 'local' });
    expect((await holder(repo))!.session).toBe('quick');
  });
});

describe('claims through the remote: the item\'s claim ref decides', () => {
  it('claimed once across clones; of takeovers at once from two clones exactly one lands; release and claim again', async () => {
    const remote = makeRemote();
    const [a, b] = [cloneOf(remote, [], 'a'), cloneOf(remote, [], 'b')];
    for (const c of [a, b]) git(c, ['config', 'ctx.remote', 'origin']);
    const first = await Promise.all([actApart(a, 'a1', 'claim'), actApart(a, 'a2', 'claim'), actApart(b, 'b1', 'claim'), actApart(b, 'b2', 'claim')]);
    expect(first.filter((r) => r.written.length)).toHaveLength(1);
    first.forEach((r) => expect(r).toMatchObject({ decidedBy: 'remote' }));
    const ref = () => git(remote, ['rev-parse', `refs/ctx/claims/context/${ITEM}`]);
    const held = ref();
    // The clone that lost learns who holds it with its claim call (the claim ref came with the fetch).
    const [oa, ob] = [await heldAt(a), await heldAt(b)];
    expect(oa).toEqual(ob);
    // Four takeovers of that claim, two per clone, at once: exactly one lands at the remote.
    const sessions = ['ta1', 'ta2', 'tb1', 'tb2'];
    const takeovers = await Promise.all(sessions.map((s) => actApart(s.startsWith('ta') ? a : b, s, 'take over', oa)));
    const won = sessions.filter((_, i) => takeovers[i]!.written.length);
    expect(won).toHaveLength(1);
    takeovers.forEach((r) => expect([r.decidedBy, r.offline]).toEqual(['remote', undefined]));
    // The claim ref moved forward only (a takeover builds on the claim commit it replaces).
    expect(git(remote, ['merge-base', '--is-ancestor', held, ref()])).toBe('');
    const [ha, hb] = [await act(a, 'late-a', 'claim', { env: ENV }), await act(b, 'late-b', 'claim', { env: ENV })];
    expect([...ha.written, ...hb.written]).toEqual([]); // held: nothing to claim
    const now = (await holder(a))!;
    expect(now).toEqual(await holder(b));
    expect(now).toMatchObject({ session: won[0], remote: true, replaces: oa.claim.token });
    // Released by its holder (from whichever clone it claimed on), then claimed by another clone.
    const home = now.session.startsWith('ta') ? a : b;
    expect((await act(home, now.session, 'release', { env: ENV })).written.length).toBe(1);
    const other = home === a ? b : a;
    expect((await act(other, 'after-release', 'claim', { env: ENV })).written.length).toBe(1);
    expect((await holder(other))!.session).toBe('after-release');
  }, 120_000);

  it('a stale claim whose ref gc removed (the branch holds it) is taken over once: two clones at once, one lands', async () => {
    const remote = makeRemote();
    const [a, b, c] = [cloneOf(remote, [], 'a'), cloneOf(remote, [], 'b'), cloneOf(remote, [], 'c')];
    for (const x of [a, b, c]) git(x, ['config', 'ctx.remote', 'origin']);
    expect((await act(a, 'gone-home', 'claim', { past: true, env: ENV })).written).toEqual([PATH]);
    const gc = await withCtx(a, async (x) => (await import('../src/core/gc.js')).gc(x, { olderThan: '1h' }));
    expect(gc.remote).toMatchObject({ claims: [ITEM] });
    expect(git(remote, ['for-each-ref', 'refs/ctx/claims/'])).toBe('');
    // A plain claim still sees the claim on the branch (gc folded it there) and asks for nothing.
    expect((await act(b, 'late', 'claim', { env: ENV })).written).toEqual([]);
    const [stale] = await Promise.all([heldAt(b), act(c, 'late-c', 'claim', { env: ENV })]);
    expect(stale.claim.session).toBe('gone-home');
    const [tb, tc] = await Promise.all([actApart(b, 'tb', 'take over', stale), actApart(c, 'tc', 'take over', stale)]);
    expect([tb, tc].filter((r) => r.written.length)).toHaveLength(1);
    for (const x of [a, b, c]) await withCtx(x, async (y) => (await import('../src/core/sync/sync.js')).syncContext(y, { action: 'sync' }));
    // The takeover was built on the root (no claim ref to build on): the branch keeps both versions.
    expect(git(a, ['ls-tree', '-r', '--name-only', 'context', '--', 'state/test-claims']).split('\n')).toEqual([PATH, expect.stringMatching(new RegExp(`^${PATH}~[0-9a-f]{12}$`))]);
    const names = await Promise.all([a, b, c].map(async (x) => (await holder(x))!.session));
    expect(new Set(names).size).toBe(1);
    expect(names[0]).toBe(tb.written.length ? 'tb' : 'tc');
  }, 120_000);
});
