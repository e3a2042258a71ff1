/**
 * `git ctx mcp` driven by the official SDK's client over stdio, as an agent runs it: the real bundle in
 * a child process, against real repositories, with other processes writing meanwhile.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { BIN, ENV, ctx, ctxOk, entryPaths, fsck, git, makeRepo, tempDir, writeFiles } from './helpers/repo.js';
import { GitRunner } from '../src/git/run.js';
import { RefUpdater } from '../src/git/refs.js';

interface Server {
  client: Client;
  call(name: string, args?: Record<string, unknown>): Promise<{ json: any; isError: boolean }>;
  close(): Promise<void>;
}

async function startServer(cwd: string, env: Record<string, string> = {}, args: string[] = ['--client', 'claude']): Promise<Server> {
  const client = new Client({ name: 'git-ctx-test', version: '1' });
  await client.connect(new StdioClientTransport({ command: process.execPath, args: [BIN, 'mcp', ...args], cwd, env: { ...ENV, ...env }, stderr: 'pipe' }));
  return {
    client,
    async call(name, args = {}) {
      const r = await client.callTool({ name, arguments: args });
      const content = r.content as { type: string; text: string }[];
      expect(content).toHaveLength(1);
      return { json: JSON.parse(content[0]!.text), isError: r.isError === true };
    },
    close: () => client.close(),
  };
}

const strip = ({ schemaVersion, ...rest }: any) => {
  expect(schemaVersion).toBe(1);
  return rest;
};

describe('git ctx mcp', () => {
  let repo: string;
  let server: Server;
  beforeAll(async () => {
    repo = makeRepo({ files: { 'src/a.ts': 'export const a = 1;\n' } });
    server = await startServer(repo);
  });
  afterAll(async () => {
    await server?.close();
  });

  it('lists eight tools whose definitions together stay under 2,000 tokens', async () => {
    const { tools } = await server.client.listTools();
    expect(tools.map((t) => t.name)).toEqual(['ctx_add', 'ctx_read', 'ctx_brief', 'ctx_handoff', 'ctx_pickup', 'ctx_messages', 'ctx_conflicts', 'ctx_regenerate']);
    for (const t of tools) expect(t.inputSchema).toMatchObject({ type: 'object', additionalProperties: false });
    // What the agent's context pays: the serialized tools/list answer. Two estimates: ~4 characters per
    // token (the brief's own rule), and a stricter 3.5 for JSON, which tokenizes worse than prose.
    const chars = JSON.stringify({ tools }).length;
    expect(Math.ceil(chars / 4)).toBeLessThanOrEqual(2000);
    expect(Math.ceil(chars / 3.5)).toBeLessThanOrEqual(2000);
  });

  it('adds, reads, searches and shows with the same JSON as the CLI', async () => {
    const add = await server.call('ctx_add', { text: 'Keep the v1 parser\n\nClients pin it.', kind: 'decision', topic: 'api', tags: ['parser'], refs: ['src/a.ts'] });
    expect(add.isError).toBe(false);
    const id = add.json.id as string;
    expect(Object.keys(add.json).sort()).toEqual(['attempts', 'entry', 'id', 'redactions', 'schemaVersion', 'secretsKept']);
    expect(add.json.entry).toMatchObject({ id, kind: 'decision', title: 'Keep the v1 parser', agent: 'claude', topic: 'api', refs: ['src/a.ts'] });

    const show = await server.call('ctx_read', { id: id.slice(0, 14) });
    expect(strip(show.json)).toEqual(strip((await ctxOk(repo, ['show', id, '--json'])).json));
    const log = await server.call('ctx_read', { kind: 'decision' });
    expect(strip(log.json)).toEqual(strip((await ctxOk(repo, ['log', '-k', 'decision', '--json'])).json));
    const search = await server.call('ctx_read', { query: 'parser', limit: 5 });
    expect(strip(search.json)).toEqual(strip((await ctxOk(repo, ['search', 'parser', '-n', '5', '--json'])).json));
    expect(search.json.total).toBe(1);
  });

  it('picks up a handoff another process wrote after the server started, exactly once', async () => {
    const written = (await ctxOk(repo, ['handoff', '-m', 'Parser half done; tests next', '--agent', 'codex', '--session', 'other:main', '--json'])).json;
    const peek = await server.call('ctx_pickup', { peek: true });
    expect(peek.json.handoffs.map((h: any) => h.id)).toEqual([written.id]);
    const first = await server.call('ctx_pickup');
    expect(first.json.handoffs.map((h: any) => h.id)).toEqual([written.id]);
    expect(first.json.commit).toMatch(/^[0-9a-f]{40}$/);
    expect((await server.call('ctx_pickup')).json.handoffs).toEqual([]);
    expect((await ctxOk(repo, ['pickup', '--peek', '--json'])).json.handoffs).toEqual([]);
  });

  it('records the HEAD and branch of the moment, and settings changed since it started', async () => {
    writeFiles(repo, { 'src/b.ts': 'export const b = 2;\n' });
    git(repo, ['add', '-A']);
    git(repo, ['commit', '-q', '-m', 'b']);
    git(repo, ['checkout', '-q', '-b', 'feature']);
    const head = git(repo, ['rev-parse', 'HEAD']);
    const note = await server.call('ctx_add', { text: 'after the commit' });
    expect(note.json.entry).toMatchObject({ head, branch: 'feature' });

    git(repo, ['config', 'ctx.maxBodyBytes', '16']);
    try {
      const big = await server.call('ctx_add', { text: 'x'.repeat(17) });
      expect(big.isError).toBe(true);
      expect(big.json.error.code).toBe('E_TOO_LARGE');
    } finally {
      git(repo, ['config', '--unset', 'ctx.maxBodyBytes']);
    }
    git(repo, ['checkout', '-q', 'main']);
  });

  it('answers bad calls with tool errors carrying the CLI error codes, and keeps serving', async () => {
    const cases: [string, Record<string, unknown>, string][] = [
      ['ctx_add', { text: 'x', kind: 'bogus' }, 'E_KIND'],
      ['ctx_add', { text: 42 }, 'E_USAGE'],
      ['ctx_add', {}, 'E_USAGE'],
      ['ctx_add', { text: 'x', colour: 'red' }, 'E_USAGE'],
      ['ctx_add', { text: '', title: '' }, 'E_EMPTY'],
      ['ctx_read', { id: '01zzzzzzzzzzzz' }, 'E_NOT_FOUND'],
      ['ctx_read', { id: 'x', query: 'y' }, 'E_USAGE'],
      ['ctx_read', { limit: 1.5 }, 'E_USAGE'],
      ['ctx_brief', { budget: 5 }, 'E_BUDGET'],
      ['ctx_conflicts', { level: 'galaxy' }, 'E_LEVEL'],
      ['ctx_nope', {}, 'E_USAGE'],
    ];
    for (const [name, args, code] of cases) {
      const r = await server.call(name, args);
      expect({ name, args, isError: r.isError, code: r.json.error?.code }).toEqual({ name, args, isError: true, code });
    }
    // The same failure through the CLI carries the same code.
    expect((await ctx(repo, ['add', '-k', 'bogus', '-m', 'x', '--json'])).json.error.code).toBe('E_KIND');
    expect((await server.call('ctx_messages', { text: 'still here' })).isError).toBe(false);
  });

  it('sends and reads messages, briefs, and regenerates', async () => {
    await ctxOk(repo, ['send', '--to', 'all', 'build is red', '--session', 'other:main']);
    const inbox = await server.call('ctx_messages', { markRead: true });
    expect(inbox.json.messages.map((m: any) => m.title)).toContain('build is red');
    expect(inbox.json.marked).toHaveLength(inbox.json.messages.length);
    expect((await server.call('ctx_messages')).json.messages).toEqual([]);
    const brief = await server.call('ctx_brief', { budget: 500 });
    expect(brief.json.tokens).toBeLessThanOrEqual(500);
    expect(brief.json.sections.map((s: any) => s.key)).toContain('decisions');
    const regen = await server.call('ctx_regenerate', { dryRun: true });
    expect(regen.json).toMatchObject({ dryRun: true, written: false });
  });
});

describe('git ctx mcp with other writers', () => {
  it('loses nothing when two servers and the CLI write at once', async () => {
    const repo = makeRepo();
    const [a, b] = await Promise.all([startServer(repo), startServer(repo, {}, ['--client', 'codex'])]);
    try {
      const n = 12;
      const writes = [
        ...Array.from({ length: n }, (_, i) => a.call('ctx_add', { text: `from a ${i}` })),
        ...Array.from({ length: n }, (_, i) => b.call('ctx_add', { text: `from b ${i}` })),
        ...Array.from({ length: 4 }, (_, i) => ctxOk(repo, ['add', '-m', `from the cli ${i}`])),
      ];
      const results = await Promise.all(writes);
      expect(results.filter((r: any) => r.isError)).toEqual([]);
      expect(entryPaths(repo)).toHaveLength(2 * n + 4);
      const agents = (await ctxOk(repo, ['log', '-n', '0', '--json'])).json.entries.map((e: any) => e.agent);
      expect(agents.filter((x: string) => x === 'claude')).toHaveLength(n);
      expect(agents.filter((x: string) => x === 'codex')).toHaveLength(n);
      fsck(repo);
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });

  it('moves refs through one long-lived update-ref: a stale old value loses, and the next update still lands', async () => {
    const repo = makeRepo();
    const one = git(repo, ['rev-parse', 'HEAD']);
    git(repo, ['commit', '-q', '--allow-empty', '-m', 'two']);
    const two = git(repo, ['rev-parse', 'HEAD']);
    const zero = '0'.repeat(40);
    const updater = new RefUpdater(new GitRunner(repo, ENV), 'test');
    try {
      expect(await updater.cas({ ref: 'refs/heads/x', newOid: one, oldOid: null, zeroOid: zero })).toEqual({ ok: true });
      expect(await updater.cas({ ref: 'refs/heads/x', newOid: two, oldOid: null, zeroOid: zero })).toEqual({ ok: false, reason: 'moved' });
      expect(await updater.cas({ ref: 'refs/heads/x', newOid: two, oldOid: two, zeroOid: zero })).toEqual({ ok: false, reason: 'moved' });
      git(repo, ['update-ref', 'refs/heads/x', two, one]); // another process moves it
      expect(await updater.cas({ ref: 'refs/heads/x', newOid: one, oldOid: one, zeroOid: zero })).toEqual({ ok: false, reason: 'moved' });
      expect(await updater.cas({ ref: 'refs/heads/x', newOid: one, oldOid: two, zeroOid: zero })).toEqual({ ok: true });
      expect(git(repo, ['rev-parse', 'refs/heads/x'])).toBe(one);
      expect(git(repo, ['reflog', 'show', '--format=%gs', 'refs/heads/x']).split('\n')[0]).toBe('git-ctx: test');
    } finally {
      updater.close();
    }
  });

  it('exits when its client closes stdin, and outside a repository answers with E_NOT_A_REPO', async () => {
    const dir = tempDir();
    const s = await startServer(dir);
    const r = await s.call('ctx_read', {});
    expect(r).toMatchObject({ isError: true, json: { error: { code: 'E_NOT_A_REPO' } } });
    await s.close();

    const child = spawn(process.execPath, [BIN, 'mcp'], { cwd: makeRepo(), env: ENV, stdio: ['pipe', 'pipe', 'pipe'] });
    const code = await new Promise<number | null>((resolve) => {
      child.on('close', resolve);
      child.stdin.end();
    });
    expect(code).toBe(0);
  });

  it('loads the MCP SDK only for `mcp`', async () => {
    const hook = join(tempDir(), 'trace.cjs');
    writeFileSync(hook, "const M = require('module'); const load = M._load; M._load = function (r, ...a) { if (String(r).includes('@modelcontextprotocol')) process.stderr.write('LOADED-SDK\\n'); return load.call(this, r, ...a); };\n");
    const env = { NODE_OPTIONS: `--require ${hook}` };
    const repo = makeRepo();
    const add = await ctx(repo, ['add', '-m', 'plain note'], { env });
    expect(add.code).toBe(0);
    expect(add.stderr).not.toContain('LOADED-SDK');
    const mcp = await ctx(repo, ['mcp'], { env, input: '' });
    expect(mcp.code).toBe(0);
    expect(mcp.stderr).toContain('LOADED-SDK');
  });
});
