#!/usr/bin/env node
// Conflict prediction against real history: two-parent merges of public repositories, each replayed as
// two linked worktrees (committed: each worktree on one parent; uncommitted: both on the merge base,
// each holding its parent's files as unstaged and untracked edits), scanned with `git ctx conflicts`,
// and every level's verdict compared with what `git merge-tree --write-tree` (the merge `git merge`
// does) says about the two parents. Prints per level recall over the conflicting pairs and the false
// alarm rate over the clean pairs in which both sides changed a same file, the symbol level over
// conflicted code files, and the scan's time.
//
// With --scale, also times 8 worktrees of the first repository, on its newest commit, each holding
// the files of one of its recent pull requests (uncommitted, then committed), and 8 sessions based
// years apart (HEAD spread over its history, each with the next 20 commits' changes uncommitted),
// beside eight `git status` and `node -e 0`.
//
// The repositories are read, never changed: each is cloned (`--shared`, no copy of its objects) into
// a temporary directory, which is removed at exit. Nothing of theirs enters this repository.
//
// With several --bin (the previous release's build first, then this one, say), each state is scanned
// by each in turn: the same worktrees at the same moment, and the tables side by side ([0], [1]...).
//
// Usage: node bench/conflicts-merges.mjs --repo PATH [--repo PATH...] [--pairs N] [--bin dist/bin.cjs ...]
//          [--seed S] [--scale | --scale-only] [--only committed|uncommitted] [--json FILE]
//   (needs a build: npm run build; PATH is any clone, bare or not)
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';

const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : dflt;
};
const repos = args.flatMap((a, i) => (args[i - 1] === '--repo' ? [resolve(a)] : []));
if (!repos.length) {
  console.error('usage: node bench/conflicts-merges.mjs --repo PATH [--repo PATH...] [--pairs N] [--bin dist/bin.cjs] [--seed S] [--scale]');
  process.exit(2);
}
const PAIRS = Number(opt('--pairs', '20'));
const BINS = args.flatMap((a, i) => (args[i - 1] === '--bin' ? [resolve(a)] : []));
if (!BINS.length) BINS.push(resolve('dist/bin.cjs'));
const SEED = opt('--seed', 'git-ctx');
const SCALE_ONLY = args.includes('--scale-only');
const SCALE = args.includes('--scale') || SCALE_ONLY;
const ONLY = opt('--only', null);
const JSON_OUT = opt('--json', null);
const MAX_SIDE_FILES = 400;
const CODE = /\.(ts|mts|cts|tsx|js|mjs|cjs|jsx|py|pyi|go|rs|java)$/i;

const env = { ...process.env, GIT_CONFIG_NOSYSTEM: '1', GIT_AUTHOR_NAME: 'Bench', GIT_AUTHOR_EMAIL: 'bench@example.com', GIT_COMMITTER_NAME: 'Bench', GIT_COMMITTER_EMAIL: 'bench@example.com', GIT_CTX_AGENT: 'bench' };
for (const k of Object.keys(env)) if (k.startsWith('GIT_CTX_') && k !== 'GIT_CTX_AGENT') delete env[k];
const root = realpathSync(mkdtempSync(join(tmpdir(), 'git-ctx-bench-merges-')));
env.HOME = join(root, 'home');
process.on('exit', () => rmSync(root, { recursive: true, force: true }));
process.on('SIGINT', () => process.exit(130));

const git = (cwd, a, extra = {}) => execFileSync('git', a, { cwd, env, encoding: 'utf8', maxBuffer: 1 << 30, stdio: ['ignore', 'pipe', 'pipe'], ...extra }).replace(/\n$/, '');
const gitStatus = (cwd, a) => spawnSync('git', a, { cwd, env, encoding: 'utf8', maxBuffer: 1 << 30 });
const hash = (s) => createHash('sha1').update(s).digest('hex');
const median = (xs) => (xs.length ? [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] : NaN);
const pct = (n, d) => (d ? `${((100 * n) / d).toFixed(1)}% (${n}/${d})` : '-');
const ms = (x) => `${Math.round(x)} ms`;

function nodeFloor() {
  const t0 = performance.now();
  spawnSync(process.execPath, ['-e', '0'], { env });
  return performance.now() - t0;
}

/**
 * What `git merge` of the second parent into the first does: `git merge-tree --write-tree` run in a
 * worktree on the first parent, which reads that worktree's `.gitattributes` as `git merge` does (a
 * `merge=union` driver for a changelog, say). The worktree checks out only the attribute files.
 */
function truthOf(truthWt, p1, p2) {
  if (gitStatus(truthWt, ['checkout', '-q', '--detach', '-f', p1]).status !== 0) return null;
  const r = gitStatus(truthWt, ['merge-tree', '--write-tree', '--name-only', '-z', '--no-messages', p1, p2]);
  if (r.status !== 0 && r.status !== 1) return null;
  const fields = r.stdout.split('\0').filter(Boolean);
  return { clean: r.status === 0, conflicted: r.status === 0 ? [] : [...new Set(fields.slice(1))].sort() };
}

function changedPaths(repo, from, to) {
  return git(repo, ['diff', '--name-only', '-z', '--no-renames', from, to]).split('\0').filter(Boolean);
}

/** A shared clone with two linked worktrees. */
function prepare(source) {
  const name = basename(source.replace(/\/(repo|\.git)\/?$/, '')).replace(/[^\w.+-]/g, '_');
  const dir = join(root, name);
  git(root, ['clone', '-q', '--bare', '--shared', source, dir]);
  git(dir, ['config', 'user.name', 'Bench']);
  git(dir, ['config', 'user.email', 'bench@example.com']);
  git(dir, ['config', 'gc.auto', '0']);
  // The worktree the truth is computed in: sparse, holding only attribute files.
  const truthWt = join(root, `${name}-truth`);
  git(dir, ['worktree', 'add', '-q', '--no-checkout', '--detach', truthWt, 'HEAD']);
  git(truthWt, ['sparse-checkout', 'set', '--no-cone', '.gitattributes', '**/.gitattributes']);
  return { name, dir, truthWt };
}

/** Deterministic sample: merges in seeded-hash order; `pairs` conflicting ones and `pairs` clean ones sharing a file. */
function sample(dir, truthWt) {
  const lines = git(dir, ['rev-list', '--merges', '--parents', '--max-count=4000', 'HEAD']).split('\n').filter(Boolean);
  const merges = lines.map((l) => l.split(' ')).filter((p) => p.length === 3).map(([m, p1, p2]) => ({ m, p1, p2 }));
  merges.sort((a, b) => (hash(SEED + a.m) < hash(SEED + b.m) ? -1 : 1));
  const conflicting = [];
  const clean = [];
  let looked = 0;
  for (const c of merges) {
    if (conflicting.length >= PAIRS && clean.length >= PAIRS) break;
    looked++;
    const bases = gitStatus(dir, ['merge-base', '--all', c.p1, c.p2]).stdout.split('\n').filter(Boolean);
    if (bases.length !== 1) continue; // criss-cross: one virtual base in git, several here; leave them out
    c.base = bases[0];
    const a = changedPaths(dir, c.base, c.p1);
    const b = changedPaths(dir, c.base, c.p2);
    if (!a.length || !b.length || a.length > MAX_SIDE_FILES || b.length > MAX_SIDE_FILES) continue;
    const shared = a.filter((p) => b.includes(p));
    const truth = truthOf(truthWt, c.p1, c.p2);
    if (!truth) continue;
    c.truth = truth;
    c.shared = shared;
    // A clone whose largest blobs were left out cannot check some commits out: those merges are skipped.
    if (!checksOut(dir, c)) continue;
    if (!truth.clean && conflicting.length < PAIRS) conflicting.push(c);
    else if (truth.clean && shared.length && clean.length < PAIRS) clean.push(c);
  }
  return { conflicting, clean, looked, total: merges.length };
}

/** Whether every object of the three trees is here. */
function checksOut(dir, c) {
  const r = spawnSync('git', ['rev-list', '--objects', '--no-walk', '--missing=print', `${c.p1}^{tree}`, `${c.p2}^{tree}`, `${c.base}^{tree}`], { cwd: dir, env, encoding: 'utf8', maxBuffer: 1 << 30 });
  return r.status === 0 && !/^\?/m.test(r.stdout);
}

function setWorktree(wt, commit, content) {
  git(wt, ['checkout', '-q', '--detach', '-f', commit]);
  git(wt, ['clean', '-q', '-fdx']);
  // The uncommitted variant: HEAD stays on the base, the files become the parent's (unstaged, untracked).
  if (content) git(wt, ['restore', '-q', `--source=${content}`, '--worktree', '--', ':/']);
}

function scan(bin, cwd, extra = []) {
  const t0 = performance.now();
  const r = spawnSync(process.execPath, [bin, 'conflicts', '--json', ...extra], { cwd, env, encoding: 'utf8', maxBuffer: 1 << 30 });
  const wall = performance.now() - t0;
  if (r.status !== 0) throw new Error(`conflicts exited ${r.status}: ${r.stderr.slice(0, 2000)}`);
  return { wall, json: JSON.parse(r.stdout) };
}

const LEVELS = ['file', 'symbol', 'hunk', 'merge'];

/** The verdicts on the pair (wa, wb): overlaps with any other session of the repository are left out. */
function evaluate(c, json, wa, wb) {
  const key = (wt) => json.sessions.find((s) => s.worktree === wt)?.key;
  const pair = new Set([key(wa), key(wb)]);
  const overlaps = json.overlaps.filter((o) => pair.has(o.a.key) && pair.has(o.b.key));
  const flagged = Object.fromEntries(LEVELS.map((l) => [l, overlaps.some((o) => o.levels.includes(l))]));
  const paths = (o) => [o.path, o.a.path, o.b.path].filter(Boolean);
  const reported = [...new Set(overlaps.filter((o) => o.merge === 'conflict').flatMap((o) => paths(o).filter((p) => c.truth.conflicted.includes(p) || p === o.path)))];
  const mergeAgrees = c.truth.clean ? !overlaps.some((o) => o.merge === 'conflict') : c.truth.conflicted.every((p) => reported.includes(p));
  const files = c.truth.conflicted.map((p) => {
    const o = overlaps.find((x) => paths(x).includes(p));
    return { path: p, code: CODE.test(p), symbol: !!o?.levels.includes('symbol'), hunk: !!o?.levels.includes('hunk'), o };
  });
  return { flagged, mergeAgrees, files };
}

/** Each merge replayed once and scanned by every build in turn: rows[build][i]. */
function replay(wa, wb, set, variant) {
  const rows = BINS.map(() => []);
  for (const c of set) {
    if (variant === 'committed') {
      setWorktree(wa, c.p1);
      setWorktree(wb, c.p2);
    } else {
      setWorktree(wa, c.base, c.p1);
      setWorktree(wb, c.base, c.p2);
    }
    BINS.forEach((bin, k) => {
      const { wall, json } = scan(bin, wa, ['--mine']);
      rows[k].push({ c, wall, ...evaluate(c, json, wa, wb), stats: json.stats, partial: json.complete === false });
    });
  }
  return rows;
}

/**
 * 8 worktrees: on the newest commit, each holding the files of one of the 8 newest pull requests of
 * at most 60 files (uncommitted, then committed on its detached HEAD): sessions started together,
 * with work of a real size; and 8 sessions based years apart. Each build scans each state in turn.
 */
function scale(dir) {
  const out = [];
  const tip = git(dir, ['rev-parse', 'HEAD']);
  const merges = git(dir, ['rev-list', '--merges', '--parents', '--max-count=400', 'HEAD']).split('\n').map((l) => l.split(' ')).filter((p) => p.length === 3);
  const picks = [];
  for (const [, p1, p2] of merges) {
    const base = gitStatus(dir, ['merge-base', p1, p2]).stdout.trim();
    if (!base) continue;
    const paths = changedPaths(dir, base, p2);
    if (!paths.length || paths.length > 60 || !checksOut(dir, { p1: tip, p2, base: tip })) continue;
    picks.push({ p2, paths });
    if (picks.length === 8) break;
  }
  const wts = Array.from({ length: 8 }, (_, i) => join(root, `scale-${i}`));
  for (const wt of wts) git(dir, ['worktree', 'add', '-q', '--detach', wt, 'HEAD']);
  const place = (variant) => {
    picks.forEach((p, i) => {
      setWorktree(wts[i], tip);
      // The pull request's version of its files: written where it has them, removed where it deleted them.
      const present = new Set(git(dir, ['ls-tree', '-r', '-z', '--name-only', p.p2, '--', ...p.paths]).split('\0').filter(Boolean));
      if (present.size) git(wts[i], ['restore', '-q', `--source=${p.p2}`, '--worktree', '--', ...[...present].map((f) => `:(literal)${f}`)]);
      for (const f of p.paths) if (!present.has(f)) rmSync(join(wts[i], f), { force: true });
      if (variant === 'committed') {
        git(wts[i], ['add', '-A']);
        git(wts[i], ['commit', '-q', '--no-verify', '-m', `work ${i}`]);
      }
    });
  };
  const history = git(dir, ['rev-list', '--first-parent', 'HEAD']).split('\n');
  const yearsApart = () => {
    wts.forEach((wt, i) => {
      let k = Math.floor(((i + 1) * (history.length - 30)) / 9);
      while (k > 21 && !checksOut(dir, { p1: history[k], p2: history[k - 20], base: history[k] })) k--;
      setWorktree(wt, history[k], history[k - 20]);
    });
  };
  const files = git(dir, ['ls-tree', '-r', '--name-only', 'HEAD']).split('\n').length;
  for (const [label, setup] of [['one recent pull request each, uncommitted', () => place('uncommitted')], ['one recent pull request each, committed', () => place('committed')], ['based years apart, uncommitted', yearsApart]]) {
    setup();
    for (const bin of BINS) scan(bin, wts[0]); // warm the page cache and the stat data
    const runs = BINS.map(() => []);
    for (let i = 0; i < 5; i++) {
      for (const [k, bin] of BINS.entries()) {
        const floor = nodeFloor();
        const t0 = performance.now();
        for (const wt of wts) gitStatus(wt, ['status', '--porcelain', '-z']);
        const status = performance.now() - t0;
        const r = scan(bin, wts[0]);
        runs[k].push({ floor, status, wall: r.wall, stats: r.json.stats, overlaps: r.json.overlaps.length, shown: r.json.overlaps.length + (r.json.more ?? 0), partial: r.json.complete === false });
      }
    }
    out.push({ label, files, runs });
  }
  for (const wt of wts) git(dir, ['worktree', 'remove', '--force', wt]);
  return out;
}

const results = [];
let timing = null;
for (const source of repos) {
  const { name, dir, truthWt } = prepare(source);
  if (!SCALE_ONLY) {
    const s = sample(dir, truthWt);
    git(dir, ['worktree', 'remove', '--force', truthWt]); // not a session of the scans to come
    const wa = join(root, `${name}-wa`);
    const wb = join(root, `${name}-wb`);
    git(dir, ['worktree', 'add', '-q', '--detach', wa, 'HEAD']);
    git(dir, ['worktree', 'add', '-q', '--detach', wb, 'HEAD']);
    for (const variant of ['committed', 'uncommitted']) {
      if (ONLY && ONLY !== variant) continue;
      const conflicting = replay(wa, wb, s.conflicting, variant);
      const clean = replay(wa, wb, s.clean, variant);
      BINS.forEach((_, k) => results.push({ bin: k, repo: name, variant, conflicting: conflicting[k], clean: clean[k], looked: s.looked, total: s.total }));
      process.stderr.write(`${name} ${variant}: ${s.conflicting.length} conflicting, ${s.clean.length} clean\n`);
    }
    git(dir, ['worktree', 'remove', '--force', wa]);
    git(dir, ['worktree', 'remove', '--force', wb]);
  }
  if (SCALE && !timing) timing = { name, rows: scale(dir) };
}

// ---------------------------------------------------------------------------------------------------
// Tables.

const tag = (k) => (BINS.length > 1 ? ` [${k}]` : '');
console.log(`\nConflict prediction on real merges: ${BINS.map((b, k) => `[${k}] ${b}`).join(', ')}`);
console.log(`Machine: ${process.platform} ${process.arch}, node ${process.versions.node}, ${git(root, ['--version'])}, load average ${loadavg().map((l) => l.toFixed(1)).join(' ')}; seed ${JSON.stringify(SEED)}\n`);
if (results.length) {
  console.log('| repository | variant | conflicting pairs | clean same-file pairs | merges looked at |');
  console.log('|---|---|---:|---:|---:|');
  for (const r of results.filter((x) => x.bin === 0)) console.log(`| ${r.repo} | ${r.variant} | ${r.conflicting.length} | ${r.clean.length} | ${r.looked} of ${r.total} |`);

  const groups = BINS.flatMap((_, k) => {
    const mine = results.filter((r) => r.bin === k);
    return [...mine.map((r) => [`${r.repo} ${r.variant}${tag(k)}`, [r]]), [`all, committed${tag(k)}`, mine.filter((r) => r.variant === 'committed')], [`all, uncommitted${tag(k)}`, mine.filter((r) => r.variant === 'uncommitted')]];
  }).filter(([, rs]) => rs.length);
  console.log('\nRecall over conflicting pairs / false alarms over clean pairs that share a file, per level (a pair is flagged at a level when any overlap reaches it):\n');
  console.log('| runs | file | symbol | hunk | merge | merge agrees with git | symbol, conflicted code files | hunk, conflicted files |');
  console.log('|---|---|---|---|---|---:|---|---|');
  for (const [label, rs] of groups) {
    const conf = rs.flatMap((r) => r.conflicting);
    const clean = rs.flatMap((r) => r.clean);
    const cell = (l) => `${pct(conf.filter((x) => x.flagged[l]).length, conf.length)} / ${pct(clean.filter((x) => x.flagged[l]).length, clean.length)}`;
    const agree = [...conf, ...clean].filter((x) => x.mergeAgrees).length;
    const codeFiles = conf.flatMap((x) => x.files.filter((f) => f.code));
    const allFiles = conf.flatMap((x) => x.files);
    console.log(`| ${label} | ${cell('file')} | ${cell('symbol')} | ${cell('hunk')} | ${cell('merge')} | ${agree}/${conf.length + clean.length} | ${pct(codeFiles.filter((f) => f.symbol).length, codeFiles.length)} | ${pct(allFiles.filter((f) => f.hunk).length, allFiles.length)} |`);
  }

  console.log('\nScan wall time per pair (`git ctx conflicts --json --mine`, node start-up included):\n');
  console.log('| runs | median | p90 | max | partial results |');
  console.log('|---|---:|---:|---:|---:|');
  for (const [label, rs] of groups) {
    const walls = rs.flatMap((r) => [...r.conflicting, ...r.clean]).map((x) => x.wall).sort((a, b) => a - b);
    const partial = rs.flatMap((r) => [...r.conflicting, ...r.clean]).filter((x) => x.partial).length;
    console.log(`| ${label} | ${ms(median(walls))} | ${ms(walls[Math.floor(walls.length * 0.9)] ?? NaN)} | ${ms(walls[walls.length - 1] ?? NaN)} | ${partial} |`);
  }

  const misses = results.flatMap((r) => r.conflicting.flatMap((x) => x.files.filter((f) => f.code && !f.symbol).map((f) => `${r.repo} ${r.variant}${tag(r.bin)} ${x.c.m.slice(0, 10)} ${f.path}`)));
  if (misses.length) {
    console.log('\nConflicted code files without a symbol warning:\n');
    for (const m of misses) console.log(`- ${m}`);
  }
  const alarms = results.flatMap((r) => r.clean.filter((x) => x.flagged.symbol).map((x) => `${r.repo} ${r.variant}${tag(r.bin)} ${x.c.m.slice(0, 10)}`));
  if (alarms.length) {
    console.log('\nClean pairs with a symbol warning:\n');
    for (const m of alarms) console.log(`- ${m}`);
  }
}

if (timing) {
  console.log(`\n8 worktrees of ${timing.name} (${timing.rows[0].files} files): \`git ctx conflicts --json\` (all 28 pairs) beside eight \`git status\` and \`node -e 0\`, median of 5, builds interleaved:\n`);
  console.log('| worktrees | build | overlaps | conflicts wall | snapshots | bases + diffs | merges | compare | 8 x git status | node -e 0 |');
  console.log('|---|---|---:|---:|---:|---:|---:|---:|---:|---:|');
  for (const t of timing.rows) {
    t.runs.forEach((runs, k) => {
      const m = (f) => median(runs.map(f));
      const shown = runs[0].shown !== runs[0].overlaps ? `${runs[0].shown} (${runs[0].overlaps} listed)` : `${runs[0].shown}`;
      console.log(`| ${t.label} | [${k}] | ${shown} | ${ms(m((r) => r.wall))} | ${ms(m((r) => r.stats.ms.snapshot))} | ${ms(m((r) => r.stats.ms.plan))} | ${ms(m((r) => r.stats.ms.merge))} | ${ms(m((r) => r.stats.ms.compare))} | ${ms(m((r) => r.status))} | ${ms(m((r) => r.floor))} |`);
    });
  }
}

if (JSON_OUT) {
  const slim = results.map((r) => ({ ...r, bin: BINS[r.bin], conflicting: r.conflicting.map(({ c, wall, flagged, mergeAgrees, files }) => ({ merge: c.m, wall, flagged, mergeAgrees, files: files.map(({ o, ...f }) => f) })), clean: r.clean.map(({ c, wall, flagged, mergeAgrees }) => ({ merge: c.m, wall, flagged, mergeAgrees })) }));
  writeFileSync(JSON_OUT, JSON.stringify({ bins: BINS, seed: SEED, results: slim, timing }, null, 1));
}
