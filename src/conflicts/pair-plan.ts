/**
 * What each pair of sessions is compared from: its base, and each side's changed files.
 *
 * Three kinds of pair, each planned on its own:
 * - live: both sides are snapshots here. Each side's files are the diff from the pair's merge base to
 *   its snapshot, and the two are merged for real later.
 * - mixed: a live side and a session known only from its published record. The record's files stand
 *   for that side; the live side is measured from the record's base when that commit is here (line
 *   numbers then line up file by file), else from the live side's merge base with the default branch
 *   (hunks are then compared only on files whose base content is the same on both sides).
 * - published: two sessions known only from their records. Files from the records, no git at all.
 *
 * Git work is batched whatever the number of pairs: one call for every merge base, one for every diff.
 * A diff serves every pair that needs the same (from, to), through one shared map of files.
 */
import type { GitRunner, RunOptions } from '../git/run.js';
import type { CatFile } from '../git/cat-file.js';
import type { GitConfig } from '../git/config.js';
import { diffCommits, type FileChange } from './changes.js';
import type { Hunk } from './hunks.js';
import type { MergeVerdict } from './merge-verdicts.js';
import { mergeBases } from './merge-base.js';
import type { Snapshot } from './snapshot.js';
import type { SymbolHits } from './symbol-overlaps.js';
import type { WipRecord } from './wip.js';
import { defaultBranch } from './default-branch.js';

/** One changed file of one side of a pair, keyed in its map by its path in the base. */
export interface SideFile {
  change: FileChange;
  /** Known from a published record (else from git). */
  hunks?: Hunk[] | null;
  digests?: string[] | null;
  symbols?: SymbolHits | null;
  published: boolean;
}

export type Files = Map<string, SideFile>;

/** What planning needs of a session: its snapshot if it is here, else its published record. */
export interface PlanSide {
  snap: Snapshot | null;
  record: WipRecord | null;
  info: { origin: 'local' | 'published' };
}

/** A range of commits whose changed files one side of a pair is: from a base to a snapshot. */
export interface DiffSpec {
  from: string;
  to: string;
}

/** `a` and `b` index the sessions; `filesA`, `filesB` are shared with other pairs: read only. */
interface PairSides {
  a: number;
  b: number;
  filesA: Files;
  filesB: Files;
}

/** Both sides are snapshots here: measured from their merge base, merged for real. */
export interface LivePair extends PairSides {
  kind: 'live';
  base: string;
  /** The diffs (indexes into the plan's `diffs`) each side's files come from. */
  diffA: number;
  diffB: number;
  /** The real merge of the two snapshots: set by the merge phase (null until then, or out of time). */
  merge: MergeVerdict | null;
}

/** One side live, the other known from its published record only. */
export interface MixedPair extends PairSides {
  kind: 'mixed';
  /** The record's base when that commit is here; null when each side's lines are its own base's. */
  base: string | null;
  /** Which side is live, and the diff its files come from. */
  live: 'a' | 'b';
  diff: number;
  merge: null;
}

/** Both sides known from their published records only. */
export interface PublishedPair extends PairSides {
  kind: 'published';
  base: null;
  merge: null;
}

export type Pair = LivePair | MixedPair | PublishedPair;

export interface PairPlan {
  pairs: Pair[];
  /** Every distinct diff the pairs' files come from. */
  diffs: DiffSpec[];
  /** Local sides whose snapshot differs from HEAD by its tree id only: nothing is uncommitted. */
  clean: number[];
}

export interface PlanEnv {
  git: GitRunner;
  cat: CatFile;
  config: GitConfig;
  /** Options for each git call (the scan's deadline). */
  run: () => RunOptions;
}

/** The diff a side's files come from (null: the side is a published record). */
export function diffOfSide(pair: Pair, side: 'a' | 'b'): number | null {
  switch (pair.kind) {
    case 'live':
      return side === 'a' ? pair.diffA : pair.diffB;
    case 'mixed':
      return pair.live === side ? pair.diff : null;
    case 'published':
      return null;
  }
}

/**
 * Plan every pair (indexes into `sides`; a pair the two sides of which have no history in common is
 * left out). The same batch of diffs tells whether a dirty-looking local snapshot holds anything HEAD
 * does not (a tree written with zero-padded modes differs from git's rewrite of it, byte for byte).
 */
export async function planPairs(env: PlanEnv, sides: readonly PlanSide[], pairs: readonly (readonly [number, number])[]): Promise<PairPlan> {
  const here = (i: number) => sides[i]!.snap !== null;
  const live = pairs.filter(([a, b]) => here(a) && here(b));
  const mixed = await Promise.all(pairs.filter(([a, b]) => here(a) !== here(b)).map(([a, b]) => mixedInput(env, sides, a, b)));
  const published = pairs.filter(([a, b]) => !here(a) && !here(b));
  const bases = await pairBases(env, sides, live, mixed);

  // Each kind asks for its diffs now and gets its files once they are loaded. The order of the diffs
  // (live pairs, mixed pairs, dirty checks) is the order git is asked in.
  const diffs = new DiffBook();
  const pending: ((() => Pair) | null)[] = [
    ...live.map(([a, b], i) => planLive(a, b, bases.live[i], sides, diffs)),
    ...mixed.map((m) => planMixed(m, bases.withDefault.get(m.live), sides, diffs)),
    ...published.map(([a, b]) => planPublished(a, b, sides)),
  ];
  const dirtyChecks = sides.flatMap((s, i) => (s.snap?.dirty && s.info.origin === 'local' ? [{ side: i, diff: diffs.want(s.snap.head, s.snap.commit) }] : []));

  await diffs.load(env);
  return {
    pairs: pending.filter((p) => p !== null).map((p) => p()),
    diffs: diffs.specs,
    clean: dirtyChecks.filter((d) => diffs.changes(d.diff).length === 0).map((d) => d.side),
  };
}

/** Two live sides, each measured from their merge base; none (unrelated histories): nothing to compare. */
function planLive(a: number, b: number, base: string | undefined, sides: readonly PlanSide[], diffs: DiffBook): (() => LivePair) | null {
  if (!base) return null;
  const diffA = diffs.want(base, sides[a]!.snap!.commit);
  const diffB = diffs.want(base, sides[b]!.snap!.commit);
  return () => ({ kind: 'live', a, b, base, diffA, diffB, filesA: diffs.files(diffA), filesB: diffs.files(diffB), merge: null });
}

/**
 * A live side and a published record. The live side is measured from the record's base when that
 * commit is here, else from its merge base with the default branch (its HEAD when there is none).
 */
function planMixed(m: MixedInput, withDefault: string | undefined, sides: readonly PlanSide[], diffs: DiffBook): () => MixedPair {
  const snap = sides[m.live]!.snap!;
  const diff = diffs.want(m.baseHere ? m.record.base : (withDefault ?? snap.head), snap.commit);
  const liveIsA = m.live === m.a;
  return () => {
    const liveFiles = diffs.files(diff);
    const recordFiles = filesFromRecord(m.record);
    return {
      kind: 'mixed',
      a: m.a,
      b: m.b,
      base: m.baseHere ? m.record.base : null,
      live: liveIsA ? 'a' : 'b',
      diff,
      filesA: liveIsA ? liveFiles : recordFiles,
      filesB: liveIsA ? recordFiles : liveFiles,
      merge: null,
    };
  };
}

/** Two published records: their files, no git. */
function planPublished(a: number, b: number, sides: readonly PlanSide[]): () => PublishedPair {
  return () => ({ kind: 'published', a, b, base: null, filesA: filesFromRecord(sides[a]!.record!), filesB: filesFromRecord(sides[b]!.record!), merge: null });
}

interface MixedInput {
  a: number;
  b: number;
  live: number;
  record: WipRecord;
  /** Whether the record's base commit is here. */
  baseHere: boolean;
}

async function mixedInput(env: PlanEnv, sides: readonly PlanSide[], a: number, b: number): Promise<MixedInput> {
  const live = sides[a]!.snap ? a : b;
  const record = sides[live === a ? b : a]!.record!;
  const baseHere = (await env.cat.read(record.base))?.type === 'commit';
  return { a, b, live, record, baseHere };
}

/**
 * Merge bases in one git call: every live pair's, and each live side's with the default branch when it
 * meets a record whose base commit is not here. A pair without one has no history in common.
 */
async function pairBases(env: PlanEnv, sides: readonly PlanSide[], live: readonly (readonly [number, number])[], mixed: readonly MixedInput[]): Promise<{ live: (string | undefined)[]; withDefault: Map<number, string | undefined> }> {
  const heads = sides.map((s) => s.snap?.commit ?? '');
  const asked: (readonly [number, number])[] = [...live];
  const needDefault = [...new Set(mixed.filter((m) => !m.baseHere).map((m) => m.live))];
  const def = needDefault.length ? await defaultBranch(env.git, env.config, env.run) : null;
  if (def) {
    const defIndex = heads.push(def.oid) - 1;
    for (const side of needDefault) asked.push([side, defIndex]);
  }
  const bases = await mergeBases(env.git, heads, asked, env.run);
  const withDefault = new Map<number, string | undefined>();
  if (def) needDefault.forEach((side, i) => withDefault.set(side, bases[live.length + i]![0]));
  return { live: live.map((_, i) => bases[i]![0]), withDefault };
}

/** One diff per distinct (from, to), asked of git in one batch; one map of files per diff, built once. */
class DiffBook {
  readonly specs: DiffSpec[] = [];
  private readonly index = new Map<string, number>();
  private lists: FileChange[][] = [];
  private readonly maps = new Map<number, Files>();

  want(from: string, to: string): number {
    const key = `${from} ${to}`;
    let i = this.index.get(key);
    if (i === undefined) {
      i = this.specs.push({ from, to }) - 1;
      this.index.set(key, i);
    }
    return i;
  }

  async load(env: PlanEnv): Promise<void> {
    this.lists = await diffCommits(env.git, this.specs, env.run);
  }

  changes(i: number): FileChange[] {
    return this.lists[i]!;
  }

  files(i: number): Files {
    let m = this.maps.get(i);
    if (!m) this.maps.set(i, (m = filesByBase(this.changes(i))));
    return m;
  }
}

/** Base path of a change: where the file was before (renames), else where it is. */
function baseKey(c: FileChange): string {
  return c.status === 'R' ? c.oldPath : c.path;
}

function filesByBase(changes: readonly FileChange[]): Files {
  const m: Files = new Map();
  for (const c of changes) m.set(baseKey(c), { change: c, published: false });
  return m;
}

function filesFromRecord(r: WipRecord): Files {
  const m: Files = new Map();
  for (const f of r.files) {
    const change: FileChange = { status: f.status, path: f.path, oldPath: f.oldPath ?? f.path, oldOid: f.oldOid, oid: f.oid, oldMode: f.mode, mode: f.mode };
    const symbols = f.symbols ? { names: f.symbols, hunks: f.symbolHunks ?? null, lines: f.symbolLines ?? null } : null;
    m.set(baseKey(change), { change, hunks: f.hunks, digests: f.digests ?? null, symbols, published: true });
  }
  return m;
}
