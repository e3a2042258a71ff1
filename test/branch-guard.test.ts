/**
 * git-ctx writes only to a branch of its own (storage invariant 2): ctx.branch must name a branch git
 * accepts and does not find ambiguous, that no worktree uses, whose history starts at git-ctx's root
 * commit (or that does not exist yet), and whose `.ctx-format` is not newer than this version's. Each
 * verdict is checked against git itself where git has one (check-ref-format, the "ambiguous" warning,
 * `git branch -f` refusing a branch a worktree uses).
 */
import { describe, expect, it } from 'vitest';
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { contextTip, ctxOk, ENV, entryPaths, git, makeRepo, tempDir } from './helpers/repo.js';
import { cli, cliOk } from './helpers/cli.js';
import { cloneOf, makeRemote } from './helpers/remote.js';
import { branchNameProblem } from '../src/git/branch-files.js';
import { openCtx, closeCtx } from '../src/core/context.js';
import { realDeps } from './helpers/real-deps.js';

/**
 * Everything a refused write must leave as it was. `fetched`: a pull had to fetch to know what the
 * remote holds, which updates git-ctx's private copies of the remote's refs (refs/ctx/remotes/,
 * refs/ctx/remote-clones/, refs/ctx/remote-claims/) and its objects.
 */
function snapshot(repo: string, fetched = false): string {
  const refs = git(repo, ['for-each-ref', '--format=%(refname) %(objectname)'])
    .split('\n')
    .filter((l) => !(fetched && /^refs\/ctx\/remote(s|-clones|-claims)\//.test(l)))
    .join('\n');
  return `${refs}\n${fetched ? '' : git(repo, ['count-objects', '-v'])}\n${git(repo, ['status', '--porcelain=v1'])}`;
}

async function refused(repo: string, args: string[], code: string, exit = 2, fetched = false): Promise<string> {
  const before = snapshot(repo, fetched);
  const r = await cli(repo, [...args, '--json']);
  expect(r.code, r.stderr).toBe(exit);
  expect(r.json?.error?.code, r.stderr).toBe(code);
  expect(r.stderr.split('\n').filter(Boolean)).toHaveLength(2); // one line and a hint
  expect(snapshot(repo, fetched)).toBe(before);
  return r.stderr;
}

function gitAccepts(name: string): boolean {
  return spawnSync('git', ['check-ref-format', '--branch', name], { env: ENV }).status === 0;
}

describe('ctx.branch names', () => {
  const names = ['context', 'notes/ctx', 'ctx-2024', 'a..b', '-x', 'x.lock', 'a.lock/b', '.x', 'a/.b', 'x/', 'x.', '@', 'a//b', 'HEAD', 'FETCH_HEAD', 'ORIG_HEAD', 'MERGE_HEAD', 'refs/heads/x', 'refs/tags/v1', 'a b', 'a~b', 'a^b', 'a:b', 'a?b', 'a*b', 'a[b', 'a\\b', '@{-1}', 'x@{y}', 'ctx\u00e9'];

  it('takes only names git takes as branch names, and none that git reads as another ref whatever the repository holds', () => {
    for (const name of names) {
      const ours = branchNameProblem(name) === null;
      if (ours) expect(gitAccepts(name), name).toBe(true);
    }
    // What git accepts and we refuse, each for a reason git shows: the name resolves to something else.
    const repo = makeRepo();
    git(repo, ['fetch', '-q', repo, 'main']); // now FETCH_HEAD exists
    git(repo, ['reset', '-q', '--soft', 'HEAD']); // and ORIG_HEAD
    for (const name of ['FETCH_HEAD', 'ORIG_HEAD', 'refs/heads/main']) {
      expect(branchNameProblem(name), name).not.toBeNull();
      if (!gitAccepts(name)) continue;
      git(repo, ['branch', name, 'main']);
      const r = spawnSync('git', ['rev-parse', name], { cwd: repo, env: ENV, encoding: 'utf8' });
      // git either says so, or quietly resolves the other ref first.
      expect(r.stderr.includes('ambiguous') || r.stdout.trim() !== git(repo, ['rev-parse', `refs/heads/${name}`]) || name === 'refs/heads/main', name).toBe(true);
    }
  });

  it('refuses HEAD (it used to create refs/heads/HEAD)', async () => {
    const repo = makeRepo();
    git(repo, ['config', 'ctx.branch', 'HEAD']);
    await refused(repo, ['add', '-m', 'x'], 'E_CONFIG');
    expect(git(repo, ['for-each-ref', 'refs/heads/HEAD'])).toBe('');
  });
});

describe('the branch is not the user\'s', () => {
  it("the checked-out main: add, sync and init refuse, and nothing moves, here or on the remote", async () => {
    const remote = makeRemote();
    const repo = cloneOf(remote);
    const main = git(repo, ['rev-parse', 'main']);
    git(repo, ['config', 'ctx.branch', 'main']);
    expect(await refused(repo, ['add', '-m', 'x'], 'E_BRANCH_CHECKED_OUT')).toContain(`checked out in ${repo}`);
    await refused(repo, ['init'], 'E_BRANCH_CHECKED_OUT');
    await refused(repo, ['sync'], 'E_BRANCH_CHECKED_OUT');
    await refused(repo, ['handoff', '-m', 'x'], 'E_BRANCH_CHECKED_OUT');
    expect(git(repo, ['status', '--porcelain'])).toBe('');
    expect(git(remote, ['rev-parse', 'main'])).toBe(main);
  });

  it('a branch with the code history (not checked out): refused as not git-ctx\'s, also on sync and pull', async () => {
    const remote = makeRemote();
    const repo = cloneOf(remote);
    git(repo, ['branch', 'feature']);
    git(repo, ['config', 'ctx.branch', 'feature']);
    expect(await refused(repo, ['add', '-m', 'x'], 'E_NOT_CONTEXT_BRANCH')).toContain("refs/heads/feature is not git-ctx's context branch");
    await refused(repo, ['sync'], 'E_NOT_CONTEXT_BRANCH');
    expect(git(remote, ['for-each-ref', 'refs/heads/feature'])).toBe('');
    // The remote's code branch is not taken in as a context branch either.
    git(repo, ['push', '-q', 'origin', 'feature']);
    git(repo, ['branch', '-D', '-q', 'feature']);
    await refused(repo, ['pull'], 'E_NOT_CONTEXT_BRANCH', 2, true);
    expect(git(repo, ['for-each-ref', 'refs/heads/feature'])).toBe('');
  });

  it('an unborn branch HEAD names (a repository with no commits): refused, nothing created', async () => {
    const repo = makeRepo({ empty: true });
    git(repo, ['config', 'ctx.branch', 'main']);
    await refused(repo, ['add', '-m', 'x'], 'E_BRANCH_CHECKED_OUT');
    expect(git(repo, ['for-each-ref'])).toBe('');
  });

  it('the context branch reset onto the code history after git-ctx knew it: refused at the next write', async () => {
    const repo = makeRepo();
    await cliOk(repo, ['add', '-m', 'one']);
    git(repo, ['branch', '-f', 'context', 'main']);
    await refused(repo, ['add', '-m', 'two'], 'E_NOT_CONTEXT_BRANCH');
  });
});

describe('a branch a worktree uses', () => {
  it('checked out, being rebased, being bisected in a linked worktree: refused as git refuses to move it', async () => {
    const repo = makeRepo();
    for (const n of ['one', 'two', 'three', 'four', 'five']) await cliOk(repo, ['add', '-m', n]);
    const wt = join(tempDir(), 'on-context');
    git(repo, ['worktree', 'add', '-q', wt, 'context']);
    const gitRefuses = () => spawnSync('git', ['branch', '-f', 'context', 'context~1'], { cwd: repo, env: ENV }).status !== 0;

    expect(gitRefuses()).toBe(true);
    expect(await refused(repo, ['add', '-m', 'x'], 'E_BRANCH_CHECKED_OUT')).toContain(`checked out in ${wt}`);

    // A rebase in progress (HEAD detached, the branch named in rebase-merge/head-name).
    spawnSync('git', ['rebase', '-x', 'false', 'context~1'], { cwd: wt, env: ENV });
    expect(readFileSync(join(git(wt, ['rev-parse', '--absolute-git-dir']), 'rebase-merge', 'head-name'), 'utf8').trim()).toBe('refs/heads/context');
    expect(gitRefuses()).toBe(true);
    expect(await refused(repo, ['add', '-m', 'x'], 'E_BRANCH_CHECKED_OUT')).toContain('is being rebased');
    git(wt, ['rebase', '--abort']);

    // A bisect started from the branch (HEAD detached, BISECT_START names it).
    git(wt, ['bisect', 'start', 'context', 'context~4']);
    expect(spawnSync('git', ['symbolic-ref', '-q', 'HEAD'], { cwd: wt, env: ENV }).status).toBe(1); // detached
    expect(gitRefuses()).toBe(true);
    expect(await refused(repo, ['add', '-m', 'x'], 'E_BRANCH_CHECKED_OUT')).toContain('is being bisected');
    git(wt, ['bisect', 'reset']);

    // Once the worktree is gone, writes go on.
    git(repo, ['worktree', 'remove', '--force', wt]);
    await cliOk(repo, ['add', '-m', 'six']);
    expect(entryPaths(repo)).toHaveLength(6);
  });

  it('a long-lived writer (the MCP server\'s store) checks on every write, not once', async () => {
    const repo = makeRepo();
    await cliOk(repo, ['add', '-m', 'one']);
    const c = await openCtx(realDeps(repo, ENV));
    try {
      c.store.keepRefUpdater('test');
      const write = (n: number) => c.store.commit({ add: [{ path: `state/t/${n}`, content: `${n}\n` }], message: `t ${n}\n`, author: { name: 'a', email: 'a@example.com' } });
      await write(1);
      const wt = join(tempDir(), 'later');
      git(repo, ['worktree', 'add', '-q', wt, 'context']);
      const head = git(wt, ['rev-parse', 'HEAD']);
      await expect(write(2)).rejects.toMatchObject({ code: 'E_BRANCH_CHECKED_OUT' });
      expect(git(wt, ['rev-parse', 'HEAD'])).toBe(head);
      expect(git(wt, ['status', '--porcelain'])).toBe('');
    } finally {
      closeCtx(c);
    }
  });
});

describe('an ambiguous branch name', () => {
  const cases: [string, (repo: string) => void][] = [
    ['a tag', (r) => git(r, ['tag', 'context', 'main'])],
    ['a packed tag', (r) => (git(r, ['tag', 'context', 'main']), git(r, ['pack-refs', '--all']))],
    ['refs/remotes/context', (r) => git(r, ['update-ref', 'refs/remotes/context', 'main'])],
    ['a remote named context with a HEAD', (r) => (git(r, ['update-ref', 'refs/remotes/context/main', 'main']), git(r, ['symbolic-ref', 'refs/remotes/context/HEAD', 'refs/remotes/context/main']))],
    ['refs/context', (r) => git(r, ['update-ref', 'refs/context', 'main'])],
    ['$GIT_DIR/context', (r) => writeFileSync(join(r, '.git', 'context'), `${git(r, ['rev-parse', 'main'])}\n`)],
  ];

  it.each(cases)('%s: refused, as git warns', async (_name, make) => {
    const repo = makeRepo();
    await cliOk(repo, ['add', '-m', 'one']);
    make(repo);
    expect(spawnSync('git', ['rev-parse', 'context'], { cwd: repo, env: ENV, encoding: 'utf8' }).stderr).toContain("refname 'context' is ambiguous");
    const said = await refused(repo, ['add', '-m', 'x'], 'E_BRANCH_AMBIGUOUS');
    expect(said).toMatch(/is ambiguous: git also has /);
  });

  it('a remote named context without a HEAD is no ambiguity (git agrees): writes go on', async () => {
    const repo = makeRepo();
    await cliOk(repo, ['add', '-m', 'one']);
    git(repo, ['update-ref', 'refs/remotes/context/main', 'main']);
    git(repo, ['pack-refs', '--all']);
    expect(spawnSync('git', ['rev-parse', 'context'], { cwd: repo, env: ENV, encoding: 'utf8' }).stderr).toBe('');
    await cliOk(repo, ['add', '-m', 'two']);
  });
});

describe('.ctx-format', () => {
  /** Put a `.ctx-format` of `version` on the branch, as a newer git-ctx would. */
  function newerFormat(repo: string, version: string): void {
    const blob = git(repo, ['hash-object', '-w', '--stdin'], { input: `${version}\n` });
    const tree = git(repo, ['mktree'], { input: git(repo, ['ls-tree', 'context']).replace(/^100644 blob \S+\t\.ctx-format$/m, `100644 blob ${blob}\t.ctx-format`) + '\n' });
    git(repo, ['update-ref', 'refs/heads/context', git(repo, ['commit-tree', tree, '-p', 'context', '-m', 'upgrade'])]);
  }

  it('a newer format is not written to (exit 3), and still read', async () => {
    const repo = makeRepo();
    await cliOk(repo, ['add', '-m', 'one']);
    newerFormat(repo, '3');
    const said = await refused(repo, ['add', '-m', 'x'], 'E_FORMAT_NEWER', 3);
    expect(said).toContain('has format 3; this git-ctx writes format 2');
    const log = await cliOk(repo, ['log', '--json']);
    expect(log.json.entries).toHaveLength(1);
  });

  it('a remote of a newer format is not merged in', async () => {
    const remote = makeRemote();
    const [a, b] = [cloneOf(remote), cloneOf(remote)];
    await cliOk(a, ['add', '-m', 'a']);
    await cliOk(a, ['push']);
    newerFormat(a, '3');
    git(a, ['push', '-q', 'origin', 'context']);
    await cliOk(b, ['add', '-m', 'b']);
    const tip = contextTip(b);
    await refused(b, ['pull'], 'E_FORMAT_NEWER', 3, true);
    expect(contextTip(b)).toBe(tip);
  });
});

/** A `git` first on PATH that logs each run; `verbs()` returns the git commands run since the last call, sorted. */
function countingGit(): { env: Record<string, string>; verbs: () => string[] } {
  const log = join(tempDir(), 'git.log');
  const real = execFileSync('sh', ['-c', 'command -v git'], { encoding: 'utf8' }).trim();
  const bin = tempDir('git-ctx-wrap-');
  writeFileSync(join(bin, 'git'), `#!/bin/sh\necho "$*" >> "${log}"\nexec "${real}" "$@"\n`);
  chmodSync(join(bin, 'git'), 0o755);
  const verbs = () => {
    if (!existsSync(log)) return [];
    const lines = readFileSync(log, 'utf8').trim().split('\n');
    rmSync(log);
    return lines.map((l) => l.replace(/^-c core\.hooksPath=\/dev\/null /, '').replace(/^(-c \S+ )+/, '').split(' ')[0]!).sort();
  };
  return { env: { PATH: `${bin}:${process.env.PATH}` }, verbs };
}

describe('what the checks cost', () => {
  it('no git process beyond those an add ran before: the branch is proven once, then known by its tip', async () => {
    const repo = makeRepo();
    const { env, verbs } = countingGit();
    await ctxOk(repo, ['add', '-m', 'one'], { env });
    verbs();
    for (const n of ['two', 'three']) {
      await ctxOk(repo, ['add', '-m', n], { env });
      expect(verbs()).toEqual([]);
    }
    // Without what it remembered (a fresh clone, a removed .git/ctx): proven by git once, then remembered.
    rmSync(join(repo, '.git', 'ctx', 'checked'), { recursive: true });
    await ctxOk(repo, ['add', '-m', 'four'], { env });
    expect(verbs()).toEqual(['rev-list']);
    await ctxOk(repo, ['add', '-m', 'five'], { env });
    expect(verbs()).toEqual([]);
  });

  it('a sync that merged other clones\' histories leaves its tip proven: the next add walks nothing, and the sync asks git no rev-list', async () => {
    const remote = makeRemote();
    const clones = ['a', 'b', 'c'].map((n) => cloneOf(remote, [], n));
    for (const c of clones) {
      await ctxOk(c, ['add', '-m', `from ${c}`]);
      await ctxOk(c, ['sync']);
    }
    // Every clone's history moved since a last saw it; its merge of them has sorted parents.
    for (const c of clones.slice(1)) {
      await ctxOk(c, ['add', '-m', `again from ${c}`]);
      await ctxOk(c, ['sync']);
    }
    const [a] = clones as [string];
    await ctxOk(a, ['add', '-m', 'a again']);
    const { env, verbs } = countingGit();
    await ctxOk(a, ['sync'], { env });
    const synced = verbs();
    expect(synced).toContain('fetch');
    expect(synced).not.toContain('rev-list');
    expect(synced).not.toContain('merge-base');
    expect(synced).not.toContain('diff-tree');
    expect(git(a, ['rev-list', '--parents', '-n1', 'context']).split(' ').length).toBeGreaterThan(1);
    await ctxOk(a, ['add', '-m', 'after the sync'], { env });
    expect(verbs()).toEqual([]);
    expect(entryPaths(a)).toHaveLength(7);
  });
});
