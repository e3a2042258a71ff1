// Load a TypeScript module of this repository from a bench script: esbuild bundles it to a temporary
// CommonJS file, which is then required. Bench scripts stay plain `node bench/x.mjs`.
import { buildSync } from 'esbuild';
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const require = createRequire(import.meta.url);

export function loadTs(entry) {
  return require(bundleTs(entry));
}

/** Bundle a TypeScript module to a temporary CommonJS file; returns its path (for other processes to require). */
export function bundleTs(entry) {
  const dir = mkdtempSync(join(tmpdir(), 'git-ctx-bench-'));
  process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
  const out = join(dir, 'mod.cjs');
  buildSync({ entryPoints: [entry], outfile: out, bundle: true, platform: 'node', format: 'cjs', target: 'node20', logLevel: 'error' });
  return out;
}
