import { describe, expect, it } from 'vitest';
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BIN, ENV, addWorktree, contextTip, git, makeRepo, tempDir } from './helpers/repo.js';
import { cliOk } from './helpers/cli.js';
import { add, cloneOf, makeRemote } from './helpers/remote.js';
import { stopBackground, withBackground } from './helpers/hook-runs.js';
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

/**
 * Run the user's git, as the user would (hooks on), and time it. A hook whose network work took over a
 * second handed it to a background run: this waits for it, and adds what it said to stderr (so that
 * the tests read the same on a busy machine as on a quiet one); `ms` is the user's command alone.
 */
function userGitIn(cwd: string, args: string[], bin: string | null = REAL, env: Record<string, string> = {}): { code: number; stderr: string; ms: number } {
  const t0 = Date.now();
  const r = spawnSync('git', args, { cwd, env: { ...ENV, ...withPath(bin), ...env }, encoding: 'utf8', timeout: 60_000 });
  const ms = Date.now() - t0;
  return { code: r.status ?? -1, stderr: withBackground(cwd, t0, r.stderr), ms };
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
    const r = await cliOk(repo, ['init', '--hooks', '--json'], { env: withPath(REAL) });
    expect(r.json.hooks).toMatchObject({ dir: join(repo, '.githooks'), hooksPath: join(repo, '.githooks'), installed: ['pre-push', 'pre-commit', 'post-merge', 'post-rewrite'], forwarded: [], chained: [] });
    expect(config(repo, 'core.hooksPath')).toBe(join(repo, '.githooks'));
    const installed = snapshot(join(repo, '.githooks'));
    expect(Object.keys(installed)).toEqual(['git-ctx-run', 'post-merge', 'post-rewrite', 'pre-commit', 'pre-push']);

    // Idempotent: the same files, the same config.
    await cliOk(repo, ['init', '--hooks'], { env: withPath(REAL) });
    expect(snapshot(join(repo, '.githooks'))).toEqual(installed);
    expect(config(repo, 'ctx.hooksChain')).toBe(join(repo, '.git', 'hooks'));

    writeFileSync(join(repo, 'file.txt'), 'x\n');
    git(repo, ['add', 'file.txt']);
    expect(userGit(repo, ['commit', '-qm', 'work']).code).toBe(0);
    const push = userGit(repo, ['push', '-q', 'origin', 'main']);
    expect(push.code, push.stderr).toBe(0);
    // On a busy machine the push may outlast the hook's second and finish in the background (which
    // then may find nothing left to send): either way the remote has the entry.
    expect(push.stderr).toMatch(/git-ctx: pushed 1 context entry to origin|the context push goes on in the background/);
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
    for (const r of [repo, other]) await cliOk(r, ['init', '--hooks'], { env: withPath(REAL) });
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
    await cliOk(repo, ['init', '--hooks'], { env: withPath(REAL) });
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

    const r = await cliOk(repo, ['init', '--hooks', '--json'], { env: withPath(REAL) });
    expect(r.json.hooks).toMatchObject({ dir: join(repo, 'team-hooks'), hooksPath: null, installed: ['pre-commit', 'post-rewrite'], chained: ['pre-push'], forwarded: [] });
    expect(r.stderr).toMatch(/post-merge is not a shell script/);
    expect(config(repo, 'core.hooksPath')).toBe('team-hooks');
    const once = snapshot(join(repo, 'team-hooks'));
    await cliOk(repo, ['init', '--hooks'], { env: withPath(REAL) });
    expect(snapshot(join(repo, 'team-hooks'))).toEqual(once);
    expect(readFileSync(join(repo, 'team-hooks', 'pre-push'), 'utf8').split(block('pre-push'))).toHaveLength(2);

    expect(userGit(repo, ['push', '-q', 'origin', 'main']).code).toBe(0);
    expect(readFileSync(log, 'utf8')).toContain('team pre-push origin');
    expect(contextTip(remote)).toBe(contextTip(repo));

    const u = await cliOk(repo, ['init', '--hooks', '--uninstall', '--json']);
    expect(u.json.hooks.removed).toEqual([RUNNER_NAME, 'post-rewrite', 'pre-commit', 'pre-push']);
    expect(snapshot(join(repo, 'team-hooks'))).toEqual(before);
    expect(config(repo, 'core.hooksPath')).toBe('team-hooks');
  });

  it('uninstall from .githooks puts back the hooks git used before', async () => {
    const { remote, repo, log } = await setup();
    await cliOk(repo, ['init', '--hooks'], { env: withPath(REAL) });
    await cliOk(repo, ['init', '--hooks', '--uninstall']);
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
    await cliOk(repo, ['init', '--hooks'], { env: withPath(REAL) });
    editLine(wb, 'tools/count.py', 2, '    total = 2'); // uncommitted, in the other session
    const tmp = tempDir('git-ctx-hook-tmp-'); // where the runner keeps its temporary files
    const userGit = (cwd: string, args: string[], bin: string | null = REAL) => userGitIn(cwd, args, bin, { TMPDIR: tmp });
    const head = (wt: string) => git(wt, ['log', '-1', '--format=%s']);

    // By default: a warning, and the commit goes through.
    editLine(wa, 'tools/count.py', 2, '    total = 1');
    git(wa, ['add', 'tools/count.py']);
    const warned = userGit(wa, ['commit', '-q', '-m', 'one']);
    expect(warned.code, warned.stderr).toBe(0);
    expect(warned.stderr).toMatch(/git-ctx: warning: tools\/count\.py: merge conflict with wb:wb@[0-9a-f]{6} \(lines 2; count\)/);
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
    await cliOk(repo, ['init', '--hooks'], { env: withPath(REAL) });
    expect(snapshot(join(repo, '.githooks'))).toEqual(installed);
    await cliOk(repo, ['init', '--hooks', '--uninstall']);
    expect(existsSync(join(repo, '.githooks'))).toBe(false);
    expect(config(repo, 'core.hooksPath')).toBeNull();
    editLine(wa, 'README.md', 1, '# after');
    const after = userGit(wa, ['commit', '-q', '-a', '-m', 'seven']);
    expect(after.code).toBe(0);
    expect(after.stderr).toBe('');
    expect(readFileSync(log, 'utf8').trim().split('\n').length).toBeGreaterThan(1); // the user's own hook runs again from .git/hooks
  });
});

/**
 * A TCP server on 127.0.0.1 that accepts connections and then says nothing (or hangs up after
 * `closeAfterMs`). In a process of its own: the tests' user commands block this one.
 */
async function silentServer(closeAfterMs?: number): Promise<{ url: string; close(): Promise<void> }> {
  const script = `const s = require('net').createServer((c) => { c.on('error', () => {}); ${closeAfterMs === undefined ? '' : `setTimeout(() => c.destroy(), ${closeAfterMs});`} });
s.listen(0, '127.0.0.1', () => console.log(s.address().port));`;
  const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise<number>((resolve, reject) => {
    child.stdout.once('data', (b: Buffer) => resolve(Number(b.toString().trim())));
    child.once('exit', () => reject(new Error('the silent server did not start')));
  });
  return {
    url: `git://127.0.0.1:${port}/context.git`,
    close: () => new Promise((r) => (child.exitCode !== null ? r() : (child.once('exit', () => r()), child.kill()))),
  };
}

describe('git hooks and a remote that never answers', () => {
  it('pre-push: the user push waits about a second, the context push goes on in the background', async () => {
    const { remote, repo } = await setup();
    await cliOk(repo, ['init', '--hooks'], { env: withPath(REAL) });
    const silent = await silentServer();
    try {
      // git pushes to the push URL (the real remote); git-ctx fetches from the URL first: it never answers.
      git(repo, ['remote', 'set-url', 'origin', silent.url]);
      git(repo, ['remote', 'set-url', '--push', 'origin', remote]);
      for (const n of [1, 2]) {
        git(repo, ['commit', '-q', '--allow-empty', '-m', `c${n}`]);
        const t0 = Date.now();
        const r = spawnSync('git', ['push', '-q', 'origin', 'main'], { cwd: repo, env: { ...ENV, ...withPath(REAL) }, encoding: 'utf8', timeout: 60_000 });
        const ms = Date.now() - t0;
        expect(r.status, r.stderr).toBe(0);
        expect(ms, r.stderr).toBeLessThan(5000); // ~1 s for the hook, the rest is git and node starting on a busy machine; the remote never answers
        expect(r.stderr).toMatch(n === 1 ? /pre-push: the remote is slow; the context push goes on in the background/ : /already going on in the background/);
        expect(git(remote, ['rev-parse', 'main'])).toBe(git(repo, ['rev-parse', 'main']));
      }
    } finally {
      stopBackground(repo, 'pre-push');
      await silent.close();
    }
  }, 60_000);

  it('a background run that failed is told once, by the next hook', async () => {
    const { remote, repo } = await setup();
    await cliOk(repo, ['init', '--hooks'], { env: withPath(REAL) });
    const hangsUp = await silentServer(2500); // silent past the hook's second, then hangs up
    try {
      git(repo, ['remote', 'set-url', 'origin', hangsUp.url]);
      git(repo, ['remote', 'set-url', '--push', 'origin', remote]);
      git(repo, ['commit', '-q', '--allow-empty', '-m', 'c1']);
      const first = userGit(repo, ['push', '-q', 'origin', 'main']);
      expect(first.code).toBe(0);
      expect(first.stderr).toMatch(/goes on in the background/);
      expect(first.stderr).toMatch(/git-ctx: warning: pre-push hook: cannot fetch from origin/); // what the background run said
      git(repo, ['remote', 'set-url', 'origin', remote]); // the remote is back
      git(repo, ['commit', '-q', '--allow-empty', '-m', 'c2']);
      const second = userGit(repo, ['push', '-q', 'origin', 'main']);
      expect(second.code).toBe(0);
      expect(second.stderr).toMatch(/git-ctx: warning: the pre-push hook's work in the background \(.*\) failed: pre-push hook: cannot fetch from origin.*\(log: .*pre-push\.log\)/);
      expect(contextTip(remote)).toBe(contextTip(repo));
      git(repo, ['commit', '-q', '--allow-empty', '-m', 'c3']);
      expect(userGit(repo, ['push', '-q', 'origin', 'main']).stderr).not.toMatch(/work in the background .* failed/);
    } finally {
      stopBackground(repo, 'pre-push');
      await hangsUp.close();
    }
  }, 60_000);

  it('post-merge: a `git pull` waits about a second when the context remote never answers', async () => {
    const { remote, repo } = await setup();
    const other = cloneOf(remote);
    git(other, ['commit', '-q', '--allow-empty', '-m', 'upstream work']);
    git(other, ['push', '-q', 'origin', 'main']);
    await cliOk(repo, ['init', '--hooks'], { env: withPath(REAL) });
    const silent = await silentServer();
    try {
      git(repo, ['config', 'ctx.remote', silent.url]);
      const t0 = Date.now();
      const r = spawnSync('git', ['pull', '-q', '--no-rebase', 'origin', 'main'], { cwd: repo, env: { ...ENV, ...withPath(REAL) }, encoding: 'utf8', timeout: 60_000 });
      const ms = Date.now() - t0;
      expect(r.status, r.stderr).toBe(0);
      expect(r.stderr).toMatch(/post-merge: the remote is slow; the context pull goes on in the background/);
      expect(ms, r.stderr).toBeLessThan(2500);
      expect(git(repo, ['log', '-1', '--format=%s', 'main'])).toBe('upstream work');
    } finally {
      stopBackground(repo, 'post-merge');
      await silent.close();
    }
  }, 60_000);

  it("pre-commit: the check ends within its 3 s from the hook's start, even when the git it runs hangs", async () => {
    const repo = makeRepo({ files: { 'README.md': '# test\n', 'a.txt': 'a\nb\nc\n' } });
    const wb = addWorktree(repo, 'wb');
    writeFileSync(join(wb, 'a.txt'), 'a\nB\nc\n');
    writeFileSync(join(repo, 'a.txt'), 'A\nb\nc\n');
    git(repo, ['add', 'a.txt']);
    // git runs hooks with its own directory first on PATH, so the hanging git is given to the hook directly.
    const real = spawnSync('sh', ['-c', 'command -v git'], { encoding: 'utf8' }).stdout.trim();
    const slow = tempDir('git-ctx-slow-git-');
    // The scan's reads of the worktrees hang (a slow disk, a huge tree); finding the repository does not.
    writeFileSync(join(slow, 'git'), `#!/bin/sh\ncase " $* " in *"core.hooksPath=/dev/null"*" status "*|*"core.hooksPath=/dev/null"*" diff"*) sleep 30 ;; esac\nexec "${real}" "$@"\n`);
    chmodSync(join(slow, 'git'), 0o755);
    const t0 = Date.now();
    const r = spawnSync(process.execPath, [BIN, 'hook', 'pre-commit'], { cwd: repo, env: { ...ENV, PATH: `${slow}:${process.env.PATH}`, GIT_CTX_HOOK: '1' }, encoding: 'utf8', timeout: 60_000, input: '' });
    const ms = Date.now() - t0;
    expect(r.status, r.stderr).toBe(0);
    expect(ms, r.stderr).toBeLessThan(4500);
    // The scan past its time says what it found by then (partial), or that it could not run.
    expect(r.stderr).toMatch(/conflict check (skipped|stopped at its \d+ ms time limit)/);
  }, 60_000);
});
