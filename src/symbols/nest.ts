/**
 * From raw definitions (what the parser found, flat) to symbols with qualified names, and from changed
 * line ranges to the symbols that enclose them. Pure: no parser, no I/O.
 */
import { CONTAINER_KINDS, type SymbolKind } from './languages.js';

/** A function, method, class... in one file. Lines are 1-based and inclusive. */
export interface CodeSymbol {
  kind: SymbolKind;
  name: string;
  /** Names of the enclosing symbols and this one, joined with "." (`Class.method`, `mod.Type.fn`). */
  qualifiedName: string;
  startLine: number;
  endLine: number;
}

/** Lines of a file, 1-based and inclusive (`{ start: 3, end: 3 }` is line 3 alone). */
export interface LineRange {
  start: number;
  end: number;
}

/** One definition as the parser reports it, before nesting is known. */
export interface RawDefinition {
  kind: SymbolKind;
  name: string;
  /** A Go method's receiver type: it qualifies the name instead of the enclosing symbols. */
  receiver?: string;
  /** Byte offsets of the definition, used to decide nesting exactly (several may share a line). */
  startIndex: number;
  endIndex: number;
  startLine: number;
  endLine: number;
}

/**
 * Nest definitions by their spans and name them. A definition's parent is the innermost other one
 * that contains it; a function whose parent is a class, interface, struct, trait, impl or enum is a method.
 * Output is in source order (parents before their children).
 */
export function nestDefinitions(defs: readonly RawDefinition[]): CodeSymbol[] {
  const sorted = [...defs].sort((a, b) => a.startIndex - b.startIndex || b.endIndex - a.endIndex);
  const stack: { def: RawDefinition; sym: CodeSymbol }[] = [];
  const out: CodeSymbol[] = [];
  for (const def of sorted) {
    while (stack.length && stack[stack.length - 1]!.def.endIndex < def.endIndex) stack.pop();
    const parent = stack[stack.length - 1];
    const kind: SymbolKind = def.kind === 'function' && parent && CONTAINER_KINDS.has(parent.sym.kind) ? 'method' : def.kind;
    const qualifier = def.receiver ?? parent?.sym.qualifiedName;
    const sym: CodeSymbol = {
      kind,
      name: def.name,
      qualifiedName: qualifier ? `${qualifier}.${def.name}` : def.name,
      startLine: def.startLine,
      endLine: Math.max(def.startLine, def.endLine),
    };
    out.push(sym);
    stack.push({ def, sym });
  }
  return out;
}

/**
 * The symbols that enclose the given lines: for every line of every range, the innermost symbol that
 * contains it. A range spanning two methods gives both; a changed line in a class but outside its
 * methods gives the class; a line outside every symbol gives nothing. Result in source order, each
 * symbol once.
 */
export function enclosingSymbols(symbols: readonly CodeSymbol[], ranges: readonly LineRange[]): CodeSymbol[] {
  if (!symbols.length || !ranges.length) return [];
  let last = 0;
  for (const s of symbols) last = Math.max(last, s.endLine);
  // owner[line] = index of the innermost symbol holding that line (+1; 0 for none). Symbols come in
  // source order with parents first, so writing them in order leaves each line to its innermost owner.
  const owner = new Int32Array(last + 2);
  symbols.forEach((s, i) => owner.fill(i + 1, s.startLine, s.endLine + 1));
  const hit = new Set<number>();
  for (const r of ranges) {
    const from = Math.max(1, Math.min(r.start, r.end));
    const to = Math.min(last, Math.max(r.start, r.end));
    for (let line = from; line <= to; line++) if (owner[line]) hit.add(owner[line]! - 1);
  }
  return [...hit].sort((a, b) => a - b).map((i) => symbols[i]!);
}
