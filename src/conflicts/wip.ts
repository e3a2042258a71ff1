/**
 * Published work in progress: what a session is editing, recorded on the context branch so that
 * sessions on other machines can compare their edits with it. Pure (format, paths, keys).
 *
 * One file per publish, `state/wip/<session-key>/<id>.json`, never edited: readers take the newest id
 * of each key, and a publish removes the older files of its own key in the same commit. The key is
 * derived from the host and the worktree's path, so two machines whose sessions share a name (a
 * `project` folder on `main` on both) never write the same path, and only one writer ever touches a
 * key. The record holds paths, blob ids, line numbers and symbol names: no file content.
 */
import { basename } from 'node:path';
import type { ChangeStatus } from './changes.js';
import type { Hunk } from './hunks.js';
import { nodeCrypto } from '../builtins.js';

export const WIP_FORMAT = 1;
export const WIP_ROOT = 'state/wip';
/** Published snapshot commits, when `ctx.publish.snapshots` is on (sync pushes them). */
export const WIP_REF_PREFIX = 'refs/ctx/wip/';

export interface WipFile {
  path: string;
  /** The path in the base, when renamed or copied. */
  oldPath?: string;
  status: ChangeStatus;
  oldOid: string | null;
  oid: string | null;
  mode: string;
  /** Hunks against the base blob; null when not computed (binary, lockfile, too many files). */
  hunks: Hunk[] | null;
  /**
   * For each hunk, a digest of the lines it writes (patch.ts): the same edit made on another machine
   * is recognised without any file content. Absent in records written before it existed.
   */
  digests?: string[] | null;
  /** Qualified names of the symbols the change touches; null when the language is not supported. */
  symbols: string[] | null;
  /**
   * Per symbol, the indexes of the hunks that touch it, and its length in base lines (0: not in the
   * base): a reader weighs them as for local sessions (same edits, long symbols). Absent in records
   * written before they existed (every common name then counts).
   */
  symbolHunks?: number[][];
  symbolLines?: number[];
}

export interface WipRecord {
  format: number;
  id: string;
  key: string;
  session: string;
  agent: string;
  host: string;
  /** The repository's common git dir on that host (tells this clone's own records from others'). */
  repo: string;
  worktree: string;
  branch: string | null;
  head: string;
  /** The commit the changes are measured from: the merge base of the snapshot with the default branch. */
  base: string;
  baseRef: string | null;
  /** The snapshot commit (HEAD plus uncommitted changes) and its tree. */
  snapshot: string;
  tree: string;
  publishedAt: string;
  files: WipFile[];
  /** Files past the detail limit are listed with paths only. */
  truncated: boolean;
}

/** `<folder>-<10 hex>`: readable, and unique per host and worktree path. */
export function sessionKey(host: string, worktree: string): string {
  const slug = basename(worktree).toLowerCase().replace(/[^a-z0-9._-]+/g, '-').replace(/^[.-]+|-+$/g, '').slice(0, 40) || 'worktree';
  const hash = nodeCrypto().createHash('sha1').update(`${host}\0${worktree}`).digest('hex').slice(0, 10);
  return `${slug}-${hash}`;
}

export function wipPath(key: string, id: string): string {
  return `${WIP_ROOT}/${key}/${id}.json`;
}

/** Readable in `git show`: one line per field, one line per file. */
export function serializeWip(r: WipRecord): string {
  const { files, ...head } = r;
  const top = JSON.stringify(head, null, 2).replace(/\n}$/, '');
  const lines = files.map((f) => `    ${JSON.stringify(f)}`);
  return `${top},\n  "files": [${lines.length ? `\n${lines.join(',\n')}\n  ` : ''}]\n}\n`;
}

const OID = /^[0-9a-f]{40}([0-9a-f]{24})?$/;
const STATUS = new Set(['A', 'M', 'D', 'R', 'C', 'T']);

function str(v: unknown, what: string): string {
  if (typeof v !== 'string') throw new Error(`${what} is not a string`);
  return v;
}
function oid(v: unknown, what: string): string {
  if (typeof v !== 'string' || !OID.test(v)) throw new Error(`${what} is not an object id`);
  return v;
}
function optOid(v: unknown, what: string): string | null {
  return v === null || v === undefined ? null : oid(v, what);
}

function parseDigests(v: unknown, hunks: Hunk[] | null): string[] | null {
  if (v === null || v === undefined || !hunks) return null;
  if (!Array.isArray(v) || v.length !== hunks.length || !v.every((d) => typeof d === 'string' && /^[0-9a-f]{16}$/.test(d))) throw new Error('bad digests');
  return v as string[];
}

function parseHunks(v: unknown): Hunk[] | null {
  if (v === null || v === undefined) return null;
  if (!Array.isArray(v)) throw new Error('hunks is not a list');
  const hunks = v.map((h) => {
    if (!Array.isArray(h) || h.length !== 4 || !h.every((n) => Number.isInteger(n) && n >= 0)) throw new Error('bad hunk');
    return [h[0], h[1], h[2], h[3]] as Hunk;
  });
  // In base order, as git writes them (overlaps are found in one sweep).
  if (hunks.some((h, i) => i > 0 && h[0] < hunks[i - 1]![0])) throw new Error('bad hunk order');
  return hunks;
}

/** Per symbol, its hunks (valid indexes, ascending) and base length; absent when not written (older records). */
function parseSymbolWeights(hv: unknown, lv: unknown, symbols: string[] | null, hunks: Hunk[] | null): { symbolHunks?: number[][]; symbolLines?: number[] } {
  if (hv === undefined && lv === undefined) return {};
  if (!symbols || !hunks) throw new Error('symbol weights without symbols or hunks');
  const index = (n: unknown) => Number.isInteger(n) && (n as number) >= 0 && (n as number) < hunks.length;
  if (!Array.isArray(hv) || hv.length !== symbols.length || !hv.every((l) => Array.isArray(l) && l.every(index) && l.every((n, i) => i === 0 || n > l[i - 1]))) throw new Error('bad symbolHunks');
  if (!Array.isArray(lv) || lv.length !== symbols.length || !lv.every((n) => Number.isInteger(n) && n >= 0)) throw new Error('bad symbolLines');
  return { symbolHunks: hv as number[][], symbolLines: lv as number[] };
}

/** Parse and check a record written by any version-1 writer (another machine's: trust nothing). */
export function parseWip(text: string): WipRecord {
  const j = JSON.parse(text) as Record<string, unknown>;
  if (j.format !== WIP_FORMAT) throw new Error(`unknown format ${String(j.format)}`);
  if (!Array.isArray(j.files)) throw new Error('files is not a list');
  const files: WipFile[] = j.files.map((f: Record<string, unknown>) => {
    const status = str(f.status, 'status');
    if (!STATUS.has(status)) throw new Error(`bad status ${status}`);
    const hunks = parseHunks(f.hunks);
    const digests = parseDigests(f.digests, hunks);
    const symbols = Array.isArray(f.symbols) ? f.symbols.map((s) => str(s, 'symbol')) : null;
    const weights = parseSymbolWeights(f.symbolHunks, f.symbolLines, symbols, hunks);
    return {
      path: str(f.path, 'path'),
      ...(f.oldPath !== undefined ? { oldPath: str(f.oldPath, 'oldPath') } : {}),
      status: status as ChangeStatus,
      oldOid: optOid(f.oldOid, 'oldOid'),
      oid: optOid(f.oid, 'oid'),
      mode: str(f.mode, 'mode'),
      hunks,
      ...(digests ? { digests } : {}),
      symbols,
      ...weights,
    };
  });
  return {
    format: WIP_FORMAT,
    id: str(j.id, 'id'),
    key: str(j.key, 'key'),
    session: str(j.session, 'session'),
    agent: str(j.agent, 'agent'),
    host: str(j.host, 'host'),
    repo: str(j.repo, 'repo'),
    worktree: str(j.worktree, 'worktree'),
    branch: j.branch === null || j.branch === undefined ? null : str(j.branch, 'branch'),
    head: oid(j.head, 'head'),
    base: oid(j.base, 'base'),
    baseRef: j.baseRef === null || j.baseRef === undefined ? null : str(j.baseRef, 'baseRef'),
    snapshot: oid(j.snapshot, 'snapshot'),
    tree: oid(j.tree, 'tree'),
    publishedAt: str(j.publishedAt, 'publishedAt'),
    files,
    truncated: j.truncated === true,
  };
}

/** Whether two records describe the same work (all but when and under which id they were written). */
export function sameWork(a: WipRecord, b: WipRecord): boolean {
  const strip = (r: WipRecord) => serializeWip({ ...r, id: '', publishedAt: '' });
  return strip(a) === strip(b);
}
