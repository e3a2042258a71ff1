/**
 * How `conflicts` and `publish` look on a terminal: the table and the summary lines. Their JSON
 * shapes are in results/conflicts.ts, shared with the MCP server.
 */
import type { Overlap, ConflictsResult } from '../core/conflicts/conflicts.js';
import type { PublishResult } from '../core/conflicts/publish.js';
import { formatHunk, formatRange, type Hunk } from '../conflicts/hunks.js';
import { safe, type Output } from './output.js';

function clip(s: string, n: number): string {
  return s.length <= n ? s : `${s.slice(0, n - 1)}…`;
}

function hunkList(h: Hunk[] | null): string {
  if (!h) return '?';
  if (!h.length) return '-';
  const shown = h.slice(0, 2).map(formatHunk).join(',');
  return h.length > 2 ? `${shown},+${h.length - 2}` : shown;
}

/** Where it overlaps: the touching base lines, else each side's changed lines. */
function linesCell(o: Overlap): string {
  if (o.lines.length) return o.lines.map(formatRange).join(',');
  if (!o.a.hunks && !o.b.hunks) return '';
  return `${hunkList(o.a.hunks)} | ${hunkList(o.b.hunks)}`;
}

function symbolsCell(o: Overlap): string {
  if (o.symbols.length) return o.symbols.join(', ');
  return o.note ? `(${o.note}: file level)` : '';
}

function pathCell(o: Overlap): string {
  const moved = [o.a.path, o.b.path].filter((p): p is string => !!p && p !== o.path);
  return moved.length ? `${o.path} -> ${[...new Set(moved)].join(', ')}` : o.path;
}

/** The table, one row per overlap, most severe first. */
export function conflictsTable(out: Output, r: ConflictsResult): string {
  const rows = r.overlaps.map((o) => [
    o.id,
    clip(`${o.a.session} <> ${o.b.session}`, 48),
    clip(pathCell(o), 60),
    o.acked ? `${o.level} (acked)` : o.conflict && o.conflict !== 'content' && o.level === 'merge' ? `merge (${o.conflict})` : o.level,
    clip(linesCell(o), 28),
    clip(symbolsCell(o), 48),
  ].map((c) => safe(c, false)));
  const head = ['ID', 'PAIR', 'PATH', 'LEVEL', 'LINES', 'SYMBOLS'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
  // Pad first, paint after: escape codes must not count in the widths.
  const line = (cells: string[], paint: (i: number, padded: string) => string = (_, p) => p) =>
    cells.map((c, i) => paint(i, i === cells.length - 1 ? c : c.padEnd(widths[i]!))).join('  ').trimEnd();
  const levelColour = (level: string) => (level.startsWith('merge') ? 'red' : level.startsWith('hunk') ? 'yellow' : level.startsWith('symbol') ? 'magenta' : 'cyan');
  const body = rows.map((row) => line(row, (i, p) => (i === 0 ? out.paint('dim', p) : i === 3 ? out.paint(levelColour(row[3]!), p) : p)));
  return [out.paint('bold', line(head)), ...body].join('\n');
}

export function conflictsSummary(r: ConflictsResult): string {
  const pairs = new Set(r.overlaps.map((o) => `${o.a.key} ${o.b.key}`)).size;
  const merges = r.overlaps.filter((o) => o.level === 'merge').length;
  const sessions = `${r.sessions.length} ${r.sessions.length === 1 ? 'session' : 'sessions'}`;
  const silenced = r.silenced ? `; ${r.silenced} acknowledged (--all lists them)` : '';
  const more = r.more ? `; ${r.more} more not examined (over the limit: --limit N, 0 for none)` : '';
  const partial = r.complete ? '' : ` Partial: stopped at the time limit (not done: ${r.missing.join(', ')}).`;
  if (!r.overlaps.length) return `No overlapping edits between ${sessions}${r.level !== 'file' ? ` at level ${r.level} or above` : ''}${silenced}${more}.${partial}`;
  const n = r.overlaps.length;
  return `${n} ${n === 1 ? 'overlap' : 'overlaps'} in ${pairs} ${pairs === 1 ? 'pair' : 'pairs'} of ${sessions}${merges ? `, ${merges} ${merges === 1 ? 'merge conflict' : 'merge conflicts'}` : ''}${silenced}${more}.${partial}`;
}

export function publishText(r: PublishResult): string {
  const n = r.record.files.length;
  const files = `${n} changed ${n === 1 ? 'file' : 'files'}`;
  const base = `since ${r.record.base.slice(0, 12)}${r.record.baseRef ? ` (${r.record.baseRef.replace(/^refs\/(heads|remotes)\//, '')})` : ''}`;
  if (r.unchanged) return `Work in progress of ${safe(r.record.session, false)} unchanged (${files} ${base}); nothing written.`;
  return `Published the work in progress of ${safe(r.record.session, false)}: ${files} ${base}.`;
}
