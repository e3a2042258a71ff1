/**
 * Changed line ranges of a file, against its base version, and when two sides' changes collide.
 * Pure: texts in, ranges out.
 *
 * A hunk is `[oldStart, oldLines, newStart, newLines]`, numbered as unified diffs number them: lines
 * are 1-based, and a hunk that removes nothing (`oldLines` 0) is an insertion *after* line `oldStart`
 * (0: at the top). Computed with the `diff` package (Myers, like git's default) in process, because
 * only the few files that both sides of a pair changed need them.
 */
import { diffLines } from 'diff';

export type Hunk = [oldStart: number, oldLines: number, newStart: number, newLines: number];

/** Past this many changed lines the diff gives up: the change is taken as the whole file. */
const MAX_EDIT = 20_000;

/**
 * The hunks turning `oldText` into `newText` (no context lines). Null when the texts are too different
 * to diff cheaply; callers then treat the change as covering the whole file.
 */
export function lineHunks(oldText: string, newText: string): Hunk[] | null {
  if (oldText === newText) return [];
  const changes = diffLines(oldText, newText, { maxEditLength: MAX_EDIT });
  if (!changes) return null;
  const hunks: Hunk[] = [];
  let oldLine = 1;
  let newLine = 1;
  let open: Hunk | null = null;
  for (const c of changes) {
    if (!c.added && !c.removed) {
      open = null;
      oldLine += c.count;
      newLine += c.count;
      continue;
    }
    if (!open) {
      open = [oldLine, 0, newLine, 0];
      hunks.push(open);
    }
    if (c.removed) {
      open[1] += c.count;
      oldLine += c.count;
    } else {
      open[3] += c.count;
      newLine += c.count;
    }
  }
  // Unified-diff numbering: a hunk with no old lines names the line it follows, and one with no new
  // lines the new line it follows.
  for (const h of hunks) {
    if (h[1] === 0) h[0] -= 1;
    if (h[3] === 0) h[2] -= 1;
  }
  return hunks;
}

/** The whole of a file's old text as one hunk (binary files, deletions of huge files, undiffable changes). */
export function wholeFile(oldLineCount: number, newLineCount: number): Hunk[] {
  return [[oldLineCount ? 1 : 0, oldLineCount, newLineCount ? 1 : 0, newLineCount]];
}

export function lineCount(text: string): number {
  if (!text) return 0;
  return text.split('\n').length - (text.endsWith('\n') ? 1 : 0);
}

/**
 * The stretch of the base a hunk occupies, between line boundaries (boundary k lies after line k):
 * replacing lines 5-6 spans [4, 6]; inserting after line 5 is the point [5, 5].
 */
function span(h: Hunk): [number, number] {
  return h[1] === 0 ? [h[0], h[0]] : [h[0] - 1, h[0] - 1 + h[1]];
}

/**
 * Whether two hunks against the same base overlap or touch. Touching counts because git's merge
 * conflicts on adjacent changes too: two changes merge cleanly only with an unchanged line between.
 */
export function hunksTouch(a: Hunk, b: Hunk): boolean {
  const [a0, a1] = span(a);
  const [b0, b1] = span(b);
  return a0 <= b1 && b0 <= a1;
}

/**
 * Where two sides' hunks overlap or touch, as base line ranges `[first, last]` (merged, in order). An
 * insertion between lines k and k+1 shows as `[k, k+1]` clipped to the file. Empty when none touch.
 * `sameEdit` tells pairs of hunks that make the identical change (skipped).
 */
export function touchingRanges(a: readonly Hunk[], b: readonly Hunk[], sameEdit?: (x: Hunk, y: Hunk) => boolean): [number, number][] {
  const out: [number, number][] = [];
  for (const x of a) {
    for (const y of b) {
      // The very same edit on both sides merges cleanly: it is not a collision.
      if (!hunksTouch(x, y) || sameEdit?.(x, y)) continue;
      const [x0, x1] = span(x);
      const [y0, y1] = span(y);
      const lo = Math.min(x0, y0);
      const hi = Math.max(x1, y1);
      // Boundaries back to lines: the span [lo, hi] covers lines lo+1..hi; a point covers its neighbours.
      out.push(lo === hi ? [Math.max(1, lo), lo + 1] : [lo + 1, hi]);
    }
  }
  out.sort((p, q) => p[0] - q[0] || p[1] - q[1]);
  const merged: [number, number][] = [];
  for (const r of out) {
    const last = merged[merged.length - 1];
    if (last && r[0] <= last[1] + 1) last[1] = Math.max(last[1], r[1]);
    else merged.push([r[0], r[1]]);
  }
  return merged;
}

/** The base lines a hunk changed as an inclusive range, or null for a pure insertion. */
export function oldRange(h: Hunk): { start: number; end: number } | null {
  return h[1] ? { start: h[0], end: h[0] + h[1] - 1 } : null;
}

/** The new lines a hunk wrote as an inclusive range, or null for a pure deletion. */
export function newRange(h: Hunk): { start: number; end: number } | null {
  return h[3] ? { start: h[2], end: h[2] + h[3] - 1 } : null;
}

/** "12-14", "12", "after 12", "top": how a hunk reads in a table (base lines). */
export function formatHunk(h: Hunk): string {
  if (h[1] === 0) return h[0] === 0 ? 'top' : `after ${h[0]}`;
  return h[1] === 1 ? `${h[0]}` : `${h[0]}-${h[0] + h[1] - 1}`;
}

export function formatRange([a, b]: [number, number]): string {
  return a === b ? `${a}` : `${a}-${b}`;
}
