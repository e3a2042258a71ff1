// Builds the two files of dist/: git-ctx.cjs, the whole command line bundled into one file (one file
// loads faster than a tree of modules, and start-up matters because git-ctx runs inside git and agent
// hooks), and bin.cjs, the small executable that runs it through V8's code cache (src/launch.ts).
import { build } from 'esbuild';
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { generate } from './secret-rules.mjs';

// gitleaks' rules, compiled from the rule file its package ships into src/model/gitleaks.gen.ts
// (JavaScript regular expressions, bundled below: nothing is parsed or translated at run time).
generate();

// commander loads child_process as it starts (~4 ms: it brings net and streams) for subcommands that
// are programs of their own, which git-ctx has none of; a common `add` starts no process at all. Its
// child_process is loaded when first used instead.
const lazyChildProcess = {
  name: 'lazy-child-process',
  setup(b) {
    b.onResolve({ filter: /^(node:)?child_process$/ }, (args) => (/[\\/]node_modules[\\/]commander[\\/]/.test(args.importer) ? { path: 'child_process', namespace: 'lazy' } : undefined));
    b.onLoad({ filter: /.*/, namespace: 'lazy' }, () => ({
      contents: "let m; module.exports = new Proxy({}, { get: (_, k) => (m ??= require('node:child_process'))[k] });",
      loader: 'js',
    }));
  },
};

const common = {
  bundle: true,
  platform: 'node',
  // CommonJS starts ~8 ms faster than an ES module on Node 20 (no ESM loader), and minifying trims parse time.
  format: 'cjs',
  minify: process.env.GIT_CTX_BUILD_MINIFY !== '0',
  keepNames: true,
  target: 'node20',
  // Dynamic imports become lazy require() calls: vm.Script, which the launcher runs the bundle with,
  // has no module loader for a real import().
  supported: { 'dynamic-import': false },
  logLevel: 'warning',
  plugins: [lazyChildProcess],
};

await build({
  ...common,
  entryPoints: ['src/bin.ts'],
  outfile: 'dist/git-ctx.cjs',
  sourcemap: 'linked',
  // Packages that read files of their own at run time (tree-sitter's .wasm grammars), or that only one
  // command needs (saxes, for JUnit logs; the MCP SDK, for `mcp`; jsonc-parser, for `init --agent`),
  // stay in node_modules: loaded lazily by the commands that need them, not parsed by every start-up.
  // They must be in "dependencies".
  external: ['@vscode/tree-sitter-wasm', 'saxes', '@modelcontextprotocol/server', 'jsonc-parser', 'smol-toml'],
  // import.meta.url does not exist in CommonJS: give modules the bundle's own URL, so that
  // createRequire(import.meta.url) resolves packages as it does from the sources.
  define: { 'import.meta.url': '__bundleUrl' },
  banner: { js: "const __bundleUrl = require('node:url').pathToFileURL(__filename).href;" },
});

const hash = createHash('sha256').update(readFileSync('dist/git-ctx.cjs')).digest('hex').slice(0, 16);
await build({
  ...common,
  entryPoints: ['src/launch.ts'],
  outfile: 'dist/bin.cjs',
  define: { __BUNDLE_HASH__: JSON.stringify(hash) },
  banner: { js: '#!/usr/bin/env node' },
});
chmodSync('dist/bin.cjs', 0o755);

// The manual page (`git ctx --help` is `git help ctx`, which runs `man git-ctx`), from the built
// program itself, so that it says what -h says. npm installs it with the package ("man").
mkdirSync('dist/man', { recursive: true });
writeFileSync('dist/man/git-ctx.1', execFileSync(process.execPath, ['dist/bin.cjs', '--man-page'], { encoding: 'utf8' }));
