#!/usr/bin/env node
// Sync timings against a 100k-entry context branch: pull + merge of 1k new entries (fast-forward and
// real merge), push of 1k entries, and a sync with nothing to do. Every timed run is a cold
// `git-ctx` process (dist/bin.cjs), as a user or a hook would start it, on a bare remote on disk.
//
// The 100k entries are real entry files (src/model serialises them; ids and createdAt spread over a
// year), written with one `git fast-import` (one commit per 100 entries) so that the set-up takes
// seconds, not an hour of `git ctx add`. Usage: npm run build && node bench/sync.mjs [entries] [rounds]
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { pathToFileURL, fileURLToPath } from 'node:url';
import { buildSync } from 'esbuild';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const BIN = join(ROOT, 'dist', 'bin.cjs');
const TOTAL = Number(process.argv[2] ?? 100_000);
const ROUNDS = Number(process.argv[3] ?? 3);
const NEW = 1000;

const work = mkdtempSync(join(tmpdir(), 'git-ctx-bench-sync-'));
const env = { ...process.env, HOME: work, GIT_CONFIG_NOSYSTEM: '1', GIT_AUTHOR_NAME: 'Bench', GIT_AUTHOR_EMAIL: 'bench@example.com', GIT_COMMITTER_NAME: 'Bench', GIT_COMMITTER_EMAIL: 'bench@example.com' };
for (const k of Object.keys(env)) if (k.startsWith('GIT_') && !k.startsWith('GIT_AUTHOR') && !k.startsWith('GIT_COMMITTER') && k !== 'GIT_CONFIG_NOSYSTEM') delete env[k];

// The entry format, from the source itself.
buildSync({ entryPoints: { model: join(ROOT, 'src/model/entry.ts'), id: join(ROOT, 'src/model/id.ts') }, outdir: work, bundle: true, format: 'esm', platform: 'node', outExtension: { '.js': '.mjs' }, logLevel: 'warning' });
const { serializeEntry, entryPath } = await import(pathToFileURL(join(work, 'model.mjs')).href);
const { newId } = await import(pathToFileURL(join(work, 'id.mjs')).href);

const git = (cwd, args, input) => execFileSync('git', args, { cwd, env, input, encoding: 'utf8', maxBuffer: 1 << 30, stdio: ['pipe', 'pipe', 'pipe'] }).trim();

function ctx(cwd, args) {
  const t0 = performance.now();
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd, env, encoding: 'utf8' });
  const ms = performance.now() - t0;
  if (r.status !== 0) throw new Error(`git-ctx ${args.join(' ')}: ${r.stderr}`);
  return { ms, json: args.includes('--json') ? JSON.parse(r.stdout) : null };
}

function entry(ms, agent, i) {
  const id = newId(ms, randomBytes(10));
  const data = {
    id, kind: i % 7 === 0 ? 'decision' : 'note', title: `${agent} entry ${i}`, body: `Entry ${i} written by ${agent}.\n\nSome text about src/module${i % 50}.ts and what changed there.\n`,
    topic: `topic${i % 20}`, tags: [`t${i % 5}`], refs: [`src/module${i % 50}.ts`], to: null, supersedes: [], agent, session: `${agent}:main`,
    worktree: '/home/dev/project', branch: 'main', head: null, author: { name: agent, email: `${agent}@example.com` }, createdAt: new Date(ms).toISOString(), extra: {},
  };
  return { id, path: entryPath(id), text: serializeEntry(data) };
}

/** Append `count` entries to `branch` of `repo` with fast-import, `perCommit` to a commit, times from..to. */
function importEntries(repo, count, { from, to, agent, perCommit }) {
  const tip = git(repo, ['rev-parse', 'refs/heads/context']);
  const parts = [];
  for (let i = 0; i < count; i += perCommit) {
    const n = Math.min(perCommit, count - i);
    const files = Array.from({ length: n }, (_, j) => entry(Math.floor(from + ((to - from) * (i + j)) / count), agent, i + j));
    const msg = `note: ${files[0].id}\n\nCtx-Id: ${files.map((f) => f.id).join(' ')}\nCtx-Agent: ${agent}\n`;
    const when = Math.floor((from + ((to - from) * i) / count) / 1000);
    parts.push(`commit refs/heads/context\nauthor ${agent} <${agent}@example.com> ${when} +0000\ncommitter ${agent} <${agent}@example.com> ${when} +0000\ndata ${Buffer.byteLength(msg)}\n${msg}`);
    if (i === 0) parts.push(`from ${tip}\n`);
    for (const f of files) parts.push(`M 100644 inline ${f.path}\ndata ${Buffer.byteLength(f.text)}\n${f.text}\n`);
    parts.push('\n');
  }
  git(repo, ['fast-import', '--quiet', '--force'], parts.join(''));
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const YEAR = 365 * 24 * 3600 * 1000;
const now = Date.now();

try {
  const t0 = performance.now();
  const remote = join(work, 'remote.git');
  git(work, ['init', '-q', '--bare', remote]);
  const seed = join(work, 'seed');
  git(work, ['init', '-q', '-b', 'main', seed]);
  git(seed, ['commit', '-q', '--allow-empty', '-m', 'code']);
  ctx(seed, ['init']);
  importEntries(seed, TOTAL, { from: now - YEAR, to: now - 2 * 3600_000, agent: 'past', perCommit: 100 });
  git(seed, ['push', '-q', remote, 'main', 'context']);
  const clones = ['a', 'b'].map((name) => {
    const dir = join(work, name);
    git(work, ['clone', '-q', remote, dir]);
    ctx(dir, ['pull']);
    return dir;
  });
  const [a, b] = clones;
  const setupS = ((performance.now() - t0) / 1000).toFixed(1);

  const rows = [];
  const measure = (label, runs, target) => rows.push({ label, ms: median(runs.map((r) => r.ms)), runs: runs.length, detail: runs[runs.length - 1].detail, target });
  const baseline = Array.from({ length: ROUNDS }, () => {
    const t = performance.now();
    spawnSync(process.execPath, ['-e', '0']);
    return { ms: performance.now() - t, detail: '' };
  });
  measure('node -e 0 (start-up floor)', baseline, '');

  // Nothing to do: fetch finds the same tip.
  measure(`sync, nothing new (${TOTAL} entries)`, Array.from({ length: ROUNDS }, () => ({ ...ctx(b, ['sync', '--json']), detail: '' })), '');

  const pullRuns = (local) =>
    Array.from({ length: ROUNDS }, (_, r) => {
      importEntries(a, NEW, { from: now - 3600_000 + r * 1000, to: now - 3600_000 + r * 1000 + 900, agent: `new${r}`, perCommit: 1 });
      git(a, ['push', '-q', remote, 'context']);
      if (local) ctx(b, ['add', '-m', `local ${r}`]);
      const res = ctx(b, ['pull', '--json']);
      if (res.json.received !== NEW) throw new Error(`received ${res.json.received}, expected ${NEW}`);
      return { ms: res.ms, detail: `${res.json.merge}, received ${res.json.received}` };
    });
  measure(`pull ${NEW} new entries, fast-forward`, pullRuns(false), '');
  measure(`pull + merge ${NEW} new entries (local work too)`, pullRuns(true), '<= 2000');

  const pushRuns = Array.from({ length: ROUNDS }, (_, r) => {
    importEntries(b, NEW, { from: now - 1800_000 + r * 1000, to: now - 1800_000 + r * 1000 + 900, agent: `push${r}`, perCommit: 1 });
    const res = ctx(b, ['push', '--json']);
    if (res.json.sent < NEW) throw new Error(`sent ${res.json.sent}, expected at least ${NEW}`);
    return { ms: res.ms, detail: `sent ${res.json.sent}` };
  });
  measure(`push ${NEW} entries (1 commit each)`, pushRuns, '');

  console.log(`git-ctx sync bench: ${TOTAL} entries on the branch, median of ${ROUNDS} cold runs each (set-up ${setupS}s)`);
  console.log(`node ${process.version}, ${git(work, ['--version'])}\n`);
  console.log('| operation | median ms | target | last run |');
  console.log('|---|---:|---:|---|');
  for (const r of rows) console.log(`| ${r.label} | ${r.ms.toFixed(0)} | ${r.target} | ${r.detail} |`);
} finally {
  if (process.env.BENCH_KEEP) console.log(`kept ${work}`);
  else rmSync(work, { recursive: true, force: true });
}
