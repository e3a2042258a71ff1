/**
 * `git ctx --help` is `git help ctx`: git runs `man git-ctx`. The page is built from the program that
 * prints -h, and installed by npm from package.json's "man".
 */
import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, symlinkSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BIN, ENV, makeRepo, tempDir } from './helpers/repo.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');

describe('the manual page', () => {
  it('is what `git ctx --help` shows, through git and man, and names every command and option -h names', () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
    const page = join(ROOT, pkg.man[0]);
    expect(readFileSync(page, 'utf8')).toMatch(/^\.TH GIT\\-CTX 1/);

    // What npm does on install: git-ctx on PATH, the page in <prefix>/share/man/man1.
    const prefix = tempDir();
    mkdirSync(join(prefix, 'bin'));
    mkdirSync(join(prefix, 'share/man/man1'), { recursive: true });
    symlinkSync(BIN, join(prefix, 'bin/git-ctx'));
    symlinkSync(page, join(prefix, 'share/man/man1/git-ctx.1'));
    const repo = makeRepo();
    const env = { ...ENV, PATH: `${join(prefix, 'bin')}:${ENV.PATH}`, MANPATH: join(prefix, 'share/man'), MANPAGER: 'cat', PAGER: 'cat', MANWIDTH: '200', GIT_PAGER: 'cat' };
    const shown = execFileSync('git', ['ctx', '--help'], { cwd: repo, env, encoding: 'utf8' }).replace(/.\x08/g, '');

    const top = execFileSync(BIN, ['-h'], { cwd: repo, env, encoding: 'utf8' });
    const commands = [...top.matchAll(/^ {2}([a-z][a-z-]*) /gm)].map((m) => m[1]!).filter((c) => c !== 'help');
    expect(commands.length).toBeGreaterThan(15);
    for (const c of commands) {
      expect(shown).toContain(`git ctx ${c}`);
      const options = [...execFileSync(BIN, [c, '-h'], { cwd: repo, env, encoding: 'utf8' }).matchAll(/^ {2}(?:-\w, )?(--[a-z-]+)/gm)].map((m) => m[1]!);
      for (const o of options) if (o !== '--help') expect(shown, `${c} ${o}`).toContain(o);
    }
    expect(shown).toMatch(/EXIT STATUS/);
  });
});
