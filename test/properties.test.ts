/**
 * Properties of the pure parts, checked on generated inputs (fast-check): the entry format round-trips
 * any text in any field, and its parser fails only with its own error. A failure prints the seed and
 * the shrunk counterexample.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { parseEntry, serializeEntry, EntryParseError, type EntryData } from '../src/model/entry.js';
import { KINDS } from '../src/model/kinds.js';

/** Any text, including lone surrogates, control characters, newlines and header look-alikes. */
const text = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.string({ unit: 'grapheme', maxLength: 40 }),
  fc.constantFrom('', ' ', 'null', 'true', 'false', '~', '1e5', '-0', '0x1F', '1.5E3', '[1]', '{}', '"q"', '---', '\n---\n', 'a: b', ' lead', 'trail ', '[REDACTED:jwt]'),
  fc.stringMatching(/^[\d.eE+-]{1,8}$/),
);
const list = fc.array(text, { maxLength: 4 });
const nullable = fc.option(text, { nil: null });
/** `extra` holds JSON values as JSON has them (no -0). */
const json: fc.Arbitrary<unknown> = fc.jsonValue({ maxDepth: 2 }).map((v) => JSON.parse(JSON.stringify(v)));

const entryArb: fc.Arbitrary<EntryData> = fc.record({
  id: text,
  kind: fc.constantFrom(...KINDS),
  title: text,
  body: fc.oneof(text, fc.string({ unit: 'binary', maxLength: 400 })),
  topic: nullable,
  tags: list,
  refs: list,
  to: nullable,
  supersedes: list,
  agent: text,
  session: text,
  worktree: nullable,
  branch: nullable,
  head: nullable,
  author: fc.record({ name: text, email: text }),
  createdAt: text,
  extra: fc.dictionary(fc.stringMatching(/^[A-Za-z][\w-]{0,10}$/), json, { maxKeys: 3 }).map((d) => {
    const reserved = ['id', 'kind', 'title', 'topic', 'tags', 'refs', 'to', 'supersedes', 'agent', 'session', 'worktree', 'branch', 'head', 'author', 'createdAt'];
    return Object.fromEntries(Object.entries(d).filter(([k]) => !reserved.includes(k)));
  }),
});

const RUNS = { numRuns: 600 };

describe('entry format properties', () => {
  it('parse(serialize(e)) equals e for any text in every field', () => {
    fc.assert(
      fc.property(entryArb, (e) => {
        expect(parseEntry(serializeEntry(e))).toEqual(e);
      }),
      RUNS,
    );
  });

  it('parseEntry throws nothing but EntryParseError, whatever the input', () => {
    const headerish = fc
      .array(fc.oneof(fc.tuple(fc.constantFrom('id', 'kind', 'title', 'tags', 'author', 'extra', '__proto__', 'constructor'), text).map(([k, v]) => `${k}: ${v}`), text), { maxLength: 6 })
      .map((lines) => `---\n${lines.join('\n')}\n---\n\nbody`);
    fc.assert(
      fc.property(fc.oneof(fc.string({ unit: 'binary' }), headerish), (input) => {
        try {
          parseEntry(input);
        } catch (e) {
          expect(e).toBeInstanceOf(EntryParseError);
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('reads a huge author line in linear time (no backtracking on long runs of spaces)', () => {
    const e = parseEntry(`---\nid: x\nauthor: a${' '.repeat(1 << 20)}x\n---\n\nbody`);
    expect(e.author.email).toBe('');
  });
});
