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
 * Both return null when the language is not supported (or the file is over `maxBytes`), so callers can
 * tell "no symbol here" from "cannot say".
 */
import { languageOf } from './languages.js';
import { enclosingSymbols, nestDefinitions, type CodeSymbol, type LineRange } from './nest.js';

export type { CodeSymbol, LineRange } from './nest.js';
export type { LanguageId, SymbolKind } from './languages.js';
export { languageOf } from './languages.js';
export { enclosingSymbols } from './nest.js';

export interface SymbolOptions {
  /** Files larger than this (bytes of UTF-16 text, roughly bytes) are not parsed: generated or minified. Default 1 MiB. */
  maxBytes?: number;
}

export const DEFAULT_MAX_BYTES = 1 << 20;

/** Every symbol of a file, in source order (parents before their members); null if the language is not supported. */
export async function listSymbols(path: string, source: string, opts: SymbolOptions = {}): Promise<CodeSymbol[] | null> {
  const lang = languageOf(path);
  if (!lang || source.length > (opts.maxBytes ?? DEFAULT_MAX_BYTES)) return null;
  const { parseDefinitions } = await import('./engine.js');
  return nestDefinitions(await parseDefinitions(lang, source));
}

/**
 * The symbols enclosing the given changed lines of a file (the innermost one for each line), in
 * source order, each once; null if the language is not supported.
 */
export async function symbolsAt(path: string, source: string, ranges: readonly LineRange[], opts: SymbolOptions = {}): Promise<CodeSymbol[] | null> {
  const all = await listSymbols(path, source, opts);
  return all && enclosingSymbols(all, ranges);
}
