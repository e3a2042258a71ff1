import { describe, expect, it } from 'vitest';
import { newId, idTime, isId, normalizeIdPrefix } from '../src/model/id.js';
import { entryPath, idFromPath, parseEntry, serializeEntry, EntryParseError, type EntryData } from '../src/model/entry.js';
import { checkBody, checkLabel, checkRef, checkTitle, decodeText, titleFromBody } from '../src/model/validate.js';
import { parseDuration, parseWhen } from '../src/model/when.js';
import { queryTerms } from '../src/core/entries/search.js';
import { refsOverlap } from '../src/core/entries/log.js';
import { CtxError } from '../src/errors.js';

const rnd = (b: number) => new Uint8Array(10).fill(b);

function sample(over: Partial<EntryData> = {}): EntryData {
  return {
    id: newId(Date.UTC(2026, 10, 21, 9, 30), rnd(7)),
    kind: 'note',
    title: 'A title',
    body: 'Body text\n',
    topic: null,
    tags: [],
    refs: [],
    to: null,
    supersedes: [],
    agent: 'claude',
    session: 'wt1:feature',
    worktree: '/tmp/wt1',
    branch: 'feature',
    head: 'a'.repeat(40),
    author: { name: 'Jane Doe', email: 'jane@example.com' },
    createdAt: '2026-11-21T09:30:00.000Z',
    extra: {},
    ...over,
  };
}

function code(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (e) {
    return e instanceof CtxError ? e.code : `not ours: ${(e as Error).message}`;
  }
  return undefined;
}

describe('ids', () => {
  it('are 26 characters, sortable by time, and decode their time', () => {
    const a = newId(1000, rnd(255));
    const b = newId(1001, rnd(0));
    expect(a).toHaveLength(26);
    expect(isId(a)).toBe(true);
    expect(a < b).toBe(true);
    expect(idTime(a)).toBe(1000);
    expect(idTime(newId(Date.UTC(2026, 10, 21), rnd(1)))).toBe(Date.UTC(2026, 10, 21));
  });

  it('differ by their random part within one millisecond', () => {
    expect(newId(5, rnd(1))).not.toBe(newId(5, rnd(2)));
  });

  it('made one after another in one millisecond, sort in the order they were made (even with the same random bytes)', () => {
    const ids = Array.from({ length: 40 }, (_, i) => newId(7, rnd(i % 3 ? 200 : 10)));
    expect(new Set(ids).size).toBe(40);
    expect([...ids].sort()).toEqual(ids);
    for (const id of ids) expect(idTime(id)).toBe(7);
    // The random part all z: the next is drawn afresh (still that millisecond).
    expect(idTime(newId(9, rnd(255)))).toBe(9);
  });

  it.each([
    ['01JD8X', '01jd8x'],
    ['01jd8xO', '01jd8x0'],
    ['  01jd8xl ', '01jd8x1'],
    ['../etc', null],
    ['--upload-pack=x', null],
    ['', null],
    ['u', null],
  ])('normalizeIdPrefix(%j) = %j', (input, want) => {
    expect(normalizeIdPrefix(input)).toBe(want);
  });
});

describe('entry paths', () => {
  it('shard by UTC year, month, day and hour', () => {
    const id = newId(Date.UTC(2026, 0, 2, 3, 4, 5), rnd(9));
    expect(entryPath(id)).toBe(`entries/2026/01/02/03/${id}.md`);
    expect(idFromPath(entryPath(id))).toBe(id);
    expect(idFromPath('entries/2026/01/02/03/nope.md')).toBeNull();
  });
});

describe('entry format', () => {
  it.each([
    ['plain', sample()],
    ['every field', sample({ kind: 'decision', topic: 'storage', tags: ['a', 'b-c'], refs: ['src/a.ts', 'docs/x y.md'], to: 'all', supersedes: ['01abc'] })],
    ['quotes and colons in the title', sample({ title: 'Use "CAS": always # really' })],
    ['a title that looks like an option', sample({ title: '--upload-pack=evil' })],
    ['a title that looks like a number or null', sample({ title: '42' }) ],
    ['null as text', sample({ title: 'null', topic: 'true' })],
    ['unicode, emoji and right-to-left text', sample({ title: 'שלום 👋 مرحبا', body: 'نص عربي\n😀 emoji\n' })],
    ['CRLF body kept byte for byte', sample({ body: 'line one\r\nline two\r\n' })],
    ['a body with a header fence inside', sample({ body: '---\nkind: decision\n---\n\nnot a header\n' })],
    ['a body with no final newline', sample({ body: 'no newline' })],
    ['a body starting with blank lines', sample({ body: '\n\n  indented\n' })],
    ['unknown header keys survive', sample({ extra: { confidence: 0.9, futureField: ['x'] } })],
  ])('round-trips: %s', (_name, e) => {
    expect(parseEntry(serializeEntry(e))).toEqual(e);
  });

  it('reads as Markdown with a header', () => {
    const text = serializeEntry(sample({ topic: 'parser', tags: ['flaky'] }));
    expect(text).toMatch(/^---\nid: [0-9a-z]{26}\nkind: note\ntitle: A title\ntopic: parser\ntags: \["flaky"\]\n/);
    expect(text.endsWith('---\n\nBody text\n')).toBe(true);
  });

  it.each(['', 'no header', '---\nid: x\n', '---\nid: ["x"\n---\n\nbody', '---\nkind: nonsense\nid: x\n---\n\n'])('rejects malformed input %j with EntryParseError only', (text) => {
    expect(() => parseEntry(text)).toThrow(EntryParseError);
  });
});

describe('input rules', () => {
  it('refuses NUL, empty and oversized bodies', () => {
    expect(code(() => checkBody('a\0b'))).toBe('E_NUL');
    expect(code(() => checkBody('  \n '))).toBe('E_EMPTY');
    expect(code(() => checkBody('x'.repeat(11), 10))).toBe('E_TOO_LARGE');
    expect(checkBody('ok')).toBe('ok');
  });

  it('refuses invalid UTF-8', () => {
    expect(code(() => decodeText(Buffer.from([0x66, 0xff, 0xfe]), 'stdin'))).toBe('E_ENCODING');
    expect(decodeText(Buffer.from('héllo'), 'x')).toBe('héllo');
  });

  it('keeps titles to one line of bounded length', () => {
    expect(code(() => checkTitle('a\nb'))).toBe('E_TITLE');
    expect(code(() => checkTitle('x'.repeat(201)))).toBe('E_TITLE');
    expect(code(() => checkTitle('bell\u0007'))).toBe('E_TITLE');
    expect(checkTitle('  spaced  ')).toBe('spaced');
    expect(titleFromBody('\n# Heading here\nmore')).toBe('Heading here');
  });

  it.each([
    ['topic', '../x', 'E_LABEL'],
    ['topic', 'a/b', 'E_LABEL'],
    ['topic', '..', 'E_LABEL'],
    ['tag', 'x\ny', 'E_LABEL'],
    ['tag', '', 'E_LABEL'],
  ] as const)('refuses %s %j', (what, value, want) => {
    expect(code(() => checkLabel(value, what))).toBe(want);
  });

  it.each([
    ['src/a.ts', 'src/a.ts'],
    ['./src//a.ts', 'src/a.ts'],
    ['src\\win\\path.ts', 'src/win/path.ts'],
    ['--upload-pack=evil', '--upload-pack=evil'],
    ['dir/', 'dir'],
  ])('normalises ref %j to %j', (input, want) => {
    expect(checkRef(input)).toBe(want);
  });

  it.each(['/etc/passwd', '../outside', 'a/../../b', 'C:\\x', '', '.'])('refuses ref %j', (input) => {
    expect(code(() => checkRef(input))).toBe('E_REF');
  });

  it('matches refs by file or containing directory', () => {
    expect(refsOverlap('src/a.ts', 'src')).toBe(true);
    expect(refsOverlap('src', 'src/a.ts')).toBe(true);
    expect(refsOverlap('src/a.ts', 'src/ab.ts')).toBe(false);
  });
});

describe('times', () => {
  it.each([
    ['90m', 90 * 60_000],
    ['36h', 36 * 3_600_000],
    ['7d', 7 * 86_400_000],
    ['2w', 14 * 86_400_000],
    ['3 days', 3 * 86_400_000],
    ['soon', null],
  ])('parseDuration(%j)', (text, want) => {
    expect(parseDuration(text)).toBe(want);
  });

  it('reads ISO dates and durations back from now', () => {
    expect(parseWhen('2026-11-01', 0)).toBe(Date.UTC(2026, 10, 1));
    expect(parseWhen('2026-11-01T10:00:00Z', 0)).toBe(Date.UTC(2026, 10, 1, 10));
    expect(parseWhen('1d', 86_400_000 * 3)).toBe(86_400_000 * 2);
    expect(parseWhen('last tuesday', 0)).toBeNull();
  });
});

describe('search terms', () => {
  it.each([
    ['Parser flaky', ['parser', 'flaky']],
    ['"merge conflict" worktree', ['merge conflict', 'worktree']],
    ['src/a.ts, foo', ['src/a.ts', 'foo']],
    ['dup dup', ['dup']],
  ])('queryTerms(%j)', (q, want) => {
    expect(queryTerms(q)).toEqual(want);
  });
});
