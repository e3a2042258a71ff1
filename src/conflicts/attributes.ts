/**
 * Which `.gitattributes` a merge verdict is decided under. A real `git merge` reads the attributes of
 * the worktree it runs in (a `merge=union` driver, `-merge`, `binary`...), so the verdict must come
 * from the sessions' own attribute files, never from the worktree that happens to run the scan: when
 * both sides of a pair hold the same attribute files, those; when they differ (the verdict then
 * depends on who merges), the merge base's.
 *
 * Git 2.39 has no `--attr-source`, and `merge-tree` reads `.gitattributes` relative to the directory
 * it runs in (measured: not GIT_WORK_TREE's top). So the chosen files are written into a private
 * directory, and merge-tree runs there with that directory as its worktree and an empty index: the
 * repository-wide `info/attributes` and the user's global attributes still apply, as in a real merge.
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { GitRunner, RunOptions } from '../git/run.js';
import { splitNul } from '../git/run.js';
import type { FileChange } from './changes.js';
import { mapLimit } from './limit.js';

/** Attribute files of a tree: path -> blob id. */
export type AttributeFiles = ReadonlyMap<string, string>;

const NAME = '.gitattributes';

function isAttributes(path: string): boolean {
  return path === NAME || path.endsWith(`/${NAME}`);
}

/** Parse `ls-tree -r -z --full-tree` output, keeping the attribute files. */
export function parseAttributeListing(out: Buffer | string): Map<string, string> {
  const files = new Map<string, string>();
  for (const rec of splitNul(out)) {
    const tab = rec.indexOf('\t');
    const path = rec.slice(tab + 1);
    if (!isAttributes(path)) continue;
    const [mode, type, oid] = rec.slice(0, tab).split(' ');
    if (type === 'blob' && mode !== '120000') files.set(path, oid!);
  }
  return files;
}

/** The attribute files of each tree (commits are fine), one `ls-tree` per distinct tree. */
export async function attributeFilesOf(git: GitRunner, trees: readonly string[], run: () => RunOptions = () => ({})): Promise<Map<string, AttributeFiles>> {
  const out = new Map<string, AttributeFiles>();
  await mapLimit([...new Set(trees)], 3, async (t) => {
    const r = await git.run(['ls-tree', '-r', '-z', '--full-tree', t], run());
    out.set(t, parseAttributeListing(r.stdout));
  });
  return out;
}

/** A side's attribute files: its base's, with the side's own changes to attribute files applied. */
export function withChanges(base: AttributeFiles, changes: Iterable<FileChange>): AttributeFiles {
  let files: Map<string, string> | null = null;
  for (const c of changes) {
    if (!isAttributes(c.path) && !isAttributes(c.oldPath)) continue;
    files ??= new Map(base);
    if (c.status === 'R') files.delete(c.oldPath);
    if (c.oid && isAttributes(c.path) && c.mode !== '120000') files.set(c.path, c.oid);
    else files.delete(c.path);
  }
  return files ?? base;
}

/** Equal sets of attribute files have equal keys. */
export function attributesKey(files: AttributeFiles): string {
  return [...files].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([p, o]) => `${o} ${p}`).join('\n');
}

/** The files a merge of two sides is decided under: theirs when both agree, else the base's. */
export function mergeAttributes(base: AttributeFiles, a: AttributeFiles, b: AttributeFiles): AttributeFiles {
  return attributesKey(a) === attributesKey(b) ? a : base;
}

/**
 * Write a set of attribute files into `dir` (created), reading each blob with `read`. Returns the
 * environment a git command run in `dir` needs to see them, and nothing else, as its worktree's.
 */
export async function writeAttributeDir(dir: string, files: AttributeFiles, read: (oid: string) => Promise<Buffer | null>): Promise<Record<string, string>> {
  mkdirSync(dir, { recursive: true });
  await Promise.all(
    [...files].map(async ([path, oid]) => {
      const content = await read(oid);
      if (content === null || path.split('/').some((part) => part === '..' || part === '.git' || part === '')) return;
      const file = join(dir, path);
      mkdirSync(dirname(file), { recursive: true });
      writeFileSync(file, content);
    }),
  );
  // An index that does not exist is an empty one: no attribute file is read from the user's index.
  return { GIT_INDEX_FILE: join(dir, '.git-ctx-no-index') };
}

export function removeAttributeDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}
