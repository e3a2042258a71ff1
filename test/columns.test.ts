/**
 * Kind files by column (src/store/columns.ts): the fast read (ids ascending across chunks, removals by
 * binary search) gives what applying every record in order gives, on generated files with removals,
 * ids written again or out of order, versions a merge kept, and ids of another length; the queries
 * by position agree with the entries they stand for; and a chunk reads back as written, through its
 * line.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { chunkLine, encodeChunk, KindList, mergeChunks, parseChunks, type Chunk, type Row } from '../src/store/columns.js';
import { entryPath } from '../src/model/entry.js';
import { newId } from '../src/model/id.js';

const T0 = Date.UTC(2026, 0, 1);
/** Ids that ascend with n (one a second), as entries written one after another have. */
const idOf = (n: number) => newId(T0 + n * 1000, new Uint8Array(10).fill(n % 256));

const op = fc.record({
  /** How many new ids this append adds (ascending, after every id before). */
  fresh: fc.nat({ max: 4 }),
  /** Earlier ids written again (out of order, or a second time). */
  again: fc.array(fc.nat({ max: 30 }), { maxLength: 1 }),
  /** Earlier ids (or one never written) removed. */
  remove: fc.array(fc.nat({ max: 40 }), { maxLength: 2 }),
  version: fc.boolean(),
  odd: fc.boolean(),
  session: fc.constantFrom('s1', 's2', 'a "quoted" \\ one'),
  to: fc.constantFrom(null, 'all', 's1', 'agent-x'),
  refs: fc.constantFrom([], ['src/a.ts'], ['src', 'docs/b.md']),
  supersedes: fc.constantFrom([], [idOf(1)], [idOf(2), idOf(3)]),
});

type Op = typeof op extends fc.Arbitrary<infer T> ? T : never;

function buildLog(ops: Op[], rare: boolean): Chunk[] {
  let next = 0;
  return ops.map((o, n) => {
    const recs: Row[] = [];
    const rec = (id: string, versionPath = ''): Row => ({
      id,
      path: versionPath || entryPath(id),
      session: o.session,
      to: o.to,
      refs: o.refs,
      supersedes: o.supersedes,
      title: `title ${id}${o.odd ? '\nsecond line' : ''}`,
      agent: `agent ${n % 3}`,
      topic: o.odd ? null : `topic ${n % 2}`,
      tags: o.refs.length ? ['t'] : [],
      oid: o.version ? `${id}-blob` : `${'b'.repeat(38)}${String(n % 100).padStart(2, '0')}`,
      commit: o.to === null ? null : `${'c'.repeat(38)}${String(n % 100).padStart(2, '0')}`,
    });
    for (let k = 0; k < o.fresh; k++) recs.push(rec(idOf(next++)));
    if (rare) {
      for (const n of o.again) if (n < next) recs.push(rec(idOf(n)));
      if (o.version && next) recs.push(rec(idOf(next - 1), entryPath(idOf(next - 1)).replace('.md', '~0a1b2c.md')));
      if (o.odd) recs.push(rec(`odd-${next}`));
    }
    const removed = o.remove.map((n) => (n < next + 5 ? idOf(n) : entryPath(idOf(n)).replace('.md', '~0a1b2c.md')));
    // As on disk: one line per chunk.
    return parseChunks(Buffer.from(chunkLine(encodeChunk(recs, removed))))[0]!;
  });
}

const view = (l: KindList) => l.all().map((p) => [p.id, p.session, p.to, p.refs, p.supersedes, p.path, p.title, p.agent, p.topic, p.tags, p.oid, p.commit]);

describe('kind files by column', () => {
  it('read fast, give what applying every record in order gives', () => {
    let fast = 0;
    fc.assert(
      fc.property(fc.array(op, { maxLength: 12 }), fc.boolean(), (ops, rare) => {
        const chunks = buildLog(ops, rare);
        const list = KindList.read('handoff', chunks);
        // Without the mark, every chunk is applied record by record.
        const slow = KindList.read('handoff', chunks.map(({ picks: { asc, ...p }, rest }) => ({ picks: p, rest })));
        expect(view(list)).toEqual(view(slow));
        // The chunks after the first merged into one (a file's appends folded), the same.
        if (chunks.length > 1) expect(view(KindList.read('handoff', [chunks[0]!, mergeChunks('handoff', chunks.slice(1))]))).toEqual(view(list));
        // Written anew as one chunk (a file rewritten), it reads back the same.
        const again = KindList.read('handoff', parseChunks(Buffer.from(chunkLine(list.toChunk()))));
        expect(view(again)).toEqual(view(list));
        if (chunks.every((c) => c.picks.asc)) fast++;
        // Choosing reads one per id: the usual path when it is there, else the first version.
        const picks = list.picks();
        const ids = list.all().map((p) => p.id);
        expect(picks.all().map((p) => p.id)).toEqual([...new Set(ids)]);
        for (const p of picks.all()) {
          const versions = list.all().filter((q) => q.id === p.id).map((q) => q.path).sort();
          expect(p.path).toBe(versions.includes(entryPath(p.id)) ? entryPath(p.id) : versions[0]);
        }

        const all = picks.all();
        expect(all.map((p) => p.id)).toEqual([...all.map((p) => p.id)].sort());
        for (const [i, p] of all.entries()) {
          expect(picks.find(p.id)?.id).toBe(p.id);
          expect([picks.id(i), picks.session(i), picks.to(i), picks.refs(i), picks.supersedes(i)]).toEqual([p.id, p.session, p.to, p.refs, p.supersedes]);
        }
        expect(picks.find(idOf(999))).toBeNull();
        expect(picks.withRefs()).toEqual(all.flatMap((p, i) => (p.refs.length ? [i] : [])));
        expect([...picks.superseded()].sort()).toEqual([...new Set(all.flatMap((p) => p.supersedes))].sort());
        const test = (to: string | null, session: string) => to === 'all' || session === 's2';
        expect(picks.where(test)).toEqual(all.flatMap((p, i) => (test(p.to, p.session) ? [i] : [])));
      }),
      { numRuns: 300 },
    );
    // Most generated logs take the fast read.
    expect(fast).toBeGreaterThan(100);
  });

  it('remove an entry wherever it is, keep a version only when the usual path is gone, and count an id written again once', () => {
    const [a, b, c] = [idOf(1), idOf(2), idOf(3)];
    const rec = (id: string, versionPath = ''): Row => ({ id, path: versionPath || entryPath(id), session: 's', to: null, refs: [], supersedes: [], title: '', agent: 'x', topic: null, tags: [], oid: 'o', commit: null });
    const ids = (chunks: Chunk[]) => KindList.read('message', chunks).picks().all().map((p) => p.path);
    expect(ids([encodeChunk([rec(a), rec(b)]), encodeChunk([rec(c)], [a])])).toEqual([entryPath(b), entryPath(c)]);
    expect(ids([encodeChunk([rec(a), rec(b)]), encodeChunk([rec(a)])])).toEqual([entryPath(a), entryPath(b)]);
    const version = entryPath(b).replace('.md', '~0a1b2c.md');
    expect(ids([encodeChunk([rec(a), rec(b), rec(b, version)])])).toEqual([entryPath(a), entryPath(b)]);
    expect(ids([encodeChunk([rec(a), rec(b), rec(b, version)]), encodeChunk([], [b])])).toEqual([entryPath(a), version]);
    expect(KindList.read('message', []).length).toBe(0);
  });
});
