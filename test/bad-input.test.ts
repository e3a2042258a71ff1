/**
 * Storage invariant 8, the hostile-input corpus: whatever is refused is refused with a one-line error
 * and exit 2, leaving the branch and the object store exactly as they were; whatever is accepted is
 * kept intact and never drives the terminal. (The basic cases — NUL on stdin, invalid UTF-8 on stdin,
 * a body one byte over, a 100k-character title, `..` topics, absolute refs, option-looking values —
 * are in cli-core.test.ts; these are the rest.)
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BIN, contextTip, ctx, ctxOk, ENV, fsck, git, makeRepo } from './helpers/repo.js';
import { cli, cliOk } from './helpers/cli.js';
import { checkBody, checkLabel, checkTitle, checkWho, checkRef } from '../src/model/validate.js';
import { safe } from '../src/model/text.js';
import { CtxError } from '../src/errors.js';

const MB10 = 10 * 1024 * 1024;
const ESC = '\u001b';
const RLO = '\u202e';

interface Refusal {
  args: string[];
  input?: string | Buffer;
  files?: Record<string, string | Buffer>;
  config?: [string, string][];
  code: string;
}

const refusals: [string, Refusal][] = [
  ['a 10 MB body on stdin', { args: ['add', '-F', '-'], input: 'x'.repeat(MB10), code: 'E_TOO_LARGE' }],
  ['a 10 MB body from a file', { args: ['add', '-F', 'big.txt'], files: { 'big.txt': 'y'.repeat(MB10) }, code: 'E_TOO_LARGE' }],
  ['an endless file', { args: ['add', '-F', '/dev/zero'], code: 'E_TOO_LARGE' }],
  ['a directory as the file', { args: ['add', '-F', 'adir'], files: { 'adir/x': 'x' }, code: 'E_FILE' }],
  ['a NUL byte in a file', { args: ['add', '-F', 'nul.txt'], files: { 'nul.txt': Buffer.from('ok\0no') }, code: 'E_NUL' }],
  ['an overlong UTF-8 encoding', { args: ['add', '-F', '-'], input: Buffer.from([0x2f, 0xc0, 0xaf]), code: 'E_ENCODING' }],
  ['a UTF-8-encoded surrogate', { args: ['add', '-F', '-'], input: Buffer.from([0x61, 0xed, 0xa0, 0x80]), code: 'E_ENCODING' }],
  ['UTF-8 cut short', { args: ['add', '-F', '-'], input: Buffer.from([0x61, 0xe2, 0x82]), code: 'E_ENCODING' }],
  ['Latin-1 text', { args: ['add', '-F', '-'], input: Buffer.from('caf\xe9', 'latin1'), code: 'E_ENCODING' }],
  ['an ANSI escape in the title', { args: ['add', '-m', 'b', '-t', `${ESC}[2J${ESC}[31mred`], code: 'E_TITLE' }],
  ['a C1 control sequence introducer in the title', { args: ['add', '-m', 'b', '-t', 'a\u009b31mb'], code: 'E_TITLE' }],
  ['a carriage return in the title', { args: ['add', '-m', 'b', '-t', 'a\rb'], code: 'E_TITLE' }],
  ['an escape in a tag', { args: ['add', '-m', 'b', '--tag', `${ESC}]0;title${ESC}\\`], code: 'E_LABEL' }],
  ['a tag that is ..', { args: ['add', '-m', 'b', '--tag', '..'], code: 'E_LABEL' }],
  ['a tag with a backslash', { args: ['add', '-m', 'b', '--tag', 'a\\..\\b'], code: 'E_LABEL' }],
  ['an absolute topic', { args: ['add', '-m', 'b', '--topic', '/etc'], code: 'E_LABEL' }],
  ['a 100k-character topic', { args: ['add', '-m', 'b', '--topic', 't'.repeat(100_000)], code: 'E_LABEL' }],
  ['33 tags', { args: ['add', '-m', 'b', ...Array.from({ length: 33 }, (_, i) => ['--tag', `t${i}`]).flat()], code: 'E_LABEL' }],
  ['a Windows absolute ref', { args: ['add', '-m', 'b', '--ref', 'C:\\Windows\\system32'], code: 'E_REF' }],
  ['a UNC ref', { args: ['add', '-m', 'b', '--ref', '\\\\server\\share'], code: 'E_REF' }],
  ['a ref made only of ..', { args: ['add', '-m', 'b', '--ref', './..'], code: 'E_REF' }],
  ['an empty ref', { args: ['add', '-m', 'b', '--ref', ''], code: 'E_REF' }],
  ['an escape in a ref', { args: ['add', '-m', 'b', '--ref', `src/${ESC}[1m.ts`], code: 'E_REF' }],
  ['an escape in --to', { args: ['add', '-m', 'b', '--to', `${ESC}[8m`], code: 'E_WHO' }],
  ['an id that is an absolute path', { args: ['show', '/etc/passwd'], code: 'E_BAD_ID' }],
  ['an id that is ..', { args: ['show', '..'], code: 'E_BAD_ID' }],
  ['an id that looks like an option', { args: ['show', '--', '--upload-pack=touch x'], code: 'E_BAD_ID' }],
  ['a kind with an escape', { args: ['add', '-m', 'b', '-k', `${ESC}[31mnote`], code: 'E_KIND' }],
  ['a branch name with ..', { args: ['add', '-m', 'b'], config: [['ctx.branch', '../../evil']], code: 'E_CONFIG' }],
  ['a branch name that looks like an option', { args: ['add', '-m', 'b'], config: [['ctx.branch', '--orphan']], code: 'E_CONFIG' }],
  ['a --since that looks like an option', { args: ['log', '--since', '--all'], code: 'E_WHEN' }],
  ['a negative --older-than', { args: ['gc', '--older-than', '-5d'], code: 'E_WHEN' }],
  ['an --older-than in the future', { args: ['gc', '--older-than', '2999-01-01'], code: 'E_WHEN' }],
  ['a ctx.maxBodyBytes that is no number', { args: ['add', '-m', 'b'], config: [['ctx.maxBodyBytes', 'lots']], code: 'E_CONFIG' }],
  ['a ctx.maxBodyBytes of 0', { args: ['add', '-m', 'b'], config: [['ctx.maxBodyBytes', '0']], code: 'E_CONFIG' }],
  ['a negative ctx.maxBodyBytes', { args: ['add', '-m', 'b'], config: [['ctx.maxBodyBytes', '-1']], code: 'E_CONFIG' }],
  ['a ctx.maxBodyBytes with a unit git does not know', { args: ['add', '-m', 'b'], config: [['ctx.maxBodyBytes', '10kb']], code: 'E_CONFIG' }],
];

describe('refused input changes nothing', () => {
  // One repository for the whole table: a case that wrote anything would show as a moved tip or new
  // objects, whichever case ran before it. Input on stdin goes through a process (bin.ts reads it, and
  // stops reading an endless one); the rest runs in this one.
  let repo = '';
  beforeAll(async () => {
    repo = makeRepo();
    await cliOk(repo, ['add', '-m', 'existing']);
  });

  it.each(refusals)('%s: exit 2, one line, the branch and the objects unchanged', async (_name, c) => {
    for (const [path, content] of Object.entries(c.files ?? {})) {
      mkdirSync(join(repo, path, '..'), { recursive: true });
      writeFileSync(join(repo, path), content);
    }
    for (const [k, v] of c.config ?? []) git(repo, ['config', k, v]);
    const tip = contextTip(repo);
    const objects = git(repo, ['count-objects']);
    try {
      const r = await (c.input === undefined ? cli : ctx)(repo, [c.args[0]!, '--json', ...c.args.slice(1)], { input: c.input });
      expect(r.code).toBe(2);
      expect(r.json.error.code).toBe(c.code);
      const lines = r.stderr.split('\n').filter(Boolean);
      expect(lines[0]).toMatch(/^git-ctx: \S/);
      expect(lines.slice(1).every((l) => l.startsWith('hint: '))).toBe(true);
      expect(r.stderr).not.toContain(ESC); // the error quotes the input, neutralised
      expect(contextTip(repo)).toBe(tip);
      expect(git(repo, ['count-objects'])).toBe(objects);
    } finally {
      for (const [k] of c.config ?? []) git(repo, ['config', '--unset', k]);
    }
  });
});

describe('arguments that are not UTF-8', () => {
  // Node decodes arguments lossily; the bytes are given by the shell, as a user's terminal would.
  const run = (repo: string, printf: string) =>
    spawnSync('sh', ['-c', `exec "${process.execPath}" "${BIN}" add --json -m "$(printf '${printf}')"`], { cwd: repo, env: ENV, encoding: 'utf8' });

  it('are refused (exit 2, E_ENCODING, nothing written), as the same bytes are through -F', async () => {
    const repo = makeRepo();
    await cliOk(repo, ['add', '-m', 'existing']);
    const tip = contextTip(repo);
    const objects = git(repo, ['count-objects']);
    for (const bytes of ['caf\\351', 'a\\300\\257b', 'cut \\342\\202']) {
      const r = run(repo, bytes);
      expect(r.status, r.stderr).toBe(2);
      expect(JSON.parse(r.stdout).error.code).toBe('E_ENCODING');
      expect(r.stderr).toMatch(/^git-ctx: argument 4 is not valid UTF-8 text\nhint: /);
    }
    const viaFile = await ctx(repo, ['add', '--json', '-F', '-'], { input: Buffer.from('caf\xe9', 'latin1') });
    expect(viaFile.json.error.code).toBe('E_ENCODING');
    expect(contextTip(repo)).toBe(tip);
    expect(git(repo, ['count-objects'])).toBe(objects);
  });

  it('a real U+FFFD (valid UTF-8) is text like any other', () => {
    const repo = makeRepo();
    const r = run(repo, 'x \\357\\277\\275 y');
    expect(r.status, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).entry.body).toBe('x \ufffd y');
  });
});

describe('accepted input is kept intact and printed safely', () => {
  it('keeps CRLF, emoji and right-to-left text byte for byte, and prints them as they are', async () => {
    const repo = makeRepo();
    const body = 'first line\r\nשלום עולם\r\nمرحبا بالعالم 👋🏽 👨‍👩‍👧\r\n';
    const title = 'עדכון 🚀 تحديث';
    const add = await ctxOk(repo, ['add', '--json', '-t', title, '--topic', 'יומן', '--tag', 'émoji🎉', '--tag', 'عربي', '-F', '-'], { input: body });
    expect(add.json.entry).toMatchObject({ title, body, topic: 'יומן', tags: ['émoji🎉', 'عربي'] });
    const blob = execFileSync('git', ['cat-file', 'blob', `context:${add.json.entry.path}`], { cwd: repo, env: ENV });
    expect(blob.subarray(blob.length - Buffer.byteLength(body)).equals(Buffer.from(body))).toBe(true);
    const show = await cliOk(repo, ['show', add.json.id]);
    expect(show.stdout).toContain(title);
    expect(show.stdout).toContain('שלום עולם');
    expect(show.stdout).toContain('👨‍👩‍👧');
    const fromBody = await cliOk(repo, ['add', '--json', '-F', '-'], { input: body });
    expect(fromBody.json.entry.title).toBe('first line'); // no stray \r from the CRLF
    expect((await cliOk(repo, ['search', '--json', 'עולם'])).json.total).toBe(2);
    fsck(repo);
  });

  it('stores bidi overrides and C1 controls as given, and never prints them raw', async () => {
    const repo = makeRepo();
    const title = `invoice ${RLO}fdp.exe`;
    const body = `access ${RLO}level = "user"\u2066 // admin only\u2069\nC1 \u009b31m red\n`;
    const add = await cliOk(repo, ['add', '--json', '-t', title, '-m', body, '--agent', `a${RLO}b`]);
    expect(add.json.entry).toMatchObject({ title, body });
    for (const args of [['show', add.json.id], ['log'], ['search', 'invoice']]) {
      const r = await cliOk(repo, args);
      expect(r.stdout).not.toMatch(/[\u202a-\u202e\u2066-\u2069\u0080-\u009f\u001b]/);
      expect(r.stdout).toContain('\\u202e');
    }
    const show = await cliOk(repo, ['show', add.json.id]);
    expect(show.stdout).toContain('\\x9b31m');
    expect(show.stdout).toContain('\\u2066');
    // Errors that quote input neutralise it too.
    const bad = await cli(repo, ['add', '-m', 'x', '-k', `note${RLO}`]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('note\\u202e');
  });

  it('treats option-looking and path-looking names as text: nothing becomes an option or a path', async () => {
    const repo = makeRepo();
    const r = await cliOk(repo, ['add', '--json', '-m', 'b', '--to', '--upload-pack=x', '--session', '../../../etc/passwd', '--agent', '-rf']);
    expect(r.json.entry).toMatchObject({ to: '--upload-pack=x', session: '../../../etc/passwd', agent: '-rf' });
    expect((await cliOk(repo, ['log', '--json', '--session', '../../../etc/passwd'])).json.entries).toHaveLength(1);
    expect((await cliOk(repo, ['log', '--json', '--agent', '-rf'])).json.entries).toHaveLength(1);
    // The only paths on the branch are the entry and the branch's own files.
    const paths = git(repo, ['ls-tree', '-r', '--name-only', 'context']).split('\n');
    expect(paths).toEqual(['.ctx-format', 'README.md', r.json.entry.path]);
  });

  it("reads ctx.maxBodyBytes with git's units (1k is 1024 bytes)", async () => {
    const repo = makeRepo();
    git(repo, ['config', 'ctx.maxBodyBytes', '1k']);
    await cliOk(repo, ['add', '-m', 'y'.repeat(1024)]);
    const over = await cli(repo, ['add', '--json', '-m', 'y'.repeat(1025)]);
    expect(over.code).toBe(2);
    expect(over.json.error.code).toBe('E_TOO_LARGE');
  });

  it('takes a 10 MB body when ctx.maxBodyBytes allows it, redacting a secret at its very end', async () => {
    const repo = makeRepo();
    git(repo, ['config', 'ctx.maxBodyBytes', String(16 * 1024 * 1024)]);
    const token = ['gh', 'p_', 'aZ3bY4cX5dW6eV7fU8gT9hS0iR1jQ2kP3lO4'].join('');
    const lines = Math.floor(MB10 / 26);
    const body = `${'log line 0123456789abcdef\n'.repeat(lines)}${token}\n`;
    const r = await ctxOk(repo, ['add', '--json', '-t', 'big', '-F', '-'], { input: body });
    expect(r.json.redactions).toEqual([{ kind: 'github-pat', field: 'body', line: lines + 1, column: 1 }]);
    expect(r.json.entry.body.length).toBe(body.length - token.length + '[REDACTED:github-pat]'.length);
    fsck(repo);
  });
});

describe('the rules underneath', () => {
  const code = (fn: () => unknown) => {
    try {
      fn();
      return null;
    } catch (e) {
      return e instanceof CtxError ? e.code : String(e);
    }
  };

  it.each([
    ['a lone high surrogate in a body', () => checkBody('a\ud800b')],
    ['a lone low surrogate in a title', () => checkTitle('\udc00')],
    ['a reversed pair in a tag', () => checkLabel('\udc00\ud800', 'tag')],
    ['a lone surrogate in a ref', () => checkRef('src/\ud83d.ts')],
    ['a lone surrogate in --to', () => checkWho('\ud83d')],
  ])('refuses %s as not Unicode text (E_ENCODING)', (_name, fn) => {
    expect(code(fn)).toBe('E_ENCODING');
  });

  it('accepts surrogate pairs (emoji) everywhere', () => {
    expect(checkBody('😀')).toBe('😀');
    expect(checkTitle('😀 title')).toBe('😀 title');
    expect(checkLabel('😀', 'tag')).toBe('😀');
  });

  it.each([
    ['ANSI colour', `${ESC}[31mred${ESC}[0m`, '\\x1b[31mred\\x1b[0m'],
    ['an OSC title change', `${ESC}]0;pwned\u0007`, '\\x1b]0;pwned\\x07'],
    ['a C1 CSI', '\u009b2J', '\\x9b2J'],
    ['a right-to-left override', `a${RLO}b`, 'a\\u202eb'],
    ['isolates and marks', '\u2066x\u2069\u200f\u061c', '\\u2066x\\u2069\\u200f\\u061c'],
    ['Hebrew, Arabic and emoji, untouched', 'שלום مرحبا 👋🏽', 'שלום مرحبا 👋🏽'],
    ['tabs and newlines, kept', 'a\tb\nc', 'a\tb\nc'],
  ])('safe() neutralises %s', (_name, input, want) => {
    expect(safe(input)).toBe(want);
  });
});
