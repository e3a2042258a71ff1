import { describe, expect, it } from 'vitest';
import { addWorktree, ctx, ENV, fsck, git, makeRepo } from './helpers/repo.js';
import { cliOk } from './helpers/cli.js';
import { realDeps } from './helpers/real-deps.js';
import { openCtx, closeCtx, type Ctx } from '../src/core/context.js';
import { addEntry } from '../src/core/entries/add.js';
import { claimPath, serializeClaim } from '../src/model/state.js';
import { addressedTo } from '../src/model/address.js';
import { commitCreateOnly } from '../src/store/state.js';
import { cloneOf, deliveredOnceByRemote, makeRemote } from './helpers/remote.js';

const as = (session: string, agent: string) => ({ env: { GIT_CTX_SESSION: session, GIT_CTX_AGENT: agent } });

async function withCore<T>(cwd: string, fn: (c: Ctx) => Promise<T>): Promise<T> {
  const c = await openCtx(realDeps(cwd, ENV));
  try {
    return await fn(c);
  } finally {
    closeCtx(c);
  }
}

function claimFilesOn(repo: string): string[] {
  const out = git(repo, ['ls-tree', '-r', '--name-only', 'context', '--', 'state/consumed']);
  return out ? out.split('\n') : [];
}

describe('pickup', () => {
  it('8 processes in 4 worktrees pick up from 20 waiting handoffs at once: each is delivered exactly once, to a session it was for', async () => {
    const repo = makeRepo();
    const trees = [repo, addWorktree(repo, 'p1'), addWorktree(repo, 'p2'), addWorktree(repo, 'p3')];
    const to = (i: number) => (i < 8 ? 'all' : i < 12 ? 'agent-0' : i < 16 ? 'agent-1' : 's-3');
    const handoffs = await withCore(repo, async (c) => {
      const out: { id: string; to: string }[] = [];
      for (let i = 0; i < 20; i++) out.push({ id: (await addEntry(c, { kind: 'handoff', title: `handoff ${i}`, body: `## Summary\n\nwork item ${i}\n`, to: to(i), session: 'writer', agent: 'writer' })).entry.id, to: to(i) });
      return out;
    });
    const procs = Array.from({ length: 8 }, (_, i) => ({ session: `s-${i}`, agent: `agent-${i % 2}`, cwd: trees[i % 4]! }));
    const runs = await Promise.all(procs.map((p) => ctx(p.cwd, ['pickup', '--json'], as(p.session, p.agent))));

    const delivered = new Map<string, string>();
    runs.forEach((r, i) => {
      expect(r.code, r.stderr).toBe(0);
      for (const h of r.json.handoffs) {
        expect(delivered.has(h.id), `${h.id} delivered twice`).toBe(false);
        delivered.set(h.id, procs[i]!.session);
        expect(addressedTo(h.to, procs[i]!)).toBe(true);
      }
      // What it saw waiting but lost went to someone else.
      for (const c of r.json.claimedElsewhere) expect(c.by.session).not.toBe(procs[i]!.session);
    });
    expect(delivered.size).toBe(20);
    expect(new Set(delivered.keys())).toEqual(new Set(handoffs.map((h) => h.id)));
    // One claim file per handoff, naming the session that got it.
    const files = claimFilesOn(repo);
    expect(files).toHaveLength(20);
    for (const h of handoffs) {
      const claim = JSON.parse(git(repo, ['show', `context:${claimPath(h.id)}`]));
      expect(claim.session).toBe(delivered.get(h.id));
    }
    // Nothing is left to pick up, and the checkouts were not touched.
    const again = await cliOk(trees[1]!, ['pickup', '--json'], as('s-9', 'agent-0'));
    expect(again.json.handoffs).toEqual([]);
    expect(again.json.commit).toBeNull();
    for (const t of trees) expect(git(t, ['status', '--porcelain'])).toBe('');
    fsck(repo);
  }, 120_000);

  it('--peek marks nothing; --for picks up what another session or agent was sent', async () => {
    const repo = makeRepo();
    await cliOk(repo, ['handoff', '-m', 'for codex', '--to', 'codex']);
    await cliOk(repo, ['handoff', '-m', 'for everyone']);
    const peek = await cliOk(repo, ['pickup', '--peek', '--json'], as('s-1', 'claude'));
    expect(peek.json.handoffs.map((h: any) => h.title)).toEqual(['for everyone']);
    expect(claimFilesOn(repo)).toEqual([]);
    const forCodex = await cliOk(repo, ['pickup', '--for', 'codex', '--json'], as('s-1', 'claude'));
    expect(forCodex.json.handoffs.map((h: any) => h.title).sort()).toEqual(['for codex', 'for everyone']);
    expect(claimFilesOn(repo)).toHaveLength(2);
    const human = await cliOk(repo, ['pickup'], as('s-2', 'codex'));
    expect(human.stdout).toMatch(/^No handoffs waiting for s-2\./);
  });

  it('claims several paths in one commit, dropping those already taken', async () => {
    const repo = makeRepo();
    await cliOk(repo, ['init']);
    await withCore(repo, async (c) => {
      const author = { name: 't', email: 't@example.com' };
      const paths = Array.from({ length: 10 }, (_, i) => `state/test/${i}`);
      await commitCreateOnly(c.store, paths.filter((_, i) => i % 3 === 0).map((path) => ({ path, content: 'first' })), { author, message: () => 'first' });
      const before = git(repo, ['rev-list', '--count', 'context']);
      const r = await commitCreateOnly(c.store, paths.map((path) => ({ path, content: 'second' })), { author, message: (fs) => `second ${fs.length}` });
      expect(r.existing.sort()).toEqual(['state/test/0', 'state/test/3', 'state/test/6', 'state/test/9']);
      expect(r.written).toHaveLength(6);
      expect(Number(git(repo, ['rev-list', '--count', 'context']))).toBe(Number(before) + 1);
      expect(git(repo, ['log', '-1', '--format=%s', 'context'])).toBe('second 6');
      expect(git(repo, ['show', 'context:state/test/3'])).toBe('first');
    });
  });

  it('after a merge that kept two claims, the later claimer is told in its brief who won', async () => {
    const repo = makeRepo();
    const id = (await cliOk(repo, ['handoff', '-m', 'contested work', '--json'])).json.id;
    const mine = await cliOk(repo, ['pickup', '--json'], as('wt-a:feat', 'claude'));
    expect(mine.json.handoffs.map((h: any) => h.id)).toEqual([id]);
    // What a merge with another clone keeps when both sides claimed offline: a second version of the path.
    await withCore(repo, (c) =>
      c.store.commit({
        add: [{ path: `${claimPath(id)}~5e1f00`, content: serializeClaim({ handoff: id, session: 'laptop:feat', agent: 'codex', claimedAt: '2020-01-01T00:00:00.000Z' }), createOnly: true }],
        message: 'merge: another clone',
        author: { name: 't', email: 't@example.com' },
      }),
    );
    const loser = await cliOk(repo, ['brief', '--json'], as('wt-a:feat', 'claude'));
    const lost = loser.json.sections.find((s: any) => s.key === 'lost');
    expect(lost.items).toHaveLength(1);
    expect(lost.items[0]).toMatchObject({ id, session: 'laptop:feat', shown: 'index' });
    const text = (await cliOk(repo, ['brief'], as('wt-a:feat', 'claude'))).stdout;
    expect(text).toContain(`handoff ${id} you picked up was claimed first by session laptop:feat`);
    const winner = await cliOk(repo, ['brief', '--json'], as('laptop:feat', 'codex'));
    expect(winner.json.sections.find((s: any) => s.key === 'lost').items).toEqual([]);
    // Still consumed for everyone: nobody else is offered it.
    expect((await cliOk(repo, ['pickup', '--peek', '--json'], as('third', 'x'))).json.handoffs).toEqual([]);
  });

  it('two clones and a bare remote: 8 processes pick up from 20 handoffs, each delivered exactly once, decided by the remote', async () => {
    const remote = makeRemote();
    const [a, b] = [cloneOf(remote), cloneOf(remote)];
    await cliOk(a, ['init', '--remote', 'origin']);
    const ids = await withCore(a, async (c) => {
      const out: string[] = [];
      for (let i = 0; i < 20; i++) out.push((await addEntry(c, { kind: 'handoff', title: `remote handoff ${i}`, body: `item ${i}`, to: i % 2 ? 'all' : 'agent-0', session: 'writer', agent: 'writer' })).entry.id);
      return out;
    });
    await cliOk(a, ['push']);
    await cliOk(b, ['init', '--remote', 'origin']);
    const procs = Array.from({ length: 8 }, (_, i) => ({ cwd: i % 2 ? b : a, session: `clone-${i % 2 ? 'b' : 'a'}:s${i}`, agent: `agent-${i % 3 === 0 ? 0 : 1}` }));
    const runs = await Promise.all(procs.map((p) => ctx(p.cwd, ['pickup', '--json'], as(p.session, p.agent))));
    const delivered = deliveredOnceByRemote(runs, procs.map((x) => x.session));
    expect(new Set(delivered.keys())).toEqual(new Set(ids));
    // Both clones, once synced, agree: one claim per handoff, naming the session it was delivered to.
    for (const c of [a, b]) await cliOk(c, ['sync']);
    expect(git(a, ['rev-parse', 'context^{tree}'])).toBe(git(b, ['rev-parse', 'context^{tree}']));
    expect(claimFilesOn(a)).toHaveLength(20);
    for (const id of ids) expect(JSON.parse(git(a, ['show', `context:${claimPath(id)}`])).session).toBe(delivered.get(id));
    fsck(a);
    fsck(b);
  }, 120_000);

  it('offline: with the remote out of reach, claims are made on this machine and say so', async () => {
    const repo = makeRepo();
    await cliOk(repo, ['handoff', '-m', 'work while the network is down']);
    git(repo, ['config', 'ctx.remote', '/nonexistent/remote.git']);
    const r = await cliOk(repo, ['pickup', '--json'], as('offline-session', 'claude'));
    expect(r.json).toMatchObject({ decidedBy: 'local', offline: expect.stringMatching(/^E_REMOTE/) });
    expect(r.json.handoffs).toHaveLength(1);
    expect(r.stderr).toMatch(/claimed on this machine only/);
    expect(claimFilesOn(repo)).toHaveLength(1);
  });
});
