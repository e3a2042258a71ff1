import { describe, expect, it } from 'vitest';
import { chmodSync, existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { addWorktree, ctx, ctxOk, makeRepo, tempDir } from './helpers/repo.js';
import { CatFile } from '../src/git/cat-file.js';
import { GitRunner } from '../src/git/run.js';

/** The executable's code cache (src/launch.ts): a speed-up that must never change what a command does. */
describe('the code cache of dist/bin.cjs', () => {
  function setup() {
    const repo = makeRepo();
    const cacheHome = tempDir('git-ctx-cache-');
    return { repo, cacheHome, dir: join(cacheHome, 'git-ctx'), env: { XDG_CACHE_HOME: cacheHome } };
  }
  const files = (dir: string) => (existsSync(dir) ? readdirSync(dir) : []);

  it('is written once, private to the user, and used by the next runs', async () => {
    const { repo, dir, env } = setup();
    expect((await ctx(repo, ['add', '-m', 'cached'], { env })).code).toBe(0);
    const [file, ...rest] = files(dir);
    expect(rest).toEqual([]);
    expect(file).toMatch(/^v8-[0-9a-f]{16}-\d+-v\d+\.\d+\.\d+-\w+-add\.bin$/);
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    expect(statSync(join(dir, file!)).mode & 0o777).toBe(0o600);
    const written = statSync(join(dir, file!)).mtimeMs;
    expect((await ctx(repo, ['add', '-m', 'again'], { env })).code).toBe(0);
    // Accepted, so not written again.
    expect(statSync(join(dir, file!)).mtimeMs).toBe(written);
    // Another command has a cache of its own.
    const r = await ctx(repo, ['log'], { env });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('cached');
    expect(files(dir).sort()).toEqual([file!, file!.replace(/-add\.bin$/, '-log.bin')].sort());
  });

  it('replaces a cache V8 refuses, and the command still works', async () => {
    const { repo, dir, env } = setup();
    await ctx(repo, ['add', '-m', 'first'], { env: { ...env, GIT_CTX_CODE_CACHE: '0' } });
    await ctx(repo, ['log'], { env });
    const path = join(dir, files(dir)[0]!);
    writeFileSync(path, Buffer.alloc(4096, 7), { mode: 0o600 });
    const r = await ctx(repo, ['log'], { env });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('first');
    expect(readFileSync(path).equals(Buffer.alloc(4096, 7))).toBe(false);
  });

  it('is neither read nor written in a directory others can write to, or when turned off', async () => {
    const { repo, dir, env } = setup();
    await ctx(repo, ['add', '-m', 'first'], { env: { ...env, GIT_CTX_CODE_CACHE: '0' } });
    expect(existsSync(dir)).toBe(false);
    await ctx(repo, ['add', '-m', 'second'], { env });
    const path = join(dir, files(dir)[0]!);
    // Planted by someone else: it must not run. Refused whole, like garbage, it is not even read.
    writeFileSync(path, Buffer.alloc(64, 1));
    chmodSync(dir, 0o777);
    const r = await ctx(repo, ['log'], { env });
    expect(r.code, r.stderr).toBe(0);
    expect(readFileSync(path).equals(Buffer.alloc(64, 1))).toBe(true);
    expect(files(dir)).toHaveLength(1);
  });
});

/** The git processes the launcher starts before git-ctx is loaded (src/git/probe.ts), and their handover. */
describe('the git processes started by the launcher', () => {
  it('find the repository from where the command runs: a subdirectory, a linked worktree', async () => {
    const repo = makeRepo({ files: { 'sub/dir/file.txt': 'x\n' } });
    const wt = addWorktree(repo, 'side');
    const added = await ctxOk(wt, ['add', '-m', 'from the side worktree', '--json']);
    expect(added.json.entry.session).toMatch(/^side:/);
    const r = await ctxOk(join(repo, 'sub/dir'), ['log', '--json']);
    expect(r.json.entries.map((e: any) => e.title)).toEqual(['from the side worktree']);
  });

  it('report a git that cannot be started as one line and exit 1, from the launcher as from the CLI', async () => {
    const repo = makeRepo();
    for (const args of [['log'], ['add', '-m', 'x'], ['brief', '--json']]) {
      const r = await ctx(repo, args, { env: { PATH: tempDir('git-ctx-nopath-') } });
      expect(r.code, r.stderr).toBe(1);
      // The first git a command waits for (the repository and its settings are read from the files).
      expect(r.stderr).toMatch(/^git-ctx: git [a-z-]+ .*spawn git ENOENT\n/);
      expect(r.stderr).not.toMatch(/\n\s+at /);
    }
  });

  it('a started object reader that has exited is replaced, not waited on', async () => {
    const repo = makeRepo();
    await ctxOk(repo, ['add', '-m', 'readable']);
    // Started outside any repository, this cat-file exits at once (status 128).
    const outside = tempDir('git-ctx-outside-');
    const dead = spawn('git', ['cat-file', '--batch'], { cwd: outside, env: { ...process.env, GIT_CEILING_DIRECTORIES: outside }, stdio: ['pipe', 'pipe', 'pipe'] });
    await new Promise((r) => dead.on('exit', r));
    const cat = new CatFile(new GitRunner(repo, process.env), dead);
    try {
      const tip = await cat.read('refs/heads/context');
      expect(tip?.type).toBe('commit');
    } finally {
      cat.close();
    }
  });
});
