/**
 * Which functions, methods, classes, test blocks and module-level regions a change touches, through
 * src/symbols (tree-sitter). A side's symbols are those enclosing the base lines it changed and the
 * module-level gaps its changes touch (in the base text), and those enclosing the lines it wrote (in
 * its own text), so that a function added, edited or deleted all count, and code added between two
 * functions meets code added or deleted at the same place. Each blob is parsed once per
 * run, whatever the number of pairs it appears in.
 *
 * Each symbol comes with the hunks that touched it and its length in the base, so that two sides
 * meet in a symbol only through changes that differ (the same fix made on both sides merges cleanly)
 * and, in a long one, only where their changes come near each other (commonSymbols).
 */
import { enclosingEach, gapsEach, languageOf, listSymbols, type CodeSymbol } from '../symbols/index.js';
import { newRange, oldRange, type Hunk } from './hunks.js';

/** What a side's change touches: names sorted, and for each the hunks (indexes) that touch it and its length in the base. */
export interface SymbolHits {
  names: string[];
  /** Per name, the indexes of the hunks that touch it, ascending; null when not known (records written before it existed). */
  hunks: number[][] | null;
  /** Per name, its length in base lines; 0 when it is not in the base (added) or has no end (the gap that ends the file). */
  lines: number[] | null;
}

/** A symbol longer than this (lines of the base) is several places: two sides meet in it only where their changes come within NEAR_LINES. */
export const LONG_SYMBOL_LINES = 60;
export const NEAR_LINES = 20;

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
   * The symbols the hunks touch, with the hunks that touch each; null when the language is not
   * supported or no text could be parsed (binary, too large, out of time).
   */
  async changed(opts: { basePath: string; path: string; base: { oid: string; text: string } | null; side: { oid: string; text: string } | null; hunks: readonly Hunk[] }): Promise<SymbolHits | null> {
    if (!languageOf(opts.path) && !languageOf(opts.basePath)) return null;
    const hits = new Map<string, { hunks: Set<number>; lines: number }>();
    const hit = (name: string, hunk: number, lines: number) => {
      const h = hits.get(name);
      if (h) {
        h.hunks.add(hunk);
        h.lines = Math.max(h.lines, lines);
      } else hits.set(name, { hunks: new Set([hunk]), lines });
    };
    const parse = async (path: string, blob: { oid: string; text: string } | null) => (blob && languageOf(path) ? this.symbolsOf(path, blob.oid, blob.text) : undefined);
    const { hunks } = opts;
    // In the base: what the changed lines were in, and the module-level gaps the changes touch.
    const base = hunks.length ? await parse(opts.basePath, opts.base) : undefined;
    if (base) {
      enclosingEach(base, hunks.map(oldRange)).forEach((idx, i) => {
        for (const k of idx) hit(base[k]!.qualifiedName, i, base[k]!.endLine - base[k]!.startLine + 1);
      });
      gapsEach(
        base,
        hunks.map((h) => ({ start: h[0], lines: h[1], written: h[3] })),
      ).forEach((gaps, i) => {
        for (const g of gaps) hit(g.name, i, g.lines);
      });
    }
    // In the side's own text: what the written lines are in (a function added, or edited). Its
    // length is the base's, when the base has it.
    const written = hunks.map(newRange);
    const side = written.some((r) => r) ? await parse(opts.path, opts.side) : undefined;
    if (side) {
      enclosingEach(side, written).forEach((idx, i) => {
        for (const k of idx) hit(side[k]!.qualifiedName, i, 0);
      });
    }
    if (base === null && side === null) return null;
    const names = [...hits.keys()].sort();
    return { names, hunks: names.map((n) => [...hits.get(n)!.hunks].sort((a, b) => a - b)), lines: names.map((n) => hits.get(n)!.lines) };
  }
}

/** Base boundaries a hunk occupies (as hunks.ts counts them): replacing lines 5-6 is [4, 6], inserting after 5 is [5, 5]. */
function span(h: Hunk): [number, number] {
  return h[1] === 0 ? [h[0], h[0]] : [h[0] - 1, h[0] - 1 + h[1]];
}

/**
 * The symbols two sides' changes of one file meet in. Without hunks to weigh (names from an older
 * record, or sides measured from different bases), every name both touch. Otherwise a name counts
 * when both touch it through hunks that are not the very same edit on both sides (`same(i, j)`), and,
 * for a symbol longer than LONG_SYMBOL_LINES in the base, when two of those hunks are at most
 * NEAR_LINES unchanged lines apart: a 300-line function edited at both ends is two places, not one.
 * Linear in the hunks of each name.
 */
export function commonSymbols(a: SymbolHits, b: SymbolHits, weigh: { ha: readonly Hunk[]; hb: readonly Hunk[]; same: (i: number, j: number) => boolean } | null): string[] {
  const inB = new Map(b.names.map((n, k) => [n, k]));
  if (!weigh || !a.hunks || !b.hunks || !a.lines || !b.lines) return a.names.filter((n) => inB.has(n));
  const { ha, hb, same } = weigh;
  // Hunks of each side that the other side made identically (same base lines: matched by start).
  const bByStart = new Map<number, number[]>();
  hb.forEach((h, j) => bByStart.set(h[0], [...(bByStart.get(h[0]) ?? []), j]));
  const twinA = new Set<number>();
  const twinB = new Set<number>();
  ha.forEach((h, i) => {
    for (const j of bByStart.get(h[0]) ?? []) {
      if (same(i, j)) {
        twinA.add(i);
        twinB.add(j);
      }
    }
  });
  const out: string[] = [];
  a.names.forEach((name, ka) => {
    const kb = inB.get(name);
    if (kb === undefined) return;
    const xs = a.hunks![ka]!.filter((i) => i < ha.length && !twinA.has(i)).map((i) => span(ha[i]!));
    const ys = b.hunks![kb]!.filter((j) => j < hb.length && !twinB.has(j)).map((j) => span(hb[j]!));
    if (!xs.length || !ys.length) return;
    if (Math.max(a.lines![ka]!, b.lines![kb]!) <= LONG_SYMBOL_LINES || near(xs, ys)) out.push(name);
  });
  return out;
}

/** Whether two lists of spans, each in base order, hold one of each at most NEAR_LINES lines apart. */
function near(xs: [number, number][], ys: [number, number][]): boolean {
  let i = 0;
  let j = 0;
  while (i < xs.length && j < ys.length) {
    const [x0, x1] = xs[i]!;
    const [y0, y1] = ys[j]!;
    if (Math.max(0, y0 - x1, x0 - y1) <= NEAR_LINES) return true;
    if (x1 < y1) i++;
    else j++;
  }
  return false;
}
