import { describe, expect, it } from 'vitest';
import { writeFileSync, mkdirSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { cli, cliOk } from './helpers/cli.js';
import { addWorktree, BIN, contextTip, ctx, ctxOk, ENV, entryPaths, fsck, git, makeRepo, tempDir, userState } from './helpers/repo.js';
import { KINDS } from '../src/model/kinds.js';
import { openCtx, closeCtx } from '../src/core/context.js';
import { realDeps } from './helpers/real-deps.js';

describe('init', () => {
  it('creates an orphan branch whose root is the same in every repository, and is idempotent', async () => {
    const a = makeRepo();
    const b = makeRepo({ files: { 'other.txt': 'x' } });
    const ra = await cliOk(a, ['init', '--json']);
    const rb = await cliOk(b, ['init', '--json']);
    expect(ra.json).toMatchObject({ schemaVersion: 1, created: true, branch: 'context', ref: 'refs/heads/context' });
    expect(ra.json.tip).toBe(rb.json.tip);
    expect(git(a, ['rev-list', '--max-parents=0', 'context'])).toBe(ra.json.tip);
    expect(() => git(a, ['merge-base', 'main', 'context'])).toThrow(); // no common history
    const again = await cliOk(a, ['init', '--json']);
    expect(again.json).toMatchObject({ created: false, tip: ra.json.tip });
    expect(git(a, ['show', 'context:README.md'])).toMatch(/git-ctx context branch/);
  });

  it('honours ctx.branch', async () => {
    const repo = makeRepo();
    git(repo, ['config', 'ctx.branch', 'notes/ctx']);
    await cliOk(repo, ['add', '-m', 'elsewhere']);
    expect(contextTip(repo, 'notes/ctx')).not.toBeNull();
    expect(contextTip(repo)).toBeNull();
  });

  it('refuses a context branch that is checked out in a worktree (writes would move it under that worktree)', async () => {
    const repo = makeRepo();
    await cliOk(repo, ['init']);
    const wt = join(tempDir(), 'ctxwt');
    git(repo, ['worktree', 'add', '-q', wt, 'context']);
    const r = await cli(repo, ['init', '--json']);
    expect(r.code).toBe(2);
    expect(r.json.error).toMatchObject({ code: 'E_BRANCH_CHECKED_OUT', data: { worktrees: [wt] } });
    expect(r.stderr).toContain(`checked out in ${wt}`);
  });
});

describe('the command line', () => {
  const COMMANDS = ['init', 'add', 'log', 'show', 'search', 'regenerate', 'push', 'pull', 'sync', 'hook', 'scan', 'conflicts', 'publish', 'handoff', 'pickup', 'brief', 'send', 'inbox', 'gc', 'sessions', 'mcp', 'agent-hook'];

  it('lists every command with its summary and arguments, though a command loads only its own module', async () => {
    const dir = tempDir();
    const help = await cli(dir, ['--help']);
    expect(help.code).toBe(0);
    for (const name of COMMANDS) expect(help.stdout).toMatch(new RegExp(`^  ${name}\\b.*\\S`, 'm'));
    expect(help.stdout).toMatch(/^ {2}show \[options\] <id> +print one entry, whole/m);
    const log = await cli(dir, ['help', 'log']);
    expect(log.stdout).toContain('Usage: git-ctx log [options]');
    expect(log.stdout).toContain('--since <when>');
    expect((await cli(dir, ['log', '--help'])).stdout).toBe(log.stdout);
    expect((await cli(dir, ['-h', 'log'])).stdout).toBe(help.stdout);
    const typo = await cli(dir, ['lgo']);
    expect(typo.code).toBe(2);
    expect(typo.stderr).toContain('(Did you mean log?)');
    // An option the command does not take is refused by that command, fully loaded.
    const bad = await cli(dir, ['log', '--no-such-option']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("unknown option '--no-such-option'");
  });
});

describe('add, log, show', () => {
  it.each(KINDS)('round-trips a %s entry with every field', async (kind) => {
    const repo = makeRepo();
    const add = await cliOk(repo, ['add', '--json', '-k', kind, '-t', `A ${kind}`, '-m', `Body of the ${kind}.`, '-m', 'Second paragraph.', '--topic', 'storage', '--tag', 'a', '--tag', 'b', '--ref', 'src/a.ts', '--to', 'all', '--agent', 'claude', '--session', 's-1']);
    const id = add.json.id;
    expect(add.json.entry).toMatchObject({ id, kind, title: `A ${kind}`, body: `Body of the ${kind}.\n\nSecond paragraph.`, topic: 'storage', tags: ['a', 'b'], refs: ['src/a.ts'], to: 'all', agent: 'claude', session: 's-1', branch: 'main', worktree: repo });
    const show = await cliOk(repo, ['show', id, '--json']);
    expect(show.json.entry).toEqual(add.json.entry);
    expect(show.json.entry.commit).toBe(contextTip(repo));
    expect(show.json.entry.head).toBe(git(repo, ['rev-parse', 'HEAD']));
    expect(show.json.entry.author).toEqual({ name: 'Test User', email: 'test@example.com' });
    const file = git(repo, ['show', `context:${show.json.entry.path}`]);
    expect(file).toContain(`kind: ${kind}`);
    expect(file).toContain(`Body of the ${kind}.`);
    const subject = git(repo, ['log', '-1', '--format=%s', 'context']);
    expect(subject).toBe(`${kind}: A ${kind}`);
    const trailers = git(repo, ['log', '-1', '--format=%(trailers:only,unfold)', 'context']);
    expect(trailers).toContain(`Ctx-Id: ${id}`);
    expect(trailers).toContain('Ctx-Agent: claude');
    expect(trailers).toContain('Ctx-Session: s-1');
  });

  it('prints the id, reads the body from a file or stdin, and titles from the first line', async () => {
    const repo = makeRepo();
    const plain = await cliOk(repo, ['add', '-m', 'hello']);
    expect(plain.stdout.trim()).toMatch(/^[0-9a-z]{26}$/);
    writeFileSync(join(repo, 'note.md'), '# From a file\n\ndetails\n');
    const fromFile = await cliOk(repo, ['add', '-F', 'note.md', '--json']);
    expect(fromFile.json.entry).toMatchObject({ title: 'From a file', body: '# From a file\n\ndetails\n' });
    const fromStdin = await ctxOk(repo, ['add', '--json'], { input: 'piped text\nline 2\n' });
    expect(fromStdin.json.entry).toMatchObject({ title: 'piped text', body: 'piped text\nline 2\n' });
    const dash = await ctxOk(repo, ['add', '-F', '-', '--json'], { input: 'dash stdin' });
    expect(dash.json.entry.body).toBe('dash stdin');
  });

  it('lists newest first with every filter', async () => {
    const repo = makeRepo();
    await cliOk(repo, ['add', '-m', 'one', '--agent', 'a1', '--session', 's1', '--topic', 't1', '--tag', 'x', '--ref', 'src/a.ts']);
    await cliOk(repo, ['add', '-k', 'decision', '-m', 'two', '--agent', 'a2', '--session', 's2', '--topic', 't2', '--tag', 'y', '--ref', 'docs/b.md']);
    await cliOk(repo, ['add', '-k', 'postmortem', '-m', 'three', '--agent', 'a1', '--session', 's2', '--tag', 'x', '--ref', 'src']);
    const titles = async (...args: string[]) => (await cliOk(repo, ['log', '--json', ...args])).json.entries.map((e: any) => e.title);
    expect(await titles()).toEqual(['three', 'two', 'one']);
    expect(await titles('-n', '2')).toEqual(['three', 'two']);
    expect(await titles('--kind', 'decision')).toEqual(['two']);
    expect(await titles('--agent', 'a1')).toEqual(['three', 'one']);
    expect(await titles('--session', 's2')).toEqual(['three', 'two']);
    expect(await titles('--topic', 't1')).toEqual(['one']);
    expect(await titles('--tag', 'x')).toEqual(['three', 'one']);
    expect(await titles('--ref', 'src/a.ts')).toEqual(['three', 'one']);
    expect(await titles('--ref', 'docs')).toEqual(['two']);
    expect(await titles('--since', '1h')).toEqual(['three', 'two', 'one']);
    expect(await titles('--until', '2000-01-01')).toEqual([]);
    expect(await titles('--since', '2 hours ago', '--kind', 'note')).toEqual(['one']);
    const more = await cliOk(repo, ['log', '--json', '-n', '1']);
    expect(more.json.more).toBe(true);
    const human = await cliOk(repo, ['log']);
    expect(human.stdout.split('\n').filter(Boolean)).toHaveLength(3);
    expect(human.stdout).not.toMatch(/\u001b\[/);
  });

  it('lists every entry in the same bytes whether it reads them from the index or from git', async () => {
    const repo = makeRepo();
    const wt = addWorktree(repo, 'other');
    for (let i = 0; i < 12; i++) {
      await cliOk(i % 2 ? wt : repo, ['add', '-k', KINDS[i % KINDS.length]!, '-t', `entry ${i} "quoted" \\ é`, '-m', `body ${i}\n\nline "two" \\ ✓`, '--tag', `t${i % 3}`, '--ref', `src/f${i}.ts`]);
    }
    // All of them: from the index (the most of a store); the newest 12 by walking the branch.
    const all = await cliOk(repo, ['log', '-n', '0', '--json']);
    const walked = await cliOk(repo, ['log', '-n', '12', '--json']);
    expect(all.json.entries).toHaveLength(12);
    expect(all.stdout).toBe(walked.stdout);
    expect(all.stdout).toBe(`${JSON.stringify(all.json)}\n`);
    // An entry added since the index was last used is read into it first.
    await cliOk(wt, ['add', '-m', 'the newest']);
    const again = await cliOk(repo, ['log', '-n', '0', '--json']);
    expect(again.json.entries.map((e: any) => e.title)).toEqual(['the newest', ...all.json.entries.map((e: any) => e.title)]);
    expect(again.json.entries.slice(1)).toEqual(all.json.entries);
    for (const e of again.json.entries) expect((await cliOk(repo, ['show', e.id, '--json'])).json.entry).toEqual(e);
  });

  it('shows an entry by unique prefix and lists candidates for an ambiguous one', async () => {
    const repo = makeRepo();
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) ids.push((await cliOk(repo, ['add', '-m', `entry ${i}`])).stdout.trim());
    const r = await cliOk(repo, ['show', ids[1]!.slice(0, 14).toUpperCase(), '--json']);
    expect(r.json.entry.id).toBe(ids[1]);
    const shared = ids[0]!.slice(0, 2);
    const amb = await cli(repo, ['show', shared, '--json']);
    expect(amb.code).toBe(2);
    expect(amb.json.error.code).toBe('E_AMBIGUOUS');
    expect(amb.json.error.data.candidates).toEqual(expect.arrayContaining(ids));
    const missing = await cli(repo, ['show', '0000000000zzzzzz']);
    expect(missing.code).toBe(3);
    expect(missing.stderr).toMatch(/^git-ctx: no entry/);
    const bad = await cli(repo, ['show', '../../etc/passwd']);
    expect(bad.code).toBe(2);
  });

  it('prints a readable entry and neutralises control characters on output', async () => {
    const repo = makeRepo();
    const id = (await cliOk(repo, ['add', '-t', 'Escape test', '-m', 'red \u001b[31mALERT\u001b[0m text'])).stdout.trim();
    const r = await cliOk(repo, ['show', id]);
    expect(r.stdout).toMatch(/^id {9}[0-9a-z]{26}\nkind {7}note\ntitle {6}Escape test\n/);
    expect(r.stdout).not.toContain('\u001b');
    expect(r.stdout).toContain('\\x1b[31mALERT');
    const json = await cliOk(repo, ['show', id, '--json']);
    expect(json.json.entry.body).toContain('\u001b[31m');
  });
});

describe('search', () => {
  it('ranks entries that match every term, and in the title, first', async () => {
    const repo = makeRepo();
    await cliOk(repo, ['add', '-t', 'Unrelated', '-m', 'nothing to see here']);
    await cliOk(repo, ['add', '-t', 'Cache notes', '-m', 'the parser cache is slow']);
    await cliOk(repo, ['add', '-t', 'Parser cache regression', '-m', 'the parser regressed after the cache change']);
    await cliOk(repo, ['add', '-t', 'Parser only', '-m', 'a note about the parser']);
    const r = await cliOk(repo, ['search', 'parser', 'cache', '--json']);
    const titles = r.json.hits.map((h: any) => h.entry.title);
    expect(titles[0]).toBe('Parser cache regression');
    expect(titles).toContain('Cache notes');
    expect(titles).not.toContain('Unrelated');
    expect(titles.indexOf('Parser only')).toBeGreaterThan(titles.indexOf('Cache notes'));
    expect(r.json.total).toBe(3);
    expect(r.json.hits[0].snippet).toContain('parser');
    const phrase = await cliOk(repo, ['search', '"cache is slow"', '--json']);
    expect(phrase.json.hits.map((h: any) => h.entry.title)).toEqual(['Cache notes']);
    const none = await cliOk(repo, ['search', 'zebra', '--json']);
    expect(none.json.hits).toEqual([]);
  });

  it('sees entries written after the index was built, and entries written by other worktrees', async () => {
    const repo = makeRepo();
    const wt = addWorktree(repo, 'wt-search');
    await cliOk(repo, ['add', '-m', 'first walrus']);
    expect((await cliOk(wt, ['search', 'walrus', '--json'])).json.total).toBe(1);
    await cliOk(wt, ['add', '-m', 'second walrus']);
    expect((await cliOk(repo, ['search', 'walrus', '--json'])).json.total).toBe(2);
  });
});

describe('search and the index', () => {
  it('drops entries removed from the branch after the index was built, and ranks whole words first', async () => {
    const repo = makeRepo();
    const keep = (await cliOk(repo, ['add', '-t', 'Entry 88320', '-m', 'walrus one', '--json'])).json.entry;
    const gone = (await cliOk(repo, ['add', '-t', 'Entry 8320', '-m', 'walrus two', '--json'])).json.entry;
    const first = await cliOk(repo, ['search', '8320', '--json']);
    expect(first.json.hits.map((h: any) => h.entry.id)).toEqual([gone.id, keep.id]);
    const c = await openCtx(realDeps(repo));
    try {
      await c.store.commit({ add: [], remove: [gone.path], message: 'remove one', author: { name: 't', email: 't@example.com' } });
    } finally {
      closeCtx(c);
    }
    const after = await cliOk(repo, ['search', 'walrus', '--json']);
    expect(after.json.hits.map((h: any) => h.entry.id)).toEqual([keep.id]);
    expect(after.json.total).toBe(1);
    expect((await cliOk(repo, ['log', '--json', '--tag', 'none'])).json.entries).toEqual([]);
    expect((await cliOk(repo, ['log', '-n', '0', '--json', '--agent', keep.agent])).json.entries.map((e: any) => e.id)).toEqual([keep.id]);
  });
});

describe('where it runs', () => {
  it('works from a linked worktree and a subdirectory, and shares one store', async () => {
    const repo = makeRepo({ files: { 'src/deep/file.ts': 'x' } });
    const wt = addWorktree(repo, 'feature-a');
    const a = await cliOk(wt, ['add', '-m', 'from worktree', '--json']);
    expect(a.json.entry).toMatchObject({ branch: 'feature-a', worktree: wt, session: expect.stringMatching(/^feature-a:feature-a@[0-9a-f]{6}$/) });
    const b = await cliOk(join(repo, 'src/deep'), ['add', '-m', 'from subdir', '--json']);
    expect(b.json.entry.worktree).toBe(repo);
    const fromMain = await cliOk(repo, ['log', '--json']);
    expect(fromMain.json.entries.map((e: any) => e.body)).toEqual(['from subdir', 'from worktree']);
    // The worktree's gitdir holds no refs or objects of ours: everything went to the common dir.
    expect(git(wt, ['rev-parse', 'context'])).toBe(git(repo, ['rev-parse', 'context']));
  });

  it('works on a detached HEAD and in a repository with no commits', async () => {
    const repo = makeRepo();
    git(repo, ['checkout', '-q', '--detach']);
    const d = await cliOk(repo, ['add', '-m', 'detached', '--json']);
    expect(d.json.entry).toMatchObject({ branch: null, head: git(repo, ['rev-parse', 'HEAD']) });
    const empty = makeRepo({ empty: true });
    const e = await cliOk(empty, ['add', '-m', 'unborn', '--json']);
    expect(e.json.entry).toMatchObject({ branch: 'main', head: null });
    expect((await cliOk(empty, ['log', '--json'])).json.entries).toHaveLength(1);
  });

  it('works in a SHA-256 repository', async () => {
    const repo = makeRepo({ objectFormat: 'sha256' });
    const r = await cliOk(repo, ['add', '-m', 'sha256 note', '--json']);
    expect(r.json.entry.commit).toMatch(/^[0-9a-f]{64}$/);
    expect((await cliOk(repo, ['search', 'sha256', '--json'])).json.total).toBe(1);
    expect((await cliOk(repo, ['show', r.json.id, '--json'])).json.entry.body).toBe('sha256 note');
    fsck(repo);
  });

  it('says "context not initialised" (exit 3) where there is no context branch, and exits 3 outside a repository', async () => {
    const repo = makeRepo();
    for (const args of [['log', '--json'], ['search', 'x', '--json']]) {
      const r = await cli(repo, args);
      expect(r.code).toBe(3);
      expect(r.json.error.code).toBe('E_NO_CONTEXT');
    }
    expect(contextTip(repo)).toBeNull();
    const outside = tempDir();
    const r = await cli(outside, ['log', '--json'], { env: { GIT_CEILING_DIRECTORIES: outside } });
    expect(r.code).toBe(3);
    expect(r.json.error.code).toBe('E_NOT_A_REPO');
    expect(r.stderr).toMatch(/^git-ctx: not a git repository/);
    // From a directory removed under the shell: one line and exit 3, not a stack trace.
    const gone = join(repo, 'gone');
    const run = (args: string) => spawnSync('sh', ['-c', `mkdir "$D" && cd "$D" && rmdir "$D" && exec "$NODE" "$BIN" ${args}`], { cwd: repo, env: { ...ENV, D: gone, NODE: process.execPath, BIN }, encoding: 'utf8' });
    const removed = run('log --json');
    expect(removed.status, removed.stderr).toBe(3);
    expect(JSON.parse(removed.stdout).error.code).toBe('E_NOT_A_REPO');
    expect(removed.stderr).toBe('git-ctx: cannot read the current directory (was it removed?)\nhint: cd to a directory inside the repository\n');
    expect(run('--version').status).toBe(0);
  });

  it('falls back to the agent name when git has no user identity', async () => {
    const repo = makeRepo();
    git(repo, ['config', '--unset', 'user.name']);
    git(repo, ['config', '--unset', 'user.email']);
    const r = await cliOk(repo, ['add', '-m', 'ci note', '--agent', 'ci-bot', '--json']);
    expect(r.json.entry.author).toEqual({ name: 'ci-bot', email: 'ci-bot@git-ctx.invalid' });
    const env = await cliOk(repo, ['add', '-m', 'env agent', '--json'], { env: { GIT_CTX_AGENT: 'codex', GIT_CTX_SESSION: 'run-7' } });
    expect(env.json.entry).toMatchObject({ agent: 'codex', session: 'run-7' });
    fsck(repo);
  });
});

describe('the user\'s checkout is never touched', () => {
  it('leaves status, HEAD, index bytes, stash and other refs identical across every command', async () => {
    const repo = makeRepo({ files: { 'a.txt': 'a\n', 'b.txt': 'b\n', '.gitignore': 'ignored.log\n' } });
    writeFileSync(join(repo, 'a.txt'), 'modified\n');
    writeFileSync(join(repo, 'staged.txt'), 'staged\n');
    git(repo, ['add', 'staged.txt']);
    writeFileSync(join(repo, 'untracked.txt'), 'u\n');
    writeFileSync(join(repo, 'ignored.log'), 'i\n');
    writeFileSync(join(repo, 'b.txt'), 'stashed\n');
    git(repo, ['stash', 'push', '-q', '--', 'b.txt']);
    const before = userState(repo);
    const id = (await cliOk(repo, ['add', '-m', 'x', '--ref', 'a.txt'])).stdout.trim();
    for (const args of [['init'], ['log'], ['log', '--kind', 'note'], ['show', id], ['search', 'x'], ['add', '-k', 'decision', '-m', 'y']]) {
      await cliOk(repo, args);
      expect(userState(repo)).toEqual(before);
    }
    fsck(repo);
  });

  it('does not fire the user\'s hooks for its own ref updates', async () => {
    const repo = makeRepo();
    const hook = join(repo, '.git/hooks/reference-transaction');
    mkdirSync(join(repo, '.git/hooks'), { recursive: true });
    writeFileSync(hook, `#!/bin/sh\necho fired >> "${join(repo, 'hook.log')}"\n`, { mode: 0o755 });
    await cliOk(repo, ['add', '-m', 'quiet']);
    expect(git(repo, ['status', '--porcelain'])).toBe('');
  });
});

describe('bad input changes nothing', () => {
  const cases: [string, string[], { input?: string | Buffer; code: number; err: string }][] = [
    ['an empty body', ['add', '-m', '   '], { code: 2, err: 'E_EMPTY' }],
    ['no body at all', ['add'], { code: 2, err: 'E_EMPTY' }],
    ['a NUL byte', ['add', '-F', '-'], { input: Buffer.from('a\0b'), code: 2, err: 'E_NUL' }],
    ['invalid UTF-8', ['add', '-F', '-'], { input: Buffer.from([0x61, 0xc3, 0x28]), code: 2, err: 'E_ENCODING' }],
    ['a body over the limit', ['add', '-F', '-'], { input: 'x'.repeat(256 * 1024 + 1), code: 2, err: 'E_TOO_LARGE' }],
    ['a 100k-character title', ['add', '-m', 'b', '-t', 'x'.repeat(100_000)], { code: 2, err: 'E_TITLE' }],
    ['a multi-line title', ['add', '-m', 'b', '-t', 'a\nb'], { code: 2, err: 'E_TITLE' }],
    ['a topic with ..', ['add', '-m', 'b', '--topic', '../../x'], { code: 2, err: 'E_LABEL' }],
    ['a tag with a slash', ['add', '-m', 'b', '--tag', 'a/b'], { code: 2, err: 'E_LABEL' }],
    ['an absolute ref', ['add', '-m', 'b', '--ref', '/etc/passwd'], { code: 2, err: 'E_REF' }],
    ['a ref leaving the repository', ['add', '-m', 'b', '--ref', 'src/../../x'], { code: 2, err: 'E_REF' }],
    ['an unknown kind', ['add', '-m', 'b', '-k', 'memo'], { code: 2, err: 'E_KIND' }],
    ['an unknown option', ['add', '-m', 'b', '--frobnicate'], { code: 2, err: 'E_USAGE' }],
    ['a missing file', ['add', '-F', 'does-not-exist.md'], { code: 2, err: 'E_FILE' }],
    ['a bad -n', ['log', '-n', 'many'], { code: 2, err: 'E_USAGE' }],
    ['an unreadable --since', ['log', '--since', 'the day after never'], { code: 2, err: 'E_WHEN' }],
  ];

  it.each(cases)('%s: a one-line error, the stated exit code, the branch unchanged', async (_name, args, want) => {
    const repo = makeRepo();
    await cliOk(repo, ['add', '-m', 'existing']);
    const tip = contextTip(repo);
    const objects = git(repo, ['count-objects']);
    // Input on stdin through a process: bin.ts reads it (and stops reading once it is too large).
    const r = await (want.input === undefined ? cli : ctx)(repo, [...args, '--json'], { input: want.input });
    expect(r.code).toBe(want.code);
    expect(r.json.error.code).toBe(want.err);
    expect(r.stderr.split('\n')[0]).toMatch(/^git-ctx: \S/);
    expect(r.stderr).not.toMatch(/at .*\.(ts|js|cjs):\d+/);
    expect(contextTip(repo)).toBe(tip);
    expect(git(repo, ['count-objects'])).toBe(objects);
  });

  it('stores option-looking values as plain text and never passes them to git as options', async () => {
    const repo = makeRepo();
    const r = await cliOk(repo, ['add', '--json', '-t', '--upload-pack=touch /tmp/pwned', '-m', '--exec=evil', '--topic', '--output=x', '--ref', '--upload-pack=y', '--tag', '-rf']);
    expect(r.json.entry).toMatchObject({ title: '--upload-pack=touch /tmp/pwned', body: '--exec=evil', topic: '--output=x', refs: ['--upload-pack=y'], tags: ['-rf'] });
    const filtered = await cliOk(repo, ['log', '--json', '--ref', '--upload-pack=y']);
    expect(filtered.json.entries).toHaveLength(1);
    expect((await cliOk(repo, ['search', '--json', '--', '--exec=evil'])).json.total).toBe(1);
  });

  it('honours ctx.maxBodyBytes', async () => {
    const repo = makeRepo();
    git(repo, ['config', 'ctx.maxBodyBytes', '10']);
    expect((await cli(repo, ['add', '-m', 'x'.repeat(11)])).code).toBe(2);
    expect(entryPaths(repo)).toEqual([]);
  });
});
