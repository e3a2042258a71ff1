import { describe, expect, it } from 'vitest';
import { chmodSync, existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ctx, makeRepo, tempDir } from './helpers/repo.js';

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
