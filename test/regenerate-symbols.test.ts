/**
 * Symbols on both sides of a diff, on real repositories: removed functions and the old names of renamed
 * ones are listed, a deletion belongs to what it deleted, a doc comment to what it documents.
 */
import { describe, expect, it } from 'vitest';
import { git, makeRepo, writeFiles } from './helpers/repo.js';
import { cliOk } from './helpers/cli.js';

const STORE = `/** A key-value store. */
export class Store {
  /** Saves a key. */
  save(key: string): void {
    console.log(key);
  }

  /** Loads a key. */
  load(key: string): string {
    return key;
  }

  fetch(key: string): string {
    const value = key.trim();
    return value.toUpperCase();
  }

  clear(): void {
    console.log('clear');
  }
}

export function helper(n: number): number {
  return n + 1;
}
`;

const PARSER = `class Parser:
    def parse(self, text):
        return text.split()

    def close(self):
        pass


def tokenize(text):
    return list(text)
`;

type Sym = { path: string; oldPath?: string; symbols: { change: string; qualifiedName: string; from?: string; kind: string; side: string; startLine: number }[] };
const changes = (symbols: Sym[]) => Object.fromEntries(symbols.map((f) => [f.path, f.symbols.map((s) => `${s.change} ${s.kind} ${s.qualifiedName}${s.from ? ` from ${s.from}` : ''}`)]));

async function regen(repo: string): Promise<{ symbols: Sym[]; body: string }> {
  const r = await cliOk(repo, ['regenerate', '--json', '--dry-run']);
  return r.json;
}

describe('symbols on both sides', () => {
  it('removed, renamed (old -> new) and added, committed and uncommitted', async () => {
    const repo = makeRepo({ files: { 'src/store.ts': STORE, 'src/parser.py': PARSER, 'src/gone.ts': 'export function gone(): number {\n  return 1;\n}\n' } });
    git(repo, ['checkout', '-q', '-b', 'feature']);
    // Committed: fetch renamed to get (body unchanged), helper removed, a new function added.
    writeFiles(repo, { 'src/store.ts': STORE.replace('fetch(key: string)', 'get(key: string)').replace(/export function helper[\s\S]*$/, 'export function fresh(): number {\n  return 2;\n}\n') });
    git(repo, ['commit', '-qam', 'rename fetch, drop helper']);
    git(repo, ['rm', '-q', 'src/gone.ts']);
    git(repo, ['commit', '-qm', 'remove gone.ts']);
    // Uncommitted: Parser.close deleted, tokenize renamed to split_chars.
    writeFiles(repo, { 'src/parser.py': PARSER.replace('    def close(self):\n        pass\n\n', '').replace('def tokenize(text)', 'def split_chars(text)') });
    const r = await regen(repo);
    expect(changes(r.symbols)).toEqual({
      'src/gone.ts': ['removed function gone'],
      'src/parser.py': ['renamed function split_chars from tokenize', 'removed method Parser.close'],
      'src/store.ts': ['renamed method Store.get from Store.fetch', 'added function fresh', 'removed function helper'],
    });
    // Removed symbols are given with their lines in the base.
    const removed = r.symbols.find((f) => f.path === 'src/store.ts')!.symbols.find((s) => s.change === 'removed')!;
    expect([removed.side, removed.startLine]).toEqual(['base', 23]);
    expect(r.body).toContain('- `src/store.ts`: `Store.get` (method, renamed from `Store.fetch`), `fresh` (function, added), `helper` (function, removed)');
  });

  it('a pure deletion is not its neighbour\'s; a doc comment is its symbol\'s, not the class\'s', async () => {
    const repo = makeRepo({ files: { 'src/store.ts': STORE } });
    git(repo, ['checkout', '-q', '-b', 'feature']);
    // Delete Store.clear whole (lines and the blank line before it): nothing else changed.
    writeFiles(repo, { 'src/store.ts': STORE.replace("\n  clear(): void {\n    console.log('clear');\n  }\n", '') });
    expect(changes((await regen(repo)).symbols)).toEqual({ 'src/store.ts': ['removed method Store.clear'] });
    // Delete one line inside Store.fetch: fetch, and only fetch.
    writeFiles(repo, { 'src/store.ts': STORE.replace('    const value = key.trim();\n', '') });
    expect(changes((await regen(repo)).symbols)).toEqual({ 'src/store.ts': ['modified method Store.fetch'] });
    // Change a JSDoc only: the method it documents, not the class.
    writeFiles(repo, { 'src/store.ts': STORE.replace('/** Loads a key. */', '/** Loads a key, as given. */') });
    expect(changes((await regen(repo)).symbols)).toEqual({ 'src/store.ts': ['modified method Store.load'] });
    // The class's own doc comment: the class.
    writeFiles(repo, { 'src/store.ts': STORE.replace('/** A key-value store. */', '/** A key-value store in memory. */') });
    expect(changes((await regen(repo)).symbols)).toEqual({ 'src/store.ts': ['modified class Store'] });
  });
});
