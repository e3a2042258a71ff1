/**
 * Symbol warnings where real conflicts happen: module-level code (imports, top-level values and
 * calls) and named test blocks are symbols too, and so are the stretches between top-level symbols,
 * so that code added at the same place on both sides, or a function deleted on one side where the
 * other adds one, is a symbol overlap. Real worktrees, real `git merge` as the truth.
 */
import { describe, expect, it } from 'vitest';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { addWorktree, makeRepo } from './helpers/repo.js';
import { cliOk } from './helpers/cli.js';
import { realMerge, stateCommit } from './helpers/worktree-state.js';

function edit(wt: string, path: string, fn: (text: string) => string): void {
  writeFileSync(join(wt, path), fn(readFileSync(join(wt, path), 'utf8')));
}

/** The overlap on `path` between the two worktrees, as `conflicts --json` from `wa` reports it. */
async function overlapOn(wa: string, path: string): Promise<any> {
  const json = (await cliOk(wa, ['conflicts', '--json', '--mine'])).json;
  return json.overlaps.find((o: any) => o.path === path) ?? null;
}

function truth(repo: string, wa: string, wb: string) {
  return realMerge(repo, stateCommit(repo, wa), stateCommit(repo, wb));
}

const SPEC_TS = `import { parse } from './parse.js';
import { format } from './format.js';

describe('parser', () => {
  it('parses numbers', () => {
    expect(parse('1')).toEqual([1]);
  });

  it('parses lists', () => {
    expect(parse('1,2')).toEqual([1, 2]);
  });
});
`;

const UTIL_PY = `import os
import sys

LIMIT = 10


def count(items):
    return len(items)


def mean(items):
    return sum(items) / len(items)


def test_count():
    assert count([1]) == 1
`;

const MAIN_GO = `package main

import (
	"fmt"
	"testing"
)

func TestParse(t *testing.T) {
	t.Run("empty input", func(t *testing.T) {
		fmt.Println("empty")
	})

	t.Run("one item", func(t *testing.T) {
		fmt.Println("one")
	})
}
`;

function setup() {
  const repo = makeRepo({ files: { 'test/parser.spec.ts': SPEC_TS, 'tools/util.py': UTIL_PY, 'main_test.go': MAIN_GO } });
  return { repo, wa: addWorktree(repo, 'wa'), wb: addWorktree(repo, 'wb') };
}

describe('module-level code and test blocks are symbols', () => {
  it('TypeScript: both sides add an import, and both edit the same it() block', async () => {
    const { repo, wa, wb } = setup();
    edit(wa, 'test/parser.spec.ts', (t) => t.replace("import { format } from './format.js';", "import { format } from './format.js';\nimport { lex } from './lex.js';").replace("toEqual([1]);", "toEqual([1]); // a"));
    edit(wb, 'test/parser.spec.ts', (t) => t.replace("import { format } from './format.js';", "import { format } from './format.js';\nimport { emit } from './emit.js';").replace("toEqual([1]);", "toStrictEqual([1]);"));
    expect(truth(repo, wa, wb).conflicted).toEqual(['test/parser.spec.ts']);
    const o = await overlapOn(wa, 'test/parser.spec.ts');
    expect(o).toMatchObject({ level: 'merge', levels: ['file', 'symbol', 'hunk', 'merge'] });
    // The import lines, the gap right after them where both inserted one, and the test block.
    expect(o.symbols).toEqual(['(after imports)', '(imports)', 'describe("parser").it("parses numbers")']);
  });

  it('TypeScript: edits in two different it() blocks of one describe are not a symbol overlap', async () => {
    const { repo, wa, wb } = setup();
    edit(wa, 'test/parser.spec.ts', (t) => t.replace("toEqual([1]);", "toEqual([1]); // a"));
    edit(wb, 'test/parser.spec.ts', (t) => t.replace("toEqual([1, 2]);", "toEqual([1, 2]); // b"));
    expect(truth(repo, wa, wb).clean).toBe(true);
    const o = await overlapOn(wa, 'test/parser.spec.ts');
    expect(o).toMatchObject({ level: 'file', symbols: [], merge: 'clean' });
    expect(o.a.symbols).toEqual(['describe("parser").it("parses numbers")']);
    expect(o.b.symbols).toEqual(['describe("parser").it("parses lists")']);
  });

  it('Python: both change the imports and a module constant; both add a test function at the end', async () => {
    const { repo, wa, wb } = setup();
    edit(wa, 'tools/util.py', (t) => t.replace('import sys\n', 'import sys\nimport json\n').replace('LIMIT = 10', 'LIMIT = 20') + '\n\ndef test_mean():\n    assert mean([2]) == 2\n');
    edit(wb, 'tools/util.py', (t) => t.replace('import sys\n', 'import sys\nimport re\n').replace('LIMIT = 10', 'LIMIT = 30') + '\n\ndef test_mean_empty():\n    assert mean([0]) == 0\n');
    expect(truth(repo, wa, wb).conflicted).toEqual(['tools/util.py']);
    const o = await overlapOn(wa, 'tools/util.py');
    expect(o.levels).toContain('symbol');
    expect(o.symbols).toEqual(['(after imports)', '(after test_count)', '(imports)', 'LIMIT']);
  });

  it('Go: both change the imports and the same t.Run subtest; another subtest alone is no overlap', async () => {
    const { repo, wa, wb } = setup();
    edit(wa, 'main_test.go', (t) => t.replace('\t"fmt"\n', '\t"fmt"\n\t"os"\n').replace('fmt.Println("empty")', 'fmt.Println("empty", 1)'));
    edit(wb, 'main_test.go', (t) => t.replace('\t"fmt"\n', '\t"fmt"\n\t"io"\n').replace('fmt.Println("empty")', 'fmt.Println("empty", 2)'));
    expect(truth(repo, wa, wb).conflicted).toEqual(['main_test.go']);
    const o = await overlapOn(wa, 'main_test.go');
    expect(o.symbols).toEqual(['(imports)', 'TestParse.t.Run("empty input")']);

    edit(wa, 'main_test.go', () => MAIN_GO.replace('fmt.Println("one")', 'fmt.Println("one", 1)'));
    edit(wb, 'main_test.go', () => MAIN_GO.replace('fmt.Println("empty")', 'fmt.Println("empty", 2)'));
    expect(truth(repo, wa, wb).clean).toBe(true);
    expect(await overlapOn(wa, 'main_test.go')).toMatchObject({ level: 'file', symbols: [] });
  });
});

describe('a function deleted on one side', () => {
  it('meets an edit of it, and a function added right where it was', async () => {
    const { repo, wa, wb } = setup();
    const wc = addWorktree(repo, 'wc');
    edit(wa, 'tools/util.py', (t) => t.replace('def mean(items):\n    return sum(items) / len(items)\n\n\n', ''));
    edit(wb, 'tools/util.py', (t) => t.replace('return sum(items) / len(items)', 'return sum(items) / max(1, len(items))'));
    edit(wc, 'tools/util.py', (t) => t.replace('def test_count', 'def median(items):\n    return sorted(items)[len(items) // 2]\n\n\ndef test_count'));
    const json = (await cliOk(wa, ['conflicts', '--json', '--mine'])).json;
    const key = (wt: string) => json.sessions.find((s: any) => s.worktree === wt).key;
    const withSide = (wt: string) => json.overlaps.find((o: any) => o.path === 'tools/util.py' && (o.a.key === key(wt) || o.b.key === key(wt)));
    // Deleted vs edited: the same function, and a real conflict (modify/delete of its lines).
    expect(truth(repo, wa, wb).conflicted).toEqual(['tools/util.py']);
    expect(withSide(wb).symbols).toContain('mean');
    // Deleted vs a function added right after it: no function in common, the same place in the module.
    expect(truth(repo, wa, wc).conflicted).toEqual(['tools/util.py']);
    expect(withSide(wc)).toMatchObject({ level: 'merge' });
    expect(withSide(wc).symbols).toEqual(['(after mean)']);
  });
});

describe('long symbols', () => {
  const body = (n: number) => Array.from({ length: n }, (_, i) => `    v${i + 1} = x + ${i + 1}\n`).join('');
  const CODE_PY = `def short(x):\n${body(12)}    return x\n\n\ndef long(x):\n${body(80)}    return x\n`;
  const line = (t: string, fn: string, v: string, to: string) => {
    const at = t.indexOf(`def ${fn}(`);
    return t.slice(0, at) + t.slice(at).replace(`    ${v} = `, `    ${v} = ${to} + `);
  };

  it('a long function edited far apart is two places; near edits, or both ends of a short one, are one', async () => {
    const repo = makeRepo({ files: { 'calc.py': CODE_PY } });
    const [wa, wb] = [addWorktree(repo, 'wa'), addWorktree(repo, 'wb')];
    // 65 lines apart in an 82-line function: git merges them, and no symbol is common.
    edit(wa, 'calc.py', (t) => line(t, 'long', 'v5', 'a'));
    edit(wb, 'calc.py', (t) => line(t, 'long', 'v70', 'b'));
    expect(truth(repo, wa, wb).clean).toBe(true);
    const far = await overlapOn(wa, 'calc.py');
    expect(far).toMatchObject({ level: 'file', symbols: [], merge: 'clean' });
    expect(far.a.symbols).toEqual(['long']);
    expect(far.b.symbols).toEqual(['long']);
    // 9 lines apart: the same place of it.
    edit(wb, 'calc.py', () => line(CODE_PY, 'long', 'v15', 'b'));
    expect(truth(repo, wa, wb).clean).toBe(true);
    expect(await overlapOn(wa, 'calc.py')).toMatchObject({ level: 'symbol', symbols: ['long'], merge: 'clean' });
    // A 14-line function is one place, however far apart the edits in it.
    edit(wa, 'calc.py', () => line(CODE_PY, 'short', 'v1', 'a'));
    edit(wb, 'calc.py', () => line(CODE_PY, 'short', 'v12', 'b'));
    expect(truth(repo, wa, wb).clean).toBe(true);
    expect(await overlapOn(wa, 'calc.py')).toMatchObject({ level: 'symbol', symbols: ['short'], merge: 'clean' });
  });
});
