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
  // `npm test` (scripts/test.mjs) has just built it.
  if (process.env.GIT_CTX_TEST_BUILT !== '1') execFileSync(process.execPath, ['scripts/build.mjs'], { stdio: 'inherit' });
  const dir = mkdtempSync(join(tmpdir(), 'git-ctx-test-bin-'));
  buildSync({
    entryPoints: { 'add-worker': 'test/helpers/add-worker.ts', 'sync-worker': 'test/helpers/sync-worker.ts', 'claim-worker': 'test/helpers/claim-worker.ts', 'session-worker': 'test/helpers/session-worker.ts', 'ref-lock-worker': 'test/helpers/ref-lock-worker.ts' },
    outdir: dir,
    outExtension: { '.js': '.cjs' },
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    // As scripts/build.mjs: CommonJS has no import.meta (only the symbol parser, which no worker runs, reads it).
    define: { 'import.meta.url': '__bundleUrl' },
    banner: { js: "const __bundleUrl = require('node:url').pathToFileURL(__filename).href;" },
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
