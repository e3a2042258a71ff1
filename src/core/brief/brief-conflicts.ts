/**
 * The brief's "Conflicts with other sessions" section: one line per unacknowledged overlap between
 * this session's edits and another's, from the conflict detector (core/conflicts/conflicts.ts). Its cached scan
 * is used when recent; otherwise a scan of this session's pairs runs under a time limit, and past it
 * the last cached scan stands in (and the section says it may be incomplete).
 */
import type { Ctx } from '../context.js';
import type { Reader } from '../../model/address.js';
import type { BriefItem } from '../../model/brief-layout.js';

/** A scan younger than this is reused as is. */
const MAX_AGE_MS = 60_000;
/** A fresh scan gives up after this long (the brief runs at session start: it must not hang). */
const SCAN_TIMEOUT_MS = 1000;

export interface ConflictSection {
  items: BriefItem[];
  /** False when the scan did not finish in time and an older one (or none) stood in. */
  complete: boolean;
}

/**
 * `timeoutMs` bounds a fresh scan (default 1 s); `maxAgeMs` is how old a cached scan may be and still
 * be used (default a minute): agent prompts, which never scan themselves, pass a large one.
 */
export async function conflictItems(ctx: Ctx, reader: Reader, opts: { timeoutMs?: number; maxAgeMs?: number } = {}): Promise<ConflictSection> {
  const { currentConflicts, describeOverlap } = await import('../conflicts/conflicts.js');
  const c = await currentConflicts(ctx, { session: reader.session, agent: reader.agent, maxAgeMs: opts.maxAgeMs ?? MAX_AGE_MS, timeoutMs: opts.timeoutMs ?? SCAN_TIMEOUT_MS });
  const at = c.computedAt ?? new Date(ctx.deps.now()).toISOString();
  const items = c.overlaps.map((o): BriefItem => {
    const other = o.a.key === c.key ? o.b : o.a;
    return { id: o.id, kind: 'conflict', title: `${o.path}: ${o.level}`, agent: '', session: other.session, createdAt: at, line: describeOverlap(o, c.key) };
  });
  return { items, complete: c.complete };
}
