#!/usr/bin/env node
/**
 * `task claim --next` under contention: C concurrent claimers (default 16) over T ready tasks
 * (default 10 per claimer), in 4 linked worktrees of one repository; each claims the next task and
 * finishes it until nothing is left. Two front ends: the CLI (a process per claim, as an agent's shell
 * runs it) and MCP (a server per claimer, the real server and the SDK's client in process). `node -e 0`
 * is timed in a loop beside the CLI claimers (the floor of any CLI call on the machine as loaded), and
 * alone before. Every task must be claimed by exactly one claimer, and its chain on the branch must be
 * one claim and one done by that claimer: anything else is counted as a double claim.
 *
 * A third case runs the CLI claimers on 4 clones of a bare remote (file://), where the remote decides
 * every step (claim refs); `--no-remote` leaves it out.
 *
 *     node bench/tasks.mjs [--claimers 16] [--tasks 160] [--no-remote]
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { bundleTs, loadTs } from './lib/ts.mjs';

const arg = (name, dflt) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1] : dflt;
};
const claimers = Number(arg('--claimers', '16'));
const taskCount = Number(arg('--tasks', String(claimers * 10)));
const withRemote = !process.argv.includes('--no-remote');

const BIN = resolve('dist/bin.cjs');
execFileSync(process.execPath, ['scripts/build.mjs'], { stdio: 'inherit' });
const { parseStep, settleTask } = loadTs('src/model/task.ts');
const mcpBundle = bundleTs('bench/lib/mcp-task-loop.ts');

const dir = mkdtempSync(join(tmpdir(), 'git-ctx-bench-tasks-'));
const home = mkdtempSync(join(tmpdir(), 'git-ctx-bench-home-'));
process.once('exit', () => {
  rmSync(dir, { recursive: true, force: true });
  rmSync(home, { recursive: true, force: true });
});
const env = { ...Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('GIT_') && k !== 'CLAUDE_CODE_SESSION_ID' && k !== 'CODEX_THREAD_ID')), HOME: home, GIT_CONFIG_NOSYSTEM: '1', GIT_AUTHOR_NAME: 'Bench', GIT_AUTHOR_EMAIL: 'b@example.com', GIT_COMMITTER_NAME: 'Bench', GIT_COMMITTER_EMAIL: 'b@example.com' };

function setup(name) {
  const repo = join(dir, name);
  const git = (...args) => execFileSync('git', args, { cwd: repo, env, encoding: 'utf8', maxBuffer: 1 << 28 });
  execFileSync('git', ['init', '-q', '-b', 'main', repo], { env });
  writeFileSync(join(repo, 'README.md'), '# bench\n');
  git('add', '-A');
  git('commit', '-q', '-m', 'initial');
  const trees = [repo];
  for (let i = 1; i < 4; i++) {
    const wt = join(dir, `${name}-wt${i}`);
    git('worktree', 'add', '-q', '-b', `w${i}`, wt);
    trees.push(wt);
  }
  const todo = join(dir, `${name}-todo.md`);
  writeFileSync(todo, Array.from({ length: taskCount }, (_, i) => `- [ ] https://example.com/page/${i}`).join('\n'));
  execFileSync(process.execPath, [BIN, 'task', 'add', '--from-file', todo], { cwd: repo, env, stdio: 'ignore' });
  return { repo, trees, git };
}

function runAll(commands) {
  return Promise.all(
    commands.map(
      (args) =>
        new Promise((res) => {
          const child = spawn(process.execPath, args.argv, { cwd: args.cwd, env });
          let out = '';
          child.stdout.on('data', (b) => (out += b));
          child.stderr.on('data', (b) => process.stderr.write(b));
          child.on('close', () => res(out.split('\n').filter(Boolean).map((l) => JSON.parse(l))));
        }),
    ),
  );
}

/** `node -e 0` in a loop until `done` resolves: wall ms of each. */
async function floorWhile(done) {
  const out = [];
  let stop = false;
  done.then(() => (stop = true));
  while (!stop) {
    const t = performance.now();
    await new Promise((r) => spawn(process.execPath, ['-e', '0'], { env }).on('close', r));
    out.push(performance.now() - t);
  }
  return out;
}

/** Tasks claimed by more than one claimer, or whose chain is not one claim and one done by its claimer. */
function doubles(git, results, prefix = 'c') {
  const owner = new Map();
  let bad = 0;
  results.forEach((rows, i) =>
    rows.forEach((r) => {
      for (const id of r.ids ?? []) {
        if (owner.has(id)) bad++;
        owner.set(id, `${prefix}${i}`);
      }
    }),
  );
  const files = new Map();
  for (const path of git('ls-tree', '-r', '--name-only', 'context', '--', 'state/tasks').split('\n').filter(Boolean)) {
    const [, , , , id, name] = path.split('/');
    if (name === 'task') continue; // the marker that the task exists
    if (!files.has(id)) files.set(id, new Map());
    files.get(id).set(name, parseStep(git('cat-file', 'blob', `context:${path}`), id));
  }
  for (const [id, f] of files) {
    const chain = settleTask(f).chain;
    const ok = f.size === 2 && chain.length === 2 && chain[0].op === 'claim' && chain[1].op === 'done' && chain[0].session === owner.get(id) && chain[1].session === owner.get(id);
    if (!ok) bad++;
  }
  return { bad, claimed: owner.size, onBranch: files.size };
}

const sorted = (xs) => [...xs].sort((a, b) => a - b);
const pct = (xs, p) => (xs.length ? sorted(xs)[Math.min(xs.length - 1, Math.floor(xs.length * p))] : NaN);
const rows = [];
const row = (name, ms, extra = '') => rows.push(`| ${name} | ${ms.length} | ${pct(ms, 0.5).toFixed(0)} | ${pct(ms, 0.99).toFixed(0)} | ${extra} |`);

// The floor alone.
const idle = [];
for (let i = 0; i < 20; i++) {
  const t = performance.now();
  spawnSync(process.execPath, ['-e', '0'], { env });
  idle.push(performance.now() - t);
}
row('node -e 0, alone', idle);

// CLI claimers.
{
  const { trees, git } = setup('cli');
  const t0 = performance.now();
  const running = runAll(Array.from({ length: claimers }, (_, i) => ({ cwd: process.cwd(), argv: ['bench/lib/task-claimer.mjs', BIN, trees[i % 4], `c${i}`] })));
  const floor = await floorWhile(running);
  const results = await running;
  const wall = performance.now() - t0;
  const errors = results.flat().filter((r) => r.error || r.offline);
  const d = doubles(git, results);
  row(`node -e 0, beside the CLI claimers`, floor);
  row(`task claim --next, CLI, ${claimers} claimers`, results.flat().filter((r) => r.ms).map((r) => r.ms), `${d.bad} double claims; ${d.claimed}/${taskCount} claimed; ${(wall / 1000).toFixed(1)} s for all${errors.length ? `; ${errors.length} errors: ${JSON.stringify(errors[0]).slice(0, 200)}` : ''}`);
}

// CLI claimers on 4 clones of a bare remote: the remote decides every step (claim refs).
if (withRemote) {
  const remote = join(dir, 'remote.git');
  const seed = join(dir, 'seed');
  execFileSync('git', ['init', '-q', '-b', 'main', seed], { env });
  execFileSync('git', ['commit', '-q', '--allow-empty', '-m', 'initial'], { cwd: seed, env });
  execFileSync('git', ['clone', '-q', '--bare', seed, remote], { env });
  const clones = Array.from({ length: 4 }, (_, i) => {
    const c = join(dir, `clone${i}`);
    execFileSync('git', ['clone', '-q', remote, c], { env });
    execFileSync(process.execPath, [BIN, 'init', '--remote', 'origin'], { cwd: c, env, stdio: 'ignore' });
    return c;
  });
  const todo = join(dir, 'remote-todo.md');
  writeFileSync(todo, Array.from({ length: taskCount }, (_, i) => `- [ ] https://example.com/remote/${i}`).join('\n'));
  execFileSync(process.execPath, [BIN, 'task', 'add', '--from-file', todo], { cwd: clones[0], env, stdio: 'ignore' });
  execFileSync(process.execPath, [BIN, 'sync'], { cwd: clones[0], env, stdio: 'ignore' });
  const t0 = performance.now();
  const results = await runAll(Array.from({ length: claimers }, (_, i) => ({ cwd: process.cwd(), argv: ['bench/lib/task-claimer.mjs', BIN, clones[i % 4], `r${i}`] })));
  const wall = performance.now() - t0;
  for (const c of [...clones, clones[0]]) execFileSync(process.execPath, [BIN, 'sync'], { cwd: c, env, stdio: 'ignore' });
  const git = (...args) => execFileSync('git', args, { cwd: clones[0], env, encoding: 'utf8', maxBuffer: 1 << 28 });
  const d = doubles(git, results, 'r');
  const offline = results.flat().filter((r) => r.offline).length;
  row(`task claim --next, CLI, ${claimers} claimers on 4 clones of a bare remote`, results.flat().filter((r) => r.ms).map((r) => r.ms), `${d.bad} double claims; ${d.claimed}/${taskCount} claimed; ${offline} decided offline; ${(wall / 1000).toFixed(1)} s for all`);
}

// MCP claimers.
{
  const { trees, git } = setup('mcp');
  const t0 = performance.now();
  const results = await runAll(Array.from({ length: claimers }, (_, i) => ({ cwd: process.cwd(), argv: ['bench/lib/mcp-claimer.mjs', mcpBundle, trees[i % 4], `c${i}`] })));
  const wall = performance.now() - t0;
  const d = doubles(git, results);
  row(`task claim --next, MCP (ctx_task claim), ${claimers} claimers`, results.flat().map((r) => r.ms), `${d.bad} double claims; ${d.claimed}/${taskCount} claimed; ${(wall / 1000).toFixed(1)} s for all`);
}

process.stdout.write(`\n${claimers} concurrent claimers, ${taskCount} ready tasks, 4 worktrees; each claim is followed by its done. ms per claim (wall).\n\n`);
process.stdout.write('| case | n | p50 ms | p99 ms | notes |\n|---|---|---|---|---|\n');
process.stdout.write(`${rows.join('\n')}\n`);
