/**
 * Changed line ranges from git itself: `git diff-tree -p -U0` for the commits and paths that need them,
 * so that hunks align exactly as the merge's own diffs do (histogram, as merge-ort hardcodes it) and
 * a 20,000-line lockfile costs what it costs git (milliseconds), never a line diff in this process.
 *
 * Hunks are keyed by the pair of blobs (`index <old>..<new>` with --full-index): the same change met in
 * several diffs is one entry, and no path has to be parsed out of a patch header. Each hunk also gets
 * a digest of the lines it writes, so that two sides making the very same edit are recognised without
 * the texts (and across machines, from a published record).
 */
import type { GitRunner, RunOptions } from '../git/run.js';
import { nodeCrypto } from '../builtins.js';
import type { Hunk } from './hunks.js';

export interface BlobDiff {
  /** Null when git reports the pair as binary (a NUL byte, or the `-diff`/`binary` attribute). */
  hunks: Hunk[] | null;
  /** For each hunk, a digest of the lines it writes (see `digestLines`). */
  digests: string[] | null;
}

const ZERO = /^0+$/;
const HUNK = /^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@/;
const INDEX = /^index ([0-9a-f]+)\.\.([0-9a-f]+)/;

/** The key of a change from blob `oldOid` to blob `oid` (null: absent on that side). */
export function blobPairKey(oldOid: string | null, oid: string | null): string {
  return `${oldOid ?? ''}:${oid ?? ''}`;
}

/** 16 hex characters of the written lines, each with its newline (a last line without one is marked). */
function digest(lines: string[], noEol: boolean): string {
  const h = nodeCrypto().createHash('sha1');
  for (const l of lines) h.update(`${l}\n`, 'latin1');
  if (noEol) h.update('\\', 'latin1');
  return h.digest('hex').slice(0, 16);
}

/**
 * Parse `diff-tree -p -U0 --full-index` output (of any number of diffs) into hunks per blob pair.
 * Lines are read as latin1 (one character per byte): digests hash the bytes as git wrote them.
 * Within a hunk the header's counts say how many `-` and `+` lines follow, so a content line that
 * looks like a header can never be mistaken for one.
 */
export function parsePatches(out: Buffer | string): Map<string, BlobDiff> {
  const text = typeof out === 'string' ? out : out.toString('latin1');
  const diffs = new Map<string, BlobDiff>();
  let current: BlobDiff | null = null;
  let pos = 0;
  const next = (): string | null => {
    if (pos >= text.length) return null;
    const nl = text.indexOf('\n', pos);
    const line = nl < 0 ? text.slice(pos) : text.slice(pos, nl);
    pos = nl < 0 ? text.length : nl + 1;
    return line;
  };
  for (let line = next(); line !== null; line = next()) {
    if (line.startsWith('diff --git ')) {
      current = null;
      continue;
    }
    const idx = INDEX.exec(line);
    if (idx) {
      current = { hunks: [], digests: [] };
      diffs.set(blobPairKey(ZERO.test(idx[1]!) ? null : idx[1]!, ZERO.test(idx[2]!) ? null : idx[2]!), current);
      continue;
    }
    if (!current) continue;
    if (line.startsWith('Binary files ')) {
      current.hunks = null;
      current.digests = null;
      current = null;
      continue;
    }
    const m = HUNK.exec(line);
    if (!m || !current.hunks) continue;
    const oldLines = m[2] === undefined ? 1 : Number(m[2]);
    const newLines = m[4] === undefined ? 1 : Number(m[4]);
    current.hunks.push([Number(m[1]), oldLines, Number(m[3]), newLines]);
    const written: string[] = [];
    let noEol = false;
    let removed = 0;
    while (removed < oldLines || written.length < newLines || text.startsWith('\\', pos)) {
      const l = next();
      if (l === null) break;
      if (l.startsWith('-')) removed++;
      else if (l.startsWith('+')) written.push(l.slice(1));
      else if (l.startsWith('\\')) noEol = written.length === newLines && newLines > 0 ? true : noEol;
      else break; // malformed: stop reading this hunk
    }
    current.digests!.push(digest(written, noEol));
  }
  return diffs;
}

/** Input lines for `diff-tree --stdin`: `<to> <from>` asks for the diff from `from` to `to`. */
function stdinOf(pairs: readonly { from: string; to: string }[]): string {
  return pairs.map((p) => `${p.to} ${p.from}\n`).join('');
}

/** Past this many bytes of paths on one command line, the paths go in several calls. */
const MAX_PATH_BYTES = 96 << 10;

/**
 * The hunks of every blob pair changed between each `from` and its `to` (commits), limited to `paths`
 * (both the old and the new path of a rename must be listed for git to pair them; null: all paths).
 * One git process (a few for very long path lists). Renames are followed as in the file lists.
 */
export async function diffPatches(git: GitRunner, pairs: readonly { from: string; to: string }[], paths: readonly string[] | null, run: () => RunOptions = () => ({})): Promise<Map<string, BlobDiff>> {
  const out = new Map<string, BlobDiff>();
  if (!pairs.length || (paths && !paths.length)) return out;
  const chunks: (readonly string[] | null)[] = [];
  if (!paths) chunks.push(null);
  else {
    let chunk: string[] = [];
    let bytes = 0;
    for (const p of paths) {
      if (chunk.length && bytes + p.length > MAX_PATH_BYTES) {
        chunks.push(chunk);
        chunk = [];
        bytes = 0;
      }
      chunk.push(p);
      bytes += p.length + 1;
    }
    chunks.push(chunk);
  }
  const args = ['diff-tree', '--stdin', '-r', '-p', '-U0', '--full-index', '--histogram', '-M', '--no-ext-diff', '--no-textconv', '--no-color', '--src-prefix=a/', '--dst-prefix=b/'];
  const results = await Promise.all(
    chunks.map((chunk) =>
      // Literal pathspecs: a path may hold `*`, `?` or `[`.
      git.run(chunk ? [...args, '--', ...chunk] : args, { ...run(), input: stdinOf(pairs), env: { GIT_LITERAL_PATHSPECS: '1' } }),
    ),
  );
  for (const r of results) for (const [k, v] of parsePatches(r.stdout)) out.set(k, v);
  return out;
}
