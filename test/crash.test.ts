/**
 * Storage invariant 9 under SIGKILL: writers killed at random instants leave `git fsck --strict`
 * clean, the branch at a valid commit with one commit per entry, every acknowledged entry present
 * and whole, and no lock (git's `*.lock` nor our advisory lock) that stops the next command.
 *
 * The harness (helpers/crash.ts) takes any command; add is the one that writes today.
 */
import { describe, expect, it } from 'vitest';
import { execFile, execFileSync, spawnSync } from 'node:child_process';
import { promisify } from 'node:util';
import { existsSync, mkdirSync, readdirSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { BIN, ctx, ctxOk, ENV, entryPaths, fsck, git, makeRepo } from './helpers/repo.js';
import { runCrashTrials, runToEnd, type CrashScenario } from './helpers/crash.js';

const ID_LINE = /^[0-9a-z]{26}$/;

/** git without blocking the event loop: the lanes' kill timers must fire on time. */
async function gitAsync(cwd: string, args: string[]): Promise<string> {
  const { stdout } = await promisify(execFile)('git', args, { cwd, env: ENV, maxBuffer: 1 << 26 });
  return stdout;
}

interface AddWorld {
  repo: string;
}

const addScenario: CrashScenario<AddWorld> = {
  name: 'add',
  setup: () => ({ repo: makeRepo() }),
  // Three writers at once: two victims and a survivor (the next command, started right after the
  // previous trial's crash, which no stale lock may stop).
  procs: ({ repo }, trial, random) =>
    Array.from({ length: 3 }, (_, i) => ({
      cwd: repo,
      args: ['add', '-t', `trial ${trial} writer ${i}`, '--tag', `t${trial}`, '-F', '-'],
      // Bodies of varied size, so that kills land while blobs are written too.
      input: `body of ${trial}.${i}\n${'x'.repeat(Math.floor(random() * 64 * 1024))}\n`,
      survivor: i === 2,
    })),
  acknowledged: (stdout) => stdout.split('\n').filter((l) => ID_LINE.test(l)),
  async verify({ repo }, acked, outcomes) {
    await gitAsync(repo, ['fsck', '--strict', '--no-progress', '--no-dangling']);
    const facts = {
      staleRefLocks: existsSync(join(repo, '.git/refs/heads/context.lock')) ? 1 : 0,
      staleAdvisoryLocks: existsSync(join(repo, '.git/ctx/locks')) ? readdirSync(join(repo, '.git/ctx/locks')).filter((n) => n.endsWith('.lock')).length : 0,
      // A survivor that took over 4 s waited out a ref lock left by a killed update-ref.
      refLockWaits: outcomes.filter((o) => o.proc.survivor && (o.ms ?? 0) > 4000).length,
    };
    if (!(await gitAsync(repo, ['for-each-ref', 'refs/heads/context']))) return facts; // nothing landed yet
    // One commit per entry on one line of history: no half-made commit, no entry without its commit.
    const [history, tree] = await Promise.all([gitAsync(repo, ['rev-list', '--parents', 'context^{commit}', '--']), gitAsync(repo, ['ls-tree', '-r', '--name-only', 'context', 'entries'])]);
    const commits = history.split('\n').filter(Boolean);
    const ids = new Set(tree.split('\n').filter(Boolean).map((p) => p.replace(/^.*\/|\.md$/g, '')));
    for (const id of acked) if (!ids.has(id)) throw new Error(`acknowledged entry ${id} is not on the branch`);
    expect(commits.length).toBe(ids.size + 1);
    expect(commits.filter((c) => c.split(' ').length > 2)).toEqual([]);
    return facts;
  },
  next: ({ repo }) => ({ cwd: repo, args: ['add', '-m', 'after the crash'] }),
  // Every entry left behind is whole: the reader (and the index it builds) reads them all, silently.
  async final({ repo }) {
    const n = git(repo, ['ls-tree', '-r', '--name-only', 'context', 'entries']).split('\n').filter(Boolean).length;
    const log = await runToEnd({ cwd: repo, args: ['log', '--json', '-n', '0'] });
    expect(log.stderr).toBe('');
    expect(JSON.parse(log.stdout).entries).toHaveLength(n);
  },
};

interface SearchWorld {
  repo: string;
  words: string[];
}

/**
 * Readers write too: search brings the derived index under .git/ctx/cache up to date. Victims are
 * searches killed while they append to it; the survivor adds an entry, so every trial has new
 * entries to index. Afterwards every search must find exactly what the branch holds.
 */
const searchScenario: CrashScenario<SearchWorld> = {
  name: 'search',
  setup: () => {
    const repo = makeRepo();
    // Searches race the first add: the context must exist already (else: "not initialised", exit 3).
    execFileSync(process.execPath, [BIN, 'init'], { cwd: repo, env: ENV, stdio: 'ignore' });
    return { repo, words: [] };
  },
  procs: (world, trial) => {
    const word = `walrus${trial < 0 ? 'calibration' : trial}`;
    world.words.push(word);
    return [
      { cwd: world.repo, args: ['search', '--json', 'walrus'] },
      { cwd: world.repo, args: ['search', '--json', word] },
      { cwd: world.repo, args: ['add', '-m', `${word} ${'y'.repeat(20_000)}`], survivor: true },
    ];
  },
  acknowledged: (stdout) => stdout.split('\n').filter((l) => ID_LINE.test(l)),
  async verify({ repo }) {
    await gitAsync(repo, ['fsck', '--strict', '--no-progress', '--no-dangling']);
    return { cacheLocks: existsSync(join(repo, '.git/ctx/cache/context/cache.lock')) ? 1 : 0 };
  },
  next: ({ repo }) => ({ cwd: repo, args: ['search', '--json', 'walrus'] }),
  async final({ repo, words }) {
    const all = await runToEnd({ cwd: repo, args: ['search', '--json', '-n', '1000', 'walrus'] });
    expect(all.stderr).toBe('');
    expect(JSON.parse(all.stdout).total).toBe(words.length);
    const one = await runToEnd({ cwd: repo, args: ['search', '--json', words[words.length - 1]!] });
    expect(JSON.parse(one.stdout).total).toBe(1);
  },
};

describe('crash safety', () => {
  it('100 trials of SIGKILL at random instants during concurrent adds: 0 corrupt, 0 lost, the next command works', async () => {
    const report = await runCrashTrials(addScenario, { lanes: 4, trials: 25 });
    console.log(`crash trials (add): ${JSON.stringify(report)}`);
    expect(report.trials).toBe(100);
    // The window must really cut writers short, and let some victims finish.
    expect(report.killed).toBeGreaterThan(60);
    expect(report.completed - 100).toBeGreaterThan(10);
  }, 240_000);

  it('searches killed while they update the index leave it readable and complete', async () => {
    const report = await runCrashTrials(searchScenario, { lanes: 2, trials: 4 });
    console.log(`crash trials (search): ${JSON.stringify(report)}`);
    expect(report.killed).toBeGreaterThan(2);
  }, 120_000);
});

describe('locks left by a killed process do not stop the next command', () => {
  it('a ref lock left by a git killed while it held it stays for the user to remove (as git does); the next add names it, then lands once it is gone', async () => {
    const repo = makeRepo();
    await ctxOk(repo, ['add', '-m', 'before']);
    const lock = join(repo, '.git/refs/heads/context.lock');
    writeFileSync(lock, `${git(repo, ['rev-parse', 'context'])}\n`); // as git leaves it: holding an oid
    const old = new Date(Date.now() - 3600_000);
    utimesSync(lock, old, old);
    const r = await ctx(repo, ['add', '-m', 'after', '--json']);
    expect(r.code, r.stderr).toBe(1);
    expect(r.json.error).toMatchObject({ code: 'E_REF_LOCKED', data: { lockFile: lock } });
    expect(existsSync(lock)).toBe(true);
    expect(entryPaths(repo)).toHaveLength(1);
    rmSync(lock);
    await ctxOk(repo, ['add', '-m', 'after']);
    expect(entryPaths(repo)).toHaveLength(2);
    fsck(repo);
  }, 30_000);

  it('our advisory lock held by a process that died, held too long, or left empty, is taken over at once', async () => {
    const repo = makeRepo();
    await ctxOk(repo, ['add', '-m', 'before']);
    const lock = join(repo, '.git/ctx/locks/context.lock');
    const dead = spawnSync(process.execPath, ['-e', '0']).pid!; // a pid that has exited
    // A dead holder; a live one that held it far too long; an empty lock (a holder killed between
    // creating the file and writing its name, as O_EXCL-then-write allowed).
    const cases = [[`${dead} ${hostname()} deadbeef`, 0], [`${process.pid} ${hostname()} alive-but-stuck`, 60_000], ['', 0]] as const;
    for (const [content, ageMs] of cases) {
      writeFileSync(lock, content);
      const t = new Date(Date.now() - ageMs);
      utimesSync(lock, t, t);
      const r = await runToEnd({ cwd: repo, args: ['add', '-m', `after ${content || 'an empty lock'}`] });
      expect(r.code, r.stderr).toBe(0);
      expect(r.ms).toBeLessThan(8000); // not the 10 s a live holder would cost
      expect(existsSync(lock)).toBe(false);
    }
    expect(entryPaths(repo)).toHaveLength(cases.length + 1);
  }, 60_000);

  it('half-written object files (tmp_obj_*) are ignored by fsck and by the next write', async () => {
    const repo = makeRepo();
    await ctxOk(repo, ['add', '-m', 'before']);
    const dir = join(repo, '.git/objects/ab');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'tmp_obj_killed'), Buffer.from([0x78, 0x01, 0x2b])); // a deflate stream cut short
    fsck(repo);
    await ctxOk(repo, ['add', '-m', 'after']);
    expect(entryPaths(repo)).toHaveLength(2);
  });
});
