import { describe, expect, it } from 'vitest';
import { addWorktree, contextTip, ctx, ENV, fsck, git, makeRepo } from './helpers/repo.js';
import { cliOk } from './helpers/cli.js';
import { realDeps } from './helpers/real-deps.js';
import { openCtx, closeCtx } from '../src/core/context.js';
import { addEntry } from '../src/core/entries/add.js';
import { pickup } from '../src/core/mailbox/pickup.js';
import { inbox } from '../src/core/mailbox/inbox.js';
import { claimPath, receiptPath } from '../src/model/state.js';
import { cloneOf, makeRemote } from './helpers/remote.js';

const as = (session: string, agent = 'claude') => ({ env: { GIT_CTX_SESSION: session, GIT_CTX_AGENT: agent } });
const ids = (r: any) => r.json.messages.map((m: any) => m.id);
const tree = (repo: string, dir: string) => {
  const out = git(repo, ['ls-tree', '-r', '--name-only', 'context', '--', dir]);
  return out ? out.split('\n') : [];
};

describe('send and inbox', () => {
  it('delivers to a session, an agent or all, with per-session read receipts', async () => {
    const repo = makeRepo();
    const all = (await cliOk(repo, ['send', 'build is red, do not merge'], as('s-a'))).stdout.trim();
    const toCodex = (await cliOk(repo, ['send', '--to', 'codex', 'codex: rebase please'], as('s-a'))).stdout.trim();
    const toB = (await cliOk(repo, ['send', '--to', 's-b', '--json'], { ...as('s-a'), input: 'just for b\nsecond line' })).json.entry;
    expect(toB).toMatchObject({ kind: 'message', to: 's-b', title: 'just for b', body: 'just for b\nsecond line' });

    expect(ids(await cliOk(repo, ['inbox', '--json'], as('s-b')))).toEqual([all, toB.id]);
    expect(ids(await cliOk(repo, ['inbox', '--json'], as('s-c', 'codex')))).toEqual([all, toCodex]);
    expect(ids(await cliOk(repo, ['inbox', '--json'], as('s-a')))).toEqual([]); // its own broadcast is not news to the sender

    const tip = contextTip(repo);
    const marked = await cliOk(repo, ['inbox', '--mark-read', '--json'], as('s-b'));
    expect(marked.json.marked).toEqual([all, toB.id]);
    expect(marked.json.messages.every((m: any) => m.read === false)).toBe(true);
    expect(git(repo, ['rev-list', '--count', `${tip}..context`])).toBe('1');
    expect(tree(repo, 'state/read').sort()).toEqual([receiptPath('s-b', all), receiptPath('s-b', toB.id)].sort());
    expect(JSON.parse(git(repo, ['show', `context:${receiptPath('s-b', all)}`]))).toMatchObject({ message: all, reader: 's-b', agent: 'claude' });

    expect(ids(await cliOk(repo, ['inbox', '--json'], as('s-b')))).toEqual([]);
    const everything = await cliOk(repo, ['inbox', '--all', '--json'], as('s-b'));
    expect(everything.json.messages.map((m: any) => [m.id, m.read])).toEqual([[all, true], [toB.id, true]]);
    // Another session of the same agent has read nothing yet.
    expect(ids(await cliOk(repo, ['inbox', '--json'], as('s-d')))).toEqual([all]);
    const human = await cliOk(repo, ['inbox'], as('s-d'));
    expect(human.stdout).toMatch(/^### message [0-9a-z]{26}: build is red, do not merge\nby claude \(session s-a\), .* UTC, to all\n```text\nbuild is red, do not merge\n```/);
    const none = await cliOk(repo, ['inbox', '--mark-read', '--json'], as('s-b'));
    expect(none.json.commit).toBeNull();
  });

  it('read receipts of several sessions marking at once all land (they commute)', async () => {
    const repo = makeRepo();
    const wt = addWorktree(repo, 'r1');
    const id = (await cliOk(repo, ['send', 'hello all'], as('sender'))).stdout.trim();
    const readers = ['r-0', 'r-1', 'r-2', 'r-3'];
    const runs = await Promise.all(readers.map((s, i) => ctx(i % 2 ? wt : repo, ['inbox', '--mark-read', '--json'], as(s))));
    for (const r of runs) expect(r.json.marked).toEqual([id]);
    expect(tree(repo, 'state/read').sort()).toEqual(readers.map((s) => receiptPath(s, id)).sort());
    fsck(repo);
  });

  it('read receipts merge across clones, also when one session read a message on both', async () => {
    const remote = makeRemote();
    const [a, b] = [cloneOf(remote), cloneOf(remote)];
    await cliOk(a, ['init', '--remote', 'origin']);
    const id = (await cliOk(a, ['send', 'release freeze at noon'], as('sender'))).stdout.trim();
    await cliOk(a, ['push']);
    await cliOk(b, ['init', '--remote', 'origin']);
    await cliOk(a, ['inbox', '--mark-read'], as('r-a'));
    await cliOk(b, ['inbox', '--mark-read'], as('r-b'));
    await cliOk(a, ['inbox', '--mark-read'], as('both'));
    await cliOk(b, ['inbox', '--mark-read'], as('both'));
    for (const c of [a, b, a]) await cliOk(c, ['sync']);
    const receipts = tree(a, 'state/read');
    expect(receipts.filter((p) => !p.includes('~')).sort()).toEqual(['r-a', 'r-b', 'both'].map((s) => receiptPath(s, id)).sort());
    expect(receipts.filter((p) => p.startsWith(`${receiptPath('both', id)}~`))).toHaveLength(1); // kept both versions
    for (const c of [a, b]) for (const s of ['r-a', 'r-b', 'both']) expect(ids(await cliOk(c, ['inbox', '--json'], as(s)))).toEqual([]);
    expect(ids(await cliOk(b, ['inbox', '--json'], as('r-c')))).toEqual([id]);
  }, 60_000);
});

describe('gc', () => {
  it('removes consumed handoffs and read messages older than the window, keeps the rest, and history keeps all', async () => {
    const repo = makeRepo();
    const DAY = 86_400_000;
    const T = Date.now();
    let now = T - 10 * DAY;
    const c = await openCtx(realDeps(repo, ENV, { now: () => now }));
    const made: Record<string, string> = {};
    try {
      const add = async (name: string, kind: 'handoff' | 'message', to: string, session = 's-a') => {
        now += 1000; // distinct times, so ids sort in the order written
        made[name] = (await addEntry(c, { kind, title: name, body: name, to, session })).entry.id;
      };
      await add('consumed', 'handoff', 'all');
      await add('consumedLate', 'handoff', 's-c');
      await add('toB', 'message', 's-b');
      await add('toBUnread', 'message', 's-x');
      await add('broadcastAllRead', 'message', 'all');
      await add('broadcastPartlyRead', 'message', 'all');
      now = T - 9 * DAY;
      const picked = await pickup(c, { session: 's-b', agent: 'claude' });
      expect(picked.handoffs.map((h) => h.title)).toEqual(['consumed']);
      await inbox(c, { session: 's-b', markRead: true });
      now = T - 8 * DAY;
      // s-c is around after the broadcasts: it reads only one of them (via a message addressed to it).
      await addEntry(c, { body: 'a note from s-c', session: 's-c' });
      const readable = (await inbox(c, { session: 's-c' })).messages.map((m) => m.entry.title);
      expect(readable).toEqual(['broadcastAllRead', 'broadcastPartlyRead']);
      await c.store.commit({
        add: [{ path: receiptPath('s-c', made.broadcastAllRead!), content: JSON.stringify({ message: made.broadcastAllRead, reader: 's-c', agent: 'claude', readAt: new Date(now).toISOString() }), createOnly: true }],
        message: 'inbox: read 1 message\n\nCtx-Session: s-c\n',
        author: { name: 't', email: 't@example.com' },
      });
      await add('recent', 'handoff', 'all');
      now = T - 1 * DAY;
      expect((await pickup(c, { session: 's-c', agent: 'claude' })).handoffs.map((h) => h.title)).toEqual(['consumedLate', 'recent']);
      await add('unconsumedOld', 'handoff', 'nobody');
    } finally {
      closeCtx(c);
    }
    // An orphan: a claim whose handoff another clone already removed.
    const orphan = '01j0000000aaaaaaaaaaaaaaaa';
    const c2 = await openCtx(realDeps(repo, ENV));
    await c2.store.commit({ add: [{ path: claimPath(orphan), content: '{}' }], message: 'merge', author: { name: 't', email: 't@example.com' } });
    closeCtx(c2);

    const tip = contextTip(repo);
    const dry = await cliOk(repo, ['gc', '--dry-run', '--json']);
    expect(contextTip(repo)).toBe(tip);
    const r = await cliOk(repo, ['gc', '--older-than', '7d', '--json']);
    expect(r.json.removed.map((x: any) => x.title).sort()).toEqual(['broadcastAllRead', 'consumed', 'toB']);
    expect(dry.json.removed).toEqual(r.json.removed);
    expect(r.json.stateFiles.sort()).toEqual(
      [claimPath(made.consumed!), receiptPath('s-b', made.toB!), receiptPath('s-b', made.broadcastAllRead!), receiptPath('s-c', made.broadcastAllRead!), claimPath(orphan)].sort(),
    );
    expect(r.json.kept).toEqual({ unconsumed: 1, unread: 2, recent: 2 });
    // One commit, on top of the tip; the removed files are still in history.
    expect(git(repo, ['rev-list', '--count', `${tip}..context`])).toBe('1');
    const titles = (await cliOk(repo, ['log', '-n', '0', '--json'])).json.entries.map((e: any) => e.title).sort();
    expect(titles).toEqual(['a note from s-c', 'broadcastPartlyRead', 'consumedLate', 'recent', 'toBUnread', 'unconsumedOld']);
    for (const x of r.json.removed) expect(git(repo, ['show', `${tip}:${x.paths[0]}`])).toContain(x.title);
    expect(tree(repo, 'state/consumed').sort()).toEqual([claimPath(made.consumedLate!), claimPath(made.recent!)].sort());
    // Still waiting and still unread.
    expect((await cliOk(repo, ['pickup', '--peek', '--for', 'nobody', '--json'])).json.handoffs.map((h: any) => h.title)).toEqual(['unconsumedOld']);
    expect(ids(await cliOk(repo, ['inbox', '--json'], as('s-x')))).toEqual([made.toBUnread, made.broadcastPartlyRead]);
    // Nothing more to do: no empty commit.
    const again = await cliOk(repo, ['gc', '--json']);
    expect(again.json.commit).toBeNull();
    expect(git(repo, ['rev-list', '--count', `${tip}..context`])).toBe('1');
    fsck(repo);
  });
});

describe('sessions', () => {
  it('lists linked worktrees and the sessions seen recently, with branch, last activity and last write', async () => {
    const repo = makeRepo();
    const wt = addWorktree(repo, 'feat-x');
    await cliOk(wt, ['add', '-m', 'parser notes'], as('feat-x:feat-x', 'codex'));
    await cliOk(repo, ['send', 'hi'], as('main-session'));
    await cliOk(repo, ['inbox', '--mark-read'], as('feat-x:feat-x', 'codex'));
    const r = await cliOk(repo, ['sessions', '--json']);
    expect(r.json.worktrees.map((w: any) => [w.path, w.branch])).toEqual([[repo, 'main'], [wt, 'feat-x']]);
    expect(r.json.worktrees[1].sessions).toEqual(['feat-x:feat-x']);
    expect(r.json.sessions.map((s: any) => s.session)).toEqual(['feat-x:feat-x', 'main-session']);
    expect(r.json.sessions[0]).toMatchObject({ agent: 'codex', worktree: wt, branch: 'feat-x', lastWrite: 'inbox: read 1 message', lastEntry: { kind: 'note', title: 'parser notes' } });
    expect(Date.parse(r.json.sessions[0].lastActivity)).toBeGreaterThan(Date.now() - 120_000);
    expect((await cliOk(repo, ['sessions', '--since', '2000-01-02', '--json'])).json.sessions).toHaveLength(2);
    const human = await cliOk(repo, ['sessions']);
    expect(human.stdout).toContain(`  ${wt}  feat-x  `);
  });
});
