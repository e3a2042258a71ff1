/**
 * conflicts: compare the edits (committed and uncommitted) of every session, on this machine and
 * elsewhere, and report where they overlap: same file, same function, touching hunks, or a real
 * merge conflict. The machinery is in src/conflicts/; this is the operation around it: identity,
 * filters, acknowledgements, and the per-session cache that `currentConflicts` (the brief) reads.
 */
import { mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Ctx, WhoOptions } from '../context.js';
import { resolveIdentity } from '../context.js';
import { isLevel, LEVELS, Scanner, DEFAULT_STALE_MS, type Level, type Overlap, type ScanResult, type SessionInfo } from './conflicts-scan.js';
import { sessionKey } from '../../conflicts/wip.js';
import { canonicalPath } from '../../conflicts/worktrees.js';
import { parseDuration } from '../../model/when.js';
import { UsageError } from '../../errors.js';

export type { Level, Overlap, SessionInfo } from './conflicts-scan.js';
export { LEVELS } from './conflicts-scan.js';

export interface ConflictsInput extends WhoOptions {
  /** Keep overlaps at this level or above (file < symbol < hunk < merge). */
  level?: string;
  /** Only pairs that include this session. */
  mine?: boolean;
  /** Only paths staged in this worktree (implies mine). */
  staged?: boolean;
  /** The index to read this worktree's staged state from (a git hook's GIT_INDEX_FILE). */
  indexFile?: string;
  /** List acknowledged overlaps too (flagged). */
  all?: boolean;
  /** Stop after this many milliseconds with what is known by then (`complete: false`). */
  timeoutMs?: number;
  /** Work out hunks and symbols for at most this many overlaps (default 500; 0: no limit); the rest are counted. */
  limit?: number;
}

export interface ConflictsResult {
  sessions: SessionInfo[];
  /** The overlaps to report, most severe first. */
  overlaps: Overlap[];
  /** How many overlaps matched the filters but are acknowledged (hidden unless `all`). */
  silenced: number;
  /** Overlaps past the limit: counted, not listed. */
  more: number;
  /** False when the time limit cut the scan short; `missing` says what was not worked out. */
  complete: boolean;
  missing: string[];
  /** Whether the sessions' changed files were compared at all before the time limit. */
  compared: boolean;
  level: Level;
  warnings: string[];
  stats: ScanResult['stats'];
}

/** `git config ctx.conflicts.staleAfter` (a duration such as 3d), else 7 days. */
export function staleMs(ctx: Ctx): number {
  const v = ctx.config.get('ctx.conflicts.staleAfter');
  const ms = v ? parseDuration(v) : null;
  return ms ?? DEFAULT_STALE_MS;
}

/** Whether `git config ctx.conflicts.block` asks the pre-commit hook to refuse commits. */
export function blockCommits(ctx: Ctx): boolean {
  return /^(true|yes|on|1)$/i.test(ctx.config.get('ctx.conflicts.block') ?? '');
}

export async function findConflicts(ctx: Ctx, input: ConflictsInput = {}): Promise<ConflictsResult> {
  const level = input.level ?? 'file';
  if (!isLevel(level)) throw new UsageError(`unknown level: ${level}`, { code: 'E_LEVEL', hint: `levels: ${LEVELS.join(', ')}` });
  if (input.timeoutMs !== undefined && !(input.timeoutMs > 0)) throw new UsageError('--timeout must be a positive number of milliseconds');
  if (input.limit !== undefined && !(Number.isInteger(input.limit) && input.limit >= 0)) throw new UsageError('--limit must be a whole number (0: no limit)');
  const who = await resolveIdentity(ctx, input);
  const scanner = new Scanner(ctx, {
    self: { session: who.session, agent: who.agent },
    mine: input.mine,
    staged: input.staged,
    indexFile: input.indexFile,
    deadline: input.timeoutMs === undefined ? undefined : ctx.deps.now() + input.timeoutMs,
    limitMs: input.timeoutMs,
    staleMs: staleMs(ctx),
    limit: input.limit,
  });
  const scan = await scanner.scan();
  const self = scan.sessions.find((s) => s.current);
  if (self && !input.staged && scan.complete) writeCache(ctx, self.key, scan);
  const atLevel = scan.overlaps.filter((o) => LEVELS.indexOf(o.level) >= LEVELS.indexOf(level));
  const silenced = atLevel.filter((o) => o.acked).length;
  return {
    sessions: scan.sessions,
    overlaps: input.all ? atLevel : atLevel.filter((o) => !o.acked),
    silenced,
    more: scan.more,
    complete: scan.complete,
    missing: scan.missing,
    compared: scan.compared,
    level,
    warnings: scan.warnings,
    stats: scan.stats,
  };
}

// ---------------------------------------------------------------------------------------------------
// The brief's seam.

export interface CurrentConflictsOptions extends WhoOptions {
  /** A cached scan younger than this is used as is (default 60 s). */
  maxAgeMs?: number;
  /** A fresh scan gives up after this long (default 1500 ms); the cached one, if any, is returned. */
  timeoutMs?: number;
}

export interface CurrentConflicts {
  /** This session's key (pass it to describeOverlap to name the other side), null outside a worktree. */
  key: string | null;
  /** Unacknowledged overlaps between this session and any other, most severe first. */
  overlaps: Overlap[];
  /** When the scan these come from ran (ISO time), or null when there is none. */
  computedAt: string | null;
  fromCache: boolean;
  /** False when the scan did not finish in time and no cache could stand in (or a stale one did). */
  complete: boolean;
}

interface CacheFile {
  version: 1;
  key: string;
  computedAt: number;
  /** How long that scan took (absent in older caches): a caller with less time knows not to wait for one. */
  ms?: number;
  overlaps: Overlap[];
}

function cachePath(ctx: Ctx, key: string): string {
  return join(ctx.store.privateDir, 'cache', 'conflicts', `${key}.json`);
}

function writeCache(ctx: Ctx, key: string, scan: ScanResult): void {
  const file: CacheFile = { version: 1, key, computedAt: ctx.deps.now(), ms: scan.stats.ms.total, overlaps: scan.overlaps.filter((o) => o.a.key === key || o.b.key === key) };
  const path = cachePath(ctx, key);
  try {
    mkdirSync(join(path, '..'), { recursive: true });
    const tmp = `${path}.${ctx.deps.pid}.tmp`;
    writeFileSync(tmp, JSON.stringify(file));
    renameSync(tmp, path);
  } catch {
    // A cache that cannot be written only costs the next reader a scan.
  }
}

/** Drop every session's cached scan (an ack changed what they should show). */
export function forgetCachedConflicts(ctx: Ctx): void {
  rmSync(join(ctx.store.privateDir, 'cache', 'conflicts'), { recursive: true, force: true });
}

function readCache(ctx: Ctx, key: string): CacheFile | null {
  try {
    const c = JSON.parse(readFileSync(cachePath(ctx, key), 'utf8')) as CacheFile;
    return c.version === 1 && c.key === key && Array.isArray(c.overlaps) ? c : null;
  } catch {
    return null;
  }
}

/** A background scan started less than this long ago is not started again. */
const BACKGROUND_EVERY_MS = 60_000;
/** A background scan gives up after this long (it must not linger). */
const BACKGROUND_TIMEOUT_MS = 120_000;

/**
 * Hand the scan a caller had no time to finish to a detached `git ctx conflicts --mine` (when the
 * process can start one): it writes the cache, and the next call reads it. One at a time per session.
 */
function scanInBackground(ctx: Ctx, key: string, opts: CurrentConflictsOptions): void {
  const spawn = ctx.deps.spawnDetached;
  if (!spawn || !ctx.repo.workTree) return;
  const marker = join(ctx.store.privateDir, 'tmp', `conflicts-background-${key}`);
  try {
    if (ctx.deps.now() - statSync(marker).mtimeMs < BACKGROUND_EVERY_MS) return;
  } catch {
    /* none started yet */
  }
  try {
    mkdirSync(join(marker, '..'), { recursive: true });
    writeFileSync(marker, `${ctx.deps.pid} ${ctx.deps.hostname}`);
    const who = [...(opts.session ? ['--session', opts.session] : []), ...(opts.agent ? ['--agent', opts.agent] : [])];
    spawn(['conflicts', '--mine', '--json', '--timeout', String(BACKGROUND_TIMEOUT_MS), ...who], ctx.repo.workTree);
  } catch {
    // Not started: the next call scans again.
  }
}

/**
 * The current session's conflicts, for the brief's "current conflicts" section: fast and bounded. A
 * scan younger than `maxAgeMs` (any `git ctx conflicts` run in this worktree writes one) is reused;
 * otherwise a scan of this session's pairs runs with a time limit. If it runs out, what it found is
 * returned with `complete: false` (overlaps it could not work out through are taken from the last
 * cached scan when both sides still hold the same content), and the scan goes on in a detached
 * process that caches its result for the next call (started before the scan here when the last one
 * took longer than the time limit). Never throws for a scan problem.
 */
export async function currentConflicts(ctx: Ctx, opts: CurrentConflictsOptions = {}): Promise<CurrentConflicts> {
  const workTree = ctx.repo.workTree;
  if (!workTree) return { key: null, overlaps: [], computedAt: null, fromCache: false, complete: true };
  const key = sessionKey(ctx.deps.hostname, canonicalPath(workTree));
  const cached = readCache(ctx, key);
  const live = (c: CacheFile) => c.overlaps.filter((o) => !o.acked);
  if (cached && ctx.deps.now() - cached.computedAt <= (opts.maxAgeMs ?? 60_000)) {
    return { key, overlaps: live(cached), computedAt: new Date(cached.computedAt).toISOString(), fromCache: true, complete: true };
  }
  const fallback = (): CurrentConflicts =>
    cached ? { key, overlaps: live(cached), computedAt: new Date(cached.computedAt).toISOString(), fromCache: true, complete: false } : { key, overlaps: [], computedAt: null, fromCache: false, complete: false };
  const timeoutMs = opts.timeoutMs ?? 1500;
  // The last scan took longer than this caller has: start the full one now, detached, so that it
  // runs even if the caller is cut off at its own deadline (an agent hook is), and scan here only
  // for what can be known in time.
  if (cached?.ms !== undefined && cached.ms > timeoutMs) scanInBackground(ctx, key, opts);
  try {
    const started = ctx.deps.now();
    const r = await findConflicts(ctx, { agent: opts.agent, session: opts.session, mine: true, timeoutMs });
    if (r.complete) return { key, overlaps: r.overlaps, computedAt: new Date(started).toISOString(), fromCache: false, complete: true };
    scanInBackground(ctx, key, opts);
    if (!r.compared) return fallback();
    // The file level is known; where both sides still hold what the cached scan saw, its levels stand.
    const before = new Map((cached?.overlaps ?? []).map((o) => [o.id, o]));
    const overlaps = r.overlaps
      .map((o) => {
        const old = before.get(o.id);
        return old && old.fingerprint === o.fingerprint ? old : o;
      })
      .filter((o) => !o.acked);
    return { key, overlaps, computedAt: new Date(started).toISOString(), fromCache: false, complete: false };
  } catch {
    scanInBackground(ctx, key, opts);
    return fallback();
  }
}

/** One line per overlap, as the brief shows them: `src/a.ts: hunk overlap with wt-b:fix (lines 10-14; Parser.parse) [3f2c9a1b0d4e]`. */
export function describeOverlap(o: Overlap, selfKey?: string | null): string {
  const other = o.a.key === selfKey ? o.b : o.b.key === selfKey ? o.a : null;
  const who = other ? `with ${other.session}` : `between ${o.a.session} and ${o.b.session}`;
  const what = o.level === 'merge' ? `merge conflict${o.conflict && o.conflict !== 'content' ? ` (${o.conflict})` : ''}` : `${o.level} overlap`;
  const details = [o.lines.length ? `lines ${o.lines.map(([x, y]) => (x === y ? `${x}` : `${x}-${y}`)).join(', ')}` : '', o.symbols.join(', '), o.note ? `${o.note}, compared as a whole` : ''].filter(Boolean).join('; ');
  return `${o.path}: ${what} ${who}${details ? ` (${details})` : ''} [${o.id}]`;
}

// ---------------------------------------------------------------------------------------------------
// The pre-commit hook.

export interface PreCommitInput extends WhoOptions {
  /** The index being committed (the hook's GIT_INDEX_FILE: `git commit -a` uses a temporary one). */
  indexFile?: string;
  /** Give up after this long (default 3000 ms): the commit goes on with a one-line note. */
  timeoutMs?: number;
}

export interface PreCommitResult {
  overlaps: Overlap[];
  /** Whether the commit should be refused (`git config ctx.conflicts.block`). */
  block: boolean;
  /** What to print on stderr. */
  lines: string[];
  /** Why the check did not run to the end (a time limit, a git-ctx problem), or null. */
  skipped: string | null;
}

/**
 * The pre-commit check: do the files being committed overlap another session's edits? Warns; refuses
 * the commit only when `git config ctx.conflicts.block` is `true` (any overlap) or a level (`hunk`:
 * overlaps at that level or above). Never throws: a problem of git-ctx's own is a one-line note, and
 * the commit goes on.
 */
export async function conflictsPreCommit(ctx: Ctx, input: PreCommitInput = {}): Promise<PreCommitResult> {
  let r: ConflictsResult;
  const limit = input.timeoutMs ?? 3000;
  try {
    r = await findConflicts(ctx, { agent: input.agent, session: input.session, staged: true, indexFile: input.indexFile, timeoutMs: limit });
  } catch (e) {
    const why = (e as Error).message;
    return { overlaps: [], block: false, lines: [`git-ctx: conflict check skipped: ${why}`], skipped: why };
  }
  const setting = (ctx.config.get('ctx.conflicts.block') ?? '').trim().toLowerCase();
  const blockLevel = isLevel(setting) ? setting : blockCommits(ctx) ? 'file' : null;
  const selfKey = r.sessions.find((s) => s.current)?.key;
  const blocking = blockLevel ? r.overlaps.filter((o) => LEVELS.indexOf(o.level) >= LEVELS.indexOf(blockLevel)) : [];
  const lines = r.overlaps.map((o) => `git-ctx: warning: ${describeOverlap(o, selfKey)}`);
  const partial = r.complete ? null : `stopped at its ${Math.round(limit)} ms time limit (not done: ${r.missing.join(', ')})`;
  if (partial) lines.push(`git-ctx: conflict check ${partial}${r.overlaps.length ? ': the overlaps above are what it found by then' : ''}`);
  if (blocking.length) {
    lines.push(`git-ctx: commit refused (git config ctx.conflicts.block ${setting}): ${blocking.length === 1 ? 'this overlap needs' : 'these overlaps need'} a look first`);
    lines.push('hint: talk to the other session, then `git ctx conflicts ack ID`; or commit with --no-verify');
  } else if (r.overlaps.length) lines.push('hint: details with `git ctx conflicts --mine`; silence one with `git ctx conflicts ack ID`');
  return { overlaps: r.overlaps, block: blocking.length > 0, lines, skipped: partial };
}
