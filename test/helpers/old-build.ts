/**
 * An earlier git-ctx, built once from this repository's own history, for tests of two versions
 * syncing through one remote. `git archive <commit>` of the sources into a cache directory under the
 * system's temp dir, this checkout's node_modules linked in (the dependencies are the same), and the
 * project's own build script run there; later runs reuse the build. Returns the reason when it cannot
 * be built (a shallow clone without that commit).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, renameSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)));

export function oldBuild(commit: string): { bin: string } | { skip: string } {
  const dir = join(tmpdir(), `git-ctx-build-${commit}`);
  const bin = join(dir, 'dist', 'bin.cjs');
  if (existsSync(bin)) return { bin };
  try {
    execFileSync('git', ['cat-file', '-e', `${commit}^{commit}`], { cwd: ROOT, stdio: 'ignore' });
  } catch {
    return { skip: `commit ${commit} is not in this clone (a shallow checkout?): cannot build the earlier version` };
  }
  // Built aside, then renamed into place: test files running at once never see half a build.
  const work = mkdtempSync(join(tmpdir(), `git-ctx-build-${commit}-`));
  try {
    execFileSync('sh', ['-c', `git archive --format=tar ${commit} | tar -x -C "${work}"`], { cwd: ROOT, stdio: 'ignore' });
    symlinkSync(join(ROOT, 'node_modules'), join(work, 'node_modules'), 'dir');
    execFileSync(process.execPath, ['scripts/build.mjs'], { cwd: work, stdio: 'ignore' });
    mkdirSync(tmpdir(), { recursive: true });
    try {
      renameSync(work, dir);
    } catch {
      /* another run built it first */
    }
  } finally {
    if (existsSync(work)) rmSync(work, { recursive: true, force: true });
  }
  return existsSync(bin) ? { bin } : { skip: `the build of ${commit} did not produce dist/bin.cjs` };
}
