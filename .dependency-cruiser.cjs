/**
 * The layers of src/, checked by `npm run lint` (dependency-cruiser). docs/architecture.md draws the
 * same map; change both together.
 *
 *   launch.ts, bin.ts            the executable: wires the real system, runs the command line
 *   cli/  mcp/  hooks/           front ends: the command line, the MCP server, git and agent hooks
 *   results/                     the JSON shapes both the command line and the MCP server return
 *   core/                        operations: op(ctx, input) -> result; never prints, never exits
 *   store/ conflicts/ regenerate/ testlog/ symbols/
 *                                engines the operations use: the branch, overlaps, derived context,
 *                                test logs, code symbols
 *   model/                       formats and rules: pure, no I/O
 *   git/                         the only folder that starts git
 *   errors.ts deps.ts builtins.ts   the ground everything stands on
 *
 * Imports point down the list, never up, and front ends never import each other (the command line's
 * `mcp` command starts the server, and `hook`/`agent-hook` run hooks/: those three are the front
 * ends' only meeting points).
 */
const FRONT = '^src/(cli|mcp|hooks)/';
const ENGINES = '^src/(store|conflicts|regenerate|testlog|symbols)/';

module.exports = {
  forbidden: [
    { name: 'no-cycles', severity: 'error', comment: 'a cycle makes two modules one: load order and layers stop meaning anything', from: { path: '^src/' }, to: { circular: true, viaOnly: { dependencyTypesNot: ['type-only'] } } },
    { name: 'nothing-imports-the-executable', severity: 'error', from: { path: '^src/' }, to: { path: '^src/(bin|launch)\\.ts$' } },
    {
      name: 'front-ends-stay-apart',
      severity: 'error',
      comment: 'the MCP server and the hooks share results through core/, not through the command line',
      from: { path: '^src/(mcp|hooks)/' },
      to: { path: '^src/cli/' },
    },
    { name: 'cli-reaches-mcp-only-to-serve', severity: 'error', from: { path: '^src/cli/', pathNot: '^src/cli/commands/mcp\\.ts$' }, to: { path: '^src/mcp/' } },
    { name: 'results-below-front-ends', severity: 'error', from: { path: '^src/results/' }, to: { path: FRONT } },
    { name: 'core-below-front-ends', severity: 'error', from: { path: '^src/core/' }, to: { path: `${FRONT}|^src/results/` } },
    { name: 'engines-below-core', severity: 'error', from: { path: ENGINES }, to: { path: `${FRONT}|^src/(core|results)/` } },
    { name: 'model-is-pure', severity: 'error', comment: 'model/ is formats and rules: no git, no files, no store', from: { path: '^src/model/' }, to: { path: '^src/(?!model/|errors\\.ts$)' } },
    { name: 'git-is-the-bottom', severity: 'error', from: { path: '^src/git/' }, to: { path: '^src/(?!git/|errors\\.ts$|deps\\.ts$|builtins\\.ts$)' } },
    { name: 'ground-stands-alone', severity: 'error', from: { path: '^src/(errors|deps|builtins)\\.ts$' }, to: { path: '^src/(?!errors\\.ts$|deps\\.ts$|builtins\\.ts$)' } },
    { name: 'no-dev-dependencies-at-run-time', severity: 'error', from: { path: '^src/' }, to: { dependencyTypes: ['npm-dev'] } },
    { name: 'declared-dependencies-only', severity: 'error', from: { path: '^src/' }, to: { dependencyTypes: ['npm-no-pkg', 'npm-unknown', 'unknown', 'undetermined'] } },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsConfig: { fileName: 'tsconfig.json' },
    tsPreCompilationDeps: true,
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default'] },
  },
};
