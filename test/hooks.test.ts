import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BIN, ENV, addWorktree, contextTip, ctxOk, git, makeRepo, tempDir } from './helpers/repo.js';
import { add, cloneOf, makeRemote } from './helpers/remote.js';
import { RUNNER_NAME, block, withBlock, withoutBlock } from '../src/hooks/scripts.js';
import { frozenState } from './helpers/worktree-state.js';

/** A directory with `git-ctx` in it: the real CLI, or a stand-in that fails or hangs. */
function binDir(script = `#!/bin/sh\nexec "${process.execPath}" "${BIN}" "$@"\n`): string {
  const dir = tempDir('git-ctx-bin-');
  writeFileSync(join(dir, 'git-ctx'), script);
  chmodSync(join(dir, 'git-ctx'), 0o755);
  return dir;
}

const REAL = binDir();
const withPath = (bin: string | null) => ({ PATH: bin ? `${bin}:${process.env.PATH}` : process.env.PATH! });

/** Run the user's git, as the user would (hooks on), and time it. */
function userGitIn(cwd: string, args: string[], bin: string | null = REAL, env: Record<string, string> = {}): { code: number; stderr: string; ms: number } {
  const t0 = Date.now();
  const r = spawnSync('git', args, { cwd, env: { ...ENV, ...withPath(bin), ...env }, encoding: 'utf8', timeout: 60_000 });
  return { code: r.status ?? -1, stderr: r.stderr, ms: Date.now() - t0 };
}

const userGit = (cwd: string, args: string[], bin: string | null = REAL) => userGitIn(cwd, args, bin);

function userHook(path: string, text: string): void {
  mkdirSync(join(path, '..'), { recursive: true });
  writeFileSync(path, text);
  chmodSync(path, 0o755);
}

function snapshot(dir: string): Record<string, string> {
  if (!existsSync(dir)) return {};
  return Object.fromEntries(readdirSync(dir).sort().map((n) => [n, `${(statSync(join(dir, n)).mode & 0o777).toString(8)} ${readFileSync(join(dir, n), 'utf8')}`]));
}

function config(repo: string, key: string): string | null {
  try {
    return git(repo, ['config', '--get', key]);
  } catch {
    return null;
  }
}

async function setup(): Promise<{ remote: string; repo: string; log: string }> {
  const remote = makeRemote();
  const repo = cloneOf(remote);
  const log = join(tempDir(), 'hook.log');
  // The user's own hooks, in the hooks directory git uses today.
  userHook(join(repo, '.git', 'hooks', 'pre-push'), `#!/bin/sh\necho "pre-push $1" >> "${log}"\ncat >> "${log}"\n`);
  userHook(join(repo, '.git', 'hooks', 'pre-commit'), `#!/bin/sh\necho pre-commit >> "${log}"\n`);
  await add(repo, 'an entry to publish');
  return { remote, repo, log };
}

describe('git ctx init --hooks', () => {
  it('installs into .githooks with core.hooksPath; user pushes also push the context; user hooks still run, once', async () => {
    const { remote, repo, log } = await setup();
    const before = snapshot(join(repo, '.git', 'hooks'));
    const r = await ctxOk(repo, ['init', '--hooks', '--json'], { env: withPath(REAL) });
    expect(r.json.hooks).toMatchObject({ dir: join(repo, '.githooks'), hooksPath: join(repo, '.githooks'), installed: ['pre-push', 'pre-commit', 'post-merge', 'post-rewrite'], forwarded: [], chained: [] });
    expect(config(repo, 'core.hooksPath')).toBe(join(repo, '.githooks'));
    const installed = snapshot(join(repo, '.githooks'));
    expect(Object.keys(installed)).toEqual(['git-ctx-run', 'post-merge', 'post-rewrite', 'pre-commit', 'pre-push']);

    // Idempotent: the same files, the same config.
    await ctxOk(repo, ['init', '--hooks'], { env: withPath(REAL) });
    expect(snapshot(join(repo, '.githooks'))).toEqual(installed);
    expect(config(repo, 'ctx.hooksChain')).toBe(join(repo, '.git', 'hooks'));

    writeFileSync(join(repo, 'file.txt'), 'x\n');
    git(repo, ['add', 'file.txt']);
    expect(userGit(repo, ['commit', '-qm', 'work']).code).toBe(0);
    const push = userGit(repo, ['push', '-q', 'origin', 'main']);
    expect(push.code, push.stderr).toBe(0);
    expect(push.stderr).toMatch(/git-ctx: pushed 1 context entry to origin/);
    expect(contextTip(remote)).toBe(contextTip(repo));
    // The user's pre-push ran exactly once, with its arguments and stdin; their pre-commit still runs
    // once too (git-ctx's pre-commit runs it first, from the hooks directory git used before).
    const lines = readFileSync(log, 'utf8').trim().split('\n');
    expect(lines.filter((l) => l.startsWith('pre-push'))).toEqual(['pre-push origin']);
    expect(lines.filter((l) => l.startsWith('refs/heads/main '))).toHaveLength(1);
    expect(lines.filter((l) => l === 'pre-commit')).toHaveLength(1);
    expect(snapshot(join(repo, '.git', 'hooks'))).toEqual(before);
  });

  it('pulls the context after `git pull` and `git pull --rebase`, not after a local merge', async () => {
    const { remote, repo } = await setup();
    const other = cloneOf(remote);
    for (const r of [repo, other]) await ctxOk(r, ['init', '--hooks'], { env: withPath(REAL) });
    expect(userGit(repo, ['push', '-q', 'origin', 'main']).code).toBe(0);

    const publish = async (text: string) => {
      await add(repo, text);
      git(repo, ['commit', '-q', '--allow-empty', '-m', text]);
      expect(userGit(repo, ['push', '-q', 'origin', 'main']).code).toBe(0);
    };
    await publish('one');
    expect(userGit(other, ['pull', '-q', 'origin', 'main']).code).toBe(0);
    expect(contextTip(other)).toBe(contextTip(repo));

    git(other, ['commit', '-q', '--allow-empty', '-m', 'local work']);
    await publish('two');
    expect(userGit(other, ['pull', '-q', '--rebase', 'origin', 'main']).code).toBe(0);
    expect(contextTip(other)).toBe(contextTip(repo));

    // A local merge is not a network command: no context pull.
    await publish('three');
    git(other, ['fetch', '-q', 'origin']);
    const tip = contextTip(other);
    expect(userGit(other, ['merge', '-q', '--no-edit', 'origin/main']).code).toBe(0);
    expect(contextTip(other)).toBe(tip);
  });

  it('never fails or hangs the user push: git-ctx failing, hanging, missing, or the context push refused', async () => {
    const { remote, repo } = await setup();
    await ctxOk(repo, ['init', '--hooks'], { env: withPath(REAL) });
    git(repo, ['config', 'ctx.hookTimeout', '1']);
    const push = (bin: string | null, n: number) => {
      git(repo, ['commit', '-q', '--allow-empty', '-m', `c${n}`]);
      return userGit(repo, ['push', '-q', 'origin', 'main'], bin);
    };

    const failing = push(binDir('#!/bin/sh\necho "boom" >&2\nexit 3\n'), 1);
    expect(failing.code).toBe(0);
    expect(failing.stderr).toMatch(/boom\ngit-ctx: warning: the pre-push hook failed \(exit 3\); your git command is not affected/);

    const hanging = push(binDir('#!/bin/sh\nsleep 30\n'), 2);
    expect(hanging.code).toBe(0);
    expect(hanging.ms).toBeLessThan(10_000);
    expect(hanging.stderr).toMatch(/the pre-push hook was stopped after 1s/);

    const missing = push(null, 3);
    expect(missing.code).toBe(0);
    expect(missing.stderr).toBe('');
    expect(git(remote, ['rev-parse', 'main'])).toBe(git(repo, ['rev-parse', 'main']));
    expect(contextTip(remote)).toBeNull();

    // The remote takes neither the context branch nor git-ctx's own refs.
    userHook(join(remote, 'hooks', 'update'), '#!/bin/sh\ncase "$1" in refs/heads/context|refs/ctx/*) echo "context not welcome" >&2; exit 1 ;; esac\nexit 0\n');
    git(repo, ['config', 'ctx.hookTimeout', '20']);
    const refused = push(REAL, 4);
    expect(refused.code).toBe(0);
    expect(refused.stderr).toMatch(/git-ctx: warning: pre-push hook: origin refused refs\/heads\/context.*\(your git command is not affected\)/);
    expect(git(remote, ['rev-parse', 'main'])).toBe(git(repo, ['rev-parse', 'main']));
  });

  it('chains into a hooks directory the repository already uses, and uninstall restores every byte', async () => {
    const { remote, repo, log } = await setup();
    git(repo, ['config', 'core.hooksPath', 'team-hooks']);
    userHook(join(repo, 'team-hooks', 'pre-push'), `#!/bin/bash\n# the team's checks\necho "team pre-push $1" >> "${log}"\nexit 0\n`);
    userHook(join(repo, 'team-hooks', 'post-merge'), '#!/usr/bin/env python3\nprint("hi")\n');
    chmodSync(join(repo, 'team-hooks', 'pre-push'), 0o750);
    const before = snapshot(join(repo, 'team-hooks'));

    const r = await ctxOk(repo, ['init', '--hooks', '--json'], { env: withPath(REAL) });
    expect(r.json.hooks).toMatchObject({ dir: join(repo, 'team-hooks'), hooksPath: null, installed: ['pre-commit', 'post-rewrite'], chained: ['pre-push'], forwarded: [] });
    expect(r.stderr).toMatch(/post-merge is not a shell script/);
    expect(config(repo, 'core.hooksPath')).toBe('team-hooks');
    const once = snapshot(join(repo, 'team-hooks'));
    await ctxOk(repo, ['init', '--hooks'], { env: withPath(REAL) });
    expect(snapshot(join(repo, 'team-hooks'))).toEqual(once);
    expect(readFileSync(join(repo, 'team-hooks', 'pre-push'), 'utf8').split(block('pre-push'))).toHaveLength(2);

    expect(userGit(repo, ['push', '-q', 'origin', 'main']).code).toBe(0);
    expect(readFileSync(log, 'utf8')).toContain('team pre-push origin');
    expect(contextTip(remote)).toBe(contextTip(repo));

    const u = await ctxOk(repo, ['init', '--hooks', '--uninstall', '--json']);
    expect(u.json.hooks.removed).toEqual([RUNNER_NAME, 'post-rewrite', 'pre-commit', 'pre-push']);
    expect(snapshot(join(repo, 'team-hooks'))).toEqual(before);
    expect(config(repo, 'core.hooksPath')).toBe('team-hooks');
  });

  it('uninstall from .githooks puts back the hooks git used before', async () => {
    const { remote, repo, log } = await setup();
    await ctxOk(repo, ['init', '--hooks'], { env: withPath(REAL) });
    await ctxOk(repo, ['init', '--hooks', '--uninstall']);
    expect(existsSync(join(repo, '.githooks'))).toBe(false);
    for (const key of ['core.hooksPath', 'ctx.hooksChain', 'ctx.hooksPathSet']) expect(config(repo, key)).toBeNull();
    expect(userGit(repo, ['push', '-q', 'origin', 'main']).code).toBe(0);
    expect(contextTip(remote)).toBeNull();
    expect(readFileSync(log, 'utf8')).toContain('pre-push origin');
  });

  it('edits user hook files by inserting and removing one block, exactly', () => {
    const original = '#!/bin/sh\nset -e\nrun-checks "$@"\n';
    const edited = withBlock(original, 'pre-push');
    expect(edited.startsWith(`#!/bin/sh\n${block('pre-push')}set -e`)).toBe(true);
    expect(withBlock(edited, 'pre-push')).toBe(edited);
    expect(withoutBlock(edited)).toBe(original);
    expect(withoutBlock(original)).toBeNull();
  });
});

const COUNT_PY = 'def count(items):\n    total = 0\n    for item in items:\n        total += item\n    return total\n';

/** Replace one line (1-based) of a file. */
function editLine(wt: string, path: string, line: number, text: string): void {
  const lines = readFileSync(join(wt, path), 'utf8').split('\n');
  lines[line - 1] = text;
  writeFileSync(join(wt, path), lines.join('\n'));
}

describe('the pre-commit hook (init --hooks)', () => {
  it('warns about overlapping edits by default, refuses them only under ctx.conflicts.block, and reads the index being committed', async () => {
    const repo = makeRepo({ files: { 'README.md': '# test\n', 'tools/count.py': COUNT_PY } });
    const log = join(tempDir(), 'hook.log');
    userHook(join(repo, '.git', 'hooks', 'pre-commit'), `#!/bin/sh\necho "user pre-commit" >> "${log}"\n`);
    const [wa, wb] = [addWorktree(repo, 'wa'), addWorktree(repo, 'wb')];
    await ctxOk(repo, ['init', '--hooks'], { env: withPath(REAL) });
    editLine(wb, 'tools/count.py', 2, '    total = 2'); // uncommitted, in the other session
    const tmp = tempDir('git-ctx-hook-tmp-'); // where the runner keeps its temporary files
    const userGit = (cwd: string, args: string[], bin: string | null = REAL) => userGitIn(cwd, args, bin, { TMPDIR: tmp });
    const head = (wt: string) => git(wt, ['log', '-1', '--format=%s']);

    // By default: a warning, and the commit goes through.
    editLine(wa, 'tools/count.py', 2, '    total = 1');
    git(wa, ['add', 'tools/count.py']);
    const warned = userGit(wa, ['commit', '-q', '-m', 'one']);
    expect(warned.code, warned.stderr).toBe(0);
    expect(warned.stderr).toMatch(/git-ctx: warning: tools\/count\.py: merge conflict with wb:wb \(lines 2; count\)/);
    expect(head(wa)).toBe('one');
    expect(readFileSync(log, 'utf8').trim().split('\n')).toEqual(['user pre-commit']); // the user's hook ran first, once

    // Unrelated files: nothing to say.
    editLine(wa, 'README.md', 1, '# readme');
    const quiet = userGit(wa, ['commit', '-q', '-a', '-m', 'two']);
    expect(quiet.code).toBe(0);
    expect(quiet.stderr).toBe('');

    // ctx.conflicts.block: refused. `commit -a` stages into a temporary index, which is what the hook reads.
    git(repo, ['config', 'ctx.conflicts.block', 'true']);
    editLine(wa, 'tools/count.py', 4, '        total += 2 * item');
    const before = frozenState(wa);
    const refused = userGit(wa, ['commit', '-q', '-a', '-m', 'three']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/git-ctx: warning: tools\/count\.py: merge conflict with wb:wb/);
    expect(refused.stderr).toContain('commit refused');
    expect(refused.stderr).not.toMatch(/hook failed|not affected/);
    expect(head(wa)).toBe('two');
    expect(frozenState(wa)).toEqual(before); // the index the user had is untouched
    // A refusal is the hook's verdict: git's own bypass still works.
    expect(userGit(wa, ['commit', '-q', '-a', '--no-verify', '-m', 'three']).code).toBe(0);

    // Still blocking, but git-ctx crashes, hangs or is missing: the commit goes through every time.
    git(repo, ['config', 'ctx.hookTimeout', '1']);
    const stillBlocking = (bin: string | null, n: number) => {
      editLine(wa, 'tools/count.py', 5, `    return total + ${n}`);
      const r = userGit(wa, ['commit', '-q', '-a', '-m', `crash ${n}`], bin);
      expect(r.code, r.stderr).toBe(0);
      expect(head(wa)).toBe(`crash ${n}`);
      return r;
    };
    // Exit 1 is also what node does on an uncaught error: without the refusal file it is a crash.
    expect(stillBlocking(binDir('#!/bin/sh\necho "TypeError: boom" >&2\nexit 1\n'), 1).stderr).toMatch(/TypeError: boom\ngit-ctx: warning: the pre-commit hook failed \(exit 1\); your git command is not affected/);
    expect(stillBlocking(binDir(`#!/bin/sh\n"${process.execPath}" -e 'throw new Error("crash")'\n`), 2).stderr).toMatch(/the pre-commit hook failed \(exit 1\)/);
    const hanging = stillBlocking(binDir('#!/bin/sh\nsleep 30\n'), 3);
    expect(hanging.ms).toBeLessThan(10_000);
    expect(hanging.stderr).toMatch(/the pre-commit hook was stopped after 1s/);
    // A refusal that comes too late (after the watchdog) does not count either.
    const late = binDir('#!/bin/sh\nsleep 3\n[ -n "$GIT_CTX_HOOK_REFUSE" ] && : > "$GIT_CTX_HOOK_REFUSE"\nexit 1\n');
    expect(stillBlocking(late, 4).stderr).toMatch(/stopped after 1s/);
    expect(stillBlocking(null, 5).stderr).toBe('');

    // The protocol itself: a refusal (file + exit 1) blocks only while ctx.conflicts.block is set.
    const refuser = binDir('#!/bin/sh\n[ -n "$GIT_CTX_HOOK_REFUSE" ] && : > "$GIT_CTX_HOOK_REFUSE"\nexit 1\n');
    editLine(wa, 'README.md', 1, '# refused');
    expect(userGit(wa, ['commit', '-q', '-a', '-m', 'six'], refuser).code).toBe(1);
    git(repo, ['config', '--unset', 'ctx.conflicts.block']);
    expect(userGit(wa, ['commit', '-q', '-a', '-m', 'six'], refuser).code).toBe(0);
    expect(head(wa)).toBe('six');
    expect(readdirSync(tmp)).toEqual([]); // no temporary file left behind, refusal markers included

    // Installing again changes nothing; uninstalling leaves the user's hooks as they were.
    const installed = snapshot(join(repo, '.githooks'));
    await ctxOk(repo, ['init', '--hooks'], { env: withPath(REAL) });
    expect(snapshot(join(repo, '.githooks'))).toEqual(installed);
    await ctxOk(repo, ['init', '--hooks', '--uninstall']);
    expect(existsSync(join(repo, '.githooks'))).toBe(false);
    expect(config(repo, 'core.hooksPath')).toBeNull();
    editLine(wa, 'README.md', 1, '# after');
    const after = userGit(wa, ['commit', '-q', '-a', '-m', 'seven']);
    expect(after.code).toBe(0);
    expect(after.stderr).toBe('');
    expect(readFileSync(log, 'utf8').trim().split('\n').length).toBeGreaterThan(1); // the user's own hook runs again from .git/hooks
  });
});
