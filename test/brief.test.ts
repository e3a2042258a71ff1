import { describe, expect, it } from 'vitest';
import { mkdirSync, readdirSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { addWorktree, contextTip, ENV, git, makeRepo } from './helpers/repo.js';
import { cli, cliOk } from './helpers/cli.js';
import { realDeps } from './helpers/real-deps.js';
import { openCtx, closeCtx, type Ctx } from '../src/core/context.js';
import { readEntries } from '../src/core/read.js';
import { addEntry } from '../src/core/entries/add.js';
import { KINDS } from '../src/model/kinds.js';
import { entryPath as entryPathOf, serializeEntry } from '../src/model/entry.js';
import { idTime, newId } from '../src/model/id.js';
import { brief } from '../src/core/brief/brief.js';
import { layoutBrief, type BriefSection } from '../src/model/brief-layout.js';

const as = (session: string, agent = 'claude') => ({ env: { GIT_CTX_SESSION: session, GIT_CTX_AGENT: agent } });
const tokens = (text: string) => Math.ceil(Buffer.byteLength(text, 'utf8') / 4);
const section = (json: any, key: string) => json.sections.find((s: any) => s.key === key);

describe('brief', () => {
  it('never exceeds its budget, and never drops a waiting handoff silently', async () => {
    const repo = makeRepo();
    const c = await openCtx(realDeps(repo, ENV));
    const ids: string[] = [];
    try {
      for (let i = 0; i < 12; i++) ids.push((await addEntry(c, { kind: 'handoff', title: `handoff ${i}`, body: `## Summary\n\n${'step '.repeat(150)}${i}\n`, to: 'all' })).entry.id);
      for (let i = 0; i < 6; i++) await addEntry(c, { kind: 'decision', title: `decision ${i}`, body: 'because '.repeat(40) });
      for (let i = 0; i < 15; i++) await addEntry(c, { body: `note ${i}: ${'détail '.repeat(30)}` });
      await addEntry(c, { kind: 'message', body: 'ping ```\nfence inside', to: 'all', session: 'someone-else' });
    } finally {
      closeCtx(c);
    }
    for (const budget of [100, 130, 400, 700, 2000, 6000]) {
      const plain = await cliOk(repo, ['brief', '--budget', String(budget)], as('reader'));
      expect(tokens(plain.stdout), `budget ${budget}`).toBeLessThanOrEqual(budget);
      const json = await cliOk(repo, ['brief', '--budget', String(budget), '--json'], as('reader'));
      expect(json.json.tokens).toBe(tokens(plain.stdout));
      const handoffs = section(json.json, 'handoffs');
      expect(handoffs.items.map((i: any) => i.id).sort()).toEqual([...ids].sort());
      const missing = handoffs.items.filter((i: any) => i.shown === 'omitted');
      for (const i of handoffs.items) if (i.shown !== 'omitted') expect(plain.stdout).toContain(i.id);
      // Whatever is left out is counted in the handoffs section itself.
      if (missing.length) expect(plain.stdout).toMatch(new RegExp(`(… ${missing.length} more not shown|: ${missing.length} not shown) \\(git ctx pickup --peek\\)`));
      if (budget >= 400) expect(missing).toEqual([]);
      if (budget >= 2000) expect(handoffs.items.filter((i: any) => i.shown === 'full').length).toBeGreaterThan(0);
    }
    // The order of priority: handoffs, then messages, then decisions, then notes.
    const text = (await cliOk(repo, ['brief', '--budget', '6000'], as('reader'))).stdout;
    const at = (s: string) => text.indexOf(s);
    expect(at('## Handoffs waiting')).toBeLessThan(at('## Unread messages'));
    expect(at('## Unread messages')).toBeLessThan(at('## Active decisions'));
    expect(at('## Active decisions')).toBeLessThan(at('## Recent notes'));
    expect(text).toMatch(/by Test User \(session someone-else\), \d{4}-\d\d-\d\d \d\d:\d\d UTC, to all\n````text\nping ```/);
    const bad = await cli(repo, ['brief', '--budget', '50', '--json']);
    expect(bad.code).toBe(2);
    expect(bad.json.error.code).toBe('E_BUDGET');
  }, 60_000);

  it('supersede: a superseded decision leaves the brief but stays searchable', async () => {
    const repo = makeRepo();
    const d1 = (await cliOk(repo, ['add', '-k', 'decision', '-t', 'Use tabs', '-m', 'tabs everywhere'])).stdout.trim();
    const d2 = (await cliOk(repo, ['add', '-k', 'decision', '-t', 'Use spaces', '-m', 'spaces after all', '--supersedes', d1.slice(0, 12), '--json'])).json.entry;
    expect(d2.supersedes).toEqual([d1]);
    const d3 = (await cliOk(repo, ['add', '-k', 'decision', '-t', 'Two spaces', '-m', 'two', '--supersedes', d2.id])).stdout.trim();
    const brief = await cliOk(repo, ['brief', '--json']);
    const decisions = section(brief.json, 'decisions').items;
    expect(decisions.map((d: any) => d.id)).toEqual([d3]);
    expect(decisions[0].detail).toBe(`supersedes ${d2.id}`);
    expect((await cliOk(repo, ['search', 'tabs', '--json'])).json.hits.map((h: any) => h.entry.id)).toEqual([d1]);
    expect((await cliOk(repo, ['log', '-k', 'decision', '--json'])).json.entries).toHaveLength(3);

    const note = (await cliOk(repo, ['add', '-m', 'a note'])).stdout.trim();
    const tip = contextTip(repo);
    for (const [args, code, err] of [
      [['add', '-m', 'x', '--supersedes', d1], 2, 'E_SUPERSEDES'],
      [['add', '-k', 'decision', '-m', 'x', '--supersedes', note], 2, 'E_SUPERSEDES'],
      [['add', '-k', 'decision', '-m', 'x', '--supersedes', '0000000000zzzzzz'], 3, 'E_NOT_FOUND'],
    ] as const) {
      const r = await cli(repo, [...args, '--json']);
      expect(r.code).toBe(code);
      expect(r.json.error.code).toBe(err);
    }
    expect(contextTip(repo)).toBe(tip);
  });

  it('shows postmortems about files this worktree changes, and says who wrote each item and when', async () => {
    const repo = makeRepo({ files: { 'src/a.ts': 'a\n', 'docs/b.md': 'b\n' } });
    const wt = addWorktree(repo, 'feat');
    await cliOk(repo, ['add', '-k', 'postmortem', '-t', 'Pool outage', '-m', 'the pool leaked', '--ref', 'src']);
    await cliOk(repo, ['add', '-k', 'postmortem', '-t', 'Docs outage', '-m', 'docs broke', '--ref', 'docs/b.md']);
    writeFileSync(join(wt, 'src/a.ts'), 'changed\n');
    const inWt = await cliOk(wt, ['brief', '--json'], as('feat-session', 'codex'));
    const pm = section(inWt.json, 'postmortems').items;
    expect(pm.map((p: any) => p.title)).toEqual(['Pool outage']);
    expect(pm[0]).toMatchObject({ detail: 'about src', agent: 'Test User', shown: 'full' });
    expect(section((await cliOk(repo, ['brief', '--json'])).json, 'postmortems').items).toEqual([]);
    // Committed changes count too.
    git(wt, ['commit', '-qam', 'change a']);
    expect(section((await cliOk(wt, ['brief', '--json'])).json, 'postmortems').items).toHaveLength(1);
    const text = (await cliOk(wt, ['brief'], as('feat-session', 'codex'))).stdout;
    expect(text).toMatch(/^# Brief for session feat-session \(agent codex\), /);
    expect(text).toMatch(/### postmortem [0-9a-z]{26}: Pool outage\nby Test User \(session [^)]+\), \d{4}-\d\d-\d\d \d\d:\d\d UTC\nabout src\n```text\nthe pool leaked\n```/);
  });

  it('lists the conflicts of this session with other worktrees, one line each', async () => {
    const lines = Array.from({ length: 20 }, (_, i) => `line ${i + 1}`).join('\n');
    const repo = makeRepo({ files: { 'notes.txt': `${lines}\n` } });
    const [w1, w2] = [addWorktree(repo, 'w1'), addWorktree(repo, 'w2')];
    writeFileSync(join(w1, 'notes.txt'), `${lines.replace('line 5', 'five, by w1')}\n`);
    writeFileSync(join(w2, 'notes.txt'), `${lines.replace('line 5', 'five, by w2')}\n`);
    const r = await cliOk(w1, ['brief', '--json']);
    const items = section(r.json, 'conflicts').items;
    expect(items.length).toBeGreaterThan(0);
    expect(items[0]).toMatchObject({ kind: 'conflict', shown: 'index' });
    expect(items[0].line).toMatch(/^notes\.txt: .* with w2:w2/);
    const text = (await cliOk(w1, ['brief'])).stdout;
    expect(text).toContain('## Conflicts with other sessions');
    expect(text).toContain(`- ${items[0].line}`);
    // Nothing for a worktree that changes nothing.
    expect(section((await cliOk(repo, ['brief', '--json'])).json, 'conflicts').items).toEqual([]);
  });

  it('reads entries only as far as the layout reaches, and lays them out as if it had read them all', async () => {
    const repo = makeRepo();
    const c = await openCtx(realDeps(repo, ENV));
    try {
      for (let i = 0; i < 45; i++) await addEntry(c, { kind: 'decision', title: `decision ${i}`, body: `${'why '.repeat(5 + ((i * 37) % 60))}${i}` });
      for (let i = 0; i < 25; i++) await addEntry(c, { kind: 'message', body: `message ${i} ${'x'.repeat((i * 53) % 400)}`, to: 'all', session: 'someone-else' });
      // Every offered entry read (a budget nothing exceeds) gives what an eager reader lays out.
      const all = await brief(c, { budget: 1_000_000 });
      const shown = (key: string) => all.sections.find((s) => s.key === key)!.items.filter((i) => i.shown === 'full').length;
      expect([shown('decisions'), shown('messages')]).toEqual([40, 25]);
      const hints: Record<string, string> = { handoffs: 'git ctx pickup --peek', messages: 'git ctx inbox', conflicts: 'git ctx conflicts --mine', decisions: 'git ctx log -k decision', postmortems: 'git ctx log -k postmortem', notes: 'git ctx log -k note' };
      const eager: BriefSection[] = all.sections.map((s) => ({
        key: s.key,
        title: s.title,
        items: s.items.map(({ shown, ...item }) => item),
        more: s.more,
        moreHint: hints[s.key],
        mandatory: s.key === 'lost' || s.key === 'handoffs',
      }));
      for (const budget of [100, 200, 400, 700, 1000, 1500, 2500, 4000, 8000]) {
        const r = await brief(c, { budget });
        const header = r.text.slice(0, r.text.indexOf('\n\n') + 2);
        expect(r.text, `budget ${budget}`).toBe(layoutBrief(header, eager, budget).text);
        const decisions = r.sections.find((s) => s.key === 'decisions')!;
        expect(decisions.items.length + decisions.more).toBe(45);
        expect(decisions.items.length).toBeLessThanOrEqual(40);
      }
    } finally {
      closeCtx(c);
    }
  });

  it('prints only its header where there is no context yet', async () => {
    const repo = makeRepo();
    const r = await cliOk(repo, ['brief', '--json']);
    expect(r.json.sections).toEqual([expect.objectContaining({ key: 'conflicts', items: [] })]);
    expect((await cliOk(repo, ['brief'])).stdout.split('\n').filter(Boolean)).toHaveLength(2);
    expect(contextTip(repo)).toBeNull();
  });
});

describe('the index by kind', () => {
  /** Every entry on the branch, read from its blob (the truth the index is derived from). */
  const onBranch = async (c: Ctx, tip: string) => {
    const files = git(c.repo.workTree!, ['ls-tree', '-r', tip, '--', 'entries']).split('\n').filter(Boolean).map((l) => ({ path: l.split('\t')[1]!, oid: l.split('\t')[0]!.split(' ')[2]! }));
    return readEntries(c, files);
  };

  it('gives the same entries as the branch, through appends from other worktrees, removals and a rebuild', async () => {
    const repo = makeRepo();
    const wt = addWorktree(repo, 'other');
    const c = await openCtx(realDeps(repo, ENV));
    try {
      const check = async () => {
        const tip = (await c.store.tip())!;
        const truth = await onBranch(c, tip);
        const commits = new Map(git(repo, ['log', '--format=%H %(trailers:key=Ctx-Id,valueonly,separator=%x20)', 'context']).split('\n').map((l) => [l.split(' ')[1], l.split(' ')[0]]));
        for (const kind of KINDS) {
          const want = truth
            .filter((e) => e.kind === kind)
            .map((e) => JSON.stringify([e.path, e.id, e.session, e.to, e.title, e.agent, e.topic, e.tags, e.refs, e.supersedes, git(repo, ['rev-parse', `${tip}:${e.path}`]), commits.get(e.id) ?? null]))
            .sort();
          // Every field, each read on its own from the columns.
          const got = [...(await c.index.summaries(tip, [kind])).values()].map((s) => JSON.stringify([s.path, s.id, s.session, s.to, s.title, s.agent, s.topic, s.tags, s.refs, s.supersedes, s.oid, s.commit])).sort();
          expect(got, kind).toEqual(want);
          // What choosing reads: the fields it keeps, the same.
          const slim = (x: any) => JSON.stringify([x.path, x.id, x.kind, x.session, x.to, x.refs, x.supersedes]);
          const wantSlim = truth.filter((e) => e.kind === kind).map(slim).sort();
          expect((await c.index.slimSummaries(tip, [kind])).get(kind)!.all().map(slim).sort(), kind).toEqual(wantSlim);
        }
        // Whole entries, bodies included.
        const whole = await c.index.entries(tip, truth.map((e) => e.path));
        expect(truth.map((e) => ({ ...whole.get(e.path), commit: null }))).toEqual(truth.map((e) => ({ ...e, commit: null })));
      };
      // Text that JSON escapes (quotes, backslashes, control characters) and text it does not (non-ASCII).
      const odd = 'a "quoted" \\ back\\slash, é ✓';
      for (const kind of KINDS) {
        await addEntry(c, { kind, body: `first ${kind}`, title: `${kind} ${odd}`, topic: 'topic', tags: ['t1', 'two'], refs: ['src/ä "b".ts'], session: `s\\"${kind}"`, agent: 'ägent "x"', to: kind === 'handoff' || kind === 'message' ? `s\\"to"` : undefined });
      }
      const decision = [...(await c.index.summaries((await c.store.tip())!, ['decision'])).values()][0]!;
      await addEntry(c, { kind: 'decision', body: 'replaces the first', supersedes: [decision.id] });
      await check();
      // Appends by another process: the cached index lags and is brought up to date by a kind read.
      for (const kind of ['decision', 'note', 'handoff']) await cliOk(wt, ['add', '-k', kind, '-m', `later ${kind}`]);
      const tip = (await c.store.tip())!;
      expect((await c.index.summaries(tip, ['decision'])).size).toBe(3);
      await check();
      // A removal (retention) reaches every kind's file.
      const handoffPath = [...(await c.index.summaries(tip, ['handoff'])).values()][0]!.path;
      await c.store.commit({ add: [], remove: [handoffPath], message: 'gc: test', author: { name: 't', email: 't@example.com' } });
      expect([...(await c.index.summaries((await c.store.tip())!, ['handoff'])).values()].map((s) => s.path)).not.toContain(handoffPath);
      await check();
      rmSync(join(repo, '.git/ctx/cache'), { recursive: true, force: true });
      await check();
    } finally {
      closeCtx(c);
    }
  });

  it('rewrites a kind file as one chunk once appends have piled up, and reads the same entries', async () => {
    const repo = makeRepo();
    const c = await openCtx(realDeps(repo, ENV));
    const cache = join(repo, '.git/ctx/cache/context/v10');
    const head = () => JSON.parse(readFileSync(join(cache, 'head.json'), 'utf8')).head;
    try {
      const ids: string[] = [];
      // Each read after an append brings the index up to date and appends one chunk to the handoff file.
      for (let i = 0; i < 75; i++) {
        ids.push((await addEntry(c, { kind: 'handoff', body: `handoff ${i}`, to: i % 3 ? 'all' : 'agent-x' })).entry.id);
        if (i === 40) await c.store.commit({ add: [], remove: [entryPathOf(ids[3]!)], message: 'gc: test', author: { name: 't', email: 't@example.com' } });
        const list = (await c.index.slimSummaries((await c.store.tip())!, ['handoff'])).get('handoff')!;
        expect(list.all().map((p) => p.id)).toEqual(i >= 40 ? ids.filter((_, n) => n !== 3) : ids);
      }
      const h = head();
      expect(h.kinds.handoff.chunks).toBeLessThanOrEqual(32);
      // Rewritten twice: the files it replaced stay a while for readers of an earlier head.
      const files = () => readdirSync(cache).filter((f) => f.startsWith('handoff.'));
      expect(files()).toHaveLength(3);
      expect(files()).toContain(h.kinds.handoff.name);
      const list = (await c.index.slimSummaries((await c.store.tip())!, ['handoff'])).get('handoff')!;
      expect(list.where((to) => to === 'agent-x').map((i) => list.id(i))).toEqual(ids.filter((_, n) => n !== 3 && n % 3 === 0));
      // Once old, the next write removes them.
      const past = new Date(Date.now() - 120_000);
      for (const f of readdirSync(cache)) utimesSync(join(cache, f), past, past);
      await addEntry(c, { kind: 'note', body: 'one more' });
      await c.index.slimSummaries((await c.store.tip())!, ['note']);
      expect(files()).toEqual([head().kinds.handoff.name]);
      expect(readdirSync(cache).sort()).toEqual(['entries', 'search', 'handoff', 'note'].map((k) => head()[k]?.name ?? head().kinds[k].name).concat('head.json').sort());
    } finally {
      closeCtx(c);
    }
  });

  it('folds appends in order behind the first chunk as it is, and writes a kind anew when an entry comes out of order', async () => {
    const repo = makeRepo();
    const c = await openCtx(realDeps(repo, ENV));
    const cache = join(repo, '.git/ctx/cache/context/v10');
    const head = () => JSON.parse(readFileSync(join(cache, 'head.json'), 'utf8')).head;
    const firstLine = () => readFileSync(join(cache, head().kinds.decision.name), 'utf8').split('\n')[0];
    const ids = async () => (await c.index.slimSummaries((await c.store.tip())!, ['decision'])).get('decision')!.all().map((p) => p.id);
    try {
      const want: string[] = [];
      for (let i = 0; i < 300; i++) want.push(newId(Date.UTC(2026, 0, 1) + i * 1000, new Uint8Array(10).fill(i % 256)));
      // 300 decisions at once (as a fetch brings them), read once: the kind's file is one chunk.
      const entry = (id: string) => ({ path: entryPathOf(id), content: serializeEntry({ id, kind: 'decision', title: `d ${id}`, body: 'b', topic: null, tags: [], refs: [], to: null, supersedes: [], agent: 'a', session: 's', worktree: null, branch: null, head: null, author: { name: 'A', email: 'a@example.com' }, createdAt: new Date(idTime(id)).toISOString(), extra: {} }) });
      await c.store.commit({ add: want.map(entry), message: 'fetched', author: { name: 't', email: 't@example.com' } });
      expect(await ids()).toEqual(want);
      const base = firstLine();
      for (let i = 0; i < 40; i++) {
        want.push((await addEntry(c, { kind: 'decision', body: `later ${i}` })).entry.id);
        expect(await ids()).toEqual(want);
      }
      // Past 32 chunks the appends were folded into one, the first line kept byte for byte.
      expect(head().kinds.decision.chunks).toBeLessThan(32);
      expect(firstLine()).toBe(base);
      // An entry older than the newest (as a merge brings): the file is written anew, in order.
      const old = newId(Date.UTC(2026, 0, 1) + 150_500, new Uint8Array(10).fill(7));
      await c.store.commit({ add: [entry(old)], message: 'merged', author: { name: 't', email: 't@example.com' } });
      want.push(old);
      want.sort();
      expect(await ids()).toEqual(want);
      expect(head().kinds.decision.chunks).toBe(1);
      expect(firstLine()).not.toBe(base);
      expect(await ids()).toEqual(want);
    } finally {
      closeCtx(c);
    }
  });

  it('ignores an index of the version before, rebuilds once, and removes its files', async () => {
    const repo = makeRepo();
    for (const kind of KINDS) await cliOk(repo, ['add', '-k', kind, '-m', `a ${kind}`]);
    // What version 8 left in the branch's folder: a head and its generation of logs.
    const old = join(repo, '.git/ctx/cache/context');
    mkdirSync(old, { recursive: true });
    const v8 = ['head.json', 'meta.3.jsonl', 'text.3.jsonl', 'kind.3.note.jsonl', 'pick.3.note.jsonl', 'pick.3.note.2.jsonl', 'search.3.txt', 'removed.3.txt'];
    for (const f of v8) writeFileSync(join(old, f), '{"version":8,"tip":"0000000000000000000000000000000000000000"}\n');
    const first = await cliOk(repo, ['log', '-k', 'decision', '--json']);
    expect(first.json.entries).toHaveLength(1);
    expect(readdirSync(old)).toEqual(['v10']);
    expect((await cliOk(repo, ['brief', '--json'])).stderr).toBe('');
  });

  it('counts a version a merge kept next to an entry as the same entry', async () => {
    const repo = makeRepo();
    const h = (await cliOk(repo, ['handoff', '-m', 'original', '--json'])).json.entry;
    const c = await openCtx(realDeps(repo, ENV));
    try {
      await c.store.commit({ add: [{ path: h.path.replace('.md', '~0a1b2c.md'), content: git(repo, ['show', `context:${h.path}`]).replace('original', 'other side') }], message: 'merge', author: { name: 't', email: 't@example.com' } });
      const summaries = [...(await c.index.summaries((await c.store.tip())!, ['handoff'])).values()];
      expect(summaries.map((s) => s.path).sort()).toEqual([h.path, h.path.replace('.md', '~0a1b2c.md')]);
    } finally {
      closeCtx(c);
    }
    const peek = await cliOk(repo, ['pickup', '--peek', '--json']);
    expect(peek.json.handoffs.map((e: any) => [e.id, e.path])).toEqual([[h.id, h.path]]);
    expect((await cliOk(repo, ['pickup', '--json'])).json.handoffs).toHaveLength(1);
    expect((await cliOk(repo, ['pickup', '--peek', '--json'])).json.handoffs).toEqual([]);
  });
});
