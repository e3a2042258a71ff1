#!/usr/bin/env node
/**
 * What each agent hook costs the agent, as the agent sees it: a whole CLI process fed the hook's JSON
 * on stdin, from start to exit, on a store of N entries (bench/lib/seed.ts), idle and with both cores
 * kept busy by two `node -e 'for(;;){}'` (what parallel agents do to a laptop). `node -e 0` runs
 * interleaved with the hooks, so that a busy or shared machine shows in the floor too.
 *
 *     node bench/agent-hooks.mjs [--entries 100000] [--runs 15]
 *
 * Targets: UserPromptSubmit with nothing new close to `node -e 0`; every hook well inside the timeout
 * the installed configuration declares (SessionStart 30 s, UserPromptSubmit 15 s, SessionEnd 10 s,
 * Codex's SessionEnd 3 s); SessionEnd and PreCompact about Node's start-up (they hand over).
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { loadTs } from './lib/ts.mjs';

const arg = (name, dflt) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1] : dflt;
};
const entries = Number(arg('--entries', '100000'));
const runs = Number(arg('--runs', '15'));

const BIN = resolve('dist/bin.cjs');
execFileSync(process.execPath, ['scripts/build.mjs'], { stdio: 'inherit' });
const { seed } = loadTs('bench/lib/seed.ts');

const dir = mkdtempSync(join(tmpdir(), 'git-ctx-bench-hooks-'));
const home = mkdtempSync(join(tmpdir(), 'git-ctx-bench-home-'));
const busy = [];
process.once('exit', () => {
  for (const p of busy) p.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
  rmSync(home, { recursive: true, force: true });
});
const env = { ...Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('GIT_') && k !== 'CLAUDE_CODE_SESSION_ID' && k !== 'CODEX_THREAD_ID')), HOME: home, GIT_CONFIG_NOSYSTEM: '1', GIT_AUTHOR_NAME: 'Bench', GIT_AUTHOR_EMAIL: 'b@example.com', GIT_COMMITTER_NAME: 'Bench', GIT_COMMITTER_EMAIL: 'b@example.com' };
const repo = join(dir, 'repo');
const git = (...args) => execFileSync('git', args, { cwd: repo, env, encoding: 'utf8' });
execFileSync('git', ['init', '-q', '-b', 'main', repo], { env });
writeFileSync(join(repo, 'README.md'), '# bench\n');
git('add', '-A');
git('commit', '-q', '-m', 'initial');
const cli = (...args) => execFileSync(process.execPath, [BIN, ...args], { cwd: repo, env, encoding: 'utf8' });
cli('init');
const t0 = Date.now();
await seed(repo, { count: entries });
cli('brief'); // the index at the tip, as after any earlier command
process.stderr.write(`seeded ${entries} entries and built the index in ${((Date.now() - t0) / 1000).toFixed(1)} s\n`);

function time(args, input = '') {
  const t = process.hrtime.bigint();
  const r = spawnSync(process.execPath, args, { cwd: dir, env, input, encoding: 'utf8', maxBuffer: 1 << 28 });
  const ms = Number(process.hrtime.bigint() - t) / 1e6;
  if (r.status !== 0) throw new Error(`${args.join(' ')} exited ${r.status}: ${r.stderr}`);
  return { ms, stdout: r.stdout, stderr: r.stderr };
}
const hook = (event, session, extra = {}) => time([BIN, 'agent-hook', 'claude', event], JSON.stringify({ session_id: session, cwd: repo, hook_event_name: event, ...extra }));
const waitHandedOver = () => {
  // Let the background runs of SessionEnd and PreCompact finish before the next case is timed.
  for (let i = 0; i < 600; i++) {
    const r = spawnSync('pgrep', ['-f', `${BIN} agent-hook claude .* --background`]);
    if (r.status !== 0) return;
    spawnSync('sleep', ['0.1']);
  }
};

const sorted = (xs) => [...xs].sort((a, b) => a - b);
const pct = (xs, p) => sorted(xs)[Math.min(xs.length - 1, Math.floor(xs.length * p))];
const rows = [];

function measure(condition) {
  const cases = {
    'node -e 0': [],
    'UserPromptSubmit, nothing new (answered from files)': [],
    'UserPromptSubmit, another session wrote a note (nothing for this one)': [],
    'UserPromptSubmit, one new message': [],
    'SessionStart (the brief, 2,000 tokens)': [],
    'SessionStart, resume (what arrived since)': [],
    'SessionEnd (hands the handoff to a background run)': [],
    'PreCompact (hands regenerate to a background run)': [],
  };
  const tag = condition.replace(/\W+/g, '');
  /** Runs whose content was cut at the hook's time (shown in a later hook instead). */
  const cut = {};
  for (let i = 0; i < runs; i++) {
    const s = `${tag}-${i}`;
    cases['node -e 0'].push(time(['-e', '0']).ms);
    const start = hook('SessionStart', s, { source: 'startup' });
    if (!start.stdout.includes('# Brief for session')) cut['SessionStart (the brief, 2,000 tokens)'] = (cut['SessionStart (the brief, 2,000 tokens)'] ?? 0) + 1;
    cases['SessionStart (the brief, 2,000 tokens)'].push(start.ms);
    hook('UserPromptSubmit', s, { prompt: 'go on' }); // the receipts' own commit is seen
    cases['node -e 0'].push(time(['-e', '0']).ms);
    const idle = hook('UserPromptSubmit', s, { prompt: 'go on' });
    if (idle.stdout) throw new Error(`not silent: ${idle.stdout.slice(0, 200)}`);
    if (idle.stderr) throw new Error(`not silent: ${idle.stderr.slice(0, 200)}`);
    cases['UserPromptSubmit, nothing new (answered from files)'].push(idle.ms);
    cli('add', '-m', `a note from elsewhere ${s}`, '--session', 'elsewhere');
    cases['UserPromptSubmit, another session wrote a note (nothing for this one)'].push(hook('UserPromptSubmit', s, { prompt: 'go on' }).ms);
    cli('send', '--to', 'all', `news ${s}`, '--session', 'elsewhere');
    const news = hook('UserPromptSubmit', s, { prompt: 'go on' });
    if (!news.stdout.includes(`news ${s}`)) cut['UserPromptSubmit, one new message'] = (cut['UserPromptSubmit, one new message'] ?? 0) + 1;
    cases['UserPromptSubmit, one new message'].push(news.ms);
    cases['SessionStart, resume (what arrived since)'].push(hook('SessionStart', s, { source: 'resume' }).ms);
    writeFileSync(join(repo, `work-${s}.txt`), `${s}\n`);
    cases['PreCompact (hands regenerate to a background run)'].push(hook('PreCompact', s, { trigger: 'auto' }).ms);
    waitHandedOver();
    cases['SessionEnd (hands the handoff to a background run)'].push(hook('SessionEnd', s, { reason: 'exit' }).ms);
    waitHandedOver();
  }
  for (const [label, ms] of Object.entries(cases)) rows.push({ condition, label, p50: pct(ms, 0.5), p90: pct(ms, 0.9), max: Math.max(...ms), note: cut[label] ? `${cut[label]} of ${runs} cut at the hook's time` : '' });
}

measure('idle');
for (let i = 0; i < 2; i++) busy.push(spawn(process.execPath, ['-e', 'for(;;){}'], { stdio: 'ignore' }));
measure('2 busy processes');
for (const p of busy.splice(0)) p.kill('SIGKILL');

const handoffs = git('log', '--format=%s', '-n', '5000', 'context', '--').split('\n').filter((l) => l.startsWith('handoff:')).length;
const fmt = (x) => (x < 20 ? x.toFixed(1) : x.toFixed(0));
console.log(`\nAgent hooks at ${entries} entries: wall ms from process start to exit, ${runs} runs each (node ${process.version}; ${execFileSync('git', ['--version'], { encoding: 'utf8' }).trim()}; ${handoffs} handoffs landed of ${2 * runs})\n`);
console.log('| condition | case | p50 | p90 | max | |');
console.log('|---|---|---:|---:|---:|---|');
for (const r of rows) console.log(`| ${r.condition} | ${r.label} | ${fmt(r.p50)} | ${fmt(r.p90)} | ${fmt(r.max)} | ${r.note} |`);
if (!existsSync(repo)) process.exitCode = 1;
