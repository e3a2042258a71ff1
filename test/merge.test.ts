import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { mergeFiles, resolvePath, variantPath } from '../src/model/merge.js';
import { entryPath, idFromPath } from '../src/model/entry.js';
import { newId } from '../src/model/id.js';
import { openCtx, closeCtx, type Ctx } from '../src/core/context.js';
import { mergeIntoBranch, mergeTrees } from '../src/store/merge.js';
import { realDeps } from './helpers/real-deps.js';
import { git, makeRepo } from './helpers/repo.js';
import { ObjectWriter } from '../src/git/objects.js';

const V = ['1', '2', '3', 'a'].map((c) => c.repeat(40));
const [v1, v2, v3] = V as [string, string, string];

describe('merge rules (pure)', () => {
  it.each([
    ['same on both sides', { base: v1, ours: v2, theirs: v2 }, [['p.md', v2]]],
    ['deleted on both sides', { base: v1, ours: null, theirs: null }, []],
    ['added on one side', { base: null, ours: null, theirs: v1 }, [['p.md', v1]]],
    ['deleted on one side, unchanged on the other: deleted', { base: v1, ours: v1, theirs: null }, []],
    ['deleted on theirs, unchanged on ours: deleted', { base: v1, ours: null, theirs: v1 }, []],
    ['changed on one side', { base: v1, ours: v1, theirs: v2 }, [['p.md', v2]]],
    ['deleted on one side, changed on the other: the change is kept', { base: v1, ours: null, theirs: v2 }, [['p.md', v2]]],
    ['added on both sides with different content: both kept', { base: null, ours: v2, theirs: v1 }, [['p.md', v1], [`p~${v2.slice(0, 12)}.md`, v2]]],
    ['changed on both sides differently: both kept', { base: v3, ours: v1, theirs: v2 }, [['p.md', v1], [`p~${v2.slice(0, 12)}.md`, v2]]],
  ] as const)('%s', (_, sides, expected) => {
    expect(resolvePath('p.md', sides)).toEqual(expected);
    // The same, whichever side is "ours".
    expect(resolvePath('p.md', { base: sides.base, ours: sides.theirs, theirs: sides.ours })).toEqual(expected);
  });

  it('names a kept second version next to the first, as entry paths the reader still understands', () => {
    expect(variantPath('state/consumed/x', v2)).toBe(`state/consumed/x~${v2.slice(0, 12)}`);
    expect(variantPath('README.md', v2)).toBe(`README~${v2.slice(0, 12)}.md`);
    expect(variantPath('a.b/c', v2)).toBe(`a.b/c~${v2.slice(0, 12)}`);
    const id = newId(Date.UTC(2026, 0, 2, 3), new Uint8Array(10).fill(9));
    expect(idFromPath(variantPath(entryPath(id), v3))).toBe(id);
  });

  it('moves a version on when its variant name is already taken by other content', () => {
    const taken = variantPath('x.md', v2);
    const r = mergeFiles(new Map(), new Map([['x.md', v1], [taken, v3]]), new Map([['x.md', v2]]));
    expect(new Set(r.files.values())).toEqual(new Set([v1, v2, v3]));
    expect(r.files.get('x.md')).toBe(v1);
  });

  const universe = ['a.md', 'd/b.md', 'd/c', 'd/s/e.md', 'x.md', variantPath('x.md', V[1]!), variantPath('x.md', V[2]!)];
  const tree = fc.dictionary(fc.constantFrom(...universe), fc.constantFrom(...V), { maxKeys: universe.length }).map((o) => new Map(Object.entries(o)));
  const same = (a: Map<string, string>, b: Map<string, string>): void => {
    expect([...a].sort()).toEqual([...b].sort());
  };

  it('is commutative: both clones write the same tree', () => {
    fc.assert(fc.property(tree, tree, tree, (o, a, b) => same(mergeFiles(o, a, b).files, mergeFiles(o, b, a).files)));
  });

  it('is idempotent, and a side left unchanged takes the other side whole', () => {
    fc.assert(
      fc.property(tree, tree, tree, (o, a, b) => {
        same(mergeFiles(o, a, a).files, a);
        same(mergeFiles(a, a, b).files, b);
      }),
    );
  });

  // Not when the base already holds a kept second version that a side deletes while another conflict
  // recreates it under the same name (same path, same content): then grouping decides whether the
  // deletion or the re-creation is seen first.
  const plain = fc.dictionary(fc.constantFrom(...universe.filter((p) => !p.includes('~'))), fc.constantFrom(...V)).map((o) => new Map(Object.entries(o)));
  it('is associative over changes from one base', () => {
    fc.assert(
      fc.property(plain, tree, tree, tree, (o, a, b, c) => {
        same(mergeFiles(o, mergeFiles(o, a, b).files, c).files, mergeFiles(o, a, mergeFiles(o, b, c).files).files);
      }),
    );
  });

  it('loses nothing: every version a side changed or added is kept', () => {
    fc.assert(
      fc.property(tree, tree, tree, (o, a, b) => {
        const kept = new Set(mergeFiles(o, a, b).files.values());
        for (const side of [a, b]) for (const [path, oid] of side) if (o.get(path) !== oid) expect(kept.has(oid)).toBe(true);
      }),
    );
  });
});

describe('store merge (real git) agrees with the pure rule', () => {
  async function withRepo(fn: (ctx: Ctx) => Promise<void>): Promise<void> {
    const ctx = await openCtx(realDeps(makeRepo()));
    try {
      await fn(ctx);
    } finally {
      closeCtx(ctx);
    }
  }

  function writerOf(ctx: Ctx): ObjectWriter {
    return new ObjectWriter(ctx.repo.objectsDir, ctx.repo.objectFormat);
  }

  async function commitOf(ctx: Ctx, files: Map<string, string>, parents: string[], message: string): Promise<string> {
    const edits = new Map<string, string | null>();
    for (const [path, content] of files) edits.set(path, writerOf(ctx).blob(content));
    const tree = (await ctx.store.editTree(null, edits)) ?? writerOf(ctx).tree([]);
    const sig = { name: 't', email: 't@example.com', time: 1_800_000_000 };
    return writerOf(ctx).commit({ tree, parents, author: sig, committer: sig, message });
  }

  function flatten(repo: string, rev: string): Map<string, string> {
    const out = git(repo, ['ls-tree', '-r', '-z', rev]);
    const map = new Map<string, string>();
    for (const rec of out.split('\0').filter(Boolean)) {
      const [meta, path] = rec.split('\t');
      map.set(path!, meta!.split(' ')[2]!);
    }
    return map;
  }

  const contents = ['one\n', 'two\n', 'three\n'];
  const paths = ['a.md', 'entries/2026/01/02/03/b.md', 'entries/2026/01/02/03/c.md', 'entries/2026/01/02/04/d.md', 'state/x'];
  const files = fc.dictionary(fc.constantFrom(...paths), fc.constantFrom(...contents), { maxKeys: paths.length }).map((o) => new Map(Object.entries(o)));

  it('merges random histories into the tree mergeFiles predicts, in either order', async () => {
    await withRepo(async (ctx) => {
      const blobs = (m: Map<string, string>) => new Map([...m].map(([p, c]) => [p, writerOf(ctx).blob(c)]));
      const samples = fc.sample(fc.tuple(files, files, files, fc.boolean()), { numRuns: 15, seed: 42 });
      for (const [base, ours, theirs, related] of samples) {
        const b = related ? await commitOf(ctx, base, [], 'base') : null;
        const o = await commitOf(ctx, ours, b ? [b] : [], 'ours');
        const t = await commitOf(ctx, theirs, b ? [b] : [], 'theirs');
        const expected = mergeFiles(related ? blobs(base) : new Map(), blobs(ours), blobs(theirs));
        const trees: string[] = [];
        for (const [local, remote] of [
          [o, t],
          [t, o],
        ]) {
          git(ctx.repo.workTree!, ['update-ref', ctx.store.ref, local!]);
          const r = await mergeIntoBranch(ctx.store, remote!, { message: 'merge\n', author: { name: 't', email: 't@example.com' } });
          expect(r.tip).toBe(await ctx.store.tip());
          expect(Object.fromEntries(flatten(ctx.repo.workTree!, ctx.store.ref))).toEqual(Object.fromEntries(expected.files));
          trees.push(git(ctx.repo.workTree!, ['rev-parse', `${ctx.store.ref}^{tree}`]));
        }
        expect(trees[0]).toBe(trees[1]);
      }
    });
  });

  it('keeps a file and a directory of the same name both', async () => {
    await withRepo(async (ctx) => {
      const w = writerOf(ctx);
      const file = w.blob('file\n');
      const ours = w.tree([{ mode: '100644', name: 'n', oid: file }]);
      const theirs = w.tree([{ mode: '40000', name: 'n', oid: w.tree([{ mode: '100644', name: 'x', oid: w.blob('x\n') }]) }]);
      const r = await mergeTrees(ctx.store, null, ours, theirs);
      const items = await ctx.store.readTree(r.tree!);
      expect(items.map((i) => i.name).sort()).toEqual(['n', variantPath('n', file)]);
      expect(r.keptBoth).toEqual([variantPath('n', file)]);
    });
  });
});
