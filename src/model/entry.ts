/**
 * The entry file format (format version 1, see docs/data-model.md).
 *
 * An entry is one Markdown file, written once and never edited:
 *
 *     ---
 *     id: 01jd8x3m5q7k2v9w0a1b2c3d4e
 *     kind: decision
 *     title: "Use fast-import: no"
 *     tags: ["storage", "perf"]
 *     ...
 *     ---
 *
 *     body, verbatim
 *
 * Header values are written plain when that is unambiguous and as JSON otherwise (JSON strings and
 * arrays are also valid YAML flow scalars, so YAML tools read the header too). Keys this version does
 * not know are kept in `extra`, so a newer writer's fields survive an older reader.
 */
import { idTime } from './id.js';
import { isKind, type Kind } from './kinds.js';

export interface Author {
  name: string;
  email: string;
}

/** What is stored in the entry file. */
export interface EntryData {
  id: string;
  kind: Kind;
  title: string;
  body: string;
  topic: string | null;
  tags: string[];
  refs: string[];
  to: string | null;
  agent: string;
  session: string;
  worktree: string | null;
  branch: string | null;
  head: string | null;
  author: Author;
  createdAt: string;
  /** Ids of entries this one replaces (decisions). */
  supersedes: string[];
  /** Header keys from a newer format, kept as read. */
  extra: Record<string, unknown>;
}

/** An entry as read from the branch: its data plus where it lives. */
export interface StoredEntry extends EntryData {
  path: string;
  /** The commit that added the entry (null when it is not known, e.g. kept by a merge). */
  commit: string | null;
}

export class EntryParseError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'EntryParseError';
  }
}

export const HEADER_ORDER = ['id', 'kind', 'title', 'topic', 'tags', 'refs', 'to', 'supersedes', 'agent', 'session', 'worktree', 'branch', 'head', 'author', 'createdAt'] as const;
const HEADER_KEYS: ReadonlySet<string> = new Set(HEADER_ORDER);

/** The sharded path of an entry: entries/YYYY/MM/DD/HH/<id>.md (UTC, from the id's timestamp). */
/** The shard of the last hour asked for: listings ask for thousands of ids of one hour in a row. */
let lastShard = { hour: NaN, dir: '' };

export function entryPath(id: string): string {
  const hour = Math.floor(idTime(id) / 3_600_000);
  if (hour !== lastShard.hour) {
    const d = new Date(hour * 3_600_000);
    const p2 = (n: number) => String(n).padStart(2, '0');
    lastShard = { hour, dir: `entries/${d.getUTCFullYear()}/${p2(d.getUTCMonth() + 1)}/${p2(d.getUTCDate())}/${p2(d.getUTCHours())}/` };
  }
  return `${lastShard.dir}${id}.md`;
}

export function idFromPath(path: string): string | null {
  const m = /^entries\/\d{4}\/\d{2}\/\d{2}\/\d{2}\/([0-9a-z]{26})(?:~[0-9a-f]+)?\.md$/.exec(path);
  return m ? m[1]! : null;
}

const PLAIN_RE = /^[\p{L}\p{N}_./@+][\p{L}\p{N} _./@+=,()'-]*$/u;
/** What the reader takes for a JSON number: the writer must quote any text of this shape. */
const NUMBER_RE = /^-?\d+(\.\d+)?([eE][+-]?\d+)?$/;

function encodeScalar(v: string): string {
  if (PLAIN_RE.test(v) && !v.endsWith(' ') && v !== 'null' && v !== 'true' && v !== 'false' && !/^[\d.+-]+$/.test(v) && !NUMBER_RE.test(v)) return v;
  return JSON.stringify(v);
}

/**
 * `Name <email>` when that reads back as written (always, for identities git accepts), else a JSON
 * object, so that no name or address can be mangled by the angle brackets.
 */
function encodeAuthor(a: Author): unknown {
  const plain = `${a.name} <${a.email}>`;
  const back = decodeAuthor(plain);
  return back.name === a.name && back.email === a.email && !/[\r\n]/.test(plain) ? plain : { name: a.name, email: a.email };
}

/** Split `Name <email>` at its last `<` (no regular expression: a long name must not cost more than linear time). */
function decodeAuthor(v: unknown): Author {
  if (v && typeof v === 'object' && !Array.isArray(v)) {
    const o = v as Record<string, unknown>;
    return { name: asString(o.name ?? '', 'author.name'), email: asString(o.email ?? '', 'author.email') };
  }
  const text = asString(v ?? '', 'author');
  const t = text.trimEnd();
  const open = t.lastIndexOf('<');
  if (!t.endsWith('>') || open < 0 || t.indexOf('>', open) !== t.length - 1) return { name: text, email: '' };
  return { name: t.slice(0, open).trimEnd(), email: t.slice(open + 1, -1) };
}

function encodeValue(v: unknown): string {
  if (v === null || v === undefined) return 'null';
  if (typeof v === 'string') return encodeScalar(v);
  return JSON.stringify(v);
}

export function serializeEntry(e: EntryData): string {
  const lines = ['---'];
  const fields: Record<string, unknown> = {
    id: e.id,
    kind: e.kind,
    title: e.title,
    topic: e.topic,
    tags: e.tags,
    refs: e.refs,
    to: e.to,
    supersedes: e.supersedes,
    agent: e.agent,
    session: e.session,
    worktree: e.worktree,
    branch: e.branch,
    head: e.head,
    author: encodeAuthor(e.author),
    createdAt: e.createdAt,
  };
  for (const key of HEADER_ORDER) {
    const v = fields[key];
    // Empty optional fields are left out to keep the header short; the parser supplies defaults.
    if (v === null || (Array.isArray(v) && v.length === 0)) continue;
    lines.push(`${key}: ${encodeValue(v)}`);
  }
  for (const [k, v] of Object.entries(e.extra)) {
    if (/^[A-Za-z][\w-]*$/.test(k) && !(HEADER_ORDER as readonly string[]).includes(k)) lines.push(`${k}: ${JSON.stringify(v)}`);
  }
  lines.push('---', '', '');
  return lines.join('\n') + e.body;
}

function decodeValue(raw: string): unknown {
  const v = raw.trim();
  if (v === 'null' || v === '~' || v === '') return null;
  // Plain scalars never look like JSON numbers or booleans (the writer quotes those), so these are JSON.
  if (v.startsWith('"') || v.startsWith('[') || v.startsWith('{') || v === 'true' || v === 'false' || NUMBER_RE.test(v)) {
    try {
      return JSON.parse(v);
    } catch {
      // A plain value whose start was redacted after serialisation (the store's last-line secret
      // scan works on the file's text) reads as the text it is: a marker is never valid JSON.
      if (v.startsWith('[REDACTED:')) return v;
      throw new EntryParseError(`bad header value: ${v.slice(0, 40)}`);
    }
  }
  return v;
}

function asString(v: unknown, key: string): string {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  throw new EntryParseError(`header field ${key} is not text`);
}

function asStringOrNull(v: unknown, key: string): string | null {
  return v === null || v === undefined ? null : asString(v, key);
}

function asList(v: unknown, key: string): string[] {
  if (v === null || v === undefined) return [];
  if (Array.isArray(v) && v.every((x) => typeof x === 'string')) return v as string[];
  if (typeof v === 'string') return [v];
  throw new EntryParseError(`header field ${key} is not a list of text`);
}

/** Parse an entry file. Throws EntryParseError (and nothing else) on anything malformed. */
export function parseEntry(text: string): EntryData {
  if (!text.startsWith('---\n')) throw new EntryParseError('missing header');
  const end = text.indexOf('\n---\n', 3);
  if (end < 0) throw new EntryParseError('unterminated header');
  const header = text.slice(4, end);
  let body = text.slice(end + 5);
  if (body.startsWith('\n')) body = body.slice(1);
  // A Map: a header key such as `__proto__` is a field like any other.
  const fields = new Map<string, unknown>();
  for (let start = 0; start < header.length; ) {
    let nl = header.indexOf('\n', start);
    if (nl < 0) nl = header.length;
    const line = header.slice(start, nl);
    start = nl + 1;
    if (!line.trim()) continue;
    const colon = line.indexOf(':');
    if (colon <= 0) throw new EntryParseError(`bad header line: ${line.slice(0, 40)}`);
    fields.set(line.slice(0, colon).trim(), decodeValue(line.slice(colon + 1)));
  }
  const f = (key: string) => fields.get(key);
  const id = asString(f('id'), 'id');
  const kind = asString(f('kind') ?? 'note', 'kind');
  if (!isKind(kind)) throw new EntryParseError(`unknown kind: ${kind}`);
  const rest: [string, unknown][] = [];
  for (const [k, v] of fields) if (!HEADER_KEYS.has(k)) rest.push([k, v]);
  return {
    id,
    kind,
    title: asString(f('title') ?? '', 'title'),
    body,
    topic: asStringOrNull(f('topic'), 'topic'),
    tags: asList(f('tags'), 'tags'),
    refs: asList(f('refs'), 'refs'),
    to: asStringOrNull(f('to'), 'to'),
    supersedes: asList(f('supersedes'), 'supersedes'),
    agent: asString(f('agent') ?? 'unknown', 'agent'),
    session: asString(f('session') ?? '', 'session'),
    worktree: asStringOrNull(f('worktree'), 'worktree'),
    branch: asStringOrNull(f('branch'), 'branch'),
    head: asStringOrNull(f('head'), 'head'),
    author: decodeAuthor(f('author')),
    createdAt: asString(f('createdAt') ?? '', 'createdAt'),
    extra: Object.fromEntries(rest),
  };
}
