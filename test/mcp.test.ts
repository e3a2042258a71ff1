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
import { createServer, type AddressInfo, type Socket } from 'node:net';
import { BIN, ENV, ctx, ctxOk, entryPaths, fsck, git, makeRepo, tempDir, writeFiles } from './helpers/repo.js';
import { cli, cliOk } from './helpers/cli.js';
import { GitRunner } from '../src/git/run.js';
import { RefUpdater } from '../src/git/refs.js';
import { openCtx, closeCtx } from '../src/core/context.js';
import { addEntry } from '../src/core/entries/add.js';
import { realDeps } from './helpers/real-deps.js';

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

/** A tool result less what only MCP adds (the paging cursor, body lengths), to compare with the CLI's JSON. */
const cliShape = (json: any): any => {
  const { next: _next, ...rest } = strip(json);
  const entry = ({ bodyChars: _c, ...e }: any) => e;
  if (rest.entry) rest.entry = entry(rest.entry);
  if (rest.entries) rest.entries = rest.entries.map(entry);
  if (rest.hits) rest.hits = rest.hits.map((h: any) => ({ ...h, entry: entry(h.entry) }));
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

  it('lists nine tools whose definitions together stay under 2,000 tokens', async () => {
    const { tools } = await server.client.listTools();
    expect(tools.map((t) => t.name)).toEqual(['ctx_add', 'ctx_read', 'ctx_brief', 'ctx_handoff', 'ctx_pickup', 'ctx_messages', 'ctx_conflicts', 'ctx_regenerate', 'ctx_task']);
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
    expect(cliShape(show.json)).toEqual(strip((await cliOk(repo, ['show', id, '--json'])).json));
    const log = await server.call('ctx_read', { kind: 'decision' });
    expect(cliShape(log.json)).toEqual(strip((await cliOk(repo, ['log', '-k', 'decision', '--json'])).json));
    const search = await server.call('ctx_read', { query: 'parser', limit: 5 });
    expect(cliShape(search.json)).toEqual(strip((await cliOk(repo, ['search', 'parser', '-n', '5', '--json'])).json));
    expect(search.json.total).toBe(1);
  });

  it('picks up a handoff another process wrote after the server started, exactly once', async () => {
    const written = (await cliOk(repo, ['handoff', '-m', 'Parser half done; tests next', '--agent', 'codex', '--session', 'other:main', '--json'])).json;
    const peek = await server.call('ctx_pickup', { peek: true });
    expect(peek.json.handoffs.map((h: any) => h.id)).toEqual([written.id]);
    const first = await server.call('ctx_pickup');
    expect(first.json.handoffs.map((h: any) => h.id)).toEqual([written.id]);
    expect(first.json.commit).toMatch(/^[0-9a-f]{40}$/);
    expect((await server.call('ctx_pickup')).json.handoffs).toEqual([]);
    expect((await cliOk(repo, ['pickup', '--peek', '--json'])).json.handoffs).toEqual([]);
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
    expect((await cli(repo, ['add', '-k', 'bogus', '-m', 'x', '--json'])).json.error.code).toBe('E_KIND');
    expect((await server.call('ctx_messages', { text: 'still here' })).isError).toBe(false);
  });

  it('sends and reads messages, briefs, and regenerates', async () => {
    await cliOk(repo, ['send', '--to', 'all', 'build is red', '--session', 'other:main']);
    const inbox = await server.call('ctx_messages', { markRead: true });
    expect(inbox.json.messages.map((m: any) => m.title)).toContain('build is red');
    expect(inbox.json.marked).toHaveLength(inbox.json.messages.length);
    expect((await server.call('ctx_messages')).json.messages).toEqual([]);
    const brief = await server.call('ctx_brief', { budget: 500 });
    expect(brief.json.tokens).toBeLessThanOrEqual(500);
    expect(Math.ceil(JSON.stringify(brief.json).length / 4)).toBeLessThanOrEqual(500);
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
      const agents = (await cliOk(repo, ['log', '-n', '0', '--json'])).json.entries.map((e: any) => e.agent);
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

/** A JSON-RPC conversation with the server over its stdio, message by message (no SDK in between). */
async function raw(cwd: string, messages: object[]): Promise<any[]> {
  const child = spawn(process.execPath, [BIN, 'mcp', '--client', 'claude'], { cwd, env: ENV, stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  const replies = () => out.split('\n').filter(Boolean).map((l) => JSON.parse(l));
  const expected = messages.filter((m: any) => m.id !== undefined).length;
  for (const m of messages) child.stdin.write(`${JSON.stringify(m)}\n`);
  for (let i = 0; i < 300 && replies().length < expected; i++) await new Promise((r) => setTimeout(r, 50));
  child.stdin.end();
  await new Promise((r) => child.on('close', r));
  return replies();
}

const init = (version: string) => ({ jsonrpc: '2.0', id: 0, method: 'initialize', params: { protocolVersion: version, capabilities: {}, clientInfo: { name: 'raw', version: '1' } } });
const initialized = { jsonrpc: '2.0', method: 'notifications/initialized' };

describe('git ctx mcp: bounded, well-formed results', () => {
  let repo: string;
  let server: Server;
  beforeAll(async () => {
    repo = makeRepo();
    const c = await openCtx(realDeps(repo, ENV));
    try {
      const other = { agent: 'codex', session: 'wo:o' };
      for (let i = 0; i < 60; i++) await addEntry(c, { ...other, kind: 'message', to: 'all', body: `message ${i}: ${'lorem ipsum dolor sit amet '.repeat(40)}` });
      await addEntry(c, { ...other, kind: 'message', to: 'all', body: `a long one\n\n${'x'.repeat(60_000)}` });
      for (let i = 0; i < 30; i++) await addEntry(c, { ...other, kind: i % 2 ? 'decision' : 'note', title: `entry ${i}`, body: 'consectetur adipiscing elit '.repeat(300) });
    } finally {
      closeCtx(c);
    }
    server = await startServer(repo);
  });
  afterAll(async () => {
    await server?.close();
  });

  it('every result stays under 10,000 characters, and pages reach every item exactly once', async () => {
    const seen: string[] = [];
    let cursor: string | undefined;
    for (let page = 0; page < 100; page++) {
      const r = await server.client.callTool({ name: 'ctx_messages', arguments: cursor ? { cursor } : {} });
      const text = (r.content as any[])[0].text as string;
      expect(text.length).toBeLessThan(10_000);
      const json = JSON.parse(text);
      seen.push(...json.messages.map((m: any) => m.id));
      cursor = json.next ?? undefined;
      if (!cursor) break;
    }
    expect(seen).toHaveLength(61);
    expect(new Set(seen).size).toBe(61);
    for (const args of [{}, { limit: 100 }, { kind: 'note' }, { query: 'consectetur', limit: 50 }]) {
      const r = await server.client.callTool({ name: 'ctx_read', arguments: args });
      expect(((r.content as any[])[0].text as string).length).toBeLessThan(10_000);
    }
    const brief = await server.client.callTool({ name: 'ctx_brief', arguments: {} });
    expect(((brief.content as any[])[0].text as string).length).toBeLessThanOrEqual(2000 * 4);
  });

  it('a body too long for one result comes in parts that add up to it', async () => {
    const id = (await cliOk(repo, ['log', '-k', 'message', '-n', '1', '--json'])).json.entries[0].id;
    const whole = (await cliOk(repo, ['show', id, '--json'])).json.entry.body as string;
    let body = '';
    let cursor: string | undefined;
    for (let i = 0; i < 50; i++) {
      const r = await server.call('ctx_read', cursor ? { id, cursor } : { id });
      expect(JSON.stringify(r.json).length).toBeLessThan(10_000);
      body += r.json.entry.body;
      cursor = r.json.next ?? undefined;
      if (!cursor) break;
    }
    expect(body).toBe(whole);
  });

  it('ctx_brief holds its budget in its JSON too', async () => {
    for (const budget of [300, 2000]) {
      const r = await server.call('ctx_brief', { budget });
      expect(Math.ceil(JSON.stringify(r.json).length / 4)).toBeLessThanOrEqual(budget);
      expect(r.json.text).toMatch(/^# Brief for session/);
    }
  });

  it('marks messages read once the answer was sent: the next call, and the CLI, see them read', async () => {
    const r = await server.call('ctx_messages', { markRead: true, limit: 3 });
    expect(r.json.marked).toHaveLength(3);
    const again = await server.call('ctx_messages', { limit: 3 });
    expect(again.json.messages.map((m: any) => m.id)).not.toContain(r.json.marked[0]);
    const unread = (await cliOk(repo, ['inbox', '--json'])).json.messages.map((m: any) => m.id);
    for (const id of r.json.marked) expect(unread).not.toContain(id);
  });

  it('errors name the tool arguments, not the command line flags', async () => {
    const cases: [string, Record<string, unknown>, RegExp, RegExp][] = [
      ['ctx_brief', { budget: 5 }, /\bbudget\b/, /--budget/],
      ['ctx_read', { query: 'x', limit: 0 }, /\blimit\b/, /(^|\s)-n\b/],
      ['ctx_add', { text: 'x', supersedes: ['01m7yvmwgafc92k5d0vbbcz0n0'] }, /\bsupersedes\b.*\bkind\b/, /--supersedes|-k /],
      ['ctx_handoff', {}, /\bsummary\b/, /-m TEXT|--auto/],
    ];
    for (const [name, args, has, hasNot] of cases) {
      const r = await server.call(name, args);
      expect(r.isError).toBe(true);
      const words = `${r.json.error.message} ${r.json.error.hint ?? ''}`;
      expect({ name, words }).toEqual({ name, words: expect.stringMatching(has) });
      expect(words).not.toMatch(hasNot);
    }
  });

  it('arguments that are not an object are a tool error (E_USAGE), not a protocol error', async () => {
    const replies = await raw(repo, [
      init('2025-11-25'),
      initialized,
      { jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'ctx_read', arguments: [1, 2] } },
      { jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'ctx_read', arguments: 'x' } },
      { jsonrpc: '2.0', id: 3, method: 'tools/call', params: { name: 'ctx_add', arguments: 5 } },
      { jsonrpc: '2.0', id: 4, method: 'tools/call', params: { name: 'ctx_read', arguments: { limit: 1 } } },
    ]);
    for (const id of [1, 2, 3]) {
      const r = replies.find((m) => m.id === id);
      expect(r.error).toBeUndefined();
      expect(r.result.isError).toBe(true);
      expect(JSON.parse(r.result.content[0].text).error).toMatchObject({ code: 'E_USAGE', message: expect.stringMatching(/arguments must be an object/) });
    }
    expect(replies.find((m) => m.id === 4).result.isError).toBeUndefined();
  });
});

describe('git ctx mcp: protocol versions', () => {
  it('serves clients pinned to the newest revision (2026-07-28), clients that negotiate, and 2025 clients', async () => {
    const { Client: Client2 } = await import('@modelcontextprotocol/client');
    const { StdioClientTransport: Stdio2 } = await import('@modelcontextprotocol/client/stdio');
    const repo = makeRepo();
    for (const versionNegotiation of [{ mode: { pin: '2026-07-28' } }, { mode: 'auto' }, undefined] as const) {
      const client = new Client2({ name: 'v2', version: '1' }, versionNegotiation ? { versionNegotiation: versionNegotiation as never } : {});
      await client.connect(new Stdio2({ command: process.execPath, args: [BIN, 'mcp', '--client', 'claude'], cwd: repo, env: ENV, stderr: 'pipe' }));
      try {
        expect(client.getNegotiatedProtocolVersion()).toBe(versionNegotiation ? '2026-07-28' : '2025-11-25');
        expect((await client.listTools()).tools.map((t) => t.name)).toContain('ctx_add');
        const r = await client.callTool({ name: 'ctx_add', arguments: { text: `over ${client.getNegotiatedProtocolVersion()}` } });
        expect(r.isError).toBeFalsy();
      } finally {
        await client.close();
      }
    }
    expect(entryPaths(repo)).toHaveLength(3);
    for (const version of ['2025-06-18', '2025-03-26', '2024-11-05']) {
      const [reply] = await raw(repo, [init(version)]);
      expect(reply.result.protocolVersion).toBe(version);
    }
  });
});

describe('git ctx mcp: one call never holds up another', () => {
  it('a pickup waiting on a remote that never answers does not stall a quick read', async () => {
    const repo = makeRepo();
    await cliOk(repo, ['add', '-m', 'something to read']);
    // A remote that accepts connections and never says a word.
    const sockets: Socket[] = [];
    const silentServer = createServer((s) => sockets.push(s));
    await new Promise<void>((r) => silentServer.listen(0, '127.0.0.1', () => r()));
    const port = (silentServer.address() as AddressInfo).port;
    git(repo, ['config', 'ctx.remote', `git://127.0.0.1:${port}/repo`]);
    const child = spawn(process.execPath, [BIN, 'mcp', '--client', 'claude'], { cwd: repo, env: ENV, stdio: ['pipe', 'pipe', 'pipe'] });
    try {
      let out = '';
      child.stdout.on('data', (d) => (out += d));
      const replies = () => out.split('\n').filter(Boolean).map((l) => JSON.parse(l));
      const send = (m: object) => child.stdin.write(`${JSON.stringify(m)}\n`);
      send(init('2025-11-25'));
      send(initialized);
      send({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'ctx_pickup', arguments: {} } });
      await new Promise((r) => setTimeout(r, 500));
      const t = Date.now();
      send({ jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'ctx_read', arguments: {} } });
      for (let i = 0; i < 800 && !replies().some((m) => m.id === 2); i++) await new Promise((r) => setTimeout(r, 25));
      const read = replies().find((m) => m.id === 2);
      expect(read?.result?.isError).toBeUndefined();
      expect(JSON.parse(read.result.content[0].text).entries[0].title).toBe('something to read');
      // Answered before the pickup, which waits on the remote (a busy machine may take seconds, not forever).
      const order = replies().map((m) => m.id);
      expect(order.indexOf(1) === -1 || order.indexOf(2) < order.indexOf(1)).toBe(true);
      expect(Date.now() - t).toBeLessThan(20_000);
    } finally {
      child.kill('SIGKILL');
      for (const s of sockets) s.destroy();
      silentServer.close();
    }
  });
});
