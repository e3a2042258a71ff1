/**
 * Build the CLI once (tests run the real bundle, as users do) and bundle the helper scripts that
 * tests start as separate processes (they import our TypeScript, which plain node cannot).
 */
import { buildSync } from 'esbuild';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';

export default function setup({ provide }: { provide: (key: string, value: string) => void }) {
  execFileSync(process.execPath, ['scripts/build.mjs'], { stdio: 'inherit' });
  const dir = mkdtempSync(join(tmpdir(), 'git-ctx-test-bin-'));
  buildSync({
    entryPoints: { 'add-worker': 'test/helpers/add-worker.ts', 'sync-worker': 'test/helpers/sync-worker.ts', 'claim-worker': 'test/helpers/claim-worker.ts' },
    outdir: dir,
    outExtension: { '.js': '.cjs' },
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    logLevel: 'warning',
  });
  provide('workerDir', dir);
  return () => rmSync(dir, { recursive: true, force: true });
}

declare module 'vitest' {
  export interface ProvidedContext {
    workerDir: string;
  }
}
