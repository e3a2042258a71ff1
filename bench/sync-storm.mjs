#!/usr/bin/env node
// Many clones syncing at once through one bare remote on disk (file://), as a team with hooks would:
// each clone runs `git ctx add` then `git ctx sync` in a loop, all at the same time. Prints, for each
// number of clones: the syncs that failed, sync p50/p99, whether every clone holds every entry after
// one quiet round (every clone syncing once more, all at once), and the same clones doing a plain
// `git fetch` of every clone's ref + `git push` of a ref of their own in the same loop: the floor of
// any design where writes do not contend. `node -e 0` is sampled all along, to show how busy the
// machine was. Every timed run is a cold `git-ctx` process (dist/bin.cjs), as a hook would start it.
//
// Usage: npm run build && node bench/sync-storm.mjs [clones,...=8,16,32] [rounds=3] [--bin other/dist/bin.cjs] [--base before/dist/bin.cjs]
import { spawn, spawnSync, execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const args = process.argv.slice(2);
const binAt = args.indexOf('--bin');
const BIN = binAt >= 0 ? args.splice(binAt, 2)[1] : join(ROOT, 'dist', 'bin.cjs');
const baseAt = args.indexOf('--base');
// Another build (say, of the commit before a change), stormed in the same run, right after this one.
const BASE = baseAt >= 0 ? args.splice(baseAt, 2)[1] : null;
const COUNTS = (args[0] ?? '8,16,32').split(',').map(Number);
const ROUNDS = Number(args[1] ?? 3);

const work = mkdtempSync(join(tmpdir(), 'git-ctx-bench-storm-'));
const env = { ...process.env, HOME: work, XDG_CACHE_HOME: join(work, 'cache'), GIT_CONFIG_NOSYSTEM: '1', GIT_AUTHOR_NAME: 'Bench', GIT_AUTHOR_EMAIL: 'bench@example.com', GIT_COMMITTER_NAME: 'Bench', GIT_COMMITTER_EMAIL: 'bench@example.com' };
for (const k of Object.keys(env)) if (k.startsWith('GIT_') && !/^GIT_(AUTHOR|COMMITTER)_|^GIT_CONFIG_NOSYSTEM$/.test(k)) delete env[k];
// A CA bundle named here is read by every node process as it starts (~40 ms of CPU for a system
// bundle), git-ctx's and `node -e 0` alike; git-ctx needs no TLS (git does its own transport).
const caBundle = env.NODE_EXTRA_CA_CERTS;
delete env.NODE_EXTRA_CA_CERTS;
process.on('exit', () => rmSync(work, { recursive: true, force: true }));

const git = (cwd, a) => execFileSync('git', a, { cwd, env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();

// CPU time (user + sys of the process and every process it waited for) says what a loaded machine's
// wall clock hides; GNU time reports it where it is installed.
const TIME = existsSync('/usr/bin/time') && spawnSync('/usr/bin/time', ['-f', '%U', 'true']).status === 0 ? '/usr/bin/time' : null;

function run(cmd, a, cwd, extraEnv = {}) {
  return new Promise((resolve) => {
    const t0 = performance.now();
    const e = { ...env, ...extraEnv };
    const child = TIME ? spawn(TIME, ['-f', 'cpu %U %S', cmd, ...a], { cwd, env: e, stdio: ['ignore', 'pipe', 'pipe'] }) : spawn(cmd, a, { cwd, env: e, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (b) => (out += b));
    child.stderr.on('data', (b) => (err += b));
    child.on('close', (code) => {
      const m = /cpu ([\d.]+) ([\d.]+)\s*$/.exec(err);
      if (m) err = err.slice(0, m.index);
      resolve({ code, out, err, ms: performance.now() - t0, cpu: m ? (Number(m[1]) + Number(m[2])) * 1000 : NaN });
    });
  });
}

const pct = (xs, p) => {
  if (!xs.length) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)];
};
const f = (ms) => (Number.isNaN(ms) ? '–' : ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${Math.round(ms)} ms`);

/** Samples `node -e 0` one after another until stopped. */
function sampler() {
  const times = [];
  let on = true;
  const loop = (async () => {
    while (on) {
      times.push((await run(process.execPath, ['-e', '0'], work)).ms);
      await new Promise((r) => setTimeout(r, 200));
    }
  })();
  return { times, stop: async () => ((on = false), await loop) };
}

async function setup(n) {
  const dir = mkdtempSync(join(work, `n${n}-`));
  const remote = join(dir, 'remote.git');
  const seed = join(dir, 'seed');
  git(dir, ['init', '-q', '--bare', '-b', 'main', remote]);
  git(dir, ['init', '-q', '-b', 'main', seed]);
  git(seed, ['commit', '-q', '--allow-empty', '-m', 'init']);
  git(seed, ['push', '-q', remote, 'main']);
  const clones = [];
  for (let i = 0; i < n; i++) {
    const c = join(dir, `c${i}`);
    git(dir, ['clone', '-q', remote, c]);
    git(c, ['config', 'ctx.remote', 'origin']);
    // Dozens of clones on one machine share its cores: a bound meant for one clone per machine
    // (ctx.remoteTimeout, 60 s) would count the machine's queue as the remote's failure.
    git(c, ['config', 'ctx.remoteTimeout', '900']);
    clones.push(c);
  }
  return { remote, clones };
}

async function storm(clones, bin) {
  const syncs = [];
  const cpu = [];
  let failed = 0;
  const reasons = new Map();
  const ids = [];
  await Promise.all(
    clones.map(async (c, i) => {
      for (let r = 0; r < ROUNDS; r++) {
        const a = await run(process.execPath, [bin, 'add', '-m', `clone ${i} round ${r}`, '--json'], c);
        if (a.code === 0) ids.push(JSON.parse(a.out).id);
        const s = await run(process.execPath, [bin, 'sync', '--json'], c);
        syncs.push(s.ms);
        cpu.push(s.cpu);
        if (s.code !== 0) {
          failed++;
          let code = `exit ${s.code}`;
          try {
            code = JSON.parse(s.out).error.code;
          } catch {
            /* no JSON on stdout: keep the exit status */
          }
          reasons.set(code, (reasons.get(code) ?? 0) + 1);
        }
      }
    }),
  );
  return { syncs, cpu, failed, reasons, ids };
}

async function quiet(clones, ids, bin) {
  const t0 = performance.now();
  const runs = await Promise.all(clones.map((c) => run(process.execPath, [bin, 'sync', '--json'], c)));
  const ms = performance.now() - t0;
  const failed = runs.filter((r) => r.code !== 0).length;
  for (const r of runs.filter((x) => x.code !== 0).slice(0, 3)) console.error(`quiet sync failed: ${r.err.trim().split('\n')[0]}`);
  let complete = 0;
  for (const c of clones) {
    const have = new Set(git(c, ['ls-tree', '-r', '--name-only', 'context', '--', 'entries']).split('\n').map((p) => p.replace(/^.*\//, '').replace(/\.md$/, '')));
    if (ids.every((id) => have.has(id))) complete++;
  }
  return { failed, complete, ms };
}

/**
 * The same loop with plain git: a commit on a ref of one's own (untimed, as the storm's add), fetch
 * every clone's ref, push one's own (timed, as the storm's sync). With `node`, the add and the sync
 * each also start `node -e 0` first, as many Node starts as the storm makes: the floor of any tool
 * written for Node, on a machine whose cores every clone shares. With `entries`, each commit carries
 * what a git-ctx entry is made of (a file of its own under entries/YYYY/MM/DD/HH/, on top of every
 * earlier one: a blob and six trees, on top of the clone's own earlier commits), not an empty tree:
 * the floor of any design that keeps a note a file in a dated tree and exchanges it through refs of
 * each clone's own, as git-ctx does.
 */
async function floor(clones, { node = false, entries = false } = {}) {
  const times = [];
  const cpu = [];
  let failed = 0;
  await Promise.all(
    clones.map(async (c, i) => {
      let parent = null;
      const index = { GIT_INDEX_FILE: join(c, '.git', `floor-index-${process.pid}`) };
      for (let r = 0; r < ROUNDS; r++) {
        if (node) await run(process.execPath, ['-e', '0'], c);
        let tree;
        if (entries) {
          const file = join(c, '.git', `floor-note-${i}-${r}`);
          writeFileSync(file, `---\nid: floor-${i}-${r}\nkind: note\n---\nclone ${i} round ${r} ${Date.now()}\n`);
          const blob = (await run('git', ['hash-object', '-w', file], c)).out.trim();
          const d = new Date().toISOString();
          const path = `entries/${d.slice(0, 4)}/${d.slice(5, 7)}/${d.slice(8, 10)}/${d.slice(11, 13)}/floor-${i}-${r}-${process.pid}.md`;
          await run('git', ['update-index', '--add', '--cacheinfo', `100644,${blob},${path}`], c, index);
          tree = (await run('git', ['write-tree'], c, index)).out.trim();
        } else {
          tree = (await run('git', ['mktree'], c)).out.trim();
        }
        const commit = (await run('git', ['commit-tree', tree, ...(parent ? ['-p', parent] : []), '-m', `floor ${i} ${r}`], c)).out.trim();
        parent = commit;
        const t0 = performance.now();
        const nd = node ? await run(process.execPath, ['-e', '0'], c) : { cpu: 0 };
        // Refs of this floor's own: each floor starts its clones' histories anew.
        const refs = `floor-${node ? 'node-' : ''}${entries ? 'entries' : 'empty'}`;
        const fe = await run('git', ['fetch', '-q', 'origin', `+refs/${refs}/*:refs/${refs}-remote/*`], c);
        const pu = await run('git', ['push', '-q', 'origin', `${commit}:refs/${refs}/c${i}`], c);
        times.push(performance.now() - t0);
        cpu.push(nd.cpu + fe.cpu + pu.cpu);
        if (fe.code !== 0 || pu.code !== 0) failed++;
      }
    }),
  );
  return { times, cpu, failed };
}

console.log(`# sync storm: ${ROUNDS} rounds of add + sync per clone, all clones at once (file:// remote)`);
if (caBundle) console.log(`NODE_EXTRA_CA_CERTS (${caBundle}) is unset for every process of this run.`);
console.log(`binary: ${BIN}${BASE ? ` (and, stormed right after it on fresh clones, ${BASE})` : ''}; load average at start: ${loadavg().map((x) => x.toFixed(1)).join(' ')}\n`);
console.log('Floors, each the same clones and rounds after the storms: plain git fetching every clone\'s ref and pushing its own, of empty commits ("empty") and of');
console.log('commits that carry what an entry is made of ("entries": a blob and six trees each); "node +": a `node -e 0` before each, as a Node tool starts.\n');
console.log('| clones | binary | syncs | failed | sync p50 | sync p99 | CPU ms per sync (p50) | every entry everywhere after one quiet round | `node -e 0` p50 (p99) meanwhile |');
console.log('|---:|---|---:|---:|---:|---:|---:|---|---:|');
const floorRows = [];
for (const n of COUNTS) {
  const s = sampler();
  const runs = [];
  for (const [label, bin] of [['this', BIN], ...(BASE ? [['base', BASE]] : [])]) {
    const { clones } = await setup(n);
    const st = await storm(clones, bin);
    const q = await quiet(clones, st.ids, bin);
    runs.push({ label, clones, st, q });
  }
  const floors = [];
  for (const [name, opts] of [['empty', {}], ['node + empty', { node: true }], ['entries', { entries: true }], ['node + entries', { node: true, entries: true }]]) floors.push({ name, ...(await floor(runs[0].clones, opts)) });
  await s.stop();
  for (const { label, clones, st, q } of runs) {
    const why = st.failed ? ` (${[...st.reasons].map(([k, v]) => `${v} ${k}`).join(', ')})` : '';
    const everywhere = q.complete === clones.length && !q.failed ? `yes, ${st.ids.length} entries in all ${n} clones (round: ${f(q.ms)})` : `no: ${q.complete} of ${n} complete, ${q.failed} quiet syncs failed`;
    console.log(`| ${n} | ${label} | ${st.syncs.length} | ${st.failed}${why} | ${f(pct(st.syncs, 50))} | ${f(pct(st.syncs, 99))} | ${Math.round(pct(st.cpu, 50))} | ${everywhere} | ${f(pct(s.times, 50))} (${f(pct(s.times, 99))}) |`);
  }
  floorRows.push({ n, runs, floors });
}
console.log('\n| clones | floor | failed | p50 | p99 | CPU ms (p50) | p99 / empty p99 | sync p99 / this p99 (this build' + (BASE ? ', base' : '') + ') |');
console.log('|---:|---|---:|---:|---:|---:|---:|---:|');
for (const { n, runs, floors } of floorRows) {
  const empty = pct(floors[0].times, 99);
  for (const fl of floors) {
    const p99 = pct(fl.times, 99);
    console.log(`| ${n} | ${fl.name} | ${fl.failed} | ${f(pct(fl.times, 50))} | ${f(p99)} | ${Math.round(pct(fl.cpu, 50))} | ${(p99 / empty).toFixed(2)} | ${runs.map((r) => (pct(r.st.syncs, 99) / p99).toFixed(2)).join(', ')} |`);
  }
}
console.log(`\nload average at end: ${loadavg().map((x) => x.toFixed(1)).join(' ')}`);
