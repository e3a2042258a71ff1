// The linter: JavaScript's and TypeScript's recommended rules, and the rules of the house that a
// linter can check (docs/architecture.md): nothing below src/cli reads the process, the clock or
// randomness (they come through Deps), no `any`.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';

const impure = [
  { object: 'process', property: 'env', message: 'read the environment through Deps (src/deps.ts)' },
  { object: 'process', property: 'argv', message: 'only the command line reads argv' },
  { object: 'process', property: 'cwd', message: 'read the working directory through Deps' },
  { object: 'process', property: 'exit', message: 'only the command line exits' },
  { object: 'process', property: 'stdout', message: 'only the command line prints' },
  { object: 'process', property: 'stderr', message: 'only the command line prints' },
  { object: 'Date', property: 'now', message: 'read the clock through Deps (deps.now)' },
  { object: 'Math', property: 'random', message: 'take randomness from Deps (deps.random)' },
];

export default tseslint.config(
  // fixtures/ are other programs' inputs (test projects, symbol samples), not our code.
  { ignores: ['dist/**', 'node_modules/**', 'fixtures/**', 'src/model/gitleaks.gen.ts', 'coverage/**'] },
  js.configs.recommended,
  { languageOptions: { globals: globals.node } },
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none', ignoreRestSiblings: true }],
      // A destructuring of several names, one of them reassigned later, stays one `let`.
      'prefer-const': ['error', { destructuring: 'all' }],
    },
  },
  {
    files: ['**/*.ts'],
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      // Stripping control characters from what reaches a terminal or a commit is on purpose here.
      'no-control-regex': 'off',
    },
  },
  {
    // The core and everything under it: pure of the process, the clock and randomness.
    files: ['src/**/*.ts'],
    ignores: ['src/cli/**', 'src/bin.ts', 'src/launch.ts', 'src/deps.ts', 'src/builtins.ts', 'src/git/probe.ts'],
    rules: {
      'no-restricted-properties': ['error', ...impure],
      'no-restricted-syntax': ['error', { selector: "NewExpression[callee.name='Date'][arguments.length=0]", message: 'read the clock through Deps (deps.now)' }],
    },
  },
  {
    // Tests, benchmarks and scripts are programs of their own: they may read the process and the clock.
    files: ['test/**/*.ts', 'bench/**', 'scripts/**'],
    rules: { '@typescript-eslint/no-explicit-any': 'off', '@typescript-eslint/no-require-imports': 'off' },
  },
);
