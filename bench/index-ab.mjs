#!/usr/bin/env node
/**
 * The commands the derived index serves, this build against another one (A/B), interleaved run after
 * run beside `node -e 0`, on copies of the same two 100k-entry stores: a session-shaped store
 * (lib/session-store.ts: brief, show by a short prefix, log by kind) and the seeded store of
 * bench/store.mjs (lib/seed.ts: log -n 20, search, log -n 0 --json). Prints one Markdown table of
 * medians. Each build gets its own copy of each store (their index files may differ).
 *
 *     node bench/index-ab.mjs --base /path/to/other/checkout [--runs 21] [--entries 100000] [--stores DIR] [--cpu]
 *
 * `--base` names a directory holding another build's `dist/bin.cjs` (for example a `git worktree` of
 * main after `npm ci`). `--stores DIR` keeps the two generated stores there and reuses them on the
 * next run (they take a minute or two to make). `--cpu` also reports the CPU time of each process with
 * its children (`perf stat -e task-clock`), which a busy machine disturbs less than wall time.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { loadTs } from './lib/ts.mjs';

const arg = (name, dflt) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1] : dflt;
};
const baseDir = arg('--base');
if (!baseDir) throw new Error('usage: node bench/index-ab.mjs --base DIR [--runs N] [--entries N] [--stores DIR]');
const runs = Number(arg('--runs', '21'));
const entries = Number(arg('--entries', '100000'));
const only = arg('--only', '');
const cpu = process.argv.includes('--cpu');
const BINS = { base: resolve(baseDir, 'dist/bin.cjs'), this: resolve('dist/bin.cjs') };
const { makeSessionStore, cleanEnv } = loadTs('bench/lib/session-store.ts');
const { seed } = loadTs('bench/lib/seed.ts');

const env = cleanEnv({ GIT_CTX_SESSION: 'bench:feature', GIT_CTX_AGENT: 'claude' });
delete env.NODE_EXTRA_CA_CERTS;
const keep = arg('--stores');
const storeDir = keep ? resolve(keep) : mkdtempSync(join(tmpdir(), 'git-ctx-ab-'));
mkdirSync(storeDir, { recursive: true });
const work = mkdtempSync(join(tmpdir(), 'git-ctx-ab-work-'));
process.once('exit', () => {
  rmSync(work, { recursive: true, force: true });
  if (!keep) rmSync(storeDir, { recursive: true, force: true });
});

async function stores() {
  const session = join(storeDir, `session-${entries}`);
  if (!existsSync(session)) {
    const made = await makeSessionStore({ entries, bin: BINS.base });
    cpSync(made.repo, session, { recursive: true });
    rmSync(join(made.repo, '..'), { recursive: true, force: true });
  }
  const seeded = join(storeDir, `seed-${entries}`);
  if (!existsSync(seeded)) {
    mkdirSync(seeded);
    const git = (args) => execFileSync('git', args, { cwd: seeded, env, encoding: 'utf8' });
    git(['init', '-q', '-b', 'main']);
    git(['config', 'user.name', 'Bench']);
    git(['config', 'user.email', 'bench@example.com']);
    git(['commit', '-q', '--allow-empty', '-m', 'init']);
    execFileSync(process.execPath, [BINS.base, 'init'], { cwd: seeded, env });
    await seed(seeded, { count: entries });
    git(['gc', '-q']);
  }
  return { session, seeded };
}

function time(cwd, file, args) {
  const argv = [process.execPath, file, ...args];
  if (cpu) argv.unshift('perf', 'stat', '-x,', '-e', 'task-clock');
  const t = process.hrtime.bigint();
  const r = spawnSync(argv[0], argv.slice(1), { cwd, env, encoding: 'utf8', maxBuffer: 1 << 30 });
  const ms = Number(process.hrtime.bigint() - t) / 1e6;
  if (r.status !== 0) throw new Error(`${file} ${args.join(' ')} exited ${r.status}: ${r.stderr}`);
  const clock = cpu ? Number(r.stderr.split('\n').find((l) => l.includes('task-clock'))?.split(',')[0]) : NaN;
  return { ms, cpu: clock, stdout: r.stdout };
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const { session, seeded } = await stores();
const copies = {};
const cold = {};
for (const [label, bin] of Object.entries(BINS)) {
  copies[label] = { session: join(work, `${label}-session`), seeded: join(work, `${label}-seed`) };
  cpSync(session, copies[label].session, { recursive: true });
  cpSync(seeded, copies[label].seeded, { recursive: true });
  for (const d of Object.values(copies[label])) rmSync(join(d, '.git/ctx/cache'), { recursive: true, force: true });
  cold[label] = time(copies[label].seeded, bin, ['log', '-n', '1', '--kind', 'decision']).ms;
  time(copies[label].session, bin, ['log', '-n', '1', '--kind', 'decision']);
  time(copies[label].session, bin, ['brief']);
  // Twice each: the first run of a command writes its code cache.
  for (let i = 0; i < 2; i++) for (const d of Object.values(copies[label])) for (const a of [['brief'], ['log', '-n', '20'], ['search', 'parser', 'regression']]) time(d, bin, a);
}
const prefix = JSON.parse(time(copies.base.session, BINS.base, ['log', '-n', '1', '--kind', 'decision', '--json']).stdout).entries[0].id.slice(0, 9);

const cases = [
  ['brief, index at tip', 'session', ['brief']],
  ['brief, 1 entry behind the index', 'session', ['brief'], (d, bin, i) => time(d, bin, ['add', '-m', `ab note ${i}`])],
  ['log -n 20', 'seeded', ['log', '-n', '20']],
  ['log --kind decision -n 20', 'seeded', ['log', '--kind', 'decision', '-n', '20']],
  [`show ${prefix} (short prefix)`, 'session', ['show', prefix]],
  ['search "parser regression"', 'seeded', ['search', 'parser', 'regression']],
  ['log -n 0 --json (all, with bodies)', 'seeded', ['log', '-n', '0', '--json'], null, Math.max(5, Math.ceil(runs / 3))],
].filter(([label]) => !only || label.includes(only));

const rows = [];
for (const [label, store, args, before, n = runs] of cases) {
  const ms = { node: [], base: [], this: [] };
  const cpus = { node: [], base: [], this: [] };
  for (let i = 0; i < n; i++) {
    // Alternate which build goes first, so that neither always follows the other.
    const order = i % 2 ? ['node', 'base', 'this'] : ['node', 'this', 'base'];
    for (const who of order) {
      const d = copies[who]?.[store];
      if (who !== 'node') before?.(d, BINS[who], i);
      const r = who === 'node' ? time(work, '-e', ['0']) : time(d, BINS[who], args);
      ms[who].push(r.ms);
      cpus[who].push(r.cpu);
    }
  }
  const row = { label, n, node: median(ms.node), base: median(ms.base), this: median(ms.this), cpu: { node: median(cpus.node), base: median(cpus.base), this: median(cpus.this) } };
  rows.push(row);
  process.stderr.write(`${label}: node ${row.node.toFixed(1)} base ${row.base.toFixed(1)} this ${row.this.toFixed(1)}${cpu ? ` (cpu ${row.cpu.node.toFixed(0)} / ${row.cpu.base.toFixed(0)} / ${row.cpu.this.toFixed(0)})` : ''}\n`);
}

const load = execFileSync('cat', ['/proc/loadavg'], { encoding: 'utf8' }).split(' ').slice(0, 3).join(' ');
console.log(`\n${entries.toLocaleString('en')} entries, wall ms per CLI process, medians, interleaved run after run (node ${process.version}; load average at the end ${load})\n`);
const cpuHead = cpu ? ' cpu: node -e 0 | base | this build | this / base |' : '';
console.log(`| command | runs | node -e 0 | base | this build | this / base |${cpuHead}`);
console.log(`|---|---:|---:|---:|---:|---:|${cpu ? '---:|---:|---:|---:|' : ''}`);
console.log(`| index build (first filtered command, no index) | 1 | | ${cold.base.toFixed(0)} | ${cold.this.toFixed(0)} | ${(cold.this / cold.base).toFixed(2)} |${cpu ? ' | | | |' : ''}`);
for (const r of rows) {
  const c = cpu ? ` ${r.cpu.node.toFixed(0)} | ${r.cpu.base.toFixed(0)} | ${r.cpu.this.toFixed(0)} | ${(r.cpu.this / r.cpu.base).toFixed(2)} |` : '';
  console.log(`| ${r.label} | ${r.n} | ${r.node.toFixed(1)} | ${r.base.toFixed(1)} | ${r.this.toFixed(1)} | ${(r.this / r.base).toFixed(2)} |${c}`);
}
