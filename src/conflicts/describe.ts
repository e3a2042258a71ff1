/**
 * Hunks and symbols of file changes. Hunks come from git (one `diff-tree -p` for every change that
 * needs them, patch.ts); symbols from the blobs of the files in a language src/symbols reads, read in
 * one `cat-file --batch` call and each parsed once however many pairs of sessions share them.
 *
 * Lockfiles and generated files (by name, or the `linguist-generated` attribute) are compared at file
 * level, with a note: their hunks say nothing a person would act on, and a rewrite of one lists
 * thousands. Binary files (git's own test, the `-diff` attribute included) too.
 */
import type { GitRunner, RunOptions } from '../git/run.js';
import { splitNul } from '../git/run.js';
import type { FileChange } from './changes.js';
import type { Hunk } from './hunks.js';
import { blobPairKey, diffPatches, type BlobDiff } from './patch.js';
import { SymbolCache, type SymbolHits } from './symbol-overlaps.js';

/** Files read as text for symbols at most this big (src/symbols parses at most 1 MiB anyway). */
const MAX_TEXT_BYTES = 1 << 20;

/** Why a change is compared at file level only. */
export type DetailNote = 'lockfile' | 'generated' | 'binary';

/** Dependency lockfiles, by file name: written by tools, merged by re-running them. */
const LOCKFILES = new Set([
  'package-lock.json',
  'npm-shrinkwrap.json',
  'yarn.lock',
  'pnpm-lock.yaml',
  'bun.lockb',
  'bun.lock',
  'deno.lock',
  'Cargo.lock',
  'go.sum',
  'go.work.sum',
  'poetry.lock',
  'Pipfile.lock',
  'pdm.lock',
  'uv.lock',
  'Gemfile.lock',
  'composer.lock',
  'mix.lock',
  'pubspec.lock',
  'Podfile.lock',
  'Package.resolved',
  'flake.lock',
  'packages.lock.json',
  'gradle.lockfile',
  'conan.lock',
]);

export function isLockfile(path: string): boolean {
  return LOCKFILES.has(path.slice(path.lastIndexOf('/') + 1));
}

/** Binary the way git decides it: a NUL in the first 8000 bytes. */
function isBinary(buf: Buffer): boolean {
  return buf.subarray(0, 8000).includes(0);
}

/** Walk `cat-file --batch` output: `<oid> <type> <size>\n<content>\n` per object, `<name> missing\n` for none. */
function parseBatch(out: Buffer, onObject: (index: number, type: string | null, content: Buffer | null) => void): void {
  let pos = 0;
  for (let i = 0; pos < out.length; i++) {
    const nl = out.indexOf(0x0a, pos);
    if (nl < 0) return;
    const header = out.toString('utf8', pos, nl).split(' ');
    if (header.length !== 3) {
      onObject(i, null, null);
      pos = nl + 1;
      continue;
    }
    const end = nl + 1 + Number(header[2]);
    onObject(i, header[1]!, out.subarray(nl + 1, end));
    pos = end + 1;
  }
}

export class ChangeDescriber {
  private readonly texts = new Map<string, string | null>();
  private readonly diffs = new Map<string, BlobDiff>();
  private readonly generated = new Set<string>();
  private readonly symbolCache: SymbolCache;

  constructor(
    private readonly git: GitRunner,
    /** Asked while parsing: true stops the parse (a deadline passed); the symbols are then unknown. */
    stop?: () => boolean,
  ) {
    this.symbolCache = new SymbolCache(stop);
  }

  /** Whether a change is compared at file level only, and why (`binary` is known once diffs are loaded). */
  note(c: FileChange): DetailNote | null {
    if (isLockfile(c.path) || isLockfile(c.oldPath)) return 'lockfile';
    if (this.generated.has(c.path) || this.generated.has(c.oldPath)) return 'generated';
    if (c.oldOid !== c.oid && this.diffs.get(blobPairKey(c.oldOid, c.oid))?.hunks === null) return 'binary';
    return null;
  }

  /**
   * Mark the paths the `linguist-generated` attribute names as generated (one `check-attr` call).
   * Attributes of the worktree `git` runs in.
   */
  async loadAttributes(paths: readonly string[], run: () => RunOptions = () => ({})): Promise<void> {
    if (!paths.length) return;
    const r = await this.git.run(['check-attr', '-z', '--stdin', 'linguist-generated'], { ...run(), input: `${paths.join('\0')}\0`, okStatus: [0, 128] });
    if (r.status !== 0) return;
    const f = splitNul(r.stdout);
    for (let i = 0; i + 2 < f.length; i += 3) if (f[i + 2] === 'set' || f[i + 2] === 'true') this.generated.add(f[i]!);
  }

  /**
   * Git's hunks for these changes: the diffs from each `from` to its `to` that hold them, limited to
   * their paths (`all`: the diffs hold nothing else worth leaving out). Lockfiles and generated files
   * are left out.
   */
  async loadDiffs(commits: readonly { from: string; to: string }[], changes: readonly FileChange[], all: boolean, run: () => RunOptions = () => ({})): Promise<void> {
    const wanted = changes.filter((c) => c.oldOid !== c.oid && !this.diffs.has(blobPairKey(c.oldOid, c.oid)) && !this.note(c));
    if (!wanted.length) return;
    const paths = all ? null : [...new Set(wanted.flatMap((c) => (c.oldPath === c.path ? [c.path] : [c.oldPath, c.path])))];
    for (const [k, v] of await diffPatches(this.git, commits, paths, run)) this.diffs.set(k, v);
  }

  /**
   * Read the blobs symbols need: text files in a language src/symbols reads (binary or oversized ones
   * count as unknown). One `cat-file --batch`, killed with the rest at the deadline.
   */
  async loadTexts(changes: Iterable<FileChange>, run: () => RunOptions = () => ({})): Promise<void> {
    const need = new Set<string>();
    for (const c of changes) {
      if (this.note(c) || (!SymbolCache.supports(c.path) && !SymbolCache.supports(c.oldPath))) continue;
      for (const oid of [c.oldOid, c.oid]) if (oid && !this.texts.has(oid)) need.add(oid);
    }
    const oids = [...need];
    if (!oids.length) return;
    const r = await this.git.run(['cat-file', '--batch'], { ...run(), input: `${oids.join('\n')}\n` });
    parseBatch(r.stdout, (i, type, content) => {
      this.texts.set(oids[i]!, type === 'blob' && content && content.length <= MAX_TEXT_BYTES && !isBinary(content) ? content.toString('utf8') : null);
    });
  }

  /** The change's hunks against its base blob and their digests; null when not known (binary, lockfile, not loaded). */
  diff(c: FileChange): BlobDiff | null {
    if (c.oldOid === c.oid) return { hunks: [], digests: [] };
    if (this.note(c)) return null;
    return this.diffs.get(blobPairKey(c.oldOid, c.oid)) ?? null;
  }

  /** The symbols the change touches (qualified names, and which hunks touch each); null when they cannot be known. */
  async symbols(c: FileChange, hunks: Hunk[] | null): Promise<SymbolHits | null> {
    if (!hunks || (!SymbolCache.supports(c.path) && !SymbolCache.supports(c.oldPath))) return null;
    const blob = (oid: string | null) => {
      const text = oid ? this.texts.get(oid) : null;
      return oid && text != null ? { oid, text } : null;
    };
    return this.symbolCache.changed({ basePath: c.oldPath, path: c.path, base: blob(c.oldOid), side: blob(c.oid), hunks });
  }
}
