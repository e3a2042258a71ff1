#!/usr/bin/env node
/**
 * `git ctx brief` wall time (a whole CLI process, as an agent hook runs it) on stores of 1k, 10k and
 * 100k real-format entries spread over a year, with handoffs, messages, decisions, postmortems, claims
 * and receipts in realistic shares (see lib/session-store.ts). Prints a table of medians.
 *
 *     node bench/brief.mjs [--sizes 1000,10000,100000] [--runs 11]
 *
 * Rows: `node -e 0` (the floor any node CLI pays), brief with no index cache (first use after a clone
 * or after deleting .git/ctx/cache), brief with the cache at the tip, brief one new entry behind the
 * cache (the usual case: someone wrote since the last command), `log -n 20` for comparison, the work
 * of brief alone (in process), and brief once `gc` has removed the consumed handoffs and read messages
 * older than a week.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { loadTs } from './lib/ts.mjs';

const BIN = resolve('dist/bin.cjs');
const { makeSessionStore } = loadTs('bench/lib/session-store.ts');
const { briefInProcess } = loadTs('bench/lib/brief-in-process.ts');

const arg = (name, dflt) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1] : dflt;
};
const sizes = arg('--sizes', '1000,10000,100000').split(',').map(Number);
const runs = Number(arg('--runs', '11'));

function time(cmd, args, opts) {
  const t = process.hrtime.bigint();
  const r = spawnSync(cmd, args, { ...opts, encoding: 'utf8', maxBuffer: 1 << 28 });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} exited ${r.status}: ${r.stderr}`);
  return { ms: Number(process.hrtime.bigint() - t) / 1e6, stdout: r.stdout };
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const p90 = (xs) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * 0.9))];

execFileSync(process.execPath, ['scripts/build.mjs'], { stdio: 'inherit' });
const rows = [];
for (const n of sizes) {
  const t0 = Date.now();
  const { repo, env, summary } = await makeSessionStore({ entries: n, bin: BIN });
  process.stderr.write(`built ${n} entries (${summary.commits} commits) in ${((Date.now() - t0) / 1000).toFixed(1)} s: ${repo}\n`);
  const opts = { cwd: repo, env };
  const brief = () => time(process.execPath, [BIN, 'brief'], opts);
  const measure = (label, fn, before) => {
    const ms = [];
    for (let i = 0; i < runs; i++) {
      before?.(i);
      ms.push(fn().ms);
    }
    rows.push({ entries: n, case: label, median: median(ms), p90: p90(ms), min: Math.min(...ms) });
  };
  measure('node -e 0', () => time(process.execPath, ['-e', '0'], opts));
  measure('brief, no index cache', brief, () => rmSync(join(repo, '.git/ctx/cache'), { recursive: true, force: true }));
  const out = brief();
  measure('brief, cache at tip', brief);
  measure('brief, 1 entry behind the cache', brief, (i) => execFileSync(process.execPath, [BIN, 'add', '-m', `bench note ${i}`], opts));
  measure('log -n 20', () => time(process.execPath, [BIN, 'log', '-n', '20'], opts));
  const inProcess = await briefInProcess(repo, env, runs);
  rows.push({ entries: n, case: 'brief in process (no node start-up, warm JIT)', median: median(inProcess), p90: p90(inProcess), min: Math.min(...inProcess) });
  // Retention as the session protocol runs it: consumed handoffs and read messages past a week go.
  const gc = JSON.parse(time(process.execPath, [BIN, 'gc', '--json'], opts).stdout);
  brief();
  measure(`brief after gc (removed ${gc.removed.length} entries, ${gc.stateFiles.length} state files)`, brief);
  const tokens = Math.ceil(Buffer.byteLength(out.stdout) / 4);
  rows.push({ entries: n, case: `(brief output: ${tokens} tokens of 2000, ${out.stdout.split('\n').length} lines)`, median: NaN, p90: NaN, min: NaN });
  rmSync(join(repo, '..'), { recursive: true, force: true });
}

const fmt = (x) => (Number.isNaN(x) ? '' : x.toFixed(0));
console.log(`\ngit ctx brief, wall ms per CLI process (${runs} runs; node ${process.version}; ${execFileSync('git', ['--version'], { encoding: 'utf8' }).trim()})\n`);
console.log('| entries | case | median | p90 | min |');
console.log('|---:|---|---:|---:|---:|');
for (const r of rows) console.log(`| ${r.entries} | ${r.case} | ${fmt(r.median)} | ${fmt(r.p90)} | ${fmt(r.min)} |`);
