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
  const hit = new Set(enclosingEach(symbols, ranges).flat());
  return [...hit].sort((a, b) => a - b).map((i) => symbols[i]!);
}

/**
 * Per range (null: none), the indexes in `symbols` of those enclosing its lines, as enclosingSymbols
 * finds them, in source order: which change touched what, for callers that weigh each change.
 */
export function enclosingEach(symbols: readonly CodeSymbol[], ranges: readonly (LineRange | null)[]): number[][] {
  if (!symbols.length) return ranges.map(() => []);
  let last = 0;
  for (const s of symbols) last = Math.max(last, s.endLine);
  // owner[line] = index of the innermost symbol holding that line (+1; 0 for none). Symbols come in
  // source order with parents first, so writing them in order leaves each line to its innermost owner.
  const owner = new Int32Array(last + 2);
  symbols.forEach((s, i) => owner.fill(i + 1, s.startLine, s.endLine + 1));
  return ranges.map((r) => {
    if (!r) return [];
    const hit = new Set<number>();
    const from = Math.max(1, Math.min(r.start, r.end));
    const to = Math.min(last, Math.max(r.start, r.end));
    for (let line = from; line <= to; line++) if (owner[line]) hit.add(owner[line]! - 1);
    return [...hit].sort((a, b) => a - b);
  });
}

/** A change against the base, as in a unified diff: `lines` base lines from `start`, or (0 lines) an insertion after line `start`. */
export interface BaseChange {
  start: number;
  lines: number;
  /** How many lines it writes in their place. */
  written: number;
}

/**
 * The module-level gaps (the stretches between top-level symbols: blank lines, stray comments, the
 * end of the file) that changes touch, as region names: `(after parse)`, `(top)` before the first
 * one. An insertion touches the gap it lands in (not inside a symbol); a replacement touches the gaps
 * whose lines it changes, and both gaps around a top-level symbol it removes whole (a deletion, or a
 * rewrite of more than its one line: editing a one-line constant is not removing it). Two sides adding
 * code at the same place between two functions, or one deleting a function and the other adding one
 * right after it, touch the same gap: git conflicts on those, though no symbol is common to both.
 */
export function gapsTouched(symbols: readonly CodeSymbol[], changes: readonly BaseChange[]): string[] {
  return [...new Set(gapsEach(symbols, changes).flatMap((g) => g.map((x) => x.name)))];
}

/** A module-level gap a change touches: its name, and how many lines it holds (0: up to the end of the file). */
export interface Gap {
  name: string;
  lines: number;
}

/** Per change, the gaps it touches, as gapsTouched finds them. */
export function gapsEach(symbols: readonly CodeSymbol[], changes: readonly BaseChange[]): Gap[][] {
  if (!changes.length) return [];
  // Top-level symbols, in order (symbols come parents first, in source order).
  const top: CodeSymbol[] = [];
  let end = 0;
  for (const s of symbols) {
    if (s.startLine > end) top.push(s);
    end = Math.max(end, s.endLine);
  }
  // A file with no top-level symbol has no structure to place changes in (or did not parse).
  if (!top.length) return changes.map(() => []);
  const name = (i: number) => (i < 0 ? '(top)' : `(after ${bare(top[i]!.qualifiedName)})`);
  // Gap i follows top[i] (gap -1 opens the file): its lines, and the boundaries an insertion lands on.
  const gaps = [-1, ...top.keys()].map((i) => {
    const from = i < 0 ? 0 : top[i]!.endLine;
    const to = i + 1 < top.length ? top[i + 1]!.startLine - 1 : Infinity;
    return { name: name(i), from, to, lines: Number.isFinite(to) ? to - from : 0 };
  });
  const lines = new Map(gaps.map((g) => [g.name, g.lines]));
  return changes.map((c) => {
    const hit = new Set<string>();
    if (c.lines === 0) {
      // Boundary c.start: in the gap whose boundaries [from, to] hold it, unless inside a symbol.
      for (const g of gaps) if (c.start >= g.from && c.start <= g.to) hit.add(g.name);
    } else {
      const first = c.start;
      const last = c.start + c.lines - 1;
      for (const g of gaps) if (g.from + 1 <= last && first <= g.to) hit.add(g.name); // its lines from+1..to
      top.forEach((s, i) => {
        if (s.startLine >= first && s.endLine <= last && (c.written === 0 || s.endLine > s.startLine)) {
          hit.add(name(i - 1));
          hit.add(name(i));
        }
      });
    }
    return [...hit].map((n) => ({ name: n, lines: lines.get(n) ?? 0 }));
  });
}

/** `(imports)` -> `imports`: a gap's name holds its neighbour's without the region's parentheses. */
function bare(name: string): string {
  return name.startsWith('(') && name.endsWith(')') ? name.slice(1, -1) : name;
}
