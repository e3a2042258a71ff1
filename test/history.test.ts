/**
 * The in-process merge bases (src/store/history.ts) against git's own `merge-base --all` and
 * `--independent`, on random histories with the shapes sync makes: criss-cross merges, octopus
 * merges, unrelated roots, equal commit times and clocks that go backwards.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { git, makeRepo } from './helpers/repo.js';
import { withCtx } from './helpers/remote.js';
import { independentOf, mergeBasesOf } from '../src/store/history.js';
import { mergeCommits } from '../src/store/merge-tips.js';

/** Commits made with `commit-tree`: parents by index into those made before, a time each. */
function buildDag(repo: string, spec: { parents: number[]; time: number }[]): string[] {
  const tree = git(repo, ['mktree'], { input: '' });
  const out: string[] = [];
  spec.forEach((c, i) => {
    // Mostly recent parents, as real histories have; index 0 of a later commit may start a new root.
    const parents = i === 0 ? [] : [...new Set(c.parents.map((p) => i - 1 - (p % Math.min(i, 6))))].flatMap((p) => ['-p', out[p]!]);
    const date = `${1_700_000_000 + c.time} +0000`;
    out.push(git(repo, ['commit-tree', tree, ...parents, '-m', `c${i}`], { env: { GIT_AUTHOR_DATE: date, GIT_COMMITTER_DATE: date } }));
  });
  return out;
}

const gitBases = (repo: string, commits: string[]) => {
  try {
    return git(repo, ['merge-base', '--all', ...commits]).split('\n').filter(Boolean).sort();
  } catch {
    return [];
  }
};

describe('merge bases in process', () => {
  it('agree with git merge-base --all and --independent on random histories', async () => {
    const repo = makeRepo({ empty: true });
    const dag = fc.array(
      fc.record({ parents: fc.array(fc.nat(40), { maxLength: 4 }), time: fc.integer({ min: 0, max: 30 }) }),
      { minLength: 2, maxLength: 40 },
    );
    await withCtx(repo, async (c) => {
      await fc.assert(
        fc.asyncProperty(dag, fc.array(fc.nat(39), { minLength: 2, maxLength: 6 }), async (spec, picks) => {
          const commits = buildDag(repo, spec);
          const tips = picks.map((p) => commits[p % commits.length]!);
          expect(await mergeBasesOf(c.store, tips[0]!, tips.slice(1))).toEqual(gitBases(repo, tips));
          const independent = git(repo, ['merge-base', '--independent', ...new Set(tips)]).split('\n').filter(Boolean).sort();
          expect(await independentOf(c.store, tips)).toEqual(independent);
        }),
        { numRuns: 40 },
      );
    });
  }, 120_000);
});

describe('merging criss-crossed histories', () => {
  it('merges against the union of the merge bases: a removal made in one base line wins over a side that kept the file unchanged', async () => {
    const repo = makeRepo({ empty: true });
    const blob = (text: string) => git(repo, ['hash-object', '-w', '--stdin'], { input: text });
    const [a, p, y, z, w] = ['a\n', 'p\n', 'y\n', 'z\n', 'w\n'].map(blob) as [string, string, string, string, string];
    const tree = (files: Record<string, string>) => git(repo, ['mktree'], { input: Object.entries(files).map(([n, o]) => `100644 blob ${o}\t${n}\n`).join('') });
    let t = 0;
    const commit = (files: Record<string, string>, parents: string[]) => {
      const date = `${1_700_000_000 + t++} +0000`;
      return git(repo, ['commit-tree', tree(files), ...parents.flatMap((x) => ['-p', x]), '-m', `c${t}`], { env: { GIT_AUTHOR_DATE: date, GIT_COMMITTER_DATE: date } });
    };
    const b0 = commit({ a, p }, []);
    const x1 = commit({ a }, [b0]); // retention removed p
    const y1 = commit({ a, p, y }, [b0]);
    const x2 = commit({ a, y }, [x1, y1]); // merged: the removal won
    const y2 = commit({ a, p, y }, [y1, x1]); // merged by a writer that kept p unchanged
    const ours = commit({ a, y, z }, [x2]);
    const theirs = commit({ a, p, y, w }, [y2]);
    await withCtx(repo, async (c) => {
      expect(await mergeBasesOf(c.store, ours, [theirs])).toEqual([x1, y1].sort());
      const merged = await mergeCommits(c.store, [ours, theirs]);
      const names = git(repo, ['ls-tree', '--name-only', merged!.commit]).split('\n');
      expect(names.sort()).toEqual(['a', 'w', 'y', 'z']);
      // The same from either side's point of view, and the same commit: it depends on the tips alone.
      expect((await mergeCommits(c.store, [theirs, ours]))!.commit).toBe(merged!.commit);
    });
  });
});
