/**
 * Paths from test logs as repository paths: runners write them absolute (jest, go), relative to where
 * they ran (pytest, vitest), or as a bare file name (a Java stack frame's MathTest.java).
 */
import { existsSync } from 'node:fs';
import { isAbsolute, join, relative, resolve, sep } from 'node:path';

function inside(workTree: string, abs: string): string | null {
  const rel = relative(workTree, abs);
  return rel && !rel.startsWith('..') && !isAbsolute(rel) ? rel.split(sep).join('/') : null;
}

/**
 * `file` as a path in the worktree when it names one: an absolute path under it; a path relative to
 * the current directory; an absolute path from another checkout whose tail is a file here; a bare name
 * that exactly one changed file has. Anything else is returned as it is.
 */
export function repoPath(file: string, opts: { workTree: string | null; cwd: string; changed: ReadonlyMap<string, string[]> }): string {
  const { workTree, cwd, changed } = opts;
  if (file.startsWith('file://')) {
    try {
      file = decodeURIComponent(new URL(file).pathname);
    } catch {
      /* kept as it is */
    }
  }
  if (workTree) {
    if (isAbsolute(file)) {
      const rel = inside(workTree, file);
      if (rel) return rel;
      // Another checkout's absolute path (a report made in CI, or in a scratch copy): its longest tail
      // that is a file here.
      const parts = file.split('/').filter(Boolean);
      for (let i = 1; i < parts.length; i++) {
        const tail = parts.slice(i).join('/');
        if (existsSync(join(workTree, tail))) return tail;
      }
    } else if (file.includes('/') || file.includes('.')) {
      const fromCwd = resolve(cwd, file);
      const rel = inside(workTree, fromCwd);
      if (rel && !existsSync(join(workTree, file)) && existsSync(fromCwd)) return rel;
    }
  }
  if (!file.includes('/')) {
    const hits = changed.get(file);
    if (hits?.length === 1) return hits[0]!;
  }
  return file;
}
