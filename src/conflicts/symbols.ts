/**
 * Which functions, methods, classes, test blocks and module-level regions a change touches, through
 * src/symbols (tree-sitter). A side's symbols are those enclosing the base lines it changed and the
 * module-level gaps its changes touch (in the base text), and those enclosing the lines it wrote (in
 * its own text), so that a function added, edited or deleted all count, and code added between two
 * functions meets code added or deleted at the same place. Each blob is parsed once per
 * run, whatever the number of pairs it appears in.
 */
import { enclosingSymbols, gapsTouched, languageOf, listSymbols, type BaseChange, type CodeSymbol, type LineRange } from '../symbols/index.js';
import { newRange, oldRange, type Hunk } from './hunks.js';

export class SymbolCache {
  private readonly parsed = new Map<string, Promise<CodeSymbol[] | null>>();

  /** `stop`: asked while parsing; true ends the parse (a deadline passed) and the symbols are unknown. */
  constructor(private readonly stop?: () => boolean) {}

  /**
   * Start loading the parser and the grammars these paths need, without waiting: the WebAssembly
   * compiles while git works on something else (merges), instead of after it.
   */
  static prepare(paths: Iterable<string>): void {
    const byLanguage = new Map<string, string>();
    for (const p of paths) {
      const lang = languageOf(p);
      if (lang && !byLanguage.has(lang)) byLanguage.set(lang, p);
    }
    for (const p of byLanguage.values()) listSymbols(p, '').catch(() => null);
  }

  /** Whether symbols are extracted for this path's language at all. */
  static supports(path: string): boolean {
    return languageOf(path) !== null;
  }

  private symbolsOf(path: string, oid: string, text: string): Promise<CodeSymbol[] | null> {
    const key = `${languageOf(path)}:${oid}`;
    let p = this.parsed.get(key);
    if (!p) {
      p = listSymbols(path, text, { stop: this.stop, regions: true }).catch(() => null);
      this.parsed.set(key, p);
    }
    return p;
  }

  /**
   * Qualified names of the symbols the hunks touch, sorted; null when the language is not supported or
   * a text is missing (binary, too large).
   */
  async changed(opts: { basePath: string; path: string; base: { oid: string; text: string } | null; side: { oid: string; text: string } | null; hunks: readonly Hunk[] }): Promise<string[] | null> {
    if (!languageOf(opts.path) && !languageOf(opts.basePath)) return null;
    const names = new Set<string>();
    const collect = async (path: string, blob: { oid: string; text: string } | null, ranges: LineRange[], changes: BaseChange[]) => {
      if (!blob || (!ranges.length && !changes.length) || !languageOf(path)) return true;
      const all = await this.symbolsOf(path, blob.oid, blob.text);
      if (!all) return false;
      for (const s of enclosingSymbols(all, ranges)) names.add(s.qualifiedName);
      for (const g of gapsTouched(all, changes)) names.add(g);
      return true;
    };
    // In the base: what the changed lines were in, and the module-level gaps the changes touch.
    const okBase = await collect(opts.basePath, opts.base, opts.hunks.map(oldRange).filter((r): r is LineRange => r !== null), opts.hunks.map((h) => ({ start: h[0], lines: h[1], written: h[3] })));
    // In the side's own text: what the written lines are in (a function added, or edited).
    const okSide = await collect(opts.path, opts.side, opts.hunks.map(newRange).filter((r): r is LineRange => r !== null), []);
    if (!okBase && !okSide) return null;
    return [...names].sort();
  }
}
