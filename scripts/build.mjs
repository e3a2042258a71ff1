// Bundles src/bin.ts into dist/bin.js: one file loads faster than a tree of modules, and start-up
// time matters because git-ctx runs inside git and agent hooks.
import { build } from 'esbuild';
import { chmodSync } from 'node:fs';

await build({
  entryPoints: ['src/bin.ts'],
  outfile: 'dist/bin.cjs',
  bundle: true,
  platform: 'node',
  // CommonJS starts ~8 ms faster than an ES module on Node 20 (no ESM loader), and minifying trims parse time.
  format: 'cjs',
  minify: true,
  keepNames: true,
  target: 'node20',
  sourcemap: 'linked',
  // Packages that read files of their own at run time (tree-sitter's .wasm grammars), or that only one
  // command needs (saxes, for JUnit logs; the MCP SDK, for `mcp`; jsonc-parser, for `init --agent`), stay in node_modules: loaded lazily by the commands that need
  // them, not parsed by every start-up. They must be in "dependencies".
  external: ['@vscode/tree-sitter-wasm', 'saxes', '@modelcontextprotocol/sdk', 'jsonc-parser'],
  // import.meta.url does not exist in CommonJS: give modules the bundle's own URL, so that
  // createRequire(import.meta.url) resolves packages as it does from the sources.
  define: { 'import.meta.url': '__bundleUrl' },
  banner: { js: "#!/usr/bin/env node\nconst __bundleUrl = require('node:url').pathToFileURL(__filename).href;" },
  logLevel: 'warning',
});
chmodSync('dist/bin.cjs', 0o755);
