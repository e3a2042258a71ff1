#!/usr/bin/env node
/**
 * What agents pay for git-ctx, on a session-shaped store (see lib/session-store.ts): the MCP server's
 * calls, warm in a long-lived server (in process, through the SDK's in-memory transport; and over
 * stdio, as an agent runs it), and each agent hook's wall time as the agent sees it (a whole CLI
 * process fed the hook's JSON on stdin, until it exits). Prints a table of medians.
 *
 *     node bench/agents.mjs [--sizes 100000] [--runs 9] [--calls 60]
 *
 * Targets: ctx_add p50 <= 10 ms in a warm server at 100k entries; every hook <= 1 s at 100k entries.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { loadTs } from './lib/ts.mjs';

const BIN = resolve('dist/bin.cjs');
const { makeSessionStore } = loadTs('bench/lib/session-store.ts');
const { mcpCallsInProcess } = loadTs('bench/lib/mcp-in-process.ts');

const arg = (name, dflt) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1] : dflt;
};
const sizes = arg('--sizes', '100000').split(',').map(Number);
const runs = Number(arg('--runs', '9'));
const calls = Number(arg('--calls', '60'));

const sorted = (xs) => [...xs].sort((a, b) => a - b);
const median = (xs) => sorted(xs)[Math.floor(xs.length / 2)];
const p90 = (xs) => sorted(xs)[Math.min(xs.length - 1, Math.floor(xs.length * 0.9))];

function time(args, opts, input = '') {
  const t = process.hrtime.bigint();
  const r = spawnSync(process.execPath, args, { ...opts, input, encoding: 'utf8', maxBuffer: 1 << 28 });
  const ms = Number(process.hrtime.bigint() - t) / 1e6;
  if (r.status !== 0) throw new Error(`${args.join(' ')} exited ${r.status}: ${r.stderr}`);
  return { ms, stdout: r.stdout, stderr: r.stderr };
}

execFileSync(process.execPath, ['scripts/build.mjs'], { stdio: 'inherit' });
const rows = [];
const row = (entries, label, ms, note = '') => rows.push({ entries, label, median: median(ms), p90: p90(ms), max: Math.max(...ms), note });

for (const n of sizes) {
  const t0 = Date.now();
  const { repo, env, summary } = await makeSessionStore({ entries: n, bin: BIN });
  process.stderr.write(`built ${n} entries (${summary.commits} commits) in ${((Date.now() - t0) / 1000).toFixed(1)} s: ${repo}\n`);
  const opts = { cwd: repo, env };
  time([BIN, 'brief'], opts); // the index at the tip, as after any earlier command

  row(n, 'node -e 0 (the floor of any CLI process)', Array.from({ length: runs }, () => time(['-e', '0'], opts).ms));
  row(n, 'git ctx add (CLI process)', Array.from({ length: runs }, (_, i) => time([BIN, 'add', '-m', `cli note ${i}`], opts).ms));

  // The MCP server, in process and warm: the protocol, the argument checks and the store; no process, no pipe.
  const adds = Array.from({ length: calls }, (_, i) => ({ name: 'ctx_add', arguments: { text: `mcp note ${i}` } }));
  row(n, 'MCP ctx_add, in process, warm', await mcpCallsInProcess(repo, env, adds), 'target p50 <= 10 ms');
  row(n, 'MCP ctx_read (newest 20), in process, warm', await mcpCallsInProcess(repo, env, Array.from({ length: 25 }, () => ({ name: 'ctx_read', arguments: {} }))));
  row(n, 'MCP ctx_messages (inbox), in process, warm', await mcpCallsInProcess(repo, env, Array.from({ length: 25 }, () => ({ name: 'ctx_messages', arguments: {} }))));

  // Over stdio, as an agent runs it: a child process, JSON-RPC over pipes.
  const client = new Client({ name: 'bench', version: '1' });
  await client.connect(new StdioClientTransport({ command: process.execPath, args: [BIN, 'mcp'], cwd: repo, env }));
  const listed = JSON.stringify(await client.listTools()).length;
  const stdio = [];
  for (let i = 0; i < calls; i++) {
    const t = performance.now();
    await client.callTool({ name: 'ctx_add', arguments: { text: `stdio note ${i}` } });
    if (i >= 5) stdio.push(performance.now() - t);
  }
  await client.close();
  row(n, 'MCP ctx_add over stdio, warm server', stdio);

  // Agent hooks: the whole process, stdin JSON to exit, as Claude Code runs them.
  const hookInput = (event, session, extra = {}) => JSON.stringify({ session_id: session, transcript_path: null, cwd: repo, hook_event_name: event, ...extra });
  const hook = (event, session, extra) => time([BIN, 'agent-hook', 'claude', event], opts, hookInput(event, session, extra));
  const hookRow = (label, fn, before) => {
    let late = 0;
    const ms = Array.from({ length: runs }, (_, i) => {
      before?.(i);
      const r = fn(i);
      if (/gave up|being built|still running/.test(r.stderr)) late++;
      return r.ms;
    });
    row(n, label, ms, `target <= 1000 ms${late ? `; ${late} of ${runs} hit the deadline` : ''}`);
  };
  hookRow('hook SessionStart (brief)', (i) => hook('SessionStart', `s${i}`, { source: 'startup' }));
  hookRow('hook UserPromptSubmit, nothing new', (i) => hook('UserPromptSubmit', `s${i}`, { prompt: 'go on' }));
  hookRow('hook UserPromptSubmit, one new message', (i) => hook('UserPromptSubmit', `s${i}`, { prompt: 'go on' }), (i) => time([BIN, 'send', `news ${i}`, '--session', 'other:main'], opts));
  hookRow('hook SessionEnd, nothing changed (no handoff)', (i) => hook('SessionEnd', `e${i}`, { reason: 'exit' }), (i) => hook('SessionStart', `e${i}`));
  hookRow('hook SessionEnd, work done (handoff --auto)', (i) => hook('SessionEnd', `w${i}`, { reason: 'exit' }), (i) => {
    hook('SessionStart', `w${i}`);
    writeFileSync(join(repo, `work-${i}.txt`), `${i}\n`);
  });
  hookRow('hook PreCompact (regenerate)', (i) => hook('PreCompact', `s${i}`, { trigger: 'auto' }), (i) => writeFileSync(join(repo, `compact-${i}.txt`), `${i}\n`));

  // First use on a cold index: the hook gives up at its deadline and a background run builds the index.
  const exists = (p) => spawnSync('test', ['-e', p]).status === 0;
  for (let i = 0; i < 300 && exists(join(repo, '.git/ctx/tmp/index-warm')); i++) spawnSync('sleep', ['0.2']); // background runs of the rows above
  spawnSync('sleep', ['2']);
  rmSync(join(repo, '.git/ctx/cache'), { recursive: true, force: true });
  const cold = hook('SessionStart', 'cold');
  const warmStart = Date.now();
  while (!exists(join(repo, '.git/ctx/cache/context/head.json')) && Date.now() - warmStart < 300_000) spawnSync('sleep', ['0.2']);
  row(n, 'hook SessionStart, cold index (gives up, builds in the background)', [cold.ms], `background build done ${((Date.now() - warmStart) / 1000).toFixed(1)} s after`);

  rows.push({ entries: n, label: `(tools/list: ${listed} characters: ${Math.ceil(listed / 4)} tokens at 4 chars/token, ${Math.ceil(listed / 3.5)} at 3.5)`, median: NaN, p90: NaN, max: NaN, note: 'budget 2000' });
  rmSync(join(repo, '..'), { recursive: true, force: true });
}

const fmt = (x) => (Number.isNaN(x) ? '' : x < 20 ? x.toFixed(1) : x.toFixed(0));
console.log(`\ngit-ctx for agents: wall ms (${runs} runs per hook, ${calls} MCP calls less 5 warm-up; node ${process.version}; ${execFileSync('git', ['--version'], { encoding: 'utf8' }).trim()})\n`);
console.log('| entries | case | median | p90 | max | |');
console.log('|---:|---|---:|---:|---:|---|');
for (const r of rows) console.log(`| ${r.entries} | ${r.label} | ${fmt(r.median)} | ${fmt(r.p90)} | ${fmt(r.max)} | ${r.note} |`);
