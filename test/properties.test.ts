/**
 * Properties of the pure parts, checked on generated inputs (fast-check): the entry format round-trips
 * any text in any field, its parser fails only with its own error, and redaction is idempotent and
 * leaves nothing it would detect. A failure prints the seed and the shrunk counterexample.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { parseEntry, serializeEntry, EntryParseError, type EntryData } from '../src/model/entry.js';
import { KINDS } from '../src/model/kinds.js';
import { findSecrets, redactText, redactValue } from '../src/model/secrets.js';
import { makeSamples } from './helpers/secret-samples.js';

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

describe('redaction properties', () => {
  const samples = makeSamples(7);
  /** Text with real-shaped secrets spliced in at arbitrary places. */
  const withSecrets = fc
    .tuple(fc.array(fc.tuple(text, fc.nat(samples.length - 1)), { minLength: 1, maxLength: 5 }), text)
    .map(([parts, tail]) => ({
      text: parts.map(([t, i]) => `${t} ${samples[i]!.text} `).join('') + tail,
      values: parts.flatMap(([, i]) => samples[i]!.values),
    }));

  it('is idempotent and leaves nothing it would detect', () => {
    fc.assert(
      fc.property(fc.oneof(text, withSecrets.map((w) => w.text)), (t) => {
        const once = redactText(t).text;
        expect(findSecrets(once)).toEqual([]);
        expect(redactText(once)).toEqual({ text: once, findings: [] });
      }),
      RUNS,
    );
  });

  it('removes every injected secret, whatever surrounds it', () => {
    fc.assert(
      fc.property(withSecrets, ({ text: t, values }) => {
        const out = redactText(t).text;
        for (const v of values) expect(out).not.toContain(v);
      }),
      RUNS,
    );
  });

  it('keeps an entry parseable when its serialised form is redacted as raw text (the store\'s net)', () => {
    fc.assert(
      fc.property(entryArb, fc.array(fc.tuple(fc.constantFrom('title', 'body', 'topic', 'agent', 'session'), fc.nat(samples.length - 1), fc.constantFrom('alone', 'before', 'after')), { minLength: 1, maxLength: 3 }), (e, inject) => {
        const dirty: Record<string, unknown> = { ...e };
        for (const [field, i, where] of inject) {
          const secret = samples[i]!.values[0]!;
          const was = String(dirty[field] ?? '');
          dirty[field] = where === 'alone' ? secret : where === 'before' ? `${secret} ${was}` : `${was} ${secret}`;
        }
        const raw = redactText(serializeEntry(dirty as unknown as EntryData)).text;
        const parsed = parseEntry(raw);
        expect(findSecrets(JSON.stringify(parsed))).toEqual([]);
      }),
      RUNS,
    );
  });

  it('redacts every string of a structured value and names where', () => {
    const s = samples.find((x) => x.kind === 'github-pat')!;
    const r = redactValue({ title: 'ok', tags: ['a', s.text], author: { name: s.text } });
    expect(r.redactions.map((x) => x.field)).toEqual(['tags[1]', 'author.name']);
    expect(JSON.stringify(r.value)).not.toContain(s.values[0]);
  });
});
