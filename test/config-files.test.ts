/**
 * Reading git's settings from its files (src/git/config-files.ts) against git itself: every case is a
 * set of real files (system, XDG and ~/.gitconfig, the repository's config and config.worktree) and
 * environment variables, listed once by `git config -z --show-scope --get-regexp` and once in
 * process. Where git lists settings, ours must be the same bytes; where git refuses the files, ours
 * must be null (git is asked); where ours is null but git lists (includes, GIT_CONFIG...), the case
 * says so.
 */
import { describe, expect, it } from 'vitest';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { ENV, tempDir } from './helpers/repo.js';
import { readConfigFiles, type ConfigEntry } from '../src/git/config-files.js';
import { configArgs } from '../src/git/probe.js';
import { systemConfigArgs, systemConfigFromGit } from '../src/git/system-config.js';
import { locateRepo } from '../src/git/locate.js';

const uid = process.getuid!();
/** The pattern git-ctx asks for, and one that lists every key (for the parser's sake). */
const PRODUCT = configArgs[configArgs.length - 1]!;
const EVERY = '.';

/** The environment a case starts from: no trace of the machine's or the developer's settings. */
function baseEnv(home: string): Record<string, string | undefined> {
  const env: Record<string, string | undefined> = {};
  for (const [k, v] of Object.entries(ENV)) if (!k.startsWith('GIT_') && k !== 'HOME' && k !== 'XDG_CONFIG_HOME') env[k] = v;
  return { ...env, HOME: home };
}

interface Files {
  system?: string | Buffer;
  xdg?: string | Buffer;
  global?: string | Buffer;
  local?: string | Buffer;
  /** config.worktree of the main worktree (read when the local file turns extensions.worktreeConfig on). */
  worktree?: string | Buffer;
}

/** A repository, a home and a system file holding `files`. */
function world(files: Files): { root: string; repo: string; home: string; system: string } {
  const root = tempDir('git-ctx-config-');
  const repo = join(root, 'repo');
  const home = join(root, 'home');
  mkdirSync(join(home, '.config', 'git'), { recursive: true });
  execFileSync('git', ['init', '-q', repo], { env: { ...ENV } });
  const system = join(root, 'system-gitconfig');
  if (files.system !== undefined) writeFileSync(system, files.system);
  if (files.xdg !== undefined) writeFileSync(join(home, '.config', 'git', 'config'), files.xdg);
  if (files.global !== undefined) writeFileSync(join(home, '.gitconfig'), files.global);
  if (files.local !== undefined) writeFileSync(join(repo, '.git', 'config'), files.local);
  if (files.worktree !== undefined) writeFileSync(join(repo, '.git', 'config.worktree'), files.worktree);
  return { root, repo, home, system };
}

/** What git lists (its stdout as text), or null when git refuses (a bad line, a bad variable). */
function viaGit(cwd: string, env: Record<string, string | undefined>, pattern: string): string | null {
  const r = spawnSync('git', ['config', '-z', '--show-scope', '--get-regexp', pattern], { cwd, env: env as NodeJS.ProcessEnv });
  if (r.status === 0 || r.status === 1) return r.stdout.toString('utf8');
  return null;
}

function serialise(entries: readonly ConfigEntry[]): string {
  return entries.map((e) => `${e.scope}\0${e.key}${e.value === null ? '' : `\n${e.value}`}\0`).join('');
}

/** What git-ctx lists from the files, or null (git would be asked). */
function inProcess(cwd: string, env: Record<string, string | undefined>, pattern: string, systemFile?: string): string | null {
  const found = locateRepo(cwd, env, uid);
  expect(found, cwd).not.toBeNull();
  const entries = readConfigFiles(found!, env, systemFile, new RegExp(pattern, 's'));
  return entries && serialise(entries);
}

/** Both ways, for a world and an environment: the same listing, or ours null where git refuses. */
function compare(files: Files, envOf: (w: ReturnType<typeof world>) => Record<string, string | undefined>, pattern = EVERY): { git: string | null; ours: string | null } {
  const w = world(files);
  const env = envOf(w);
  const git = viaGit(w.repo, env, pattern);
  const ours = inProcess(w.repo, env, pattern);
  if (ours !== null) expect(ours, JSON.stringify(files)).toBe(git);
  if (git === null) expect(ours, JSON.stringify(files)).toBeNull();
  return { git, ours };
}

/** The usual environment: system file through GIT_CONFIG_SYSTEM, home files under HOME. */
const usual = (w: ReturnType<typeof world>) => ({ ...baseEnv(w.home), GIT_CONFIG_SYSTEM: w.system });

/** Asserts that git lists something and that ours is the same (no fallback). */
function same(files: Files, envOf = usual, pattern = EVERY): string {
  const { git, ours } = compare(files, envOf, pattern);
  expect(git, JSON.stringify(files)).not.toBeNull();
  expect(ours, JSON.stringify(files)).toBe(git);
  return ours!;
}

const LOCAL = '[core]\n\trepositoryformatversion = 0\n\tbare = false\n';

describe('the syntax, as git reads it', () => {
  it('sections, subsections, case, quoting, escapes, comments, continuations, bare keys', () => {
    const cases: string[] = [
      LOCAL + '[user]\n\tname = A. U. Thor\n\temail = a@example.com\n',
      LOCAL + '[USER]\n\tNaMe = Upper Case\n[User]\nEMAIL=x@y\n',
      LOCAL + '[ctx "Sub.Section"]\n\tKey = v\n[ctx "sub.section"]\n\tkey = w\n',
      LOCAL + '[remote "a \\"quoted\\" \\\\ back\\slash"]\n\treceivepack = rp\n',
      LOCAL + '[ctx]\n\tq = "  spaces kept  "\n\tr = a  b\t\tc   \n\ts = "x" y "z"\n',
      LOCAL + '[ctx]\n\te = a\\tb\\nc\\bd\\\\e\\"f\n',
      LOCAL + '[ctx]\n\tc1 = value ; comment\n\tc2 = value # comment\n\tc3 = "value ; not a comment"\n\tc4 = a;b\n',
      LOCAL + '[ctx]\n\tlong = first \\\n  second \\\n\tthird\n\tafter = x\n',
      LOCAL + '[ctx]\n\tbool\n\tempty =\n\tspace =   \n\tquotedEmpty = ""\n',
      LOCAL + '[ctx]\r\n\tcrlf = yes\r\n\tcont = a\\\r\n b\r\n',
      '\xef\xbb\xbf' + LOCAL + '[ctx]\n\tbom = 1\n',
      LOCAL + '[ctx.Old]\n\tstyle = 1\n[ctx] k = on-the-header-line\n',
      LOCAL + '; a comment\n# another\n   [ctx]   \n  indented   =   value   \n',
      LOCAL + '[ctx]\n\tutf8 = caf\xc3\xa9 \xe2\x9c\x93\n[ctx "\xc3\xa9t\xc3\xa9"]\n\tk = v\n',
      LOCAL + '[ctx]\n\tlatin1 = \xe9t\xe9 \xff\n',
      LOCAL + '[ctx]\n\tdup = 1\n\tdup = 2\n[ctx]\n\tdup = 3\n',
      LOCAL + '[ctx]\n\tdash-key = 1\n\tkey2 = 2\n[a-b.c-d]\n\tk = 1\n',
      LOCAL + '[ctx]\n\tv = a\\\n',
      LOCAL + '[ctx]\n\tnoeol = last',
      LOCAL + '[ctx]\n\tnoeolbool',
      LOCAL + '[ctx]\n\tvt = a\vb\fc\n\tcr = a\rb\n',
      LOCAL + '[ctx "tab\tsub"]\n\tk = 1\n[ctx\t"tabbed"]\n\tk = 2\n[ctx  \t "spaced"]\n\tk = 3\n',
      LOCAL + '[ctx]\n\tk = "a\\\nb"\n',
    ];
    for (const local of cases) same({ local: Buffer.from(local, 'latin1') });
  });

  it('what git refuses, ours refuses (and git is asked)', () => {
    const bad: string[] = [
      LOCAL + '[ctx\n\tk = v\n',
      LOCAL + '[ctx]\n\tk = "unterminated\n',
      LOCAL + '[ctx]\n\tk = bad \\q escape\n',
      LOCAL + '[ctx]\n\t1k = v\n',
      LOCAL + '[ctx]\n\tk # comment\n',
      LOCAL + '[ctx "sub"x]\n\tk = v\n',
      LOCAL + '[ctx "sub\n"]\n',
      LOCAL + '[c_x]\n\tk = v\n',
      LOCAL + '[]\n\tk = v\n',
      LOCAL + '\xef\xbb' + '[ctx]\n',
      LOCAL + '[ctx]\n\tk;v = 1\n',
    ];
    for (const local of bad) {
      const { git, ours } = compare({ local: Buffer.from(local, 'latin1') }, usual);
      expect(git, JSON.stringify(local)).toBeNull();
      expect(ours).toBeNull();
    }
  });

  it('random files: the same listing as git, or both refuse', () => {
    const token = fc.constantFrom(
      '[ctx]\n', '[CTX "Sub"]\n', '[ctx "a\\"b"]\n', '[user]\n', '[x.Y]\n', '[ "s"]\n', '[ctx', ']', '[', '"', '\\', ';', '#', '=', ' = ', '\n', '\r\n', '\r',
      '\t', ' ', 'a', 'Key', 'k-1', '.', '-', '0', '\v', '\f', '\xc3\xa9', '\xff', '\\\n', '\\n', '\\t', '\\b', '\\"', '\\\\', 'name = value\n', 'flag\n',
      'v = "q ; # x"\n', 'k = a \\\n b\n', '\xef\xbb\xbf',
    );
    let listed = 0;
    let refused = 0;
    fc.assert(
      fc.property(fc.array(token, { maxLength: 30 }), (tokens) => {
        const { git, ours } = compare({ local: Buffer.from(LOCAL + tokens.join(''), 'latin1') }, usual);
        // Nothing here is left to git on purpose: where git lists, ours lists the same.
        if (git !== null) expect(ours).toBe(git);
        if (git === null) refused++;
        else listed++;
      }),
      { numRuns: 200 },
    );
    // Both kinds were tried, not only files git refuses.
    expect(listed).toBeGreaterThan(20);
    expect(refused).toBeGreaterThan(20);
  });
});

describe('which files, in which order, with which scope', () => {
  it('system, XDG, ~/.gitconfig, the repository, last one wins', () => {
    const out = same(
      {
        system: '[user]\n\tname = System\n[ctx]\n\tfrom = system\n',
        xdg: '[user]\n\tname = Xdg\n[ctx]\n\tfrom = xdg\n',
        global: '[user]\n\tname = Global\n\temail = g@example.com\n',
        local: LOCAL + '[user]\n\tname = Local\n',
      },
      usual,
      PRODUCT,
    );
    expect(out).toContain('system\0user.name\nSystem\0');
    expect(out.indexOf('global\0user.name\nXdg')).toBeLessThan(out.indexOf('global\0user.name\nGlobal'));
  });

  it('GIT_CONFIG_NOSYSTEM as git reads a boolean; GIT_CONFIG_GLOBAL; XDG_CONFIG_HOME; HOME unset', () => {
    const files = { system: '[ctx]\n\ts = 1\n', xdg: '[ctx]\n\tx = 1\n', global: '[ctx]\n\tg = 1\n', local: LOCAL };
    for (const v of ['1', 'true', 'yes', 'on', '0', 'false', 'no', 'off', '', '2', '-1']) same(files, (w) => ({ ...usual(w), GIT_CONFIG_NOSYSTEM: v }));
    // A value git refuses: git fails, ours asks git.
    expect(compare(files, (w) => ({ ...usual(w), GIT_CONFIG_NOSYSTEM: 'maybe' })).ours).toBeNull();
    same(files, (w) => {
      const other = join(w.root, 'other-global');
      writeFileSync(other, '[ctx]\n\tother = 1\n');
      return { ...usual(w), GIT_CONFIG_GLOBAL: other };
    });
    same(files, (w) => ({ ...usual(w), GIT_CONFIG_GLOBAL: '' }));
    same(files, (w) => ({ ...usual(w), GIT_CONFIG_SYSTEM: '' }));
    same(files, (w) => ({ ...usual(w), GIT_CONFIG_GLOBAL: join(w.root, 'missing') }));
    same(files, (w) => {
      const xdg = join(w.root, 'xdg');
      mkdirSync(join(xdg, 'git'), { recursive: true });
      writeFileSync(join(xdg, 'git', 'config'), '[ctx]\n\tfromXdgHome = 1\n');
      return { ...usual(w), XDG_CONFIG_HOME: xdg };
    });
    same(files, (w) => ({ ...usual(w), HOME: undefined }));
  });

  it('config.worktree only when extensions.worktreeConfig is on, and a linked worktree\'s own', () => {
    const wt = '[ctx]\n\tbranch = from-worktree\n[user]\n\tname = Worktree\n';
    same({ local: LOCAL + '[ctx]\n\tbranch = local\n', worktree: wt });
    for (const on of ['true', 'TRUE', 'yes', '1', 'false', '0', '']) {
      same({ local: `[core]\n\trepositoryformatversion = 1\n[extensions]\n\tworktreeConfig = ${on}\n[ctx]\n\tbranch = local\n`, worktree: wt });
    }
    same({ local: '[core]\n\trepositoryformatversion = 1\n[extensions]\n\tworktreeConfig\n', worktree: wt });
    // Repository format 0 knows the extension too; the user's global file does not turn it on.
    same({ local: '[core]\n\trepositoryformatversion = 0\n[extensions]\n\tworktreeConfig = true\n', worktree: wt });
    same({ global: '[extensions]\n\tworktreeConfig = true\n', local: LOCAL, worktree: wt });
    // In a linked worktree, its own config.worktree (under .git/worktrees/<name>).
    const w = world({});
    const env = usual(w);
    execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@e', 'commit', '-q', '--allow-empty', '-m', 'x'], { cwd: w.repo, env: env as NodeJS.ProcessEnv });
    execFileSync('git', ['config', 'extensions.worktreeConfig', 'true'], { cwd: w.repo, env: env as NodeJS.ProcessEnv });
    execFileSync('git', ['config', 'core.repositoryformatversion', '1'], { cwd: w.repo, env: env as NodeJS.ProcessEnv });
    const linked = join(w.root, 'linked');
    execFileSync('git', ['worktree', 'add', '-q', '-b', 'side', linked], { cwd: w.repo, env: env as NodeJS.ProcessEnv });
    execFileSync('git', ['config', '--worktree', 'ctx.branch', 'linked-own'], { cwd: linked, env: env as NodeJS.ProcessEnv });
    execFileSync('git', ['config', '--worktree', 'ctx.branch', 'main-own'], { cwd: w.repo, env: env as NodeJS.ProcessEnv });
    for (const cwd of [linked, w.repo]) {
      const git = viaGit(cwd, env, EVERY);
      expect(git).toContain('worktree\0ctx.branch');
      expect(inProcess(cwd, env, EVERY)).toBe(git);
    }
  });

  it('the command line\'s settings: GIT_CONFIG_COUNT, GIT_CONFIG_PARAMETERS as git -c passes them', () => {
    const files = { global: '[user]\n\tname = Global\n', local: LOCAL + '[user]\n\tname = Local\n' };
    same(files, (w) => ({ ...usual(w), GIT_CONFIG_COUNT: '3', GIT_CONFIG_KEY_0: 'User.Name', GIT_CONFIG_VALUE_0: 'From Env', GIT_CONFIG_KEY_1: 'ctx.Sub.Key', GIT_CONFIG_VALUE_1: '', GIT_CONFIG_KEY_2: 'ctx.x', GIT_CONFIG_VALUE_2: 'caf\u00e9' }));
    same(files, (w) => ({ ...usual(w), GIT_CONFIG_COUNT: '0' }));
    // What git -c hands to the processes it starts, captured from git itself.
    const w0 = world(files);
    const passed = execFileSync('git', ['-c', 'user.name=It\'s "me"', '-c', 'ctx.flag', '-c', 'ctx.Sub.Case=x=y', '-c', 'ctx.bang=a!b', '-c', 'alias.penv=!printenv GIT_CONFIG_PARAMETERS', 'penv'], { cwd: w0.repo, env: usual(w0) as NodeJS.ProcessEnv, encoding: 'utf8' }).replace(/\n$/, '');
    for (const params of [passed, "'user.name=old style'", "'ctx.bool'", "'ctx.a'='1' 'ctx.b'= 'ctx.c'='it'\\''s'", "  "]) {
      const { git, ours } = compare(files, (w) => ({ ...usual(w), GIT_CONFIG_PARAMETERS: params, GIT_CONFIG_COUNT: '1', GIT_CONFIG_KEY_0: 'user.name', GIT_CONFIG_VALUE_0: 'count first' }));
      if (git !== null) expect(ours, params).toBe(git);
    }
    // What git refuses: ours asks git.
    for (const env of [{ GIT_CONFIG_COUNT: 'x' }, { GIT_CONFIG_COUNT: '1' }, { GIT_CONFIG_COUNT: '1', GIT_CONFIG_KEY_0: 'nodot', GIT_CONFIG_VALUE_0: 'v' }, { GIT_CONFIG_PARAMETERS: "'unterminated" }, { GIT_CONFIG_PARAMETERS: "'a.b'x" }]) {
      const { git, ours } = compare(files, (w) => ({ ...usual(w), ...env }));
      expect(git, JSON.stringify(env)).toBeNull();
      expect(ours).toBeNull();
    }
  });
});

describe('left to git', () => {
  it('includes, GIT_CONFIG, relative paths, an unknown system file', () => {
    const inc = (w: ReturnType<typeof world>) => {
      writeFileSync(join(w.root, 'included'), '[user]\n\tname = Included\n');
      return usual(w);
    };
    for (const local of [`${LOCAL}[include]\n\tpath = ../../included\n`, `${LOCAL}[includeIf "gitdir:/"]\n\tpath = ../../included\n`, `${LOCAL}[Include]\n\tPath = /nonexistent\n`]) {
      const { git, ours } = compare({ local }, inc);
      expect(git).not.toBeNull();
      expect(ours).toBeNull();
    }
    expect(compare({ global: '[include]\n\tpath = x\n', local: LOCAL }, usual).ours).toBeNull();
    expect(compare({ local: LOCAL }, (w) => ({ ...usual(w), GIT_CONFIG_PARAMETERS: "'include.path'='/x'" })).ours).toBeNull();
    expect(compare({ local: LOCAL }, (w) => ({ ...usual(w), GIT_CONFIG: join(w.root, 'system-gitconfig') })).ours).toBeNull();
    expect(compare({ local: LOCAL }, (w) => ({ ...usual(w), GIT_CONFIG_GLOBAL: 'relative' })).ours).toBeNull();
    expect(compare({ local: LOCAL }, (w) => ({ ...usual(w), GIT_CONFIG_SYSTEM: `${w.root}/./system-gitconfig` })).ours).toBeNull();
    expect(compare({ local: LOCAL }, (w) => ({ ...usual(w), HOME: 'relative-home' })).ours).toBeNull();
    // No GIT_CONFIG_SYSTEM and no learned system file: git knows where its own is.
    const w = world({ local: LOCAL });
    expect(inProcess(w.repo, baseEnv(w.home), EVERY)).toBeNull();
    // Told where it is, as learned from git, the same as git.
    const system = systemConfigFromGit(asRun(spawnSync('git', systemConfigArgs, { cwd: '/', env: baseEnv(w.home) as NodeJS.ProcessEnv })));
    if (system !== null) expect(inProcess(w.repo, baseEnv(w.home), EVERY, system)).toBe(viaGit(w.repo, baseEnv(w.home), EVERY));
  });
});

const asRun = (r: ReturnType<typeof spawnSync>) => ({ stdout: r.stdout as Buffer, stderr: String(r.stderr), status: r.status });

describe("where git's system file is", () => {
  it('named by git when it holds a setting, and when it is missing; an empty one names nothing', () => {
    const root = tempDir('git-ctx-system-');
    const ask = (file: string) => systemConfigFromGit(asRun(spawnSync('git', systemConfigArgs, { cwd: root, env: { ...baseEnv(root), GIT_CONFIG_SYSTEM: file } as NodeJS.ProcessEnv })));
    const full = join(root, 'with space', "it's");
    mkdirSync(join(root, 'with space'));
    writeFileSync(full, '[ctx]\n\tk = v\n');
    expect(ask(full)).toBe(full);
    expect(ask(join(root, 'missing'))).toBe(join(root, 'missing'));
    writeFileSync(join(root, 'empty'), '');
    expect(ask(join(root, 'empty'))).toBeNull();
  });
});
