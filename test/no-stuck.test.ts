/**
 * No command outlives its work: an internal error exits with its code, promptly, and leaves no git
 * process behind (storage invariant 10). Failures are injected the way they happen: a store with a
 * missing object, a `git cat-file` that dies or stops answering (a real git behind a wrapper script
 * on PATH), a reader that throws.
 */
import { describe, expect, it } from 'vitest';
import { spawn, execFileSync } from 'node:child_process';
import { chmodSync, readFileSync, readdirSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BIN, ENV, git, makeRepo, tempDir } from './helpers/repo.js';
import { cliOk } from './helpers/cli.js';
import { CatFile, readObjects } from '../src/git/cat-file.js';
import { GitRunner } from '../src/git/run.js';

const REAL_GIT = execFileSync('sh', ['-c', 'command -v git'], { encoding: 'utf8' }).trim();

interface Bounded {
  code: number | null;
  signal: NodeJS.Signals | null;
  ms: number;
  stderr: string;
  pid: number;
}

/** Run the CLI; kill it (and report signal SIGKILL) if it is still there after `limitMs`. */
function runBounded(cwd: string, args: string[], limitMs: number, env: Record<string, string> = {}): Promise<Bounded> {
  return new Promise((resolve, reject) => {
    const t0 = Date.now();
    const child = spawn(process.execPath, [BIN, ...args], { cwd, env: { ...ENV, ...env }, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (s: string) => (stderr += s));
    const timer = setTimeout(() => child.kill('SIGKILL'), limitMs);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, ms: Date.now() - t0, stderr, pid: child.pid! });
    });
  });
}

/** git processes whose working directory is inside `dir` (what a command left running there). */
function gitProcessesIn(dir: string): string[] {
  const out: string[] = [];
  for (const pid of readdirSync('/proc')) {
    if (!/^\d+$/.test(pid)) continue;
    try {
      const cwd = readlinkSync(`/proc/${pid}/cwd`);
      const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ');
      if ((cwd === dir || cwd.startsWith(`${dir}/`)) && /\bgit\b/.test(cmd) && !cmd.includes(' sleep ')) out.push(`${pid} ${cmd}`);
    } catch {
      /* gone, or not ours */
    }
  }
  return out;
}

/** The git processes still in `dir` once those that are ending have had 200 ms to go. */
async function gitProcessesLeft(dir: string): Promise<string[]> {
  for (const until = Date.now() + 200; gitProcessesIn(dir).length && Date.now() < until; ) await new Promise((res) => setTimeout(res, 20));
  return gitProcessesIn(dir);
}

/** A directory with a `git` that runs the real one, except `cat-file --batch` (not --buffer), which runs `catFile`. */
function gitWrapper(catFile: string): string {
  const dir = tempDir('git-ctx-wrap-');
  writeFileSync(
    join(dir, 'git'),
    `#!/bin/sh
case " $* " in
  *" --buffer "*) ;;
  *" cat-file --batch "*) ${catFile} ;;
esac
exec "${REAL_GIT}" "$@"
`,
  );
  chmodSync(join(dir, 'git'), 0o755);
  return dir;
}

async function storeWithEntries(): Promise<string> {
  const repo = makeRepo();
  for (const m of ['one', 'two', 'three']) await cliOk(repo, ['add', '-m', m]);
  await cliOk(repo, ['handoff', '-m', 'for the next session']);
  await cliOk(repo, ['add', '-k', 'decision', '-m', 'a decision']);
  return repo;
}

describe('no command is left running after an internal error', () => {
  it('brief on a store missing an object (cold index) exits 1 with one line, and leaves no git behind', async () => {
    const repo = await storeWithEntries();
    rmSync(join(repo, '.git', 'ctx', 'cache'), { recursive: true, force: true });
    const tree = git(repo, ['rev-parse', 'context:entries']);
    rmSync(join(repo, '.git', 'objects', tree.slice(0, 2), tree.slice(2)));
    const r = await runBounded(repo, ['brief'], 15_000);
    expect(r.signal, `still running after ${r.ms} ms: ${gitProcessesIn(repo).join('; ')}`).toBeNull();
    expect(r.code).toBe(1);
    expect(r.ms).toBeLessThan(5000);
    expect(r.stderr).toMatch(/^git-ctx: git ls-tree .*failed: .*\n/);
    expect(await gitProcessesLeft(repo)).toEqual([]);
  });

  it('a git cat-file that dies after its first answer fails the command (exit 1), with nothing left running', async () => {
    const repo = await storeWithEntries();
    // `read` takes one line, byte by byte, leaving the rest of the pipe unread; then the reader is gone.
    const wrap = gitWrapper(`IFS= read -r line; printf '%s\\n' "$line" | "${REAL_GIT}" "$@"; exit 1`);
    for (const args of [['brief'], ['log', '-n', '20'], ['show', git(repo, ['log', '-1', '--format=%(trailers:key=Ctx-Id,valueonly)', 'context'])]]) {
      const r = await runBounded(repo, args, 15_000, { PATH: `${wrap}:${process.env.PATH}` });
      expect(r.signal, `${args[0]} still running after ${r.ms} ms`).toBeNull();
      expect(r.ms).toBeLessThan(5000);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/^git-ctx: git cat-file --batch failed: /);
    }
    expect(await gitProcessesLeft(repo)).toEqual([]);
  });

  it('an object reader that stops answering fails its reads after the stall bound, and its git is stopped', async () => {
    const repo = await storeWithEntries();
    // Reads its requests and never answers, as a git stuck on a hung disk would.
    const wrap = gitWrapper('exec sleep 600');
    const runner = new GitRunner(repo, { ...ENV, PATH: `${wrap}:${process.env.PATH}` });
    const cat = new CatFile(runner, undefined, 400);
    const t0 = Date.now();
    await expect(cat.read('HEAD')).rejects.toMatchObject({ code: 'E_GIT', message: expect.stringContaining('gave no answer') });
    expect(Date.now() - t0).toBeLessThan(3000);
    await expect(cat.read('HEAD')).rejects.toMatchObject({ code: 'E_GIT' });
    cat.close();
    expect(await gitProcessesLeft(repo)).toEqual([]);
  });

  it('a closed object reader refuses reads instead of starting git again', async () => {
    const repo = makeRepo();
    const cat = new CatFile(new GitRunner(repo, ENV));
    expect((await cat.read('HEAD'))?.type).toBe('commit');
    cat.close();
    await expect(cat.read('HEAD')).rejects.toMatchObject({ code: 'E_GIT', message: expect.stringContaining('closed') });
    expect(cat.running).toBe(false);
    expect(await gitProcessesLeft(repo)).toEqual([]);
  });

  it('a reader of many objects that throws rejects its promise (no uncaught error), and its git ends', async () => {
    const repo = makeRepo();
    const oids = [git(repo, ['rev-parse', 'HEAD']), git(repo, ['rev-parse', 'HEAD^{tree}'])];
    const read = readObjects(new GitRunner(repo, ENV), oids, () => {
      throw new Error('malformed entry');
    });
    await expect(read).rejects.toThrow('malformed entry');
    expect(await gitProcessesLeft(repo)).toEqual([]);
  });
});
