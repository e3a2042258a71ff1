/**
 * Changed line ranges of a file against its base version, and when two sides' changes collide. Pure.
 *
 * A hunk is `[oldStart, oldLines, newStart, newLines]`, numbered as unified diffs number them: lines
 * are 1-based, and a hunk that removes nothing (`oldLines` 0) is an insertion *after* line `oldStart`
 * (0: at the top). Hunks come from git (patch.ts), never from a line diff in this process.
 */

export type Hunk = [oldStart: number, oldLines: number, newStart: number, newLines: number];

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
 * `sameEdit(i, j)` tells when hunk i of `a` and hunk j of `b` make the identical change (skipped: the
 * merge takes it once). Both lists are in base order, as git writes them: one sweep, linear in the
 * number of hunks plus the number of touching pairs.
 */
export function touchingRanges(a: readonly Hunk[], b: readonly Hunk[], sameEdit?: (i: number, j: number) => boolean): [number, number][] {
  const out: [number, number][] = [];
  const sa = a.map(span);
  const sb = b.map(span);
  let j0 = 0;
  for (let i = 0; i < a.length; i++) {
    const [x0, x1] = sa[i]!;
    // Hunks of b that end before this one starts end before every later one of a too.
    while (j0 < b.length && sb[j0]![1] < x0) j0++;
    for (let j = j0; j < b.length && sb[j]![0] <= x1; j++) {
      const [y0, y1] = sb[j]!;
      // The very same edit on both sides merges cleanly: it is not a collision.
      if (!(x0 <= y1 && y0 <= x1) || sameEdit?.(i, j)) continue;
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

/** Whether hunk x of one side and hunk y of the other replace the same base lines with the same lines (by digest). */
export function sameEdit(x: Hunk, dx: string | undefined, y: Hunk, dy: string | undefined): boolean {
  return !!dx && dx === dy && x[0] === y[0] && x[1] === y[1] && x[3] === y[3];
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
