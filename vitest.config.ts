import { defineConfig } from 'vitest/config';
import { BaseSequencer, type TestSpecification } from 'vitest/node';

/**
 * `npm run test:quick`: the inner loop's subset, under a minute on 2 cores. Every layer once (formats,
 * parsers, symbols, the store's objects and index, the command line's errors, hooks' files, the manual
 * page) against real git, without the long concurrency, crash, sync and agent runs.
 */
const QUICK = [
  'model', 'session-model', 'properties', 'symbols', 'testlog', 'testlog-console', 'conflicts-parts', 'columns',
  'objects', 'brief-handoff', 'handoff', 'handoff-content', 'regenerate-symbols', 'not-initialised', 'launch',
  'secret-rules', 'secrets-paths', 'agent-codex', 'agent-config', 'plugin', 'bad-input', 'manpage', 'docs', 'error-codes',
  'task-model',
].map((f) => `test/${f}.test.ts`);
const quick = process.env.GIT_CTX_QUICK === '1';

/**
 * The files that take longest on 2 cores (7 s and more each, mostly real processes at once), longest
 * first. They start first: a long file that starts last runs on alone while the other worker idles.
 * (Without a list vitest orders a fresh clone's files by size; with its cache of a previous run, by
 * duration. A file missing here only starts later.)
 */
const LONGEST = ['crash', 'concurrency', 'crash-commands', 'tasks', 'agent-hooks', 'hooks', 'sync', 'sync-servers', 'sync-clones', 'mcp', 'ref-lock', 'index-checks', 'lean-write', 'claims-remote', 'sync-compat'].map((f) => `/test/${f}.test.ts`);

class LongestFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const rank = (f: TestSpecification) => {
      const i = LONGEST.findIndex((l) => f.moduleId.endsWith(l));
      return i < 0 ? LONGEST.length : i;
    };
    const group = (f: TestSpecification) => f.project.config.sequence.groupOrder ?? 0;
    // Stable: within a rank (and for every file not listed), vitest's own order.
    const sorted = await super.sort(files);
    return sorted.map((f, i) => ({ f, i })).sort((a, b) => group(a.f) - group(b.f) || rank(a.f) - rank(b.f) || a.i - b.i).map(({ f }) => f);
  }
}

export default defineConfig({
  test: {
    pool: 'forks',
    sequence: { sequencer: LongestFirst },
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Two cores: more parallel files only make the concurrency tests slower and noisier.
    maxWorkers: 2,
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: quick ? QUICK : ['test/**/*.test.ts'],
          exclude: ['test/e2e/**'],
          globalSetup: ['test/helpers/global-setup.ts'],
        },
      },
      {
        // The real agent CLIs against a scripted model (test/e2e). After the unit project (groupOrder),
        // one file at a time: its scenarios load both cores on purpose, which must neither disturb
        // other tests nor add up with each other.
        extends: true,
        test: {
          name: 'e2e',
          include: quick ? [] : ['test/e2e/**/*.test.ts'],
          globalSetup: ['test/e2e/global-setup.ts'],
          sequence: { groupOrder: 1 },
          fileParallelism: false,
          hookTimeout: 10 * 60_000,
        },
      },
    ],
  },
});
