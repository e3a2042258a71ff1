/**
 * The conflict scan: every session's edits, compared pair by pair.
 *
 * Sessions are the repository's worktrees on this machine (read live: each is snapshotted as a commit
 * without touching it, see snapshot.ts) and the sessions elsewhere that published their work in
 * progress on the context branch (wip.ts). A published session whose snapshot objects are here (its
 * snapshot ref was fetched, or it has nothing uncommitted and its HEAD was fetched) is compared like a
 * local one; the others are compared from their published paths, hunks and symbols.
 *
 * For each pair: each side's edits are the diff from the pair's merge base to its snapshot (renames
 * followed). Paths both changed are `file` overlaps; when both hunks lists are against the same base
 * blob and touch, `hunk`; when both touch the same function, method, class, test block or module-level
 * region, `symbol`; and when a real merge of the two snapshots conflicts there (`git merge-tree`, under
 * the sessions' own attributes), `merge`. Git work is batched: one process per worktree for the
 * snapshot, then one each for merge bases, file lists, hunks, blobs and merges, whatever the number of
 * pairs. Nothing CPU-bound runs here but parsing (which stops at the deadline): hunks are git's.
 *
 * Bounded: under a deadline every git process is killed when it passes, and the scan returns what it
 * has, marked partial (`complete: false`, and what is missing). Bounded in size too: hunks and symbols
 * are worked out for at most `limit` overlaps (real merge conflicts first); the others are counted.
 */
import { statSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import type { Ctx } from '../context.js';
import { splitNul } from '../../git/run.js';
import { CtxError, GitError } from '../../errors.js';
import { canonicalPath, listWorktrees, type Worktree } from '../../conflicts/worktrees.js';
import { snapshotWorktree, sweepTemporaryIndexes, type Snapshot } from '../../conflicts/snapshot.js';
import type { ChangeStatus, FileChange } from '../../conflicts/changes.js';
import { mergeVerdicts, type ConflictKind } from '../../conflicts/merge-verdicts.js';
import { sameEdit, touchingRanges, type Hunk } from '../../conflicts/hunks.js';
import { ChangeDescriber, type DetailNote } from '../../conflicts/describe.js';
import { commonSymbols, SymbolCache, type SymbolHits } from '../../conflicts/symbol-overlaps.js';
import { Deadline } from '../../conflicts/deadline.js';
import { attributeFilesOf, attributesKey, mergeAttributes, removeAttributeDir, withChanges, writeAttributeDir, type AttributeFiles } from '../../conflicts/attributes.js';
import { sessionKey, type WipRecord } from '../../conflicts/wip.js';
import { placeSessionId } from '../../model/session-id.js';
import { materialize, readPublished } from '../../conflicts/published.js';
import { ACK_ROOT, ackNameMatches, contentFingerprint, overlapId } from '../../conflicts/acks.js';
import { mapLimit } from '../../conflicts/limit.js';
import { diffOfSide, planPairs, type DiffSpec, type Files, type LivePair, type Pair, type PairPlan, type SideFile } from '../../conflicts/pair-plan.js';

/** From least to most severe. `--level L` keeps overlaps at L or above. */
export const LEVELS = ['file', 'symbol', 'hunk', 'merge'] as const;
export type Level = (typeof LEVELS)[number];

export function isLevel(s: string): s is Level {
  return (LEVELS as readonly string[]).includes(s);
}

export interface SessionInfo {
  /** Stable identity: folder and a hash of host and worktree path (see wip.ts). */
  key: string;
  /** The session's name: its GIT_CTX_SESSION / --session, or `<folder>:<branch>`. */
  id: string;
  origin: 'local' | 'published';
  /** The session this command runs in. */
  current: boolean;
  host: string;
  worktree: string | null;
  branch: string | null;
  head: string | null;
  /** The commit holding the session's state, when its objects are here (null: compared from metadata). */
  snapshot: string | null;
  /** Whether it has uncommitted changes (null: not known). */
  dirty: boolean | null;
  agent: string | null;
  publishedAt: string | null;
}

export interface OverlapSide {
  key: string;
  session: string;
  /** The path on this side (differs from the overlap's path after a rename); null if this side did not change it. */
  path: string | null;
  status: ChangeStatus | null;
  oid: string | null;
  /** Hunks against the base blob; null when not known (binary, lockfile, not published, out of time). */
  hunks: Hunk[] | null;
  symbols: string[] | null;
}

export interface Overlap {
  id: string;
  /** The path in the base (before any rename). */
  path: string;
  level: Level;
  levels: Level[];
  a: OverlapSide;
  b: OverlapSide;
  /** Base lines where the two sides' hunks overlap or touch ([first, last]). */
  lines: [number, number][];
  /** Symbols both sides touch. */
  symbols: string[];
  /** What a real merge of the two states does here; null when one side's objects are not here (or out of time). */
  merge: 'conflict' | 'clean' | null;
  conflict: ConflictKind | null;
  /** The commit line numbers refer to (null: each side's published base). */
  base: string | null;
  acked: boolean;
  fingerprint: string;
  /** Why it is compared at file level only: a lockfile, a generated file, a binary file; else null. */
  note: DetailNote | null;
}

export interface ScanInput {
  /** The session this command runs in (its name), and its agent. */
  self: { session: string; agent: string };
  /** Only pairs that include the current session. */
  mine?: boolean;
  /** Only paths staged in the current worktree (implies mine). */
  staged?: boolean;
  /** The current worktree's index to snapshot from (a hook's GIT_INDEX_FILE). */
  indexFile?: string;
  /** Stop at this time (ms since the epoch) with what is known so far, marked partial. */
  deadline?: number;
  /** The time limit as the user gave it (ms), for the words of a scan it stopped: the deadline counts from before the scan. */
  limitMs?: number;
  /** Published work in progress older than this (ms) is ignored. */
  staleMs?: number;
  /** Work out hunks and symbols for at most this many overlaps (default DEFAULT_LIMIT; 0: no limit). */
  limit?: number;
}

export interface ScanStats {
  sessions: number;
  pairs: number;
  merges: number;
  overlaps: number;
  /** Wall time of each phase: snapshots, merge bases and diffs, merges, hunks and symbols. */
  ms: { snapshot: number; plan: number; merge: number; compare: number; total: number };
}

export interface ScanResult {
  sessions: SessionInfo[];
  /** Every overlap found (acked ones flagged), up to the limit. */
  overlaps: Overlap[];
  /** Overlaps past the limit: counted, not listed. */
  more: number;
  /** False when the deadline passed before the end: `missing` says what was not worked out. */
  complete: boolean;
  missing: string[];
  /** Whether the sessions' changed files were compared (file level known), even if the rest was not. */
  compared: boolean;
  warnings: string[];
  stats: ScanStats;
}

/** Published work in progress older than this is ignored (a session that stopped publishing). */
export const DEFAULT_STALE_MS = 7 * 86_400_000;
/** Hunks and symbols are worked out for at most this many overlaps. */
export const DEFAULT_LIMIT = 500;
/** Above this total size of worktree indexes, the scan reports progress on stderr. */
const PROGRESS_INDEX_BYTES = 4 << 20;

interface Side {
  info: SessionInfo;
  /** A live worktree's git dir. */
  gitDir?: string;
  snap: Snapshot | null;
  record: WipRecord | null;
}

interface Shared {
  pair: Pair;
  path: string;
  fa: SideFile;
  fb: SideFile;
}

/** The deadline passed during a phase the scan cannot go on without. */
class Stop extends Error {}

function samePath(a: string, b: string): boolean {
  return a === b || canonicalPath(a) === canonicalPath(b);
}

/** Whether an error is git killed at the deadline (or any failure once the deadline has passed). */
function outOfTime(e: unknown, deadline: Deadline): boolean {
  return deadline.expired() && (e instanceof GitError || e instanceof Stop || !(e instanceof CtxError));
}

export class Scanner {
  private readonly t0: number;
  private readonly deadline: Deadline;
  readonly warnings: string[] = [];
  /** What the deadline left out, in words. */
  private readonly missing: string[] = [];
  private tmpSeq = 0;
  private readonly nonce: string;

  constructor(
    private readonly ctx: Ctx,
    private readonly input: ScanInput,
  ) {
    this.t0 = ctx.deps.now();
    this.deadline = new Deadline(() => ctx.deps.now(), input.deadline);
    this.nonce = Buffer.from(ctx.deps.random(6)).toString('hex');
  }

  private tmpName(kind: string): string {
    return `${kind}-${this.ctx.deps.pid}-${this.nonce}-${this.tmpSeq++}`;
  }

  private gaveUp(what: string): void {
    if (!this.missing.includes(what)) this.missing.push(what);
  }

  async scan(): Promise<ScanResult> {
    const { ctx } = this;
    const ms = { snapshot: 0, plan: 0, merge: 0, compare: 0, total: 0 };
    const sides: Side[] = [];
    let pairs: Pair[] = [];
    let overlaps: Overlap[] = [];
    let more = 0;
    let compared = false;
    try {
      const tSnap = ctx.deps.now();
      sides.push(...(await this.sessions()));
      ms.snapshot = ctx.deps.now() - tSnap;

      // Which pairs.
      const selfIndex = sides.findIndex((s) => s.info.current);
      const mine = this.input.mine || this.input.staged;
      const pairIdx: [number, number][] = [];
      for (let a = 0; a < sides.length; a++) {
        for (let b = a + 1; b < sides.length; b++) {
          if (mine && a !== selfIndex && b !== selfIndex) continue;
          pairIdx.push(selfIndex === b ? [b, a] : [a, b]);
        }
      }

      const tPlan = ctx.deps.now();
      const planned = await this.plan(sides, pairIdx);
      pairs = planned.pairs;
      const staged = this.input.staged && selfIndex >= 0 ? await this.stagedPaths(sides[selfIndex]!) : null;
      ms.plan = ctx.deps.now() - tPlan;

      // Files both sides of a pair changed, to different results (the very same change on both sides
      // needs no coordination); with --staged, only the ones this commit holds.
      const selfKey = selfIndex >= 0 ? sides[selfIndex]!.info.key : null;
      let shared = this.sharedFiles(pairs).filter((s) => !staged || isStaged(s, sides, selfKey, staged));
      const limit = this.input.limit === undefined ? DEFAULT_LIMIT : this.input.limit || Infinity;

      compared = true;
      const describe = new ChangeDescriber(ctx.repo.git, this.deadline.stop);
      // Files both sides of some pair changed are the only ones parsed: load their grammars meanwhile.
      SymbolCache.prepare(shared.slice(0, limit).flatMap((s) => [s.fa.change.path, s.fb.change.path]));
      const tMerge = ctx.deps.now();
      // The attribute files of every merge base: for the merges, and for knowing generated files.
      const attributes = this.attributesOf(pairs);
      attributes.catch(() => {});
      const merging = this.mergeAll(sides, pairs, attributes);
      let dropped: Shared[] = [];
      if (shared.length > limit) {
        // Past the limit the real merge conflicts come first: wait for them to choose.
        await merging;
        shared = byPriority(shared);
        dropped = shared.slice(limit);
        shared = shared.slice(0, limit);
      }
      const detailing = this.loadDetails(describe, planned.diffs, shared, attributes);
      await merging;
      ms.merge = ctx.deps.now() - tMerge;
      await detailing;

      const tCompare = ctx.deps.now();
      overlaps = await this.compare(sides, pairs, shared, dropped, describe, staged ? (p) => staged.has(p) : null);
      // Merge conflicts on paths not both changed count against the limit too (listed first).
      more = dropped.length + Math.max(0, overlaps.length - limit);
      if (overlaps.length > limit) overlaps = overlaps.sort((x, y) => LEVELS.indexOf(y.level) - LEVELS.indexOf(x.level)).slice(0, limit);
      await this.markAcked(overlaps);
      ms.compare = ctx.deps.now() - tCompare;
    } catch (e) {
      if (!(e instanceof Stop) && !outOfTime(e, this.deadline)) throw e;
      if (!this.missing.length) this.gaveUp('comparing the sessions');
    }
    overlaps.sort((x, y) => LEVELS.indexOf(y.level) - LEVELS.indexOf(x.level) || x.a.session.localeCompare(y.a.session) || x.b.session.localeCompare(y.b.session) || x.path.localeCompare(y.path));
    if (this.missing.length) this.warnings.push(`stopped at the ${this.input.limitMs ?? this.input.deadline! - this.t0} ms time limit (not done: ${this.missing.join(', ')}); what is listed is what was known by then`);
    ms.total = ctx.deps.now() - this.t0;
    return {
      sessions: sides.map((s) => s.info),
      overlaps,
      more,
      complete: this.missing.length === 0,
      missing: [...this.missing],
      compared,
      warnings: this.warnings,
      stats: { sessions: sides.length, pairs: pairs.length, merges: pairs.filter((p) => p.merge).length, overlaps: overlaps.length, ms },
    };
  }

  /** The sessions: live worktrees (snapshotted) and other machines' published work in progress. */
  private async sessions(): Promise<Side[]> {
    const { ctx } = this;
    const host = ctx.deps.hostname;
    const [worktrees, published] = await Promise.all([listWorktrees(ctx.repo.git, ctx.store.ref, this.deadline.run), readPublished(ctx.store, this.warnings)]);
    const byKey = new Map(published.map((r) => [r.key, r]));

    // Local worktrees, live.
    const locals: { wt: Worktree; info: SessionInfo }[] = worktrees.map((wt) => {
      const key = sessionKey(host, wt.path);
      const current = !!ctx.repo.workTree && samePath(wt.path, ctx.repo.workTree);
      const named = byKey.get(key)?.session;
      const id = current ? this.input.self.session : (named ?? placeSessionId(host, wt.path, basename(wt.path), wt.branch));
      return {
        wt,
        info: { key, id, origin: 'local', current, host, worktree: wt.path, branch: wt.branch, head: wt.head, snapshot: null, dirty: null, agent: current ? this.input.self.agent : (byKey.get(key)?.agent ?? null), publishedAt: byKey.get(key)?.publishedAt ?? null },
      };
    });
    const localKeys = new Set(locals.map((l) => l.info.key));

    const snaps = await this.snapshotAll(locals);
    const sides: Side[] = [];
    locals.forEach((l, i) => {
      const snap = snaps[i];
      if (!snap) return;
      l.info.snapshot = snap.commit;
      l.info.dirty = snap.dirty;
      sides.push({ info: l.info, gitDir: l.wt.gitDir, snap, record: null });
    });
    if (this.deadline.expired()) {
      this.gaveUp('reading the worktrees');
      throw new Stop();
    }

    // Sessions elsewhere: this clone's own records are superseded by the live worktrees.
    const staleBefore = ctx.deps.now() - (this.input.staleMs ?? DEFAULT_STALE_MS);
    const remote = published.filter((r) => !localKeys.has(r.key) && !(r.host === host && samePath(r.repo, ctx.repo.commonDir)) && Date.parse(r.publishedAt) >= staleBefore && r.files.length > 0);
    const materialized = await Promise.all(remote.map((r) => materialize(ctx.store, r)));
    remote.forEach((r, i) => {
      const snap = materialized[i] ?? null;
      sides.push({
        info: { key: r.key, id: r.session, origin: 'published', current: false, host: r.host, worktree: r.worktree, branch: r.branch, head: r.head, snapshot: snap?.commit ?? null, dirty: snap ? snap.dirty : null, agent: r.agent, publishedAt: r.publishedAt },
        snap,
        record: r,
      });
    });
    return sides;
  }

  /** Snapshot every local worktree, a few at a time; a worktree that cannot be read is skipped with a warning. */
  private async snapshotAll(locals: { wt: Worktree; info: SessionInfo }[]): Promise<(Snapshot | null)[]> {
    const { ctx } = this;
    const tmpDir = join(ctx.store.privateDir, 'tmp');
    sweepTemporaryIndexes(tmpDir, ctx.deps.now());
    let indexBytes = 0;
    for (const l of locals) indexBytes += fileSize(join(l.wt.gitDir, 'index'));
    const report = indexBytes > PROGRESS_INDEX_BYTES && ctx.deps.progress ? ctx.deps.progress.bind(ctx.deps) : null;
    let done = 0;
    report?.('conflicts: reading worktrees', 0, locals.length);
    return mapLimit(locals, 3, async ({ wt, info }) => {
      if (this.deadline.expired()) return null;
      try {
        return await snapshotWorktree({
          git: ctx.repo.git,
          gitDir: wt.gitDir,
          workTree: wt.path,
          head: wt.head!,
          indexFile: info.current && this.input.indexFile ? resolve(wt.path, this.input.indexFile) : undefined,
          tmpDir,
          tmpName: this.tmpName('index'),
          writer: { commit: (c) => ctx.store.writeCommit(c) },
          cat: ctx.store.cat,
          run: this.deadline.run,
        });
      } catch (e) {
        if (this.deadline.expired()) return null;
        this.warnings.push(`cannot read worktree ${wt.path}: ${(e as Error).message}`);
        return null;
      } finally {
        report?.('conflicts: reading worktrees', ++done, locals.length);
      }
    });
  }

  /** Each pair's base and files (pair-plan.ts); a snapshot found to hold nothing HEAD does not becomes HEAD. */
  private async plan(sides: Side[], pairIdx: [number, number][]): Promise<PairPlan> {
    const { ctx } = this;
    let planned: PairPlan;
    try {
      planned = await planPairs({ git: ctx.repo.git, cat: ctx.store.cat, config: ctx.config, run: this.deadline.run }, sides, pairIdx);
    } catch (e) {
      if (outOfTime(e, this.deadline)) this.gaveUp('comparing the sessions');
      throw e;
    }
    for (const i of planned.clean) {
      const s = sides[i]!;
      s.snap = { ...s.snap!, commit: s.snap!.head, dirty: false };
      s.info.snapshot = s.snap.commit;
      s.info.dirty = false;
    }
    return planned;
  }

  /** What the current worktree's next commit holds (its index, or the hook's). */
  private async stagedPaths(self: Side): Promise<Set<string>> {
    const wt = self.info.worktree!;
    const git = this.ctx.repo.git.pinned(self.gitDir!, wt);
    const env: Record<string, string> = { GIT_OPTIONAL_LOCKS: '0' };
    if (this.input.indexFile) env.GIT_INDEX_FILE = resolve(wt, this.input.indexFile);
    const { stdout } = await git.run(['diff-index', '--cached', '--name-only', '-z', '--no-renames', self.info.head!, '--'], { ...this.deadline.run(), env });
    return new Set(splitNul(stdout));
  }

  private sharedFiles(pairs: Pair[]): Shared[] {
    const shared: Shared[] = [];
    for (const pair of pairs) {
      for (const [path, fa] of pair.filesA) {
        const fb = pair.filesB.get(path);
        if (!fb) continue;
        const ca = fa.change;
        const cb = fb.change;
        // Both made the same change (same path, content and mode): nothing to coordinate.
        if (ca.path === cb.path && ca.oid === cb.oid && ca.mode === cb.mode) continue;
        shared.push({ pair, path, fa, fb });
      }
    }
    return shared;
  }

  /** Pairs that get a real merge: live ones whose changes can meet. */
  private toMerge(pairs: Pair[]): LivePair[] {
    // Pairs whose changes cannot meet (no path, directory or renamed directory in common) merge cleanly:
    // on git 2.39 each merge is a process of its own, and most pairs of sessions are of that kind.
    return pairs.filter((p): p is LivePair => p.kind === 'live' && mayConflict(p.filesA, p.filesB));
  }

  /** The `.gitattributes` files of the merge bases of the pairs to merge (one `ls-tree` per distinct base). */
  private attributesOf(pairs: Pair[]): Promise<Map<string, AttributeFiles>> {
    const todo = this.toMerge(pairs);
    return todo.length ? attributeFilesOf(this.ctx.repo.git, todo.map((p) => p.base), this.deadline.run) : Promise.resolve(new Map());
  }

  /**
   * One `git merge-tree` batch for every pair whose two states are here and both changed something,
   * decided under the sessions' own attributes (attributes.ts). Past the deadline, verdicts stay null.
   */
  private async mergeAll(sides: Side[], pairs: Pair[], attributes: Promise<Map<string, AttributeFiles>>): Promise<void> {
    const { ctx } = this;
    const todo = this.toMerge(pairs);
    const dirs: string[] = [];
    try {
      if (todo.length) {
        const listed = await attributes;
        const groups = new Map<string, { files: AttributeFiles; pairs: LivePair[] }>();
        for (const p of todo) {
          const base = listed.get(p.base)!;
          const files = mergeAttributes(base, withChanges(base, attributeChanges(p.filesA)), withChanges(base, attributeChanges(p.filesB)));
          const key = attributesKey(files);
          if (!groups.has(key)) groups.set(key, { files, pairs: [] });
          groups.get(key)!.pairs.push(p);
        }
        await Promise.all(
          [...groups.values()].map(async (g) => {
            const dir = join(ctx.store.privateDir, 'tmp', this.tmpName('attributes'));
            dirs.push(dir);
            const env = await writeAttributeDir(dir, g.files, async (oid) => {
              const o = await ctx.store.cat.read(oid);
              return o?.type === 'blob' ? o.content : null;
            });
            const verdicts = await mergeVerdicts(
              ctx.repo.git.pinned(ctx.repo.gitDir, dir),
              g.pairs.map((p) => [sides[p.a]!.snap!.commit, sides[p.b]!.snap!.commit] as const),
              () => ({ ...this.deadline.run(), env }),
            );
            g.pairs.forEach((p, i) => (p.merge = verdicts[i]!));
          }),
        );
      }
      // Pairs with both states here and nothing to merge on one side merge cleanly.
      for (const p of pairs) if (p.kind === 'live' && !p.merge) p.merge = { clean: true, conflicts: [] };
    } catch (e) {
      if (!outOfTime(e, this.deadline)) throw e;
      this.gaveUp('real merges');
    } finally {
      for (const d of dirs) removeAttributeDir(d);
    }
  }

  /** Git's hunks for the shared files, the blobs their symbols need, and which are generated. Past the deadline, they stay unknown. */
  private async loadDetails(describe: ChangeDescriber, diffs: DiffSpec[], shared: Shared[], attributes: Promise<Map<string, AttributeFiles>>): Promise<void> {
    const local = (f: SideFile) => !f.published;
    const changes = shared.flatMap((s) => [s.fa, s.fb].filter(local).map((f) => f.change));
    if (!changes.length) return;
    const used = new Set<number>();
    for (const s of shared) {
      const [da, db] = [diffOfSide(s.pair, 'a'), diffOfSide(s.pair, 'b')];
      if (local(s.fa) && da !== null) used.add(da);
      if (local(s.fb) && db !== null) used.add(db);
    }
    const run = this.deadline.run;
    try {
      // `linguist-generated` can only be set where there are attribute files (or where a side adds one).
      const anyAttributes = [...(await attributes.catch(() => new Map<string, AttributeFiles>())).values()].some((f) => f.size > 0) || shared.some((s) => attributeChanges(s.pair.filesA).length || attributeChanges(s.pair.filesB).length);
      await Promise.all([
        anyAttributes ? describe.loadAttributes([...new Set(changes.flatMap((c) => [c.path, c.oldPath]))], run) : Promise.resolve(),describe.loadDiffs([...used].sort((x, y) => x - y).map((i) => diffs[i]!), changes, false, run), describe.loadTexts(changes, run)]);
    } catch (e) {
      if (!outOfTime(e, this.deadline)) throw e;
      this.gaveUp('hunks');
    }
  }

  private async compare(sides: Side[], pairs: Pair[], shared: Shared[], dropped: Shared[], describe: ChangeDescriber, keepMergeOnly: ((path: string) => boolean) | null): Promise<Overlap[]> {
    const diffOf = (f: SideFile): { hunks: Hunk[] | null; digests: string[] | null } => (f.published ? { hunks: f.hunks ?? null, digests: f.digests ?? null } : (describe.diff(f.change) ?? { hunks: null, digests: null }));
    const symbolsOf = (f: SideFile, hunks: Hunk[] | null): Promise<SymbolHits | null> => (f.published ? Promise.resolve(f.symbols ?? null) : describe.symbols(f.change, hunks));

    const overlaps: Overlap[] = [];
    const conflictsOf = new Map<Pair, Map<string, ConflictKind>>();
    for (const p of pairs) if (p.merge) conflictsOf.set(p, new Map(p.merge.conflicts.map((c) => [c.path, c.kind])));
    // Files past the limit are counted, not listed: their conflicts with them.
    for (const d of dropped) for (const path of [d.fa.change.path, d.fb.change.path, d.path]) conflictsOf.get(d.pair)?.delete(path);
    let symbolsStopped = false;

    for (const s of shared) {
      const { pair, fa, fb } = s;
      const da = diffOf(fa);
      const db = diffOf(fb);
      const [sa, sb] = await Promise.all([symbolsOf(fa, da.hunks), symbolsOf(fb, db.hunks)]);
      if ((da.hunks && !fa.published && sa === null) || (db.hunks && !fb.published && sb === null)) symbolsStopped ||= this.deadline.expired();
      const levels: Level[] = ['file'];
      const comparable = fa.change.oldOid === fb.change.oldOid;
      const same = (i: number, j: number) => sameEdit(da.hunks![i]!, da.digests?.[i], db.hunks![j]!, db.digests?.[j]);
      const lines = comparable && da.hunks && db.hunks ? touchingRanges(da.hunks, db.hunks, same) : [];
      const common = sa && sb ? commonSymbols(sa, sb, comparable && da.hunks && db.hunks ? { ha: da.hunks, hb: db.hunks, same } : null) : [];
      if (common.length) levels.push('symbol');
      if (lines.length) levels.push('hunk');
      const conflicts = conflictsOf.get(pair);
      const kind = conflicts ? (conflicts.get(fa.change.path) ?? conflicts.get(fb.change.path) ?? conflicts.get(s.path) ?? null) : null;
      if (kind) levels.push('merge');
      const note = fa.published ? null : (describe.note(fa.change) ?? (fb.published ? null : describe.note(fb.change)));
      overlaps.push(this.overlap(sides, pair, s.path, levels, { fa, fb, ha: da.hunks, hb: db.hunks, sa: sa?.names ?? null, sb: sb?.names ?? null, lines, common, kind, note }));
      for (const path of [fa.change.path, fb.change.path, s.path]) conflicts?.delete(path);
    }
    if (symbolsStopped) this.gaveUp('symbols');
    // Merge conflicts on paths the two sides did not both change (directory/file, rename/delete...).
    for (const [pair, rest] of conflictsOf) {
      if (!rest.size) continue;
      const byPath = (files: Files) => {
        const m = new Map<string, SideFile>();
        for (const f of files.values()) for (const p of [f.change.oldPath, f.change.path]) m.set(p, f);
        return m;
      };
      const [ma, mb] = [byPath(pair.filesA), byPath(pair.filesB)];
      for (const [path, kind] of rest) {
        const fa = ma.get(path) ?? null;
        const fb = mb.get(path) ?? null;
        if (keepMergeOnly && ![path, fa?.change.path, fb?.change.path].some((p) => p && keepMergeOnly(p))) continue;
        overlaps.push(this.overlap(sides, pair, path, ['merge'], { fa, fb, ha: null, hb: null, sa: null, sb: null, lines: [], common: [], kind, note: null }));
      }
    }
    return overlaps;
  }

  private overlap(
    sides: Side[],
    pair: Pair,
    path: string,
    levels: Level[],
    d: { fa: SideFile | null; fb: SideFile | null; ha: Hunk[] | null; hb: Hunk[] | null; sa: string[] | null; sb: string[] | null; lines: [number, number][]; common: string[]; kind: ConflictKind | null; note: DetailNote | null },
  ): Overlap {
    const A = sides[pair.a]!.info;
    const B = sides[pair.b]!.info;
    const side = (info: SessionInfo, f: SideFile | null, hunks: Hunk[] | null, symbols: string[] | null): OverlapSide => ({
      key: info.key,
      session: info.id,
      path: f?.change.path ?? null,
      status: f?.change.status ?? null,
      oid: f?.change.oid ?? null,
      hunks,
      symbols,
    });
    const a = side(A, d.fa, d.ha, d.sa);
    const b = side(B, d.fb, d.hb, d.sb);
    return {
      id: overlapId(A.key, B.key, path),
      path,
      level: levels[levels.length - 1]!,
      levels,
      a,
      b,
      lines: d.lines,
      symbols: d.common,
      merge: pair.merge ? (d.kind ? 'conflict' : 'clean') : null,
      conflict: d.kind,
      base: pair.base,
      acked: false,
      fingerprint: contentFingerprint({ key: a.key, oid: a.oid }, { key: b.key, oid: b.oid }),
      note: d.note,
    };
  }

  /** Flag overlaps acknowledged for the content both sides hold now. */
  private async markAcked(overlaps: Overlap[]): Promise<void> {
    if (!overlaps.length) return;
    const { store } = this.ctx;
    const tip = await store.tipCommit();
    if (!tip) return;
    const root = await store.lookup(tip.tree, ACK_ROOT);
    if (!root || root.mode !== '40000') return;
    const dirs = new Map((await store.readTree(root.oid)).filter((i) => i.mode === '40000').map((i) => [i.name, i.oid]));
    const listed = new Map<string, Promise<string[]>>();
    await Promise.all(
      overlaps.map(async (o) => {
        const dir = dirs.get(o.id);
        if (!dir) return;
        if (!listed.has(dir)) listed.set(dir, store.readTree(dir).then((items) => items.map((i) => i.name)));
        o.acked = (await listed.get(dir)!).some((n) => ackNameMatches(n, o.fingerprint));
      }),
    );
  }
}

function dirsOf(path: string, into: Set<string>): void {
  for (let i = path.indexOf('/'); i >= 0; i = path.indexOf('/', i + 1)) into.add(path.slice(0, i));
}

function parent(path: string): string {
  const i = path.lastIndexOf('/');
  return i < 0 ? '' : path.slice(0, i);
}

/**
 * Whether a real merge of two sides' changes could conflict: they touch a same path, one's path is a
 * directory of the other's (directory/file), or one moves a directory the other adds to (merge-ort's
 * directory renames). Otherwise git merges the two cleanly, without being asked.
 */
export function mayConflict(a: ReadonlyMap<string, SideFileLike>, b: ReadonlyMap<string, SideFileLike>): boolean {
  if (!a.size || !b.size) return false;
  const [pa, pb] = [pathsOf(a), pathsOf(b)];
  const [small, large] = pa.paths.size <= pb.paths.size ? [pa, pb] : [pb, pa];
  for (const p of small.paths) if (large.paths.has(p)) return true;
  for (const p of pa.paths) if (pb.dirs.has(p)) return true;
  for (const p of pb.paths) if (pa.dirs.has(p)) return true;
  return pa.moved.some((d) => pb.dirs.has(d)) || pb.moved.some((d) => pa.dirs.has(d));
}

interface PathsOf {
  /** Every path a side's changes name (new and old). */
  paths: Set<string>;
  /** Every directory above those. */
  dirs: Set<string>;
  /** Directories a rename moved a file out of. */
  moved: string[];
}

/** Per map of changes (a diff's map serves several pairs): computed once. */
const pathsCache = new WeakMap<ReadonlyMap<string, SideFileLike>, PathsOf>();

function pathsOf(m: ReadonlyMap<string, SideFileLike>): PathsOf {
  let r = pathsCache.get(m);
  if (!r) {
    r = { paths: new Set(), dirs: new Set(), moved: [] };
    for (const f of m.values()) {
      r.paths.add(f.change.path).add(f.change.oldPath);
      if (f.change.status === 'R' && parent(f.change.oldPath) !== parent(f.change.path)) r.moved.push(parent(f.change.oldPath));
    }
    for (const p of r.paths) dirsOf(p, r.dirs);
    pathsCache.set(m, r);
  }
  return r;
}

const attributesCache = new WeakMap<ReadonlyMap<string, SideFileLike>, FileChange[]>();

/** A side's changes to attribute files (computed once per map of changes). */
function attributeChanges(m: ReadonlyMap<string, SideFileLike>): FileChange[] {
  let r = attributesCache.get(m);
  if (!r) {
    r = [...m.values()].map((f) => f.change).filter((c) => c.path.endsWith('.gitattributes') || c.oldPath.endsWith('.gitattributes'));
    attributesCache.set(m, r);
  }
  return r;
}

interface SideFileLike {
  change: FileChange;
}

/** Whether the current session's side of a shared file is in what it is committing. */
function isStaged(s: Shared, sides: Side[], selfKey: string | null, staged: Set<string>): boolean {
  const mine = sides[s.pair.a]!.info.key === selfKey ? s.fa : sides[s.pair.b]!.info.key === selfKey ? s.fb : null;
  return !!mine && (staged.has(mine.change.path) || staged.has(mine.change.oldPath));
}

/** Real merge conflicts first, then in a stable order (pair, path). */
function byPriority(shared: Shared[]): Shared[] {
  const paths = new Map<Pair, Set<string>>();
  const conflicted = (s: Shared) => {
    let set = paths.get(s.pair);
    if (!set) paths.set(s.pair, (set = new Set(s.pair.merge?.conflicts.map((c) => c.path))));
    return set.has(s.path) || set.has(s.fa.change.path) || set.has(s.fb.change.path);
  };
  return shared
    .map((s, i) => ({ s, i, c: conflicted(s) }))
    .sort((x, y) => Number(y.c) - Number(x.c) || x.i - y.i)
    .map((x) => x.s);
}

function fileSize(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
}
