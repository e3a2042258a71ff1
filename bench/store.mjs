#!/usr/bin/env node
// Store benchmarks: `add` against `node -e 0` and against the floor of a Node appender through update-ref
// (lib/add-floor.cjs) at 0 / 10k / 100k entries, `log` and `search` at 100k,
// and 16 concurrent writers x 100 adds, as CLI processes and as long-lived MCP servers, beside the same
// number of `node -e 0` processes (lost entries, latency, branch moves), and beside a SQLite
// scratchpad (lib/scratchpad.cjs), the kind of note store git-ctx replaces. Prints Markdown tables.
// Usage: node bench/store.mjs [--quick] [--base DIR | --bin DIR/dist/bin.cjs] [--sqlite DIR]
//   (needs a build: npm run build)
// --base DIR (or --bin DIR/dist/bin.cjs): another build (a checkout with its dist/ built, e.g. main's)
// measured beside this one, interleaved run by run for `add`, one after the other for the concurrent
// writers (base, this, this, base; the reading tables are left out then: they measure this build only).
// --sqlite DIR: a directory where better-sqlite3 is installed (`npm i --prefix DIR better-sqlite3@12`:
// it builds a native addon, so it is no dependency of git-ctx), for the scratchpad; without it, and
// without better-sqlite3 in node_modules, the scratchpad is left out.
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { bundleTs, loadTs } from './lib/ts.mjs';

const quick = process.argv.includes('--quick');
const BIN = resolve('dist/bin.cjs');
const option = (name) => {
  const at = process.argv.indexOf(name);
  return at > 0 ? process.argv[at + 1] : null;
};
const BASE = option('--base') ? resolve(option('--base')) : option('--bin') ? resolve(dirname(option('--bin')), '..') : null;
const BASE_BIN = BASE && join(BASE, 'dist/bin.cjs');
const SQLITE = (() => {
  const from = resolve(option('--sqlite') ?? '.');
  try {
    createRequire(join(from, 'x.js')).resolve('better-sqlite3');
    return from;
  } catch {
    return null;
  }
})();
const SCRATCHPAD = resolve('bench/lib/scratchpad.cjs');
const load = () => loadavg().map((x) => x.toFixed(1)).join(' ');
console.log(`> load average at the start: ${load()} (2 cores); \`node -e 0\` and the peers run interleaved with git-ctx`);
if (!SQLITE) console.log('> the SQLite scratchpad is left out: better-sqlite3 is not installed (see --sqlite)');
const RUNS = quick ? 10 : 30;
const { seed } = loadTs('bench/lib/seed.ts');
const env = { ...process.env, GIT_CTX_BENCH_SQLITE: SQLITE ?? '', GIT_CONFIG_NOSYSTEM: '1', GIT_AUTHOR_NAME: 'Bench', GIT_AUTHOR_EMAIL: 'bench@example.com', GIT_COMMITTER_NAME: 'Bench', GIT_COMMITTER_EMAIL: 'bench@example.com' };
const dirs = [];
if (process.env.NODE_EXTRA_CA_CERTS) {
  console.log('> NODE_EXTRA_CA_CERTS is set: every node process, `node -e 0` included, loads that file as it starts');
  console.log('> (~50 ms for a system CA bundle). git-ctx needs no TLS; unset it to measure git-ctx itself.');
}

function git(cwd, args) {
  return execFileSync('git', args, { cwd, env, encoding: 'utf8' }).trim();
}
function repo() {
  const d = mkdtempSync(join(tmpdir(), 'git-ctx-bench-'));
  dirs.push(d);
  git(d, ['init', '-q', '-b', 'main']);
  git(d, ['config', 'user.name', 'Bench']);
  git(d, ['config', 'user.email', 'bench@example.com']);
  git(d, ['commit', '-q', '--allow-empty', '-m', 'init']);
  execFileSync(process.execPath, [BIN, 'init'], { cwd: d, env });
  return d;
}
function time(fn) {
  const t0 = performance.now();
  fn();
  return performance.now() - t0;
}
function pct(xs, p) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
}
const ms = (x) => `${x.toFixed(1)} ms`;
function runs(n, fn) {
  const out = [];
  for (let i = 0; i < n; i++) out.push(time(fn));
  return out;
}
const ctx = (cwd, args) => () => execFileSync(process.execPath, [BIN, ...args], { cwd, env, stdio: ['ignore', 'ignore', 'ignore'] });

const sizes = quick ? [0, 10_000] : [0, 10_000, 100_000];
const repos = {};
const pads = {};
/** A scratchpad database holding `n` notes. */
function scratchpad(n) {
  const d = mkdtempSync(join(tmpdir(), 'git-ctx-bench-sqlite-'));
  dirs.push(d);
  const db = join(d, 'notes.db');
  execFileSync(process.execPath, [SCRATCHPAD, db, '--seed', String(n)], { env });
  return db;
}
for (const n of sizes) {
  const d = repo();
  if (n) {
    await seed(d, { count: n });
    git(d, ['gc', '-q']);
  }
  repos[n] = d;
  if (SQLITE) pads[n] = scratchpad(n);
}

console.log(`\n### add (wall time of a whole \`git ctx add\` process, ${RUNS} runs each)\n`);
console.log('The floor: bench/lib/add-floor.cjs, the git process and built-ins an append cannot do without, and no git-ctx code.');
console.log('The scratchpad: bench/lib/scratchpad.cjs, one note appended to a SQLite database of as many notes.\n');
const padCols = SQLITE ? ' scratchpad p50 |' : '';
const padSep = SQLITE ? '---:|' : '';
if (BASE) {
  console.log('Base: the build in --base, run interleaved with this one (order alternating), same repositories.\n');
  console.log(`| entries | node -e 0 p50 | floor p50 |${padCols} base add p50 | add p50 | add p90 | base - node | add - node |`);
  console.log(`|---:|---:|---:|${padSep}---:|---:|---:|---:|---:|`);
} else {
  console.log(`| entries | node -e 0 p50 | floor p50 |${padCols} add p50 | add p90 | floor - node | add - node |`);
  console.log(`|---:|---:|---:|${padSep}---:|---:|---:|---:|`);
}
const FLOOR = resolve('bench/lib/add-floor.cjs');
const ctxWith = (bin, cwd, args) => () => execFileSync(process.execPath, [bin, ...args], { cwd, env, stdio: ['ignore', 'ignore', 'ignore'] });
for (const n of sizes) {
  // Interleave the baselines with the measured command so all see the same machine load.
  const base = [];
  const floor = [];
  const pad = [];
  const add = [];
  const baseAdd = [];
  for (let i = 0; i < RUNS; i++) {
    base.push(time(() => execFileSync(process.execPath, ['-e', '0'])));
    floor.push(time(() => execFileSync(process.execPath, [FLOOR], { cwd: repos[n], env })));
    if (SQLITE) pad.push(time(() => execFileSync(process.execPath, [SCRATCHPAD, pads[n], `bench note ${i}`], { env, stdio: 'ignore' })));
    if (BASE && i % 2) baseAdd.push(time(ctxWith(BASE_BIN, repos[n], ['add', '-m', `base entry ${i}`])));
    add.push(time(ctx(repos[n], ['add', '-m', `bench entry ${i}`])));
    if (BASE && !(i % 2)) baseAdd.push(time(ctxWith(BASE_BIN, repos[n], ['add', '-m', `base entry ${i}`])));
  }
  const node = pct(base, 50);
  const padCell = SQLITE ? ` ${ms(pct(pad, 50))} |` : '';
  if (BASE) console.log(`| ${n.toLocaleString('en')} | ${ms(node)} | ${ms(pct(floor, 50))} |${padCell} ${ms(pct(baseAdd, 50))} | ${ms(pct(add, 50))} | ${ms(pct(add, 90))} | ${ms(pct(baseAdd, 50) - node)} | ${ms(pct(add, 50) - node)} |`);
  else console.log(`| ${n.toLocaleString('en')} | ${ms(node)} | ${ms(pct(floor, 50))} |${padCell} ${ms(pct(add, 50))} | ${ms(pct(add, 90))} | ${ms(pct(floor, 50) - node)} | ${ms(pct(add, 50) - node)} |`);
}
console.log(`\nload average after the add table: ${load()}`);

const big = repos[sizes[sizes.length - 1]];
const n = sizes[sizes.length - 1];
if (!BASE) {
console.log(`\n### reading at ${n.toLocaleString('en')} entries\n`);
console.log('| command | p50 | p90 |');
console.log('|---|---:|---:|');
const rmCache = () => rmSync(join(big, '.git/ctx/cache'), { recursive: true, force: true });
rmCache();
const cold = time(ctx(big, ['log', '-n', '5', '--kind', 'decision']));
console.log(`| index build (first filtered command, cold) | ${ms(cold)} | |`);
for (const [label, args, k] of [
  ['log -n 20', ['log', '-n', '20'], RUNS],
  ['log -n 20 --json', ['log', '-n', '20', '--json'], RUNS],
  ['log --kind decision -n 20', ['log', '--kind', 'decision', '-n', '20'], RUNS],
  ['log -n 0 (all entries, human)', ['log', '-n', '0'], 5],
  ['log -n 0 --json (all entries with bodies)', ['log', '-n', '0', '--json'], 5],
  ['search "parser regression"', ['search', 'parser', 'regression'], 10],
  ['show <full id>', null, RUNS],
]) {
  let fn = args && ctx(big, args);
  if (!args) {
    const id = JSON.parse(execFileSync(process.execPath, [BIN, 'log', '-n', '1', '--json'], { cwd: big, env, encoding: 'utf8' })).entries[0].id;
    fn = ctx(big, ['show', id]);
  }
  const r = runs(k, fn);
  console.log(`| ${label} | ${ms(pct(r, 50))} | ${ms(pct(r, 90))} |`);
}
}

const WRITERS = 16;
const PER = quick ? 20 : 100;

/** Start WRITERS processes of `args` at once; each prints JSON lines. Returns every line, and the wall time. */
async function concurrently(args) {
  const t0 = performance.now();
  const results = await Promise.all(
    Array.from({ length: WRITERS }, (_, w) =>
      new Promise((res) => {
        const child = spawn(process.execPath, args(w), { env });
        let out = '';
        child.stdout.on('data', (b) => (out += b));
        child.stderr.on('data', (b) => process.stderr.write(b));
        child.on('close', () => res(out.split('\n').filter(Boolean).map((l) => JSON.parse(l))));
      }),
    ),
  );
  return { lines: results.flat(), wall: performance.now() - t0 };
}
const storedIds = (d) => git(d, ['ls-tree', '-r', '--name-only', 'context', '--', 'entries']).split('\n').filter(Boolean).map((p) => p.replace(/^.*\//, '').replace(/\.md$/, ''));
const casCount = (d) => git(d, ['reflog', 'show', '--format=%H', 'refs/heads/context']).split('\n').length - 1; // less the branch's creation

console.log(`\n### ${WRITERS} concurrent writers x ${PER} adds\n`);
console.log('Every add is acknowledged only once it is on the branch. "Branch moves" counts compare-and-swaps that');
console.log('landed: fewer than adds when the writer holding the lock landed several queued adds at once.\n');
console.log('| writers | acknowledged | failed | lost | p50 | p99 | max | branch moves | wall |');
console.log('|---|---:|---:|---:|---:|---:|---:|---:|---:|');

// The floor for a CLI writer: the same number of `node -e 0` processes, run the same way.
const floor = await concurrently(() => ['-e', `for (let i = 0; i < ${PER}; i++) { const t = performance.now(); require('child_process').execFileSync(process.execPath, ['-e', '0']); console.log(JSON.stringify({ ms: performance.now() - t })); }`]);
const fl = floor.lines.map((r) => r.ms);
console.log(`| \`node -e 0\` processes (the floor of a CLI writer) | ${fl.length} | | | ${ms(pct(fl, 50))} | ${ms(pct(fl, 99))} | ${ms(Math.max(...fl))} | | ${(floor.wall / 1000).toFixed(1)} s |`);
// The floor of an appending Node CLI (lib/add-floor.cjs: no git-ctx code), run the same way.
const floorRepo = repo();
const appender = await concurrently(() => ['-e', `for (let i = 0; i < ${PER}; i++) { const t = performance.now(); require('child_process').execFileSync(process.execPath, [${JSON.stringify(FLOOR)}], { cwd: ${JSON.stringify(floorRepo)} }); console.log(JSON.stringify({ ms: performance.now() - t })); }`]);
const al = appender.lines.map((r) => r.ms);
console.log(`| \`add-floor.cjs\` processes (the floor of an appending Node CLI) | ${al.length} | | | ${ms(pct(al, 50))} | ${ms(pct(al, 99))} | ${ms(Math.max(...al))} | | ${(appender.wall / 1000).toFixed(1)} s |`);
if (SQLITE) {
  // The scratchpad, one process per note, all writers on one database.
  const db = scratchpad(0);
  const pad = await concurrently((w) => ['-e', `for (let i = 0; i < ${PER}; i++) { const t = performance.now(); let out; try { out = JSON.parse(require('child_process').execFileSync(process.execPath, [${JSON.stringify(SCRATCHPAD)}, ${JSON.stringify(db)}, 'w${w} ' + i], { encoding: 'utf8' })); } catch (e) { console.log(JSON.stringify({ error: String(e.message).slice(0, 200) })); continue; } console.log(JSON.stringify({ id: out.id, ms: performance.now() - t })); }`]);
  const pl = pad.lines.filter((r) => r.ms !== undefined).map((r) => r.ms);
  const rows = Number(execFileSync(process.execPath, ['-e', `const D = require(require.resolve('better-sqlite3', { paths: [${JSON.stringify(SQLITE)}] })); console.log(new D(${JSON.stringify(db)}).prepare('SELECT count(*) AS n FROM notes').get().n)`], { encoding: 'utf8' }));
  const padFailed = pad.lines.filter((r) => r.error).length;
  console.log(`| SQLite scratchpad processes (one process per note, as a shell tool runs it) | ${pl.length} | ${padFailed} | ${Math.max(0, pl.length - rows)} | ${ms(pct(pl, 50))} | ${ms(pct(pl, 99))} | ${ms(Math.max(...pl))} | | ${(pad.wall / 1000).toFixed(1)} s |`);
}

const builds = BASE ? [['base', BASE_BIN, bundleTs(join(BASE, 'bench/lib/mcp-in-process.ts'))], ['this build', BIN, bundleTs('bench/lib/mcp-in-process.ts')]] : [['', BIN, bundleTs('bench/lib/mcp-in-process.ts')]];
for (const [kind, makeArgs] of [
  ['`git ctx add` processes (one process per add, as hooks and shell tools run it)', (bin, _mcp, w) => ['bench/lib/writer.mjs', bin, '%REPO%', String(PER), `w${w}`]],
  ['MCP servers (one long-lived process per agent, as agents run it)', (_bin, mcp, w) => ['bench/lib/mcp-writer.mjs', mcp, '%REPO%', String(PER), `m${w}`]],
]) {
  // With a base, each kind runs base, this, this, base: the machine's drift falls on both alike.
  for (const [build, bin, mcp] of BASE ? [...builds, ...[...builds].reverse()] : builds) {
  const label = build ? `${kind}, ${build}` : kind;
  const d = repo();
  const { lines, wall } = await concurrently((w) => makeArgs(bin, mcp, w).map((a) => (a === '%REPO%' ? d : a)));
  // writer.mjs prints one line per add; mcp-writer.mjs one line with every call's time.
  const lat = lines.flatMap((r) => r.ms === undefined ? [] : Array.isArray(r.ms) ? r.ms : r.id ? [r.ms] : []);
  const failed = lines.filter((r) => r.error).length;
  const stored = new Set(storedIds(d));
  const withIds = lines.some((r) => r.id);
  const lost = withIds ? lines.filter((r) => r.id && !stored.has(r.id)).length : Math.max(0, lat.length - stored.size);
  console.log(`| ${label} | ${lat.length} | ${failed} | ${lost} | ${ms(pct(lat, 50))} | ${ms(pct(lat, 99))} | ${ms(Math.max(...lat))} | ${casCount(d)} | ${(wall / 1000).toFixed(1)} s |`);
  }
}

console.log(`\nload average at the end: ${load()}`);
for (const d of dirs) rmSync(d, { recursive: true, force: true });
