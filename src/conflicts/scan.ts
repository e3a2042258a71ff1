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
 * blob and touch, `hunk`; when both touch the same function, method or class, `symbol`; and when a real
 * merge of the two snapshots conflicts there (`git merge-tree`), `merge`. Git work is batched: one
 * process per worktree for the snapshot, then one each for merge bases, diffs, blobs and merges,
 * whatever the number of pairs.
 */
import { statSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import type { Ctx } from '../core/context.js';
import type { RunOptions } from '../git/run.js';
import { splitNul } from '../git/run.js';
import { CtxError } from '../errors.js';
import { canonicalPath, listWorktrees, type Worktree } from './worktrees.js';
import { snapshotWorktree, sweepTemporaryIndexes, type Snapshot } from './snapshot.js';
import { mergeBases } from './merge-base.js';
import { diffCommits, type ChangeStatus, type FileChange } from './changes.js';
import { mergeVerdicts, type ConflictKind, type MergeVerdict } from './merge.js';
import { touchingRanges, type Hunk } from './hunks.js';
import { ChangeDescriber } from './describe.js';
import { SymbolCache } from './symbols.js';
import { sessionKey, type WipRecord } from './wip.js';
import { placeSessionId } from '../model/session-id.js';
import { materialize, readPublished } from './published.js';
import { ACK_ROOT, ackNameMatches, contentFingerprint, overlapId } from './acks.js';
import { mapLimit } from './limit.js';
import { defaultBranch } from './default-branch.js';

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
  /** Hunks against the base blob; null when not known (binary, too large, not published). */
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
  /** What a real merge of the two states does here; null when one side's objects are not here. */
  merge: 'conflict' | 'clean' | null;
  conflict: ConflictKind | null;
  /** The commit line numbers refer to (null: each side's published base). */
  base: string | null;
  acked: boolean;
  fingerprint: string;
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
  /** Give up (E_TIMEOUT) past this time, in milliseconds since the epoch. */
  deadline?: number;
  /** Published work in progress older than this (ms) is ignored. */
  staleMs?: number;
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
  /** Every overlap found (acked ones flagged). */
  overlaps: Overlap[];
  warnings: string[];
  stats: ScanStats;
}

/** Published work in progress older than this is ignored (a session that stopped publishing). */
export const DEFAULT_STALE_MS = 7 * 86_400_000;
/** Above this total size of worktree indexes, the scan reports progress on stderr. */
const PROGRESS_INDEX_BYTES = 4 << 20;

interface Side {
  info: SessionInfo;
  /** A live worktree's git dir. */
  gitDir?: string;
  snap: Snapshot | null;
  record: WipRecord | null;
}

interface SideFile {
  change: FileChange;
  /** Known from a published record (else computed from blobs). */
  hunks?: Hunk[] | null;
  symbols?: string[] | null;
  published: boolean;
}

interface Pair {
  a: number;
  b: number;
  base: string | null;
  filesA: Map<string, SideFile>;
  filesB: Map<string, SideFile>;
  merge: MergeVerdict | null;
}

export class ScanTimeout extends CtxError {
  constructor(ms: number) {
    super('E_TIMEOUT', 1, `conflict scan stopped at its ${ms} ms time limit`);
  }
}

function samePath(a: string, b: string): boolean {
  return a === b || canonicalPath(a) === canonicalPath(b);
}

/** Base path of a change: where the file was before (renames), else where it is. */
function baseKey(c: FileChange): string {
  return c.status === 'R' ? c.oldPath : c.path;
}

function filesByBase(changes: readonly FileChange[]): Map<string, SideFile> {
  const m = new Map<string, SideFile>();
  for (const c of changes) m.set(baseKey(c), { change: c, published: false });
  return m;
}

function filesFromRecord(r: WipRecord): Map<string, SideFile> {
  const m = new Map<string, SideFile>();
  for (const f of r.files) {
    const change: FileChange = { status: f.status, path: f.path, oldPath: f.oldPath ?? f.path, oldOid: f.oldOid, oid: f.oid, oldMode: f.mode, mode: f.mode };
    m.set(baseKey(change), { change, hunks: f.hunks, symbols: f.symbols, published: true });
  }
  return m;
}

export class Scanner {
  private readonly t0: number;
  readonly warnings: string[] = [];

  constructor(
    private readonly ctx: Ctx,
    private readonly input: ScanInput,
  ) {
    this.t0 = ctx.deps.now();
  }

  /** Options for each git call: the time left before the deadline. */
  private run = (): RunOptions => {
    if (this.input.deadline === undefined) return {};
    const left = this.input.deadline - this.ctx.deps.now();
    if (left <= 0) throw new ScanTimeout(this.input.deadline - this.t0);
    return { timeoutMs: left };
  };

  private check(): void {
    this.run();
  }

  async scan(): Promise<ScanResult> {
    const { ctx } = this;
    const host = ctx.deps.hostname;
    const [worktrees, published] = await Promise.all([listWorktrees(ctx.repo.git, ctx.store.ref), readPublished(ctx.store, this.warnings)]);
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

    const tSnap = ctx.deps.now();
    const snaps = await this.snapshotAll(locals);
    const sides: Side[] = [];
    locals.forEach((l, i) => {
      const snap = snaps[i];
      if (!snap) return;
      l.info.snapshot = snap.commit;
      l.info.dirty = snap.dirty;
      sides.push({ info: l.info, gitDir: l.wt.gitDir, snap, record: null });
    });

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
    const msSnapshot = ctx.deps.now() - tSnap;
    this.check();

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
    const pairs = await this.planPairs(sides, pairIdx);
    const msPlan = ctx.deps.now() - tPlan;
    this.check();

    // Files both sides of some pair changed are the only ones parsed: load their grammars meanwhile.
    SymbolCache.prepare(pairs.flatMap((p) => [...p.filesA.keys()].filter((k) => p.filesB.has(k))));
    const tMerge = ctx.deps.now();
    await this.mergeAll(sides, pairs);
    const msMerge = ctx.deps.now() - tMerge;
    this.check();

    const tCompare = ctx.deps.now();
    let overlaps = await this.compare(sides, pairs);
    if (this.input.staged && selfIndex >= 0) overlaps = await this.onlyStaged(sides[selfIndex]!, overlaps);
    await this.markAcked(overlaps);
    overlaps.sort((x, y) => LEVELS.indexOf(y.level) - LEVELS.indexOf(x.level) || x.a.session.localeCompare(y.a.session) || x.b.session.localeCompare(y.b.session) || x.path.localeCompare(y.path));

    const total = ctx.deps.now() - this.t0;
    return {
      sessions: sides.map((s) => s.info),
      overlaps,
      warnings: this.warnings,
      stats: {
        sessions: sides.length,
        pairs: pairs.length,
        merges: pairs.filter((p) => p.merge).length,
        overlaps: overlaps.length,
        ms: { snapshot: msSnapshot, plan: msPlan, merge: msMerge, compare: ctx.deps.now() - tCompare, total },
      },
    };
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
    const nonce = Buffer.from(ctx.deps.random(6)).toString('hex');
    return mapLimit(locals, 3, async ({ wt, info }, i) => {
      try {
        return await snapshotWorktree({
          git: ctx.repo.git,
          gitDir: wt.gitDir,
          workTree: wt.path,
          head: wt.head!,
          indexFile: info.current && this.input.indexFile ? resolve(wt.path, this.input.indexFile) : undefined,
          tmpDir,
          tmpName: `index-${ctx.deps.pid}-${nonce}-${i}`,
          writer: { commit: (c) => ctx.store.writeCommit(c) },
          cat: ctx.store.cat,
          run: this.run,
        });
      } catch (e) {
        if (e instanceof ScanTimeout) throw e;
        if (this.input.deadline !== undefined && ctx.deps.now() >= this.input.deadline) throw new ScanTimeout(this.input.deadline - this.t0);
        this.warnings.push(`cannot read worktree ${wt.path}: ${(e as Error).message}`);
        return null;
      } finally {
        report?.('conflicts: reading worktrees', ++done, locals.length);
      }
    });
  }

  /**
   * Merge bases and each side's changed files, for every pair: one git call for all the bases, one
   * for all the diffs.
   */
  private async planPairs(sides: Side[], pairIdx: [number, number][]): Promise<Pair[]> {
    const { ctx } = this;
    const full = (i: number) => sides[i]!.snap !== null;
    const heads = sides.map((s) => s.snap?.commit ?? '');
    const basePairs = pairIdx.filter(([a, b]) => full(a) && full(b));

    // A live side compared with a session known from metadata only is measured from that session's
    // base when the commit is here (line numbers then line up file by file). When it is not, from the
    // live side's merge base with the default branch; hunks are then compared only on files whose
    // base content is the same on both sides.
    const mixed = pairIdx.filter(([a, b]) => full(a) !== full(b)).map(([a, b]) => ({ a, b, live: full(a) ? a : b, meta: full(a) ? b : a }));
    const commits = await Promise.all(mixed.map(async (m) => (await ctx.store.cat.read(sides[m.meta]!.record!.base))?.type === 'commit'));
    let defaultIndex = -1;
    if (commits.some((here) => !here)) {
      const def = await defaultBranch(ctx.repo.git, ctx.config, this.run);
      if (def) {
        defaultIndex = heads.length;
        heads.push(def.oid);
      }
    }
    const ownBase = new Map<number, number>();
    mixed.forEach((m, i) => {
      if (commits[i] || defaultIndex < 0 || ownBase.has(m.live)) return;
      ownBase.set(m.live, basePairs.length);
      basePairs.push([m.live, defaultIndex]);
    });
    const bases = await mergeBases(ctx.repo.git, heads, basePairs, this.run);

    const diffs: { from: string; to: string }[] = [];
    const diffIndex = new Map<string, number>();
    const want = (from: string, to: string): number => {
      const k = `${from} ${to}`;
      if (!diffIndex.has(k)) {
        diffIndex.set(k, diffs.length);
        diffs.push({ from, to });
      }
      return diffIndex.get(k)!;
    };
    const plans: Pair[] = [];
    const fill: { plan: Pair; side: 'filesA' | 'filesB'; diff: number }[] = [];
    basePairs.forEach(([a, b], i) => {
      if (b === defaultIndex) return;
      const base = bases[i]![0];
      if (!base) return; // unrelated histories: nothing in common to compare
      const plan: Pair = { a, b, base, filesA: new Map(), filesB: new Map(), merge: null };
      plans.push(plan);
      fill.push({ plan, side: 'filesA', diff: want(base, heads[a]!) }, { plan, side: 'filesB', diff: want(base, heads[b]!) });
    });
    mixed.forEach((m, i) => {
      const record = sides[m.meta]!.record!;
      const own = ownBase.get(m.live);
      const from = commits[i] ? record.base : ((own !== undefined ? bases[own]![0] : undefined) ?? sides[m.live]!.snap!.head);
      const plan: Pair = { a: m.a, b: m.b, base: commits[i] ? record.base : null, filesA: new Map(), filesB: new Map(), merge: null };
      plans.push(plan);
      const metaSide = m.meta === m.a ? 'filesA' : 'filesB';
      plan[metaSide] = filesFromRecord(record);
      fill.push({ plan, side: metaSide === 'filesA' ? 'filesB' : 'filesA', diff: want(from, heads[m.live]!) });
    });
    for (const [a, b] of pairIdx.filter(([x, y]) => !full(x) && !full(y))) {
      plans.push({ a, b, base: null, filesA: filesFromRecord(sides[a]!.record!), filesB: filesFromRecord(sides[b]!.record!), merge: null });
    }

    const lists = await diffCommits(ctx.repo.git, diffs, this.run);
    for (const f of fill) f.plan[f.side] = filesByBase(lists[f.diff]!);
    return plans;
  }

  /** One `git merge-tree --stdin` for every pair whose two states are here and both changed something. */
  private async mergeAll(sides: Side[], pairs: Pair[]): Promise<void> {
    const todo = pairs.filter((p) => sides[p.a]!.snap && sides[p.b]!.snap && p.base && p.filesA.size && p.filesB.size);
    const verdicts = await mergeVerdicts(
      this.ctx.repo.git,
      todo.map((p) => [sides[p.a]!.snap!.commit, sides[p.b]!.snap!.commit] as const),
      this.run,
    );
    todo.forEach((p, i) => (p.merge = verdicts[i]!));
    // Pairs with both states here and nothing to merge on one side merge cleanly.
    for (const p of pairs) if (!p.merge && sides[p.a]!.snap && sides[p.b]!.snap && p.base) p.merge = { clean: true, conflicts: [] };
  }

  private async compare(sides: Side[], pairs: Pair[]): Promise<Overlap[]> {
    // Files both sides of a pair changed, to different results.
    const shared: { pair: Pair; path: string; fa: SideFile; fb: SideFile }[] = [];
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

    // Blobs for hunks and symbols, read in one batch.
    const describe = new ChangeDescriber(this.ctx.repo.git);
    await describe.load(shared.flatMap((s) => [s.fa, s.fb].filter((f) => !f.published).map((f) => f.change)));
    this.check();
    const hunksOf = (f: SideFile): Hunk[] | null => (f.published ? (f.hunks ?? null) : describe.hunks(f.change));
    const symbolsOf = (f: SideFile, hunks: Hunk[] | null): Promise<string[] | null> => (f.published ? Promise.resolve(f.symbols ?? null) : describe.symbols(f.change, hunks));

    const overlaps: Overlap[] = [];
    const conflictsOf = new Map<Pair, Map<string, ConflictKind>>();
    for (const p of pairs) if (p.merge) conflictsOf.set(p, new Map(p.merge.conflicts.map((c) => [c.path, c.kind])));

    for (const s of shared) {
      this.check();
      const { pair } = s;
      const { fa, fb } = s;
      const ha = hunksOf(fa);
      const hb = hunksOf(fb);
      const [sa, sb] = await Promise.all([symbolsOf(fa, ha), symbolsOf(fb, hb)]);
      const levels: Level[] = ['file'];
      const comparable = fa.change.oldOid === fb.change.oldOid;
      const same = fa.published || fb.published ? undefined : (x: Hunk, y: Hunk) => describe.sameEdit(fa.change, x, fb.change, y);
      const lines = comparable && ha && hb ? touchingRanges(ha, hb, same) : [];
      const common = sa && sb ? sa.filter((x) => sb.includes(x)) : [];
      if (common.length) levels.push('symbol');
      if (lines.length) levels.push('hunk');
      const conflicts = conflictsOf.get(pair);
      const kind = conflicts ? (conflicts.get(fa.change.path) ?? conflicts.get(fb.change.path) ?? conflicts.get(s.path) ?? null) : null;
      if (kind) levels.push('merge');
      overlaps.push(this.overlap(sides, pair, s.path, levels, { fa, fb, ha, hb, sa, sb, lines, common, kind }));
      for (const path of [fa.change.path, fb.change.path, s.path]) conflicts?.delete(path);
    }
    // Merge conflicts on paths the two sides did not both change (directory/file, rename/delete...).
    for (const [pair, rest] of conflictsOf) {
      for (const [path, kind] of rest) {
        const fa = [...pair.filesA.values()].find((f) => f.change.path === path || f.change.oldPath === path) ?? null;
        const fb = [...pair.filesB.values()].find((f) => f.change.path === path || f.change.oldPath === path) ?? null;
        overlaps.push(this.overlap(sides, pair, path, ['merge'], { fa, fb, ha: null, hb: null, sa: null, sb: null, lines: [], common: [], kind }));
      }
    }
    return overlaps;
  }

  private overlap(
    sides: Side[],
    pair: Pair,
    path: string,
    levels: Level[],
    d: { fa: SideFile | null; fb: SideFile | null; ha: Hunk[] | null; hb: Hunk[] | null; sa: string[] | null; sb: string[] | null; lines: [number, number][]; common: string[]; kind: ConflictKind | null },
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
    };
  }

  /** Keep the overlaps on paths staged in the current worktree (what the next commit holds). */
  private async onlyStaged(self: Side, overlaps: Overlap[]): Promise<Overlap[]> {
    const wt = self.info.worktree!;
    const git = this.ctx.repo.git.pinned(self.gitDir!, wt);
    const env: Record<string, string> = { GIT_OPTIONAL_LOCKS: '0' };
    if (this.input.indexFile) env.GIT_INDEX_FILE = resolve(wt, this.input.indexFile);
    const { stdout } = await git.run(['diff-index', '--cached', '--name-only', '-z', '--no-renames', self.info.head!, '--'], { ...this.run(), env });
    const staged = new Set(splitNul(stdout));
    const selfKey = self.info.key;
    return overlaps.filter((o) => {
      const mine = o.a.key === selfKey ? o.a : o.b;
      return staged.has(o.path) || (mine.path !== null && staged.has(mine.path));
    });
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

function fileSize(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
}
