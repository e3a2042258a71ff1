#!/usr/bin/env node
// Store benchmarks: `add` against `node -e 0` at 0 / 10k / 100k entries, `log` and `search` at 100k,
// and 16 concurrent writers x 100 adds (lost entries, latency, CAS attempts). Prints Markdown tables.
// Usage: node bench/store.mjs [--quick]   (needs a build: npm run build)
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { loadTs } from './lib/ts.mjs';

const quick = process.argv.includes('--quick');
const BIN = resolve('dist/bin.cjs');
const RUNS = quick ? 10 : 30;
const { seed } = loadTs('bench/lib/seed.ts');
const env = { ...process.env, GIT_CONFIG_NOSYSTEM: '1', GIT_AUTHOR_NAME: 'Bench', GIT_AUTHOR_EMAIL: 'bench@example.com', GIT_COMMITTER_NAME: 'Bench', GIT_COMMITTER_EMAIL: 'bench@example.com' };
const dirs = [];

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
for (const n of sizes) {
  const d = repo();
  if (n) {
    const t = time(() => {});
    await seed(d, { count: n });
    void t;
    git(d, ['gc', '-q']);
  }
  repos[n] = d;
}

console.log(`\n### add (wall time of a whole \`git ctx add\` process, ${RUNS} runs each)\n`);
console.log('| entries | node -e 0 p50 | add p50 | add p90 | add p50 - node p50 |');
console.log('|---:|---:|---:|---:|---:|');
for (const n of sizes) {
  // Interleave the baseline with the measured command so both see the same machine load.
  const base = [];
  const add = [];
  for (let i = 0; i < RUNS; i++) {
    base.push(time(() => execFileSync(process.execPath, ['-e', '0'])));
    add.push(time(ctx(repos[n], ['add', '-m', `bench entry ${i}`])));
  }
  console.log(`| ${n.toLocaleString('en')} | ${ms(pct(base, 50))} | ${ms(pct(add, 50))} | ${ms(pct(add, 90))} | ${ms(pct(add, 50) - pct(base, 50))} |`);
}

const big = repos[sizes[sizes.length - 1]];
const n = sizes[sizes.length - 1];
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

const WRITERS = 16;
const PER = quick ? 20 : 100;
console.log(`\n### ${WRITERS} concurrent writers x ${PER} adds (separate \`git ctx add\` processes)\n`);
const d = repo();
const t0 = performance.now();
const results = await Promise.all(
  Array.from({ length: WRITERS }, (_, w) =>
    new Promise((res) => {
      const child = spawn(process.execPath, ['bench/lib/writer.mjs', BIN, d, String(PER), `w${w}`], { env });
      let out = '';
      child.stdout.on('data', (b) => (out += b));
      child.on('close', () => res(out.split('\n').filter(Boolean).map((l) => JSON.parse(l))));
    }),
  ),
);
const wall = performance.now() - t0;
const all = results.flat();
const acked = all.filter((r) => r.id);
const stored = new Set(git(d, ['ls-tree', '-r', '--name-only', 'context', '--', 'entries']).split('\n').map((p) => p.replace(/^.*\//, '').replace(/\.md$/, '')));
const lost = acked.filter((r) => !stored.has(r.id)).length;
const lat = acked.map((r) => r.ms);
const attempts = acked.reduce((s, r) => s + (r.attempts ?? 1), 0);
console.log('| acknowledged | failed | lost | p50 | p99 | max | CAS attempts | wall |');
console.log('|---:|---:|---:|---:|---:|---:|---:|---:|');
console.log(`| ${acked.length} | ${all.length - acked.length} | ${lost} | ${ms(pct(lat, 50))} | ${ms(pct(lat, 99))} | ${ms(Math.max(...lat))} | ${attempts} | ${(wall / 1000).toFixed(1)} s |`);

for (const d of dirs) rmSync(d, { recursive: true, force: true });
