/**
 * ctx_task, the task commands over MCP (the real bundle's server, the SDK's client over stdio), and
 * pickup by one (`pickup --limit N`, `pickup ID`) through the CLI and ctx_pickup.
 */
import { describe, expect, it } from 'vitest';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { addWorktree, BIN, ctx, ENV, fsck, git, makeRepo } from './helpers/repo.js';
import { cli, cliOk } from './helpers/cli.js';
import { withCtx } from './helpers/remote.js';
import { addEntry } from '../src/core/entries/add.js';
import { claimPath } from '../src/model/state.js';

const as = (session: string, agent = 'claude') => ({ env: { GIT_CTX_SESSION: session, GIT_CTX_AGENT: agent } });

async function mcp(cwd: string, session: string) {
  const client = new Client({ name: 'git-ctx-test', version: '1' });
  await client.connect(new StdioClientTransport({ command: process.execPath, args: [BIN, 'mcp'], cwd, env: { ...ENV, GIT_CTX_SESSION: session, GIT_CTX_AGENT: 'claude' }, stderr: 'pipe' }));
  return {
    client,
    async call(name: string, args: Record<string, unknown>): Promise<{ json: any; isError: boolean; chars: number }> {
      const r = await client.callTool({ name, arguments: args });
      const text = (r.content as { text: string }[])[0]!.text;
      return { json: JSON.parse(text), isError: r.isError === true, chars: text.length };
    },
    close: () => client.close(),
  };
}

describe('ctx_task', () => {
  it('adds, lists, claims, finishes and shows tasks with the JSON of the CLI, bounded; bad calls are tool errors', async () => {
    const repo = makeRepo();
    const s = await mcp(repo, 'mcp-1');
    try {
      const a = await s.call('ctx_task', { action: 'add', title: 'survey the parsers', text: 'x'.repeat(20_000), wave: 1 });
      expect(a.isError).toBe(false);
      const id = a.json.ids[0];
      const b = await s.call('ctx_task', { action: 'add', title: 'replace the slow one', wave: 2, after: [id] });
      expect(b.json.tasks[0]).toMatchObject({ kind: 'task', title: 'replace the slow one' });
      const list = await s.call('ctx_task', { action: 'list' });
      expect(list.json.counts).toEqual({ open: 2, claimed: 0, done: 0, ready: 1 });
      expect(list.json.tasks.map((t: any) => [t.id, t.ready])).toEqual([[id, true], [b.json.ids[0], false]]);
      expect(list.chars).toBeLessThan(8_100);
      // The CLI says the same of the same tasks (bodies aside, which MCP cuts).
      const cli = await cliOk(repo, ['task', 'list', '--json'], as('mcp-1'));
      expect(list.json.tasks.map((t: any) => ({ ...t, body: undefined, bodyChars: undefined, bodyTruncated: undefined }))).toEqual(cli.json.tasks.map((t: any) => ({ ...t, body: undefined })));

      const claim = await s.call('ctx_task', { action: 'claim' });
      expect(claim.json).toMatchObject({ session: 'mcp-1', claimed: [{ id, state: 'claimed', bodyTruncated: true }], decidedBy: 'local', previousWave: [] });
      expect(claim.chars).toBeLessThan(8_100);
      const done = await s.call('ctx_task', { action: 'done', id, text: 'the hand-written one is 3x slower' });
      expect(done.json).toMatchObject({ task: { id, state: 'done' }, result: { kind: 'result', title: 'the hand-written one is 3x slower' } });
      // The wave-2 task's claim names wave 1's results.
      const next = await s.call('ctx_task', { action: 'claim' });
      expect(next.json.claimed.map((t: any) => t.id)).toEqual([b.json.ids[0]]);
      expect(next.json.previousWave).toEqual([{ wave: 1, done: 1, tasks: 1, results: [{ id: done.json.result.id, title: 'the hand-written one is 3x slower', task: id }] }]);
      const show = await s.call('ctx_task', { action: 'show', id: id.slice(0, 12) });
      expect(show.json.task.steps.map((x: any) => x.op)).toEqual(['claim', 'done']);
      expect(show.chars).toBeLessThan(8_100);

      const bad: [Record<string, unknown>, string][] = [
        [{ action: 'done', id }, 'E_TASK_DONE'],
        [{ action: 'release', id: b.json.ids[0], title: 'x' }, 'E_USAGE'],
        [{ action: 'show' }, 'E_USAGE'],
        [{ action: 'claim', id: '01zzzzzzzzzzzzzzzzzzzzzzzz' }, 'E_NOT_FOUND'],
        [{ action: 'launch' }, 'E_USAGE'],
      ];
      for (const [args, code] of bad) {
        const r = await s.call('ctx_task', args);
        expect([JSON.stringify(args), r.isError, r.json.error?.code]).toEqual([JSON.stringify(args), true, code]);
      }
    } finally {
      await s.close();
    }
    fsck(repo);
  }, 60_000);
});

describe('pickup by one', () => {
  it('6 sessions in 3 worktrees each pickup --limit 1 at once: each gets exactly one of the 6 handoffs', async () => {
    const repo = makeRepo();
    const trees = [repo, addWorktree(repo, 'p1'), addWorktree(repo, 'p2')];
    const ids = await withCtx(repo, async (c) => {
      const out: string[] = [];
      for (let i = 0; i < 6; i++) out.push((await addEntry(c, { kind: 'handoff', title: `handoff ${i}`, body: `## Summary\n\nitem ${i}\n`, session: 'writer', agent: 'writer' })).entry.id);
      return out;
    });
    const runs = await Promise.all(Array.from({ length: 6 }, (_, i) => ctx(trees[i % 3]!, ['pickup', '--limit', '1', '--json'], as(`s${i}`))));
    for (const r of runs) expect(r.code, r.stderr).toBe(0);
    expect(runs.map((r) => r.json.handoffs.length)).toEqual([1, 1, 1, 1, 1, 1]);
    expect(runs.map((r) => r.json.handoffs[0].id).sort()).toEqual([...ids].sort());
    fsck(repo);
  }, 60_000);

  it('pickup ID takes that handoff only, whoever it is for; a second pickup of it names who has it', async () => {
    const repo = makeRepo();
    const [h1, h2] = await withCtx(repo, async (c) => [
      (await addEntry(c, { kind: 'handoff', title: 'first', body: '## Summary\n\none\n', to: 'someone-else' })).entry.id,
      (await addEntry(c, { kind: 'handoff', title: 'second', body: '## Summary\n\ntwo\n' })).entry.id,
    ]);
    const note = (await cliOk(repo, ['add', '-m', 'a note'])).stdout.trim();
    expect((await cliOk(repo, ['pickup', '--peek', h1!.slice(0, 12), '--json'], as('a'))).json.handoffs.map((h: any) => h.id)).toEqual([h1]);
    const one = await cliOk(repo, ['pickup', h1!.slice(0, 12), '--json'], as('a'));
    expect(one.json.handoffs.map((h: any) => h.id)).toEqual([h1]);
    expect(JSON.parse(git(repo, ['show', `context:${claimPath(h1!)}`])).session).toBe('a');
    const again = await cliOk(repo, ['pickup', h1!, '--json'], as('b'));
    expect(again.json).toMatchObject({ handoffs: [], claimedElsewhere: [{ id: h1, by: { session: 'a' } }] });
    // h2 still waits.
    expect((await cliOk(repo, ['pickup', '--peek', '--json'], as('b'))).json.handoffs.map((h: any) => h.id)).toEqual([h2]);
    for (const [args, code, err] of [
      [['pickup', '01zzzzzzzzzzzzzzzzzzzzzzzz'], 3, 'E_NOT_FOUND'],
      [['pickup', note], 3, 'E_NOT_A_HANDOFF'],
      [['pickup', '--limit', '0'], 2, 'E_USAGE'],
    ] as const) {
      const r = await cli(repo, [...args, '--json'], as('b'));
      expect([r.code, r.json.error.code]).toEqual([code, err]);
    }
    const s = await mcp(repo, 'c');
    try {
      const r = await s.call('ctx_pickup', { id: h2 });
      expect(r.json.handoffs.map((h: any) => h.id)).toEqual([h2]);
    } finally {
      await s.close();
    }
  }, 60_000);
});
