/**
 * Claims decided by the remote: one claim ref per item (`refs/ctx/claims/<branch>/<item>`), created
 * by the first push that names it. Exactly once across sessions and clones; a claim the remote
 * decided beats one made offline, even an earlier one (the claim API itself: claims-api.test.ts).
 */
import { describe, expect, it } from 'vitest';
import { ctx, fsck, git } from './helpers/repo.js';
import { cliOk } from './helpers/cli.js';
import { cloneOf, deliveredOnceByRemote, makeRemote, withCtx } from './helpers/remote.js';
import { addEntry } from '../src/core/entries/add.js';
import { claimPath } from '../src/model/state.js';
import { agentSessionId } from '../src/model/session-id.js';

const as = (session: string, agent = 'agent') => ({ env: { GIT_CTX_SESSION: session, GIT_CTX_AGENT: agent } });
const claimRefs = (remote: string) => git(remote, ['for-each-ref', '--format=%(refname)', 'refs/ctx/claims/']).split('\n').filter(Boolean);

describe('claims through the remote', () => {
  it('20 handoffs, 8 sessions on 4 clones picking up at once: each handoff delivered exactly once, decided by the remote', async () => {
    const remote = makeRemote();
    const clones = ['a', 'b', 'c', 'd'].map((n) => cloneOf(remote, [], n));
    for (const c of clones) await cliOk(c, ['init', '--remote', 'origin']);
    const handoffs = await withCtx(clones[0]!, async (c) => {
      const out: string[] = [];
      for (let i = 0; i < 20; i++) out.push((await addEntry(c, { kind: 'handoff', title: `handoff ${i}`, body: `## Summary\n\nitem ${i}\n`, session: 'writer', agent: 'writer' })).entry.id);
      return out;
    });
    await cliOk(clones[0]!, ['sync']);
    // Two sessions per clone, all at once; half of them have not even pulled the handoffs yet.
    await cliOk(clones[1]!, ['pull']);
    const sessions = Array.from({ length: 8 }, (_, i) => ({ cwd: clones[i % 4]!, session: `${'abcd'[i % 4]}:s${i}` }));
    const runs = await Promise.all(sessions.map((s) => ctx(s.cwd, ['pickup', '--json'], as(s.session))));
    const delivered = deliveredOnceByRemote(runs, sessions.map((x) => x.session));
    expect([...delivered.keys()].sort()).toEqual([...handoffs].sort());
    // The remote holds one claim ref per handoff; every clone, once synced, names the same session.
    expect(claimRefs(remote)).toHaveLength(20);
    for (const c of clones) await cliOk(c, ['sync']);
    for (const c of clones) {
      for (const id of handoffs) {
        const claim = JSON.parse(git(c, ['show', `context:${claimPath(id)}`]));
        expect(claim).toMatchObject({ session: delivered.get(id), remote: true });
      }
      expect((await cliOk(c, ['pickup', '--peek', '--json'], as('late'))).json.handoffs).toEqual([]);
    }
    fsck(remote);
  }, 180_000);

  it('agent sessions (Claude Code and Codex ids) on 4 clones: each handoff goes to exactly one agent session, named so on every clone', async () => {
    const remote = makeRemote();
    const clones = ['a', 'b', 'c', 'd'].map((n) => cloneOf(remote, [], n));
    for (const c of clones) await cliOk(c, ['init', '--remote', 'origin']);
    const handoffs = await withCtx(clones[0]!, async (c) => {
      const out: string[] = [];
      for (let i = 0; i < 12; i++) out.push((await addEntry(c, { kind: 'handoff', title: `handoff ${i}`, body: `## Summary\n\nitem ${i}\n`, session: 'writer', agent: 'writer' })).entry.id);
      return out;
    });
    await cliOk(clones[0]!, ['sync']);
    // Per clone, one Claude Code session and one Codex thread, as the agents name them for what they start.
    const agents = clones.flatMap((cwd, i): { cwd: string; env: Record<string, string>; session: string }[] => [
      { cwd, env: { CLAUDE_CODE_SESSION_ID: `5d1c9e2a-0b7f-4c4e-9a3d-00000000000${i}` }, session: agentSessionId('claude', `5d1c9e2a-0b7f-4c4e-9a3d-00000000000${i}`) },
      { cwd, env: { CODEX_THREAD_ID: `0199a8f2-7c41-7d13-b2e5-00000000000${i}` }, session: agentSessionId('codex', `0199a8f2-7c41-7d13-b2e5-00000000000${i}`) },
    ]);
    expect(new Set(agents.map((a) => a.session)).size).toBe(8);
    const runs = await Promise.all(agents.map((a) => ctx(a.cwd, ['pickup', '--json'], { env: a.env })));
    const delivered = deliveredOnceByRemote(runs, agents.map((a) => a.session));
    runs.forEach((r, i) => expect(r.json.session).toBe(agents[i]!.session));
    expect([...delivered.keys()].sort()).toEqual([...handoffs].sort());
    expect(claimRefs(remote)).toHaveLength(12);
    for (const c of clones) await cliOk(c, ['sync']);
    for (const c of clones) {
      for (const id of handoffs) expect(JSON.parse(git(c, ['show', `context:${claimPath(id)}`]))).toMatchObject({ session: delivered.get(id), remote: true });
      // Nothing is left for the agent sessions again, nor for the place (the worktree's own session).
      for (const a of agents.filter((x) => x.cwd === c)) expect((await cliOk(c, ['pickup', '--json'], { env: a.env })).json.handoffs).toEqual([]);
      expect((await cliOk(c, ['pickup', '--peek', '--json'])).json.handoffs).toEqual([]);
    }
    fsck(remote);
  }, 180_000);

  it('a claim the remote accepted wins over an earlier claim made offline, on every clone', async () => {
    const remote = makeRemote();
    const [a, b] = [cloneOf(remote, [], 'a'), cloneOf(remote, [], 'b')];
    for (const c of [a, b]) await cliOk(c, ['init', '--remote', 'origin']);
    const id = (await cliOk(a, ['handoff', '-m', 'one piece of work', '--json'])).json.id;
    await cliOk(a, ['sync']);
    await cliOk(b, ['pull']);
    // a is offline (its remote is out of reach) and claims first, on its own.
    const url = git(a, ['remote', 'get-url', 'origin']);
    git(a, ['remote', 'set-url', 'origin', '/nonexistent/remote.git']);
    const offline = await cliOk(a, ['pickup', '--json'], as('laptop:offline'));
    expect(offline.json).toMatchObject({ decidedBy: 'local', handoffs: [expect.objectContaining({ id })] });
    // Later, b claims through the remote, which accepts it: nobody had claimed it there.
    await new Promise((r) => setTimeout(r, 20));
    const online = await cliOk(b, ['pickup', '--json'], as('desk:online'));
    expect(online.json).toMatchObject({ decidedBy: 'remote', handoffs: [expect.objectContaining({ id })] });
    // a comes back and syncs: the remote's decision stands on both clones.
    git(a, ['remote', 'set-url', 'origin', url]);
    await cliOk(a, ['sync']);
    await cliOk(b, ['sync']);
    const lostOnA = (await cliOk(a, ['brief', '--json'], as('laptop:offline'))).json.sections.find((s: any) => s.key === 'lost');
    expect(lostOnA.items).toEqual([expect.objectContaining({ id, session: 'desk:online' })]);
    expect((await cliOk(a, ['brief'], as('laptop:offline'))).stdout).toContain(`handoff ${id} you picked up was claimed first by session desk:online`);
    for (const c of [a, b]) expect((await cliOk(c, ['brief', '--json'], as('desk:online'))).json.sections.find((s: any) => s.key === 'lost').items).toEqual([]);
  }, 120_000);
});
