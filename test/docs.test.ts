/**
 * The docs people read say what the program does: README's command table names every command `-h`
 * lists, and every relative link in README.md and docs/ leads to a file and heading that exist.
 */
import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BIN, ENV } from './helpers/repo.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const read = (f: string) => readFileSync(join(ROOT, f), 'utf8');

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces as dashes. */
function anchor(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[`*_]/g, '')
    .replace(/[^\p{L}\p{N} -]/gu, '')
    .replace(/ /g, '-');
}

function anchors(text: string): Set<string> {
  const out = new Set<string>();
  let fenced = false;
  for (const line of text.split('\n')) {
    if (/^(```|~~~)/.test(line)) fenced = !fenced;
    const m = !fenced && /^#{1,6} (.*)$/.exec(line);
    if (m) out.add(anchor(m[1]!));
  }
  return out;
}

describe('the docs', () => {
  it("README's command table names every command -h lists, and no other", () => {
    const top = execFileSync(BIN, ['-h'], { env: ENV, encoding: 'utf8' });
    const commands = [...top.matchAll(/^ {2}([a-z][a-z-]*) /gm)].map((m) => m[1]!).filter((c) => c !== 'help').sort();
    const table = [...read('README.md').matchAll(/^\| `([a-z-]+)` \|/gm)].map((m) => m[1]!).sort();
    expect(table).toEqual(commands);
  });

  it('README stays short: a newcomer reads it in five minutes', () => {
    expect(read('README.md').split('\n').length).toBeLessThanOrEqual(250);
  });

  it('every relative link in README.md and docs/ leads to a file, and a heading where it names one', () => {
    const files = ['README.md', 'bench/README.md', ...readdirSync(join(ROOT, 'docs')).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`)];
    const broken: string[] = [];
    for (const f of files) {
      const text = read(f).replace(/```[\s\S]*?```/g, '');
      for (const [, target] of text.matchAll(/\]\(([^)\s]+)\)/g)) {
        if (/^[a-z]+:/.test(target!)) continue; // https:, mailto:
        const [path, hash] = target!.split('#');
        const file = path ? resolve(dirname(join(ROOT, f)), path) : join(ROOT, f);
        if (!existsSync(file)) broken.push(`${f}: ${target} (no such file)`);
        else if (hash && file.endsWith('.md') && !anchors(readFileSync(file, 'utf8')).has(hash)) broken.push(`${f}: ${target} (no such heading)`);
      }
    }
    expect(broken).toEqual([]);
  });
});
