/**
 * Symbols of source files: the functions, methods, classes (and interfaces, structs, traits, impls,
 * enums, modules, type aliases) of TypeScript/JavaScript, Python, Go, Rust and Java files, with their
 * line spans and qualified names, and which of them enclose a set of changed lines.
 *
 * Pure as far as callers can tell: give it a path (for the language) and the text; no git, no files of
 * the repository. The parser (tree-sitter in WebAssembly) is loaded on the first call that needs it.
 *
 *     await listSymbols('src/a.ts', text)                         // every symbol, in source order
 *     await symbolsAt('src/a.ts', text, [{ start: 10, end: 14 }]) // the innermost symbol of each line
 *
 * Both return null when the language is not supported (or the file is over `maxBytes`, or `stop` ended
 * the parse), so callers can tell "no symbol here" from "cannot say".
 */
import { languageOf } from './languages.js';
import { enclosingSymbols, nestDefinitions, type CodeSymbol, type LineRange } from './nest.js';

export type { BaseChange, CodeSymbol, LineRange } from './nest.js';
export type { LanguageId, SymbolKind } from './languages.js';
export { languageOf } from './languages.js';
export { enclosingEach, enclosingSymbols, gapsEach, gapsTouched, type Gap } from './nest.js';

export interface SymbolOptions {
  /** Files larger than this (bytes of UTF-16 text, roughly bytes) are not parsed: generated or minified. Default 1 MiB. */
  maxBytes?: number;
  /** Asked while parsing: true ends the parse, and the answer is null (a deadline passed). */
  stop?: () => boolean;
  /**
   * Also name what lies outside definitions, where many merge conflicts are: module-level code (the
   * imports as `(imports)`, top-level values by name, other statements as regions such as `(main)` or
   * `(top level)`), named test blocks (`describe("x").it("y")`, Go's `TestX.t.Run("y")`, test hooks),
   * and count a doc comment right above a definition as part of it. Off by default.
   */
  regions?: boolean;
}

export const DEFAULT_MAX_BYTES = 1 << 20;

/**
 * Load, all at once, the parsers the given files need (optional: listSymbols loads what it needs, but
 * one at a time, which is slower when several languages are involved).
 */
export async function prepareSymbols(paths: readonly string[]): Promise<void> {
  const langs = paths.map(languageOf).filter((l) => l !== null);
  if (!langs.length) return;
  const { loadLanguages } = await import('./engine.js');
  await loadLanguages(langs);
}

/** Every symbol of a file, in source order (parents before their members); null if the language is not supported. */
export async function listSymbols(path: string, source: string, opts: SymbolOptions = {}): Promise<CodeSymbol[] | null> {
  const lang = languageOf(path);
  if (!lang || source.length > (opts.maxBytes ?? DEFAULT_MAX_BYTES)) return null;
  const { parseDefinitions } = await import('./engine.js');
  const defs = await parseDefinitions(lang, source, opts.stop, opts.regions);
  return defs && nestDefinitions(defs);
}

/**
 * The symbols enclosing the given changed lines of a file (the innermost one for each line), in
 * source order, each once; null if the language is not supported.
 */
export async function symbolsAt(path: string, source: string, ranges: readonly LineRange[], opts: SymbolOptions = {}): Promise<CodeSymbol[] | null> {
  const all = await listSymbols(path, source, opts);
  return all && enclosingSymbols(all, ranges);
}
