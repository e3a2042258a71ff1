/**
 * The JSON shapes of `conflicts` and `publish`, shared by the command line and the MCP server (their
 * own types: fields may be added, none renamed or removed).
 */
import type { Overlap, SessionInfo, ConflictsResult } from '../core/conflicts/conflicts.js';
import type { PublishResult } from '../core/conflicts/publish.js';
import type { Hunk } from '../conflicts/hunks.js';

export interface OverlapSideJson {
  session: string;
  key: string;
  path: string | null;
  status: string | null;
  /** `[oldStart, oldLines, newStart, newLines]` against the base, as unified diffs number them. */
  hunks: Hunk[] | null;
  symbols: string[] | null;
}

export interface OverlapJson {
  id: string;
  path: string;
  level: string;
  levels: string[];
  sessions: [string, string];
  a: OverlapSideJson;
  b: OverlapSideJson;
  lines: [number, number][];
  symbols: string[];
  merge: 'conflict' | 'clean' | null;
  conflict: string | null;
  base: string | null;
  acked: boolean;
  /** Why the file is compared at file level only: `lockfile`, `generated`, `binary`; else null. */
  note: string | null;
}

export function overlapJson(o: Overlap): OverlapJson {
  const side = (s: Overlap['a']): OverlapSideJson => ({ session: s.session, key: s.key, path: s.path, status: s.status, hunks: s.hunks, symbols: s.symbols });
  return {
    id: o.id,
    path: o.path,
    level: o.level,
    levels: o.levels,
    sessions: [o.a.session, o.b.session],
    a: side(o.a),
    b: side(o.b),
    lines: o.lines,
    symbols: o.symbols,
    merge: o.merge,
    conflict: o.conflict,
    base: o.base,
    acked: o.acked,
    note: o.note,
  };
}

export function sessionJson(s: SessionInfo): Record<string, unknown> {
  return { id: s.id, key: s.key, origin: s.origin, current: s.current, host: s.host, worktree: s.worktree, branch: s.branch, head: s.head, snapshot: s.snapshot, dirty: s.dirty, agent: s.agent, publishedAt: s.publishedAt };
}

export function conflictsJson(r: ConflictsResult): Record<string, unknown> {
  return { level: r.level, overlaps: r.overlaps.map(overlapJson), silenced: r.silenced, more: r.more, complete: r.complete, missing: r.missing, sessions: r.sessions.map(sessionJson), warnings: r.warnings, stats: r.stats };
}

export function publishJson(r: PublishResult): Record<string, unknown> {
  return { key: r.record.key, session: r.record.session, path: r.path, commit: r.commit, unchanged: r.unchanged, files: r.record.files.length, base: r.record.base, baseRef: r.record.baseRef, snapshot: r.record.snapshot, snapshotRef: r.snapshotRef, record: r.record };
}
