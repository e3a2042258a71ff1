#!/usr/bin/env node
// Sync timings against a 100k-entry context branch: pull + merge of 1k new entries (fast-forward and
// real merge), push of 1k entries, a sync with nothing to do, and what publishing the work in
// progress first adds to a push (20 edited files of a 2,000-file tree; with snapshots too). Every timed run is a cold
// `git-ctx` process (dist/bin.cjs), as a user or a hook would start it, on a bare remote on disk.
//
// The entries are real entry files with one commit each, spread over a year, streamed into
// `git fast-import` by bench/lib/seed.ts (seconds, not an hour of `git ctx add`).
// Usage: npm run build && node bench/sync.mjs [entries] [rounds]
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadTs } from './lib/ts.mjs';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const BIN = join(ROOT, 'dist', 'bin.cjs');
const TOTAL = Number(process.argv[2] ?? 100_000);
const ROUNDS = Number(process.argv[3] ?? 3);
const NEW = 1000;

const work = mkdtempSync(join(tmpdir(), 'git-ctx-bench-sync-'));
const env = { ...process.env, HOME: work, GIT_CONFIG_NOSYSTEM: '1', GIT_AUTHOR_NAME: 'Bench', GIT_AUTHOR_EMAIL: 'bench@example.com', GIT_COMMITTER_NAME: 'Bench', GIT_COMMITTER_EMAIL: 'bench@example.com' };
for (const k of Object.keys(env)) if (k.startsWith('GIT_') && !k.startsWith('GIT_AUTHOR') && !k.startsWith('GIT_COMMITTER') && k !== 'GIT_CONFIG_NOSYSTEM') delete env[k];

const { seed } = loadTs(join(ROOT, 'bench/lib/seed.ts'));
const git = (cwd, args) => execFileSync('git', args, { cwd, env, encoding: 'utf8', stdio: ['pipe', 'pipe', 'pipe'] }).trim();

// CPU time (user + sys of git-ctx and every git it waited for) says what a loaded machine's wall
// clock hides; GNU time reports it where it is installed.
const TIME = existsSync('/usr/bin/time') && spawnSync('/usr/bin/time', ['-f', '%U', 'true']).status === 0 ? '/usr/bin/time' : null;

function timed(cmd, args, opts) {
  const t0 = performance.now();
  const r = TIME ? spawnSync(TIME, ['-f', 'cpu %U %S', cmd, ...args], opts) : spawnSync(cmd, args, opts);
  const ms = performance.now() - t0;
  const m = /cpu ([\d.]+) ([\d.]+)\s*$/.exec(r.stderr ?? '');
  return { r, ms, cpu: m ? (Number(m[1]) + Number(m[2])) * 1000 : NaN };
}

function ctx(cwd, args) {
  const { r, ms, cpu } = timed(process.execPath, [BIN, ...args], { cwd, env, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`git-ctx ${args.join(' ')}: ${r.stderr}`);
  return { ms, cpu, json: args.includes('--json') ? JSON.parse(r.stdout) : null };
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const YEAR = 365 * 24 * 3600 * 1000;
const now = Date.now();

try {
  const t0 = performance.now();
  const remote = join(work, 'remote.git');
  git(work, ['init', '-q', '--bare', '-b', 'main', remote]);
  const seedRepo = join(work, 'seed');
  git(work, ['init', '-q', '-b', 'main', seedRepo]);
  // A code tree for the work in progress that push publishes: 2,000 files of 40 lines.
  for (let d = 0; d < 20; d++) {
    mkdirSync(join(seedRepo, 'src', `d${d}`), { recursive: true });
    for (let f = 0; f < 100; f++) writeFileSync(join(seedRepo, 'src', `d${d}`, `f${f}.js`), Array.from({ length: 40 }, (_, i) => `export const v${i} = ${i};\n`).join(''));
  }
  git(seedRepo, ['add', '-A']);
  git(seedRepo, ['commit', '-q', '-m', 'code']);
  ctx(seedRepo, ['init']);
  await seed(seedRepo, { count: TOTAL, start: now - YEAR, end: now - 2 * 3600_000 });
  git(seedRepo, ['push', '-q', remote, 'main', 'context']);
  const clones = ['a', 'b'].map((name) => {
    const dir = join(work, name);
    git(work, ['clone', '-q', remote, dir]);
    ctx(dir, ['pull']);
    return dir;
  });
  const [a, b] = clones;
  const setupS = ((performance.now() - t0) / 1000).toFixed(1);

  const rows = [];
  const measure = (label, runs, target) =>
    rows.push({ label, ms: median(runs.map((r) => r.ms)), cpu: median(runs.map((r) => r.cpu)), detail: runs[runs.length - 1].detail, target });
  const baseline = Array.from({ length: ROUNDS }, () => ({ ...timed(process.execPath, ['-e', '0'], { encoding: 'utf8' }), detail: '' }));
  measure('node -e 0 (start-up floor)', baseline, '');

  // Nothing to do: fetch finds the same tip.
  measure(`sync, nothing new (${TOTAL} entries)`, Array.from({ length: ROUNDS }, () => ({ ...ctx(b, ['sync', '--json']), detail: '' })), '');

  const runs = async (n, fn) => {
    const out = [];
    for (let r = 0; r < n; r++) out.push(await fn(r));
    return out;
  };
  // New entries written over the last day (about 40 an hour, each hour shard small), or, the heavy
  // case, all within one hour: then each of their commits rewrites a growing hour tree, and packing
  // those 1k versions dominates the transfer.
  const DAY = 24 * 3600_000;
  const spreads = { day: (r) => ({ start: now - DAY + r * 60_000, end: now - 3 * 60_000 + r * 1000 }), hour: (r) => ({ start: now - 3600_000 + r * 60_000, end: now - 3600_000 + r * 60_000 + 50_000 }) };
  const pullRuns = (local, spread) =>
    runs(ROUNDS, async (r) => {
      // a writes on top of everything the remote has (b's syncs move its branch too), untimed.
      ctx(a, ['pull']);
      await seed(a, { count: NEW, ...spreads[spread](r) });
      git(a, ['push', '-q', remote, 'context']);
      if (local) ctx(b, ['add', '-m', `local ${r}`]);
      const res = ctx(b, ['pull', '--json']);
      if (res.json.received !== NEW) throw new Error(`received ${res.json.received}, expected ${NEW}`);
      return { ...res, detail: `${res.json.merge}, received ${res.json.received}` };
    });
  measure(`pull ${NEW} new entries (written over a day), fast-forward`, await pullRuns(false, 'day'), '');
  measure(`pull + merge ${NEW} new entries (over a day; local work too)`, await pullRuns(true, 'day'), '<= 2000');
  measure(`pull + merge ${NEW} new entries (all within one hour)`, await pullRuns(true, 'hour'), '');

  const pushRuns = await runs(ROUNDS, async (r) => {
    await seed(b, { count: NEW, ...spreads.day(r) });
    const res = ctx(b, ['push', '--json']);
    if (res.json.sent < NEW) throw new Error(`sent ${res.json.sent}, expected at least ${NEW}`);
    return { ...res, detail: `sent ${res.json.sent}` };
  });
  measure(`push ${NEW} entries (over a day, 1 commit each)`, pushRuns, '');

  // push publishes first: with nothing in progress, with 20 files edited anew each round (a record
  // is written and pushed), and with the same work again (nothing written).
  const edit = (r) => {
    for (let f = 0; f < 20; f++) writeFileSync(join(b, 'src', `d${f}`, 'f0.js'), `export const round = ${r};\n${'export const x = 1;\n'.repeat(39)}`);
  };
  const pushes = (label, before) =>
    measure(label, Array.from({ length: ROUNDS }, (_, r) => {
      before(r);
      const res = ctx(b, ['push', '--json']);
      return { ...res, detail: `published ${res.json.published?.commit ? `${res.json.published.files} files` : 'nothing'}${res.json.published?.snapshotPushed ? ' + snapshot' : ''}` };
    }), '');
  pushes('push, nothing new, nothing in progress', () => {});
  pushes('push, nothing new, 20 files in progress (changed: a record is written and pushed)', edit);
  pushes('push, nothing new, the same 20 files in progress (nothing written)', () => {});
  git(b, ['config', 'ctx.publish.snapshots', 'true']);
  pushes('push, 20 files in progress, ctx.publish.snapshots (record + snapshot pushed)', (r) => edit(ROUNDS + r));
  git(b, ['config', 'ctx.publish.snapshots', 'false']);
  git(b, ['checkout', '-q', '--', '.']);


  console.log(`git-ctx sync bench: ${TOTAL} entries on the branch, median of ${ROUNDS} cold runs each (set-up ${setupS}s)`);
  console.log(`node ${process.version}, ${git(work, ['--version'])}, load average ${loadavg().map((l) => l.toFixed(1)).join(' ')}\n`);
  console.log('| operation | wall ms (median) | cpu ms (median) | target (wall) | last run |');
  console.log('|---|---:|---:|---:|---|');
  for (const r of rows) console.log(`| ${r.label} | ${r.ms.toFixed(0)} | ${Number.isNaN(r.cpu) ? '-' : r.cpu.toFixed(0)} | ${r.target} | ${r.detail} |`);
} finally {
  if (process.env.BENCH_KEEP) console.log(`kept ${work}`);
  else rmSync(work, { recursive: true, force: true });
}
