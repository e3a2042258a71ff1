#!/usr/bin/env node
// Conflict scan benchmark: a 5,000-file repository whose worktrees each have ~20 changed files (half
// committed on their branch, half uncommitted: staged, unstaged, untracked), some of them shared with
// other worktrees. Times `git ctx conflicts --json` (the whole command, node start-up included) with
// 2, 4, 8 and 16 sessions beside `node -e 0` and one `git status` per worktree (interleaved), and one
// `merge-tree --stdin` against one merge-tree process per pair.
// Prints Markdown tables.  Usage: node bench/conflicts.mjs [--quick] [--files N] [--bin PATH]   (needs a build: npm run build)
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';

const quick = process.argv.includes('--quick');
const arg = (name, dflt) => (process.argv.includes(name) ? process.argv[process.argv.indexOf(name) + 1] : dflt);
const BIN = resolve(arg('--bin', 'dist/bin.cjs'));
const RUNS = quick ? 3 : 9;
const FILES = Number(arg('--files', '5000'));
const SESSIONS = quick ? [2, 4, 8] : [2, 4, 8, 16];
const env = { ...process.env, GIT_CONFIG_NOSYSTEM: '1', GIT_AUTHOR_NAME: 'Bench', GIT_AUTHOR_EMAIL: 'bench@example.com', GIT_COMMITTER_NAME: 'Bench', GIT_COMMITTER_EMAIL: 'bench@example.com' };
for (const k of Object.keys(env)) if (k.startsWith('GIT_CTX_')) delete env[k];

const root = mkdtempSync(join(tmpdir(), 'git-ctx-bench-conflicts-'));
const git = (cwd, args, input) => execFileSync('git', args, { cwd, env, encoding: 'utf8', input, maxBuffer: 1 << 28 }).trim();

/** A TypeScript file of ~45 lines: a class with three methods. */
function source(n) {
  const method = (name, k) => [`  ${name}(x: number): number {`, ...Array.from({ length: 10 }, (_, i) => `    const v${i} = x * ${n + k + i} + ${i};`), '    return v9;', '  }', ''];
  return [`export class C${n} {`, ...method('alpha', 1), ...method('beta', 2), ...method('gamma', 3), '}', ''].join('\n');
}
const path = (n) => `src/m${String(Math.floor(n / 100)).padStart(2, '0')}/f${String(n % 100).padStart(2, '0')}.ts`;

function edit(wt, file, line, text) {
  const p = join(wt, file);
  const lines = readFileSync(p, 'utf8').split('\n');
  lines[line - 1] = text;
  writeFileSync(p, lines.join('\n'));
}

// The repository.
const repo = join(root, 'repo');
mkdirSync(repo);
git(repo, ['init', '-q', '-b', 'main']);
git(repo, ['config', 'user.name', 'Bench']);
git(repo, ['config', 'user.email', 'bench@example.com']);
git(repo, ['config', 'gc.auto', '0']); // the explicit gc below, not one in the background
for (let n = 0; n < FILES; n++) {
  mkdirSync(dirname(join(repo, path(n))), { recursive: true });
  writeFileSync(join(repo, path(n)), source(n));
}
writeFileSync(join(repo, '.gitignore'), 'dist/\n');
git(repo, ['add', '-A']);
git(repo, ['commit', '-q', '-m', 'base']);
git(repo, ['gc', '-q']);

/**
 * Session s (0 = the main worktree) edits 20 files: 16 of its own and 4 from a pool of 12 files that
 * sessions share. 10 changes are committed on its branch, 4 staged, 4 unstaged, plus 2 untracked new
 * files (one of them created by every session, with different contents).
 */
function work(wt, s) {
  const own = Array.from({ length: 16 }, (_, i) => 100 + s * 37 + i * 211).map((n) => n % FILES);
  const shared = [0, 1, 2, 3].map((i) => (s * 5 + i * 3) % 12);
  // In method (n + s) % 3 of the file, on its 1st or 5th line: two sessions in the same method
  // collide on the same line when their numbers have the same parity, else edit it lines apart.
  const edits = [...own.map((n) => ({ n, line: 3 + (s % 10) })), ...shared.map((n) => ({ n, line: 3 + ((n + s) % 3) * 14 + (s % 2) * 4 }))];
  // Shared files first, so that some shared edits are committed and some are not.
  const order = [edits[16], edits[17], ...edits.slice(0, 8), edits[18], edits[19], ...edits.slice(8, 16)];
  order.slice(0, 10).forEach(({ n, line }) => edit(wt, path(n), line, `    const v${line} = ${s}; // session ${s}`));
  git(wt, ['add', '-A']);
  git(wt, ['commit', '-q', '-m', `session ${s}`]);
  order.slice(10, 18).forEach(({ n, line }) => edit(wt, path(n), line, `    const w${line} = ${s}; // wip ${s}`));
  git(wt, ['add', ...order.slice(10, 14).map(({ n }) => path(n))]);
  writeFileSync(join(wt, `src/new-${s}.ts`), source(90000 + s));
  writeFileSync(join(wt, `src/shared-new.ts`), `export const who = ${s};\n`);
  mkdirSync(join(wt, 'dist'), { recursive: true });
  writeFileSync(join(wt, 'dist/ignored.js'), 'ignored\n');
}

/** What a scan must not change: the index bytes and the status (read without refreshing the index). */
function untouched(wt) {
  const gitDir = git(wt, ['rev-parse', '--absolute-git-dir']);
  const index = createHash('sha1').update(readFileSync(join(gitDir, 'index'))).digest('hex');
  const status = execFileSync('git', ['status', '--porcelain=v1', '-z', '--untracked-files=all'], { cwd: wt, env: { ...env, GIT_OPTIONAL_LOCKS: '0' }, encoding: 'utf8' });
  return `${index}:${createHash('sha1').update(status).digest('hex')}`;
}
let checked = 0;

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

function runScan() {
  // The floors, interleaved with each run: Node's start-up, and git reading every worktree's status.
  let t0 = performance.now();
  spawnSync(process.execPath, ['-e', '0'], { env });
  const node = performance.now() - t0;
  t0 = performance.now();
  for (const wt of worktrees) spawnSync('git', ['status', '--porcelain', '-z'], { cwd: wt, env: { ...env, GIT_OPTIONAL_LOCKS: '0' } });
  const status = performance.now() - t0;
  t0 = performance.now();
  const r = spawnSync(process.execPath, [BIN, 'conflicts', '--json'], { cwd: repo, env, encoding: 'utf8', maxBuffer: 1 << 28 });
  const ms = performance.now() - t0;
  if (r.status !== 0) throw new Error(`conflicts exited ${r.status}: ${r.stderr}`);
  return { ms, node, status, json: JSON.parse(r.stdout), stderr: r.stderr };
}

const worktrees = [repo];
work(repo, 0);
const rows = [];
let progressLine = '';
let mergeRows = null;
for (const n of SESSIONS) {
  while (worktrees.length < n) {
    const s = worktrees.length;
    const wt = join(root, `wt${s}`);
    git(repo, ['worktree', 'add', '-q', '-b', `s${s}`, wt]);
    work(wt, s);
    worktrees.push(wt);
  }
  runScan(); // warm the page cache and the stat data
  const before = worktrees.map(untouched);
  const runs = Array.from({ length: RUNS }, runScan);
  if (worktrees.map(untouched).join() !== before.join()) throw new Error('a scan changed a worktree index or status');
  checked += worktrees.length * RUNS;
  const last = runs[runs.length - 1].json;
  const phase = (k) => median(runs.map((r) => r.json.stats.ms[k]));
  const count = (level) => last.overlaps.filter((o) => o.level === level).length;
  rows.push({
    sessions: n,
    pairs: last.stats.pairs,
    overlaps: last.overlaps.length,
    byLevel: `${count('file')} / ${count('symbol')} / ${count('hunk')} / ${count('merge')}`,
    wall: median(runs.map((r) => r.ms)),
    best: Math.min(...runs.map((r) => r.ms)),
    node: median(runs.map((r) => r.node)),
    status: median(runs.map((r) => r.status)),
    snapshot: phase('snapshot'),
    plan: phase('plan'),
    merge: phase('merge'),
    compare: phase('compare'),
    total: phase('total'),
  });
  if (runs.some((r) => r.stderr.includes('reading worktrees'))) progressLine = runs.find((r) => r.stderr.includes('reading worktrees')).stderr.trim().split('\n')[0];

  if (n === 8) {
    // One merge-tree --stdin for all pairs, against one process per pair (same pairs, same commits).
    const snaps = last.sessions.map((s) => s.snapshot);
    const pairs = [];
    for (let a = 0; a < snaps.length; a++) for (let b = a + 1; b < snaps.length; b++) pairs.push([snaps[a], snaps[b]]);
    const batch = median(Array.from({ length: RUNS }, () => {
      const t0 = performance.now();
      spawnSync('git', ['merge-tree', '--write-tree', '--stdin', '-z', '--no-messages'], { cwd: repo, env, input: pairs.map((p) => p.join(' ')).join('\n') + '\n' });
      return performance.now() - t0;
    }));
    const each = median(Array.from({ length: RUNS }, () => {
      const t0 = performance.now();
      for (const [a, b] of pairs) spawnSync('git', ['merge-tree', '--write-tree', '-z', '--no-messages', a, b], { cwd: repo, env });
      return performance.now() - t0;
    }));
    mergeRows = { pairs: pairs.length, batch, each };
  }
}

const ms = (x) => `${Math.round(x)} ms`;
console.log(`\nConflict scan: ${FILES} files, ~20 changed files per session (10 committed, 4 staged, 4 unstaged, 2 untracked); median of ${RUNS} runs (phases: medians of the scan's own timings).`);
console.log(`Machine: ${process.platform} ${process.arch}, node ${process.versions.node}, ${git(repo, ['--version'])}, load average ${loadavg().map((l) => l.toFixed(1)).join(' ')}\n`);
console.log('| sessions | pairs | overlaps (file / symbol / hunk / merge) | `git ctx conflicts` wall, median | best | snapshots | bases + diffs | merge-tree | hunks + symbols | scan total | node -e 0 | git status x sessions |');
console.log('|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
for (const r of rows) console.log(`| ${r.sessions} | ${r.pairs} | ${r.overlaps} (${r.byLevel}) | ${ms(r.wall)} | ${ms(r.best)} | ${ms(r.snapshot)} | ${ms(r.plan)} | ${ms(r.merge)} | ${ms(r.compare)} | ${ms(r.total)} | ${ms(r.node)} | ${ms(r.status)} |`);
if (mergeRows) {
  console.log(`\n| ${mergeRows.pairs} pairs of 8 sessions | one \`merge-tree --stdin\` | one \`merge-tree\` per pair |`);
  console.log('|---|---:|---:|');
  console.log(`| wall | ${ms(mergeRows.batch)} | ${ms(mergeRows.each)} |`);
}
console.log(`\nIndexes and statuses byte-identical before and after: ${checked} worktree scans checked.`);
if (progressLine) console.log(`\nProgress on stderr at ${SESSIONS[SESSIONS.length - 1]} sessions: \`${progressLine}\``);
rmSync(root, { recursive: true, force: true });
