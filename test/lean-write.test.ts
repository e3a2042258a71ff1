/**
 * The lean write path: an `add` finds the repository and reads its settings from git's files, and
 * moves the branch with git's lock-file protocol in process: it starts no git at all. Checked against real git: git finds the same
 * repository and settings, reads what was written (rev-parse, reflog, fsck), with refs loose, packed or
 * both, while git packs refs and collects garbage under eight writers; what is unusual goes to git.
 */
import { describe, expect, inject, it } from 'vitest';
import { execFileSync, spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { chmodSync, chownSync, existsSync, linkSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ENV, addWorktree, contextTip, ctx, ctxOk, entryPaths, fsck, git, makeRepo, tempDir } from './helpers/repo.js';
import { realDeps } from './helpers/real-deps.js';
import { locateRepo, objectFormatOf, repoSettingsProblem } from '../src/git/locate.js';
import { discoverRepo } from '../src/git/repo.js';
import { readConfig } from '../src/git/config.js';
import { GitRunner } from '../src/git/run.js';
import { compareAndSwapRef, RefUpdater } from '../src/git/refs.js';
import { RefFileWriter, refHoldersDir, removeDeadHolders, removeDeadRefLock } from '../src/git/ref-files.js';
import { closeCtx, openCtx } from '../src/core/context.js';

const uid = process.getuid!();

/** What `git rev-parse` finds from `cwd`, and what locateRepo finds from the files. */
async function bothWays(cwd: string, env: Record<string, string | undefined> = ENV) {
  const viaGit = await discoverRepo(cwd, env);
  const config = await readConfig(new GitRunner(cwd, env));
  const found = locateRepo(cwd, env, uid);
  return { viaGit: { gitDir: viaGit.gitDir, commonDir: viaGit.commonDir, objectsDir: viaGit.objectsDir, workTree: viaGit.workTree, head: viaGit.head, branch: viaGit.branch, objectFormat: viaGit.objectFormat }, found, config };
}

async function expectSameAsGit(cwd: string): Promise<void> {
  const { viaGit, found, config } = await bothWays(cwd);
  expect(found, cwd).not.toBeNull();
  expect(repoSettingsProblem(config)).toBeNull();
  // git leaves an unborn branch's name unknown (undefined); the files name it.
  const branch = viaGit.branch === undefined ? found!.branch : viaGit.branch;
  expect({ ...found!, objectFormat: objectFormatOf(config) }).toEqual({ ...viaGit, branch });
}

/** A `git` first on PATH that records each run (its arguments) and runs the real one. */
function countingGit(): { env: Record<string, string>; runs: () => string[] } {
  const dir = tempDir('git-ctx-count-');
  const log = join(dir, 'runs.log');
  const realGit = execFileSync('sh', ['-c', 'command -v git'], { env: ENV, encoding: 'utf8' }).trim();
  writeFileSync(join(dir, 'git'), `#!/bin/sh\necho "$*" >> '${log}'\nexec '${realGit}' "$@"\n`);
  chmodSync(join(dir, 'git'), 0o755);
  return { env: { PATH: `${dir}:${ENV.PATH}` }, runs: () => (existsSync(log) ? readFileSync(log, 'utf8').split('\n').filter(Boolean) : []) };
}

describe('finding the repository from git\'s files', () => {
  it('finds what git rev-parse finds: top, subdirectory, linked worktree, a .git file, a symbolic link, sha256, detached, unborn, packed', async () => {
    const repo = makeRepo({ files: { 'src/a/b.txt': 'x\n' } });
    await expectSameAsGit(repo);
    await expectSameAsGit(join(repo, 'src', 'a'));
    const wt = addWorktree(repo, 'w1');
    await expectSameAsGit(wt);
    mkdirSync(join(wt, 'deep', 'er'), { recursive: true });
    await expectSameAsGit(join(wt, 'deep', 'er'));
    // A .git file, as a submodule has (its git dir elsewhere).
    const sep = tempDir();
    git(sep, ['init', '-q', '-b', 'main', '--separate-git-dir', join(tempDir(), 'sub.git'), 'work']);
    git(join(sep, 'work'), ['commit', '-q', '--allow-empty', '-m', 'x']);
    await expectSameAsGit(join(sep, 'work'));
    // Reached through a symbolic link: git answers with real paths.
    const link = join(tempDir(), 'link');
    symlinkSync(join(repo, 'src'), link);
    await expectSameAsGit(link);
    await expectSameAsGit(makeRepo({ objectFormat: 'sha256' }));
    git(wt, ['checkout', '-q', '--detach']);
    await expectSameAsGit(wt);
    await expectSameAsGit(makeRepo({ empty: true }));
    git(repo, ['pack-refs', '--all', '--prune']);
    expect(existsSync(join(repo, '.git', 'refs', 'heads', 'main'))).toBe(false);
    await expectSameAsGit(repo);
  });

  it('leaves to git what moves or bounds discovery, bare repositories, other owners, unknown formats', async () => {
    const repo = makeRepo();
    for (const v of ['GIT_DIR', 'GIT_WORK_TREE', 'GIT_COMMON_DIR', 'GIT_CEILING_DIRECTORIES', 'GIT_DISCOVERY_ACROSS_FILESYSTEM', 'GIT_OBJECT_DIRECTORY']) {
      expect(locateRepo(repo, { ...ENV, [v]: join(repo, '.git') }, uid), v).toBeNull();
    }
    const bare = makeRepo({ bare: true });
    expect(locateRepo(bare, ENV, uid)).toBeNull();
    expect(locateRepo(join(repo, '.git', 'refs'), ENV, uid)).toBeNull();
    expect(locateRepo(tempDir(), ENV, uid)).toBeNull(); // no repository: git says so
    // Another user's repository: git's safe.directory check decides.
    const other = makeRepo();
    chownSync(other, uid + 4242, uid + 4242);
    expect(locateRepo(other, ENV, uid)).toBeNull();
    const settings = async (keys: [string, string][]) => {
      const r = makeRepo();
      for (const [k, v] of keys) git(r, ['config', k, v]);
      return repoSettingsProblem(await readConfig(new GitRunner(r, ENV)));
    };
    expect(await settings([['core.worktree', '/elsewhere']])).toBe('core.worktree');
    expect(await settings([['core.bare', 'true']])).toBe('core.bare');
    // git 2.39 does not know reftable: it ignores such a repository, and its config with it.
    expect(await settings([['core.repositoryformatversion', '1'], ['extensions.refStorage', 'reftable']])).not.toBeNull();
    expect(await settings([['core.repositoryformatversion', '1'], ['extensions.someday', 'true']])).not.toBeNull();
    expect(await settings([['core.repositoryformatversion', '1'], ['extensions.worktreeConfig', 'true']])).toBeNull();
  });

  it('git-ctx works where git decides: GIT_DIR set, a bare repository, a subdirectory', async () => {
    const repo = makeRepo();
    mkdirSync(join(repo, 'sub'));
    await ctxOk(join(repo, 'sub'), ['add', '-m', 'from a subdirectory']);
    await ctxOk(tempDir(), ['add', '-m', 'through GIT_DIR'], { env: { GIT_DIR: join(repo, '.git'), GIT_WORK_TREE: repo } });
    expect(entryPaths(repo)).toHaveLength(2);
    const bare = makeRepo({ bare: true });
    git(bare, ['config', 'user.name', 'Test User']);
    git(bare, ['config', 'user.email', 'test@example.com']);
    await ctxOk(bare, ['add', '-m', 'in a bare repository']);
    expect(entryPaths(bare)).toHaveLength(1);
    fsck(repo);
    fsck(bare);
  });
});

describe('an add', () => {
  it('starts no git process (no rev-parse, no config, no update-ref)', async () => {
    const repo = makeRepo();
    await ctxOk(repo, ['add', '-m', 'first']);
    const counting = countingGit();
    mkdirSync(join(repo, 'sub'));
    await ctxOk(join(repo, 'sub'), ['add', '-m', 'second'], { env: counting.env });
    const runs = counting.runs();
    expect(runs, runs.join('\n')).toHaveLength(0);
    // In a linked worktree, and with the branch only in packed-refs, likewise.
    const wt = addWorktree(repo, 'w2');
    git(repo, ['pack-refs', '--all', '--prune']);
    await ctxOk(wt, ['add', '-m', 'third'], { env: counting.env });
    expect(counting.runs()).toHaveLength(0);
    expect(entryPaths(repo)).toHaveLength(3);
    expect(git(repo, ['reflog', 'show', '-1', '--format=%gs', 'context'])).toBe('git-ctx: note: third');
    fsck(repo);
  });

  it('reads the settings git reads: quoting, case, the worktree\'s own config, global files, the command line\'s', async () => {
    const repo = makeRepo();
    const home = tempDir('git-ctx-home-');
    writeFileSync(join(home, '.gitconfig'), '[User]\n\tEmail = "global@example.com" ; the user\'s\n');
    writeFileSync(join(repo, '.git', 'config'), `${readFileSync(join(repo, '.git', 'config'), 'utf8').replace(/\[user\][^[]*/, '')}[user]\n\tname = "Quoted \\"Name\\"" \\\n  continued # comment\n`);
    git(repo, ['commit', '-q', '--allow-empty', '-m', 'two']);
    git(repo, ['config', 'extensions.worktreeConfig', 'true']);
    const wt = addWorktree(repo, 'w3');
    git(wt, ['config', '--worktree', 'ctx.branch', 'ctx-of-w3']);
    const env = { HOME: home, GIT_CONFIG_COUNT: '1', GIT_CONFIG_KEY_0: 'ctx.maxBodyBytes', GIT_CONFIG_VALUE_0: '1k' };
    await ctxOk(wt, ['add', '-m', 'first']);
    const counting = countingGit();
    const added = await ctxOk(wt, ['add', '--json', '-m', 'second'], { env: { ...env, ...counting.env } });
    expect(counting.runs(), counting.runs().join('\n')).toHaveLength(0);
    // What git itself says, for the same worktree and environment.
    const asGit = (key: string) => git(wt, ['config', key], { env });
    expect(asGit('user.name')).toBe('Quoted "Name"   continued');
    const author = git(repo, ['log', '-1', '--format=%an <%ae>', 'ctx-of-w3']);
    expect(author).toBe(`${asGit('user.name')} <${asGit('user.email')}>`);
    expect(added.json.id).toBeTruthy();
    expect(entryPaths(repo, 'ctx-of-w3')).toHaveLength(2);
    expect(contextTip(repo)).toBeNull();
    // The command line's limit (1k) holds: a 2 KiB body is refused.
    const big = await ctx(wt, ['add', '-m', 'x'.repeat(2048)], { env });
    expect(big.code).not.toBe(0);
  });

  it("leaves what git's files do not settle to git: an include", async () => {
    const repo = makeRepo();
    await ctxOk(repo, ['add', '-m', 'first']);
    const included = join(tempDir(), 'included');
    writeFileSync(included, '[user]\n\tname = Included Name\n');
    git(repo, ['config', 'include.path', included]);
    git(repo, ['config', '--unset', 'user.name']);
    const counting = countingGit();
    await ctxOk(repo, ['add', '-m', 'through an include'], { env: counting.env });
    const runs = counting.runs();
    expect(runs.map((r) => r.split(' ')[2])).toEqual(['config']);
    expect(git(repo, ['log', '-1', '--format=%an', 'context'])).toBe('Included Name');
  });

  it("learns where git's system file is, once, and then reads it in process too", async () => {
    const repo = makeRepo();
    const home = tempDir('git-ctx-home-');
    // The machine's own system file is read here (GIT_CONFIG_NOSYSTEM unset): nothing of it is asked for.
    const env = { HOME: home, GIT_CONFIG_NOSYSTEM: '' };
    await ctxOk(repo, ['add', '-m', 'first'], { env });
    const counting = countingGit();
    await ctxOk(repo, ['add', '-m', 'learns'], { env: { ...env, ...counting.env } });
    expect(counting.runs().map((r) => r.split(' ')[2])).toEqual(expect.arrayContaining(['config']));
    const learned = JSON.parse(readFileSync(join(home, '.cache', 'git-ctx', 'git-system-config.json'), 'utf8'));
    const system = Object.values(learned as Record<string, { system: string }>)[0]!.system;
    // git's own answer: the file it names, or the one it cannot find.
    const shown = spawnSync('git', ['config', '--system', '--show-origin', '--list'], { env: { ...ENV, ...env, GIT_CONFIG_SYSTEM: undefined }, encoding: 'utf8' });
    expect(`${shown.stdout}${shown.stderr}`).toContain(system);
    const before = counting.runs().length;
    await ctxOk(repo, ['add', '-m', 'learned'], { env: { ...env, ...counting.env } });
    expect(counting.runs().slice(before)).toEqual([]);
  });

  it('a git whose system file names nothing is asked once, then left to read the settings itself', async () => {
    const repo = makeRepo();
    await ctxOk(repo, ['add', '-m', 'first']);
    // A git built with an empty system file (here: a git on PATH that always reads an empty one).
    const dir = tempDir('git-ctx-emptysys-');
    writeFileSync(join(dir, 'empty'), '');
    const log = join(dir, 'runs.log');
    const realGit = execFileSync('sh', ['-c', 'command -v git'], { env: ENV, encoding: 'utf8' }).trim();
    writeFileSync(join(dir, 'git'), `#!/bin/sh\necho "$*" >> '${log}'\nGIT_CONFIG_SYSTEM='${join(dir, 'empty')}' exec '${realGit}' "$@"\n`);
    chmodSync(join(dir, 'git'), 0o755);
    const env = { HOME: tempDir('git-ctx-home-'), GIT_CONFIG_NOSYSTEM: '', PATH: `${dir}:${ENV.PATH}` };
    const verbs = () => readFileSync(log, 'utf8').split('\n').filter(Boolean).map((r) => r.split(' ')[2]);
    await ctxOk(repo, ['add', '-m', 'asks'], { env });
    expect(verbs().sort()).toEqual(['config', 'config']);
    writeFileSync(log, '');
    await ctxOk(repo, ['add', '-m', 'does not ask again'], { env });
    expect(verbs()).toEqual(['config']);
  });
});

describe('moving the branch', () => {
  const author = { name: 't', email: 't@example.com' };

  it('git reads what was written, with the branch loose, packed, or both; the reflog as git writes it', async () => {
    const repo = makeRepo();
    await ctxOk(repo, ['add', '-m', 'loose']);
    const ref = join(repo, '.git', 'refs', 'heads', 'context');
    // Packed only.
    git(repo, ['pack-refs', '--all', '--prune']);
    expect(existsSync(ref)).toBe(false);
    const c = await openCtx(realDeps(repo));
    try {
      const r1 = await c.store.commit({ add: [{ path: 'state/x', content: '1\n' }], message: 'packed only', author });
      expect(contextTip(repo)).toBe(r1.commit);
      expect(readFileSync(ref, 'utf8')).toBe(`${r1.commit}\n`);
      // Both: packed-refs holds an older value, the loose file wins (as for git).
      git(repo, ['pack-refs', '--all', '--no-prune']);
      const r2 = await c.store.commit({ add: [{ path: 'state/x', content: '2\n' }], message: ' packed  and \t loose ', author });
      expect(contextTip(repo)).toBe(r2.commit);
      git(repo, ['update-ref', 'refs/heads/other', r1.commit]);
      git(repo, ['pack-refs', '--all']); // packs context at r2 and prunes the loose file
      const r3 = await c.store.commit({ add: [{ path: 'state/x', content: '3\n' }], message: 'after repacking', author });
      expect(git(repo, ['rev-parse', 'context'])).toBe(r3.commit);
      expect(git(repo, ['rev-parse', 'context~1'])).toBe(r2.commit);
      expect(git(repo, ['rev-parse', 'context~2'])).toBe(r1.commit);
      const log = git(repo, ['reflog', 'show', '--format=%H %gs', 'refs/heads/context']).split('\n');
      expect(log.slice(0, 3)).toEqual([`${r3.commit} git-ctx: after repacking`, `${r2.commit} git-ctx: packed and loose`, `${r1.commit} git-ctx: packed only`]);
      const line = readFileSync(join(repo, '.git', 'logs', 'refs', 'heads', 'context'), 'utf8').trim().split('\n').pop()!;
      expect(line).toMatch(new RegExp(`^${r2.commit} ${r3.commit} Test User <test@example.com> \\d+ [+-]\\d{4}\\tgit-ctx: after repacking$`));
      expect(existsSync(`${ref}.lock`)).toBe(false);
      // git normalises a message the same way.
      git(repo, ['update-ref', '-m', ' packed  and \t loose ', 'refs/heads/other', r2.commit]);
      expect(git(repo, ['reflog', 'show', '-1', '--format=%gs', 'refs/heads/other'])).toBe('packed and loose');
    } finally {
      closeCtx(c);
    }
    fsck(repo);
  });

  it('leaves the move to git where hard links cannot be made, and syncs the lock when core.fsync asks for references', async () => {
    const repo = makeRepo();
    await ctxOk(repo, ['add', '-m', 'first']);
    // The holder files on another file system (tmpfs): link(2) fails with EXDEV, git moves the branch.
    const elsewhere = mkdtempSync(join('/dev/shm', 'git-ctx-holders-'));
    expect(statSync(elsewhere).dev, 'a file system other than the repository\'s').not.toBe(statSync(repo).dev);
    try {
      symlinkSync(elsewhere, refHoldersDir(join(repo, '.git')));
      const counting = countingGit();
      await ctxOk(repo, ['add', '-m', 'through git'], { env: counting.env });
      expect(counting.runs().map((r) => r.split(' ')[2])).toEqual(['update-ref']);
      expect(readdirSync(elsewhere)).toEqual([]);
      rmSync(refHoldersDir(join(repo, '.git')));
    } finally {
      rmSync(elsewhere, { recursive: true, force: true });
    }
    git(repo, ['config', 'core.fsync', 'reference']);
    const counting = countingGit();
    await ctxOk(repo, ['add', '-m', 'synced'], { env: counting.env });
    expect(counting.runs()).toEqual([]);
    expect(git(repo, ['reflog', 'show', '--format=%gs', 'context']).split('\n').slice(0, 3)).toEqual(['git-ctx: note: synced', 'git-ctx: note: through git', 'git-ctx: note: first']);
    expect(entryPaths(repo)).toHaveLength(3);
    fsck(repo);
  });

  it('appends the reflog only when git would: core.logAllRefUpdates=false and no reflog yet writes none', async () => {
    const repo = makeRepo();
    await ctxOk(repo, ['add', '-m', 'first']);
    const logFile = join(repo, '.git', 'logs', 'refs', 'heads', 'context');
    git(repo, ['config', 'core.logAllRefUpdates', 'false']);
    await ctxOk(repo, ['add', '-m', 'kept: the reflog exists']);
    expect(git(repo, ['reflog', 'show', '--format=%gs', 'context']).split('\n')[0]).toBe('git-ctx: note: kept: the reflog exists');
    git(repo, ['reflog', 'delete', '--rewrite', 'context@{0}']);
    rmSync(logFile);
    await ctxOk(repo, ['add', '-m', 'not logged']);
    expect(existsSync(logFile)).toBe(false);
    expect(entryPaths(repo)).toHaveLength(3);
  });

  it('a compare-and-swap that finds the branch moved changes nothing and leaves no lock; a lock held by git is never removed', async () => {
    const repo = makeRepo();
    await ctxOk(repo, ['add', '-m', 'a']);
    await ctxOk(repo, ['add', '-m', 'b']);
    const tip = contextTip(repo)!;
    const parent = git(repo, ['rev-parse', 'context~1']);
    const runner = new GitRunner(repo, ENV);
    const writer = RefFileWriter.open(join(repo, '.git'), await readConfig(runner), realDeps(repo))!;
    expect(writer).not.toBeNull();
    const update = { ref: 'refs/heads/context', zeroOid: '0'.repeat(40), message: 'x' };
    expect(await compareAndSwapRef(runner, { ...update, newOid: parent, oldOid: parent })).toEqual({ ok: false, reason: 'moved' });
    expect(writer.cas({ ...update, newOid: parent, oldOid: parent })).toEqual({ ok: false, reason: 'moved' });
    expect(contextTip(repo)).toBe(tip);
    expect(readdirSync(refHoldersDir(join(repo, '.git')))).toEqual([]);
    const lock = join(repo, '.git', 'refs', 'heads', 'context.lock');
    expect(existsSync(lock)).toBe(false);
    // git holds the lock (an update-ref transaction kept open after prepare).
    const holder = spawn('git', ['update-ref', '--stdin'], { cwd: repo, env: ENV, stdio: ['pipe', 'pipe', 'pipe'] }) as ChildProcessWithoutNullStreams;
    let out = '';
    holder.stdout.on('data', (b) => (out += b));
    const closed = new Promise((r) => holder.on('close', r));
    holder.stdin.write(`start\nupdate refs/heads/context ${parent} ${tip}\nprepare\n`);
    for (let i = 0; i < 500 && !out.includes('prepare: ok'); i++) await new Promise((r) => setTimeout(r, 10));
    expect(out).toContain('prepare: ok');
    expect(await compareAndSwapRef(runner, { ...update, newOid: parent, oldOid: tip })).toEqual({ ok: false, reason: 'locked', lockFile: lock });
    expect(writer.cas({ ...update, newOid: parent, oldOid: tip })).toEqual({ ok: false, reason: 'locked', lockFile: lock });
    expect(existsSync(lock)).toBe(true);
    // The long-lived update-ref of the MCP server, likewise.
    const updater = new RefUpdater(new GitRunner(repo, ENV), 'test');
    try {
      expect(await updater.cas({ ...update, newOid: parent, oldOid: tip })).toMatchObject({ ok: false, reason: 'locked' });
    } finally {
      updater.close();
    }
    expect(existsSync(lock)).toBe(true);
    holder.stdin.end('commit\n');
    await closed;
    expect(out).toContain('commit: ok');
    expect(contextTip(repo)).toBe(parent);
    // Creating a ref is left to git (it checks names that conflict with other refs).
    expect(writer.cas({ ...update, ref: 'refs/heads/new', newOid: tip, oldOid: null })).toBeNull();
  });

  it('a lock whose writer was killed holding it is taken over at once; git\'s, a live one\'s or another host\'s never', async () => {
    const repo = makeRepo();
    await ctxOk(repo, ['add', '-m', 'a']);
    await ctxOk(repo, ['add', '-m', 'b']);
    const tip = contextTip(repo)!;
    const parent = git(repo, ['rev-parse', 'context~1']);
    const commonDir = join(repo, '.git');
    const lock = join(commonDir, 'refs', 'heads', 'context.lock');
    const deps = realDeps(repo);
    // A real writer stops inside the lock window (tests/helpers/ref-lock-worker.ts).
    const worker = spawn(process.execPath, [join(inject('workerDir'), 'ref-lock-worker.cjs'), 'hold', repo, 'refs/heads/context', parent, tip], { cwd: repo, env: ENV, stdio: ['ignore', 'pipe', 'inherit'] });
    const exited = new Promise((r) => worker.on('exit', r));
    let out = '';
    worker.stdout.on('data', (b) => (out += b));
    for (let i = 0; i < 1000 && !out.includes('holding'); i++) await new Promise((r) => setTimeout(r, 10));
    expect(out).toContain('holding');
    expect(existsSync(lock)).toBe(true);
    // Alive: its lock stands.
    expect(removeDeadRefLock(commonDir, lock, deps)).toBe(false);
    expect(removeDeadHolders(commonDir, lock, deps)).toBe(0);
    expect(existsSync(lock)).toBe(true);
    worker.kill('SIGKILL');
    await exited;
    expect(existsSync(lock)).toBe(true);
    // The next writers take the dead writer's lock over without waiting for it: six at once, one of
    // which removes it (they race to claim it) while the others take the branch's lock in turn.
    const t0 = Date.now();
    const adds = await Promise.all(Array.from({ length: 6 }, (_, i) => ctx(repo, ['add', '-m', `after the killed writer ${i}`])));
    expect(adds.map((r) => r.code), adds.map((r) => r.stderr).join('\n')).toEqual([0, 0, 0, 0, 0, 0]);
    expect(Date.now() - t0).toBeLessThan(4500);
    expect(existsSync(lock)).toBe(false);
    expect(entryPaths(repo)).toHaveLength(8);
    expect(git(repo, ['log', '--format=%s', 'context', '-6']).split('\n').sort()).toEqual(Array.from({ length: 6 }, (_, i) => `note: after the killed writer ${i}`));
    expect(git(repo, ['rev-parse', 'context~6'])).toBe(tip);
    expect(readdirSync(refHoldersDir(commonDir))).toEqual([]);
    fsck(repo);
    await ctxOk(repo, ['add', '-m', 'after the killed writer']);

    // A lock git holds (no holder file) and one whose holder is of another host stand.
    writeFileSync(lock, `${tip}\n`);
    expect(removeDeadRefLock(commonDir, lock, deps)).toBe(false);
    rmSync(lock);
    const dead = spawnSync('true').pid!;
    const holder = (host: string) => join(refHoldersDir(commonDir), `${dead}-00ff@${encodeURIComponent(host)}`);
    writeFileSync(holder('elsewhere.example'), `${tip}\n`);
    linkSync(holder('elsewhere.example'), lock);
    expect(removeDeadRefLock(commonDir, lock, deps)).toBe(false);
    expect(removeDeadHolders(commonDir, lock, deps)).toBe(0);
    expect(existsSync(lock)).toBe(true);
    rmSync(lock);
    rmSync(holder('elsewhere.example'));
    // One this host's dead process left linked to the lock: gc removes both.
    writeFileSync(holder(deps.hostname), `${tip}\n`);
    linkSync(holder(deps.hostname), lock);
    // Its holder file, left behind by one killed after it renamed the lock onto the ref: removed too.
    writeFileSync(join(refHoldersDir(commonDir), `${dead}-ab@${encodeURIComponent(deps.hostname)}`), `${tip}\n`);
    await ctxOk(repo, ['gc']);
    expect(existsSync(lock)).toBe(false);
    expect(readdirSync(refHoldersDir(commonDir))).toEqual([]);
    expect(git(repo, ['log', '-1', '--format=%s', 'context'])).toBe('note: after the killed writer');
  });

  it('eight writers that find a dead writer\'s lock at once: one claims and removes it, exactly one moves the branch, to its own value', async () => {
    const repo = makeRepo();
    await ctxOk(repo, ['add', '-m', 'a']);
    const tip = contextTip(repo)!;
    const commonDir = join(repo, '.git');
    const lock = join(commonDir, 'refs', 'heads', 'context.lock');
    const tree = git(repo, ['rev-parse', `${tip}^{tree}`]);
    for (let round = 0; round < 6; round++) {
      const from = contextTip(repo)!;
      // A lock as a writer killed inside its window leaves it: linked to its holder file.
      const dead = spawnSync('true').pid!;
      const holder = join(refHoldersDir(commonDir), `${dead}-0${round}@${encodeURIComponent(realDeps(repo).hostname)}`);
      mkdirSync(refHoldersDir(commonDir), { recursive: true });
      writeFileSync(holder, `${from}\n`);
      linkSync(holder, lock);
      const commits = Array.from({ length: 8 }, (_, i) => git(repo, ['commit-tree', tree, '-p', from, '-m', `racer ${round}.${i}`]));
      const start = String(Date.now() + 600);
      const outcomes = await Promise.all(
        commits.map(
          (c) =>
            new Promise<{ newOid: string; outcome: { ok: boolean; reason?: string } | null }>((resolve, reject) => {
              const w = spawn(process.execPath, [join(inject('workerDir'), 'ref-lock-worker.cjs'), 'race', repo, 'refs/heads/context', c, from, start], { cwd: repo, env: ENV });
              let out = '';
              w.stdout.on('data', (b) => (out += b));
              w.on('close', (code) => (code === 0 ? resolve(JSON.parse(out)) : reject(new Error(`worker exited ${code}`))));
            }),
        ),
      );
      const won = outcomes.filter((o) => o.outcome?.ok);
      expect(won, JSON.stringify(outcomes)).toHaveLength(1);
      expect(outcomes.filter((o) => !o.outcome?.ok).every((o) => o.outcome?.reason === 'moved')).toBe(true);
      expect(contextTip(repo)).toBe(won[0]!.newOid);
      expect(existsSync(lock)).toBe(false);
      expect(readdirSync(refHoldersDir(commonDir))).toEqual([]);
    }
    expect(git(repo, ['reflog', 'show', '--format=%gs', 'context']).split('\n').slice(0, 3).every((m) => m.startsWith('race '))).toBe(true);
    fsck(repo);
  });

  it('eight writers while git packs refs and collects garbage in a loop: nothing lost, fsck clean', async () => {
    const repo = makeRepo();
    await ctxOk(repo, ['add', '-m', 'first']);
    let stop = false;
    const chores = (cmd: string) =>
      (async () => {
        let rounds = 0;
        while (!stop || rounds < 1) {
          await new Promise<void>((resolve) => spawn('sh', ['-c', cmd], { cwd: repo, env: ENV, stdio: 'ignore' }).on('close', () => resolve()));
          rounds++;
        }
        return rounds;
      })();
    const packing = chores('git pack-refs --all --prune');
    const gc = chores('git gc -q');
    const runs = await Promise.all(
      Array.from({ length: 8 }, async (_, i) => {
        const out: { code: number; stderr: string; id: string }[] = [];
        for (let j = 0; j < 6; j++) {
          const r = await ctx(repo, ['add', '-m', `writer ${i}.${j}`]);
          out.push({ code: r.code, stderr: r.stderr, id: r.stdout.trim() });
        }
        return out;
      }),
    );
    stop = true;
    expect(await packing).toBeGreaterThan(1);
    expect(await gc).toBeGreaterThan(0);
    const all = runs.flat();
    expect(all.filter((r) => r.code !== 0).map((r) => r.stderr)).toEqual([]);
    const stored = new Set(entryPaths(repo).map((p) => p.replace(/^.*\//, '').replace(/\.md$/, '')));
    for (const r of all) expect(stored.has(r.id), r.id).toBe(true);
    expect(stored.size).toBe(49);
    expect(existsSync(join(repo, '.git', 'refs', 'heads', 'context.lock'))).toBe(false);
    fsck(repo);
    expect(Number(git(repo, ['rev-list', '--count', 'context']))).toBeGreaterThanOrEqual(50);
  }, 180_000);
});
