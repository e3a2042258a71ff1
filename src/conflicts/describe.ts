/**
 * Hunks and symbols of file changes, from the blobs themselves: the blobs are read in one
 * `cat-file --batch` call, each pair of blobs is diffed once and each blob parsed once, however many
 * pairs of sessions share them.
 */
import type { GitRunner } from '../git/run.js';
import { readObjects } from '../git/cat-file.js';
import type { FileChange } from './changes.js';
import { lineCount, lineHunks, wholeFile, type Hunk } from './hunks.js';
import { SymbolCache } from './symbols.js';

/** Files read as text for hunks and symbols at most this big. */
const MAX_TEXT_BYTES = 2 << 20;

/** Binary the way git decides it: a NUL in the first 8000 bytes. */
function isBinary(buf: Buffer): boolean {
  return buf.subarray(0, 8000).includes(0);
}

export class ChangeDescriber {
  private readonly texts = new Map<string, string | null>();
  private readonly hunkCache = new Map<string, Hunk[] | null>();
  private readonly lineCache = new Map<string, string[] | null>();
  private readonly symbolCache = new SymbolCache();
  constructor(private readonly git: GitRunner) {}

  /** Read the blobs these changes need (text only: binary or oversized blobs count as unknown). */
  async load(changes: Iterable<FileChange>): Promise<void> {
    const need = new Set<string>();
    for (const c of changes) {
      for (const oid of [c.oldOid, c.oid]) if (oid && !this.texts.has(oid)) need.add(oid);
    }
    const oids = [...need];
    if (!oids.length) return;
    await readObjects(this.git, oids, (i, obj) => {
      this.texts.set(oids[i]!, obj && obj.type === 'blob' && obj.content.length <= MAX_TEXT_BYTES && !isBinary(obj.content) ? obj.content.toString('utf8') : null);
    });
  }

  private text(oid: string | null): string | null | undefined {
    return oid ? this.texts.get(oid) : '';
  }

  /** The change's hunks against its base blob; null when either side is not text (or was not loaded). */
  hunks(c: FileChange): Hunk[] | null {
    const k = `${c.oldOid}:${c.oid}`;
    if (this.hunkCache.has(k)) return this.hunkCache.get(k)!;
    const before = this.text(c.oldOid);
    const after = this.text(c.oid);
    const h = before != null && after != null ? (lineHunks(before, after) ?? wholeFile(lineCount(before), lineCount(after))) : null;
    this.hunkCache.set(k, h);
    return h;
  }

  /** Whether hunk `x` of change `a` and hunk `y` of change `b` replace the same base lines with the same text. */
  sameEdit(a: FileChange, x: Hunk, b: FileChange, y: Hunk): boolean {
    if (x[0] !== y[0] || x[1] !== y[1] || x[3] !== y[3]) return false;
    const la = this.lines(a.oid);
    const lb = this.lines(b.oid);
    if (!la || !lb) return false;
    for (let i = 0; i < x[3]; i++) if (la[x[2] - 1 + i] !== lb[y[2] - 1 + i]) return false;
    return true;
  }

  private lines(oid: string | null): string[] | null {
    if (!oid) return [];
    let l = this.lineCache.get(oid);
    if (l === undefined) {
      const text = this.texts.get(oid);
      l = text == null ? null : text.split('\n');
      this.lineCache.set(oid, l);
    }
    return l;
  }

  /** Qualified names of the symbols the change touches; null when they cannot be known. */
  async symbols(c: FileChange, hunks: Hunk[] | null): Promise<string[] | null> {
    if (!hunks || (!SymbolCache.supports(c.path) && !SymbolCache.supports(c.oldPath))) return null;
    const blob = (oid: string | null) => {
      const text = oid ? this.texts.get(oid) : null;
      return oid && text != null ? { oid, text } : null;
    };
    return this.symbolCache.changed({ basePath: c.oldPath, path: c.path, base: blob(c.oldOid), side: blob(c.oid), hunks });
  }
}
