import { describe, expect, it } from 'vitest';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { enclosingSymbols, gapsTouched, languageOf, listSymbols, symbolsAt, type CodeSymbol } from '../src/symbols/index.js';

const FIXTURES = new URL('../fixtures/symbols/', import.meta.url);
const fixture = (name: string) => readFileSync(new URL(name, FIXTURES), 'utf8');

/** "start-end kind qualifiedName", one per symbol: compact to compare whole lists. */
const lines = (syms: CodeSymbol[] | null) => (syms ?? []).map((s) => `${s.startLine}-${s.endLine} ${s.kind} ${s.qualifiedName}`);

async function at(path: string, text: string, start: number, end = start): Promise<string[]> {
  return lines(await symbolsAt(path, text, [{ start, end }]));
}

describe('languageOf', () => {
  it.each([
    ['src/a.ts', 'typescript'],
    ['x/y.d.ts', 'typescript'],
    ['a.mts', 'typescript'],
    ['App.tsx', 'tsx'],
    ['a.js', 'javascript'],
    ['a.cjs', 'javascript'],
    ['a.jsx', 'javascript'],
    ['a.py', 'python'],
    ['a.pyi', 'python'],
    ['main.go', 'go'],
    ['lib.rs', 'rust'],
    ['A.java', 'java'],
    ['README.md', null],
    ['Makefile', null],
    ['.ts', null],
    ['dir.ts/file', null],
  ])('%s -> %s', (path, lang) => expect(languageOf(path)).toBe(lang));
});

describe('enclosingSymbols (pure)', () => {
  const sym = (qualifiedName: string, startLine: number, endLine: number, kind: CodeSymbol['kind'] = 'method'): CodeSymbol => ({ kind, name: qualifiedName.split('.').pop()!, qualifiedName, startLine, endLine });
  const symbols = [sym('C', 1, 20, 'class'), sym('C.a', 3, 8), sym('C.b', 10, 15), sym('f', 22, 30, 'function'), sym('f.g', 24, 25, 'function')];
  const names = (ranges: { start: number; end: number }[]) => enclosingSymbols(symbols, ranges).map((s) => s.qualifiedName);

  it.each([
    [[{ start: 4, end: 4 }], ['C.a']],
    [[{ start: 2, end: 2 }], ['C']],
    [[{ start: 7, end: 11 }], ['C', 'C.a', 'C.b']],
    [[{ start: 21, end: 21 }], []],
    [[{ start: 24, end: 24 }, { start: 29, end: 29 }], ['f', 'f.g']],
    [[{ start: 100, end: 120 }], []],
    [[{ start: 12, end: 10 }], ['C.b']],
    [[{ start: 0, end: 1 }], ['C']],
  ])('%j -> %j', (ranges, expected) => expect(names(ranges)).toEqual(expected));
});

describe('listSymbols on snippets: every construct of each language', () => {
  it('TypeScript', async () => {
    const src = [
      'export class Foo<T> extends Bar implements Baz {',
      '  private x = 1;',
      '  handler = (e: Event) => { return 1; };',
      '  constructor(a: number) { super(); }',
      '  get value(): number { return 1; }',
      '  static async *gen() {}',
      '}',
      'export default function () {}',
      'function top(a: string): void {}',
      'const arrow = async (x) => x;',
      'interface I { m(): void; p: string }',
      'enum E { A, B }',
      'type T = { a: string };',
      'namespace NS { export function inner() {} }',
      'abstract class Abs { abstract go(): void; }',
      'Foo.prototype.bar = function bar() {};',
      'module.exports.foo = function () {};',
      'function outer() {',
      '  function inner2() {}',
      '}',
      '@Component({})',
      'class Decorated {}',
    ].join('\n');
    expect(lines(await listSymbols('a.ts', src))).toEqual([
      '1-7 class Foo',
      '3-3 method Foo.handler',
      '4-4 method Foo.constructor',
      '5-5 method Foo.value',
      '6-6 method Foo.gen',
      '8-8 function default',
      '9-9 function top',
      '10-10 function arrow',
      '11-11 interface I',
      '11-11 method I.m',
      '12-12 enum E',
      '13-13 type T',
      '14-14 module NS',
      '14-14 function NS.inner',
      '15-15 class Abs',
      '15-15 method Abs.go',
      '16-16 method Foo.bar',
      '17-17 function foo',
      '18-20 function outer',
      '19-19 function outer.inner2',
      '21-22 class Decorated',
    ]);
  });

  it('JavaScript and TSX', async () => {
    const js = 'class A {\n  #priv = () => 1;\n  m() {}\n}\nconst o = { k: function () {}, n() {} };\nexports.run = async () => {};\n';
    expect(lines(await listSymbols('a.js', js))).toEqual(['1-4 class A', '2-2 method A.#priv', '3-3 method A.m', '5-5 function k', '5-5 function n', '6-6 function run']);
    const tsx = 'export function App(): JSX.Element {\n  return <div onClick={() => 1}>hi</div>;\n}\n';
    expect(lines(await listSymbols('App.tsx', tsx))).toEqual(['1-3 function App']);
  });

  it('Python', async () => {
    const src = ['@dataclass', 'class A(B):', '    x = 1', '    @property', '    def p(self):', '        def inner():', '            pass', '        return 1', '    async def m(self): ...', 'def top():', '    return lambda x: x', ''].join('\n');
    expect(lines(await listSymbols('a.py', src))).toEqual(['1-9 class A', '4-8 method A.p', '6-7 function A.p.inner', '9-9 method A.m', '10-11 function top']);
  });

  it('Go', async () => {
    const src = ['package p', 'type Builder struct { buf []byte }', 'type I interface { M() }', 'type Alias = int', 'type (', '\tX int', ')', 'func (b *Builder) String() string { return "" }', 'func (s *Set[T]) Add(x T) {}', 'func Top[T any](x T) {}', ''].join('\n');
    expect(lines(await listSymbols('a.go', src))).toEqual(['2-2 struct Builder', '3-3 interface I', '3-3 method I.M', '4-4 type Alias', '6-6 type X', '8-8 method Builder.String', '9-9 method Set.Add', '10-10 function Top']);
  });

  it('Rust', async () => {
    const src = [
      'mod inner {',
      '    #[derive(Debug)]',
      '    pub struct Wrapper<T>(T);',
      '    impl<T: Display> fmt::Display for Wrapper<T> {',
      '        fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result { Ok(()) }',
      '    }',
      '}',
      'pub trait Tr { fn req(&self); fn prov(&self) {} }',
      'enum E { A }',
      'macro_rules! mac { () => {} }',
      'impl crate::x::Y { fn new() -> Self { Y } }',
      '#[cfg(test)]',
      'mod tests {',
      '    #[test]',
      '    fn it_works() {}',
      '}',
    ].join('\n');
    expect(lines(await listSymbols('lib.rs', src))).toEqual([
      '1-7 module inner',
      '2-3 struct inner.Wrapper',
      '4-6 impl inner.Wrapper',
      '5-5 method inner.Wrapper.fmt',
      '8-8 trait Tr',
      '8-8 method Tr.req',
      '8-8 method Tr.prov',
      '9-9 enum E',
      '10-10 macro mac',
      '11-11 impl Y',
      '11-11 method Y.new',
      '12-16 module tests',
      '14-15 function tests.it_works',
    ]);
  });

  it('Java', async () => {
    const src = [
      'package p;',
      '@Ann',
      'public class A<T> extends B {',
      '  public A(int x) { }',
      '  public void m() {',
      '    new Runnable() { public void run() {} };',
      '  }',
      '  static class Inner { void deep() {} }',
      '  interface I { void im(); }',
      '  enum E { X; void em() {} }',
      '  record R(int a) { R { } }',
      '}',
    ].join('\n');
    expect(lines(await listSymbols('A.java', src))).toEqual([
      '2-12 class A',
      '4-4 method A.A',
      '5-7 method A.m',
      '6-6 method A.m.run',
      '8-8 class A.Inner',
      '8-8 method A.Inner.deep',
      '9-9 interface A.I',
      '9-9 method A.I.im',
      '10-10 enum A.E',
      '10-10 method A.E.em',
      '11-11 class A.R',
      '11-11 method A.R.R',
    ]);
  });

  it('keeps what it can read of broken source, and says null for what it cannot read', async () => {
    const broken = 'class Ok:\n    def fine(self):\n        return 1\n\ndef broken(:\n    pass\n';
    expect(lines(await listSymbols('b.py', broken)).slice(0, 2)).toEqual(['1-3 class Ok', '2-3 method Ok.fine']);
    expect(await listSymbols('notes.md', '# hello')).toBeNull();
    expect(await symbolsAt('notes.md', '# hello', [{ start: 1, end: 1 }])).toBeNull();
    expect(await listSymbols('big.ts', 'function f() {}\n'.repeat(100), { maxBytes: 100 })).toBeNull();
    expect(await listSymbols('empty.go', '')).toEqual([]);
  });
});

describe('real source files (fixtures/symbols, see its README)', () => {
  it('Python: CPython json/decoder.py', async () => {
    const src = fixture('decoder.py');
    const all = lines(await listSymbols('decoder.py', src));
    expect(all).toContain('254-356 class JSONDecoder');
    expect(all).toContain('284-329 method JSONDecoder.__init__');
    expect(all).toContain('69-126 function py_scanstring');
    expect(all).toHaveLength(11);
    expect(await at('decoder.py', src, 300)).toEqual(['284-329 method JSONDecoder.__init__']);
    expect(await at('decoder.py', src, 255)).toEqual(['254-356 class JSONDecoder']); // the class docstring
    expect(await at('decoder.py', src, 1, 10)).toEqual([]); // module docstring and imports
    expect(await at('decoder.py', src, 325, 335)).toEqual(['254-356 class JSONDecoder', '284-329 method JSONDecoder.__init__', '332-341 method JSONDecoder.decode']);
  });

  it('Go: strings/builder.go', async () => {
    const src = fixture('builder.go');
    const all = lines(await listSymbols('builder.go', src));
    expect(all[0]).toBe('15-18 struct Builder');
    expect(all).toContain('28-31 function noescape');
    expect(all).toContain('104-118 method Builder.WriteRune');
    expect(all.filter((l) => l.includes(' method Builder.'))).toHaveLength(11);
    expect(await at('builder.go', src, 110)).toEqual(['104-118 method Builder.WriteRune']);
  });

  it('Rust: regex src/input.rs', async () => {
    const src = fixture('input.rs');
    const all = lines(await listSymbols('input.rs', src));
    expect(all).toContain('12-18 struct InputAt'); // from its #[derive] line
    expect(all).toContain('67-102 trait Input');
    expect(all).toContain('69-69 method Input.at');
    expect(all).toContain('104-136 impl &\'a T');
    expect(all).toContain('175-205 method CharInput.is_empty_match');
    expect(await at('input.rs', src, 12)).toEqual(['12-18 struct InputAt']);
    expect(await at('input.rs', src, 300)).toEqual(['268-318 method ByteInput.is_empty_match']);
    expect(await at('input.rs', src, 1, 5)).toEqual([]);
  });

  it('Java: react-native-fs Downloader.java', async () => {
    const src = fixture('Downloader.java');
    expect(lines(await listSymbols('Downloader.java', src))).toEqual([
      '18-176 class Downloader',
      '23-40 method Downloader.doInBackground',
      '28-36 method Downloader.doInBackground.run',
      '42-152 method Downloader.download',
      '154-159 method Downloader.getContentLength',
      '161-163 method Downloader.stop',
      '165-171 method Downloader.onProgressUpdate',
      '173-175 method Downloader.onPostExecute',
    ]);
    expect(await at('Downloader.java', src, 30)).toEqual(['28-36 method Downloader.doInBackground.run']);
    expect(await at('Downloader.java', src, 19, 24)).toEqual(['18-176 class Downloader', '23-40 method Downloader.doInBackground']);
  });

  it('JavaScript: commander lib/help.js', async () => {
    const src = fixture('help.js');
    const all = lines(await listSymbols('help.js', src));
    expect(all[0]).toBe('12-730 class Help');
    expect(all).toContain('443-527 method Help.formatHelp');
    expect(all).toContain('447-449 function Help.formatHelp.callFormatItem');
    expect(await at('help.js', src, 448)).toEqual(['447-449 function Help.formatHelp.callFormatItem']);
    expect(await at('help.js', src, 444)).toEqual(['443-527 method Help.formatHelp']);
  });

  it('TypeScript: commander typings and sourcemap-codec', async () => {
    const dts = fixture('commander.d.ts');
    const all = lines(await listSymbols('commander.d.ts', dts));
    expect(all).toContain('376-1092 class Command');
    expect(all).toContain('210-339 class Help');
    expect(all).toContain('40-46 interface ErrorOptions');
    expect(all).toContain('1109-1109 function createCommand');
    expect(all.filter((l) => / method /.test(l))).toHaveLength(160);
    // Two overloads of version(): each its own symbol, one qualified name.
    expect(await at('commander.d.ts', dts, 394, 398)).toEqual(['376-1092 class Command', '394-394 method Command.version', '398-398 method Command.version']);

    const codec = fixture('sourcemap-codec.ts');
    expect(lines(await listSymbols('sourcemap-codec.ts', codec)).slice(-3)).toEqual(['89-89 function encode', '90-90 function encode', '91-127 function encode']);
    expect(await at('sourcemap-codec.ts', codec, 100)).toEqual(['91-127 function encode']);
  });

  // The JDK ships its own sources: check against them too where they are installed (not vendored:
  // GPL). Lines are found by their text, since they move between JDK updates.
  const jvms = existsSync('/usr/lib/jvm') ? readdirSync('/usr/lib/jvm').map((d) => `/usr/lib/jvm/${d}/lib/src.zip`) : [];
  const hasUnzip = spawnSync('unzip', ['-v']).status === 0;
  const srcZip = hasUnzip ? jvms.find((p) => existsSync(p)) : undefined;
  it.skipIf(!srcZip)('Java: the JDK\'s java/lang/String.java', async () => {
    const src = execFileSync('unzip', ['-p', srcZip!, 'java.base/java/lang/String.java'], { encoding: 'utf8', maxBuffer: 1 << 26 });
    const lineOf = (needle: string) => src.split('\n').findIndex((l) => l.includes(needle)) + 1;
    const valueOf = lineOf('public static String valueOf(Object obj) {');
    expect(valueOf).toBeGreaterThan(0);
    const hit = await symbolsAt('String.java', src, [{ start: valueOf + 1, end: valueOf + 1 }]);
    expect(hit).toHaveLength(1);
    expect(hit![0]).toMatchObject({ kind: 'method', name: 'valueOf', qualifiedName: 'String.valueOf', startLine: valueOf });
    const all = (await listSymbols('String.java', src))!;
    const cls = all.find((s) => s.qualifiedName === 'String')!;
    expect(cls.kind).toBe('class');
    expect(src.split('\n')[cls.endLine - 1]).toBe('}');
    expect(all.find((s) => s.qualifiedName === 'String.CaseInsensitiveComparator')?.kind).toBe('class');
    expect(all.filter((s) => s.qualifiedName === 'String.valueOf').length).toBeGreaterThanOrEqual(9);
  });
});

describe('regions: module-level code, test blocks, doc comments (listSymbols with regions: true)', () => {
  const regions = async (path: string, src: string) => lines(await listSymbols(path, src, { regions: true }));

  it('TypeScript / JavaScript', async () => {
    const src = [
      "import { a } from 'b';", // 1
      "const x = require('y');",
      'export const LIMIT = 3, OTHER = 4;',
      '/** Doc of f. */',
      'export function f() {', // 5
      '  return 1;',
      '}',
      "describe.only('parser', () => {",
      '  beforeEach(() => {});',
      "  it('parses', async () => {", // 10
      '    expect(1).toBe(1);',
      '  });',
      '});',
      "app.get('/users', (req, res) => res.send());",
      'app.use(logger);', // 15
      'module.exports = { f };',
      'if (x) start();',
      '',
    ].join('\n');
    expect(await regions('a.ts', src)).toEqual([
      '1-1 region (imports)',
      '2-2 region (imports)',
      '3-3 variable LIMIT',
      '4-7 function f',
      '8-13 test describe("parser")',
      '9-9 test describe("parser").beforeEach',
      '10-12 test describe("parser").it("parses")',
      '14-14 function app.get("/users")',
      '15-15 region (app.use)',
      '16-16 variable module.exports',
      '17-17 region (top level)',
    ]);
    // Without the option: definitions only, as before.
    expect(lines(await listSymbols('a.ts', src))).toEqual(['5-7 function f']);
  });

  it('keys of a top-level object and class fields are their own symbols; a file that does not parse has none', async () => {
    const src = ['export default {', "  html: '<p>x</p>',", '  props: {', '    a: 1,', '  },', '};', 'class C {', '  count = 0;', '  run() {', '    return 1;', '  }', '}', ''].join('\n');
    expect(await regions('a.js', src)).toEqual(['1-6 variable default', '2-2 variable default.html', '3-5 variable default.props', '7-12 class C', '8-8 variable C.count', '9-11 method C.run']);
    // JSpec, a dialect error recovery makes something of: nothing to say rather than guesses.
    const jspec = ["describe 'Express'", '  before_each', '    reset()', '  end', "  it 'works'", '    x.should.eql 1', '  end', 'end', ''].join('\n');
    expect(await listSymbols('spec.js', jspec, { regions: true })).toBeNull();
  });

  it('Python and Go', async () => {
    const py = ['"""Doc."""', 'import os', 'try:', '    import json', 'except ImportError:', '    json = None', 'LIMIT = 3', 'app.register(bp)', '# about f', 'def f():', '    pass', 'if __name__ == "__main__":', '    f()', ''].join('\n');
    expect(await regions('a.py', py)).toEqual([
      '1-1 region (docstring)',
      '2-2 region (imports)',
      '3-6 region (imports)',
      '7-7 variable LIMIT',
      '8-8 region (app.register)',
      '9-11 function f',
      '12-13 region (main)',
    ]);
    const go = ['package main', '', 'import "testing"', '', 'const (', '\tA = iota', '\tB', ')', '', 'func TestX(t *testing.T) {', '\tt.Run("empty", func(t *testing.T) {', '\t\tt.Log(1)', '\t})', '}', ''].join('\n');
    expect(await regions('a.go', go)).toEqual([
      '1-1 region (imports)',
      '3-3 region (imports)',
      '6-6 variable A',
      '7-7 variable B',
      '10-14 function TestX',
      '11-13 test TestX.t.Run("empty")',
    ]);
  });

  it('gaps between top-level symbols (pure)', () => {
    const sym = (qualifiedName: string, startLine: number, endLine: number): CodeSymbol => ({ kind: 'function', name: qualifiedName, qualifiedName, startLine, endLine });
    const symbols = [sym('(imports)', 1, 2), sym('f', 4, 8), sym('f.inner', 5, 6), sym('g', 10, 12)];
    const gaps = (start: number, lines: number, written = 1) => gapsTouched(symbols, [{ start, lines, written }]).sort();
    expect(gaps(2, 0)).toEqual(['(after imports)']); // right after the imports
    expect(gaps(9, 0)).toEqual(['(after f)']); // between f and g
    expect(gaps(6, 0)).toEqual([]); // inside f
    expect(gaps(12, 0)).toEqual(['(after g)']); // at the end
    expect(gaps(0, 0)).toEqual(['(top)']);
    expect(gaps(4, 5, 0)).toEqual(['(after f)', '(after imports)']); // f deleted whole: both sides of it
    expect(gaps(5, 1)).toEqual([]); // an edit inside f
    expect(gaps(9, 1)).toEqual(['(after f)']); // the blank line between f and g
  });
});
