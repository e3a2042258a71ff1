#!/usr/bin/env node
// Two sessions that both ran `npm install`: a 20,000-line yarn.lock changed on both sides (one
// rewriting every entry, the other a seventh of them) and a 20,000-line generated data file beside it
// (one side rewriting 12,000 lines, the other every 100th line), all uncommitted. Times every bounded
// route over them: `git ctx conflicts --json`, the same with `--timeout 500`, what the pre-commit hook
// runs (`conflicts --staged --hook`, with the lockfile and data file staged), and the agent prompt hook
// with nothing cached (it gives up at its deadline and leaves a detached scan to fill the cache);
// beside `node -e 0` and `git merge-tree` of the two states. Interleaved, median of --runs (9).
// Targets: the scan ≤ 2 s; every bounded route on time.
// Usage: node bench/conflicts-lockfile.mjs [--runs N] [--bin dist/bin.cjs]   (needs a build: npm run build)
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createHash } from 'node:crypto';

const args = process.argv.slice(2);
const opt = (name, dflt) => (args.includes(name) ? args[args.indexOf(name) + 1] : dflt);
const RUNS = Number(opt('--runs', '9'));
const BIN = resolve(opt('--bin', 'dist/bin.cjs'));
const root = realpathSync(mkdtempSync(join(tmpdir(), 'git-ctx-bench-lockfile-')));
const env = { ...process.env, GIT_CONFIG_NOSYSTEM: '1', HOME: join(root, 'home'), GIT_AUTHOR_NAME: 'Bench', GIT_AUTHOR_EMAIL: 'bench@example.com', GIT_COMMITTER_NAME: 'Bench', GIT_COMMITTER_EMAIL: 'bench@example.com' };
for (const k of Object.keys(env)) if (k.startsWith('GIT_CTX_')) delete env[k];
process.on('exit', () => rmSync(root, { recursive: true, force: true }));
process.on('SIGINT', () => process.exit(130));
const git = (cwd, a, extra = {}) => execFileSync('git', a, { cwd, env, encoding: 'utf8', maxBuffer: 1 << 28, ...extra }).trim();

/** A yarn.lock-like file: 4,000 entries of 5 lines. */
function lockfile(version) {
  const out = [];
  for (let i = 0; i < 4000; i++) {
    const name = `pkg-${String(i).padStart(4, '0')}`;
    const v = version(i);
    out.push(`"${name}@^1.0.0":`, `  version "${v}"`, `  resolved "https://registry.example.com/${name}/-/${name}-${v}.tgz#${(i * 7919 + v.length).toString(16).padStart(8, '0')}"`, `  integrity sha512-${name}${v.replace(/\./g, '')}==`, '');
  }
  return out.join('\n');
}
const catalog = (tag) => Array.from({ length: 20_000 }, (_, i) => `item ${i} ${tag(i)}`).join('\n') + '\n';

const repo = join(root, 'repo');
git(root, ['init', '-q', '-b', 'main', repo]);
git(repo, ['config', 'gc.auto', '0']);
execFileSync('mkdir', ['-p', join(repo, 'data'), join(repo, 'src')]);
writeFileSync(join(repo, 'yarn.lock'), lockfile(() => '1.0.0'));
writeFileSync(join(repo, 'data/catalog.txt'), catalog(() => 'v1'));
writeFileSync(join(repo, 'src/app.ts'), 'export const app = 1;\n');
git(repo, ['add', '-A']);
git(repo, ['commit', '-q', '-m', 'base']);
const wa = join(root, 'wa');
const wb = join(root, 'wb');
git(repo, ['worktree', 'add', '-q', '-b', 'wa', wa]);
git(repo, ['worktree', 'add', '-q', '-b', 'wb', wb]);
writeFileSync(join(wa, 'yarn.lock'), lockfile(() => '1.2.0'));
writeFileSync(join(wb, 'yarn.lock'), lockfile((i) => (i % 7 === 0 ? '1.1.0' : '1.0.0')));
writeFileSync(join(wa, 'data/catalog.txt'), catalog((i) => (i >= 2000 && i < 14000 ? 'v2' : 'v1')));
writeFileSync(join(wb, 'data/catalog.txt'), catalog((i) => (i % 100 === 50 ? 'v3' : 'v1')));
// wa's changes staged, as a `git commit` would have them when its pre-commit hook runs.
git(wa, ['add', 'yarn.lock', 'data/catalog.txt']);

/** A commit of a worktree's files (through a private index), for the merge-tree floor. */
function stateOf(wt) {
  const index = join(root, `index-${createHash('sha1').update(wt).digest('hex').slice(0, 8)}`);
  const e = { ...env, GIT_INDEX_FILE: index };
  execFileSync('git', ['read-tree', 'HEAD'], { cwd: wt, env: e });
  execFileSync('git', ['add', '-A'], { cwd: wt, env: e });
  const tree = execFileSync('git', ['write-tree'], { cwd: wt, env: e, encoding: 'utf8' }).trim();
  return git(wt, ['commit-tree', tree, '-p', 'HEAD', '-m', 'state']);
}
const [sa, sb] = [stateOf(wa), stateOf(wb)];

const cache = join(git(repo, ['rev-parse', '--absolute-git-dir']), 'ctx', 'cache', 'conflicts');
const timed = (fn) => {
  const t0 = performance.now();
  const r = fn();
  return { ms: performance.now() - t0, r };
};
const ctx = (a, extra = {}) => spawnSync(process.execPath, [BIN, ...a], { cwd: wa, env, encoding: 'utf8', maxBuffer: 1 << 28, ...extra });
function waitForCache() {
  const until = Date.now() + 60_000;
  while (Date.now() < until && !(existsSync(cache) && spawnSync('ls', [cache], { encoding: 'utf8' }).stdout.trim())) spawnSync('sleep', ['0.1']);
}

const promptHook = (session) => spawnSync(process.execPath, [BIN, 'agent-hook', 'claude', 'UserPromptSubmit'], { cwd: root, env, encoding: 'utf8', input: JSON.stringify({ session_id: session, cwd: wa, hook_event_name: 'UserPromptSubmit', prompt: 'go on' }) });
const cases = {
  'node -e 0': () => spawnSync(process.execPath, ['-e', '0'], { env }),
  '`git merge-tree` of the two states': () => spawnSync('git', ['merge-tree', '--write-tree', '--name-only', '-z', sa, sb], { cwd: repo, env }),
  '`git ctx conflicts --json`': () => ctx(['conflicts', '--json']),
  '`git ctx conflicts --json --timeout 500`': () => ctx(['conflicts', '--json', '--timeout', '500']),
  'pre-commit: `git ctx conflicts --staged --hook` (3 s bound)': () => ctx(['conflicts', '--staged', '--hook']),
  'agent hook UserPromptSubmit, a new session, nothing cached (850 ms bound)': (i) => {
    rmSync(cache, { recursive: true, force: true });
    return promptHook(`bench-${i}`);
  },
  'agent hook UserPromptSubmit, its next prompt, once the scan it left has filled the cache': (i) => promptHook(`bench-${i}`),
};
/** Whether the answer names the lockfile's real merge conflict (JSON, or the hooks' words). */
function named(r) {
  const out = String(r.stdout ?? '');
  if (out.startsWith('{')) {
    try {
      const j = JSON.parse(out);
      if (Array.isArray(j.overlaps)) return j.overlaps.some((o) => o.path === 'yarn.lock' && o.merge === 'conflict');
    } catch {
      // not the scan's JSON: look at the words
    }
  }
  return /yarn\.lock: merge conflict/.test(`${out}${r.stderr ?? ''}`);
}
const results = Object.fromEntries(Object.keys(cases).map((k) => [k, { ms: [], partial: 0, warned: 0 }]));
// Warm the page cache once.
ctx(['conflicts', '--json']);
for (let i = 0; i < RUNS; i++) {
  for (const [name, fn] of Object.entries(cases)) {
    // The prompt after: once the scan the first one left (detached) has written the cache, untimed.
    if (name.includes('next prompt')) waitForCache();
    const { ms, r } = timed(() => fn(i));
    results[name].ms.push(ms);
    const text = `${r.stdout ?? ''}${r.stderr ?? ''}`;
    if (/"complete":\s*false/.test(text) || /conflict check stopped|Partial|gave up/.test(text)) results[name].partial++;
    if (named(r)) results[name].warned++;
  }
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const ms = (x) => `${Math.round(x)} ms`;
console.log(`\nA 20,000-line yarn.lock and a 20,000-line data file changed on both sides, uncommitted; median of ${RUNS}, interleaved.`);
console.log(`Machine: ${process.platform} ${process.arch}, node ${process.versions.node}, ${git(repo, ['--version'])}, load average ${loadavg().map((l) => l.toFixed(1)).join(' ')}; host ${hostname()}\n`);
console.log('| route | median | max | partial (of runs) | named the yarn.lock conflict |');
console.log('|---|---:|---:|---:|---:|');
for (const [name, r] of Object.entries(results)) console.log(`| ${name} | ${ms(median(r.ms))} | ${ms(Math.max(...r.ms))} | ${r.partial} | ${r.warned} |`);
