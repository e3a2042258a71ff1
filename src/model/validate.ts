/**
 * Input rules for what becomes an entry (storage invariant 8). Every check runs before anything is
 * hashed, so bad input changes nothing. Values that end up in paths or in git arguments are held to
 * rules that keep them in their place: no `..` segments, no absolute paths, no control characters.
 */
import { InvalidInputError } from '../errors.js';

export const LIMITS = {
  bodyBytes: 256 * 1024,
  titleChars: 200,
  labelChars: 100,
  tags: 32,
  refs: 256,
  refChars: 1024,
  whoChars: 200,
};

/** C0 controls (but tab), DEL and C1 controls (0x9b is a one-character escape sequence introducer). */
const CONTROL_RE = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]/;
/** A UTF-16 surrogate without its other half: not text, and UTF-8 cannot encode it. */
const LONE_SURROGATE_RE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/**
 * Refuse strings that cannot be stored as UTF-8 as they are (from argv, text is always well formed;
 * a JSON front end can pass lone surrogates, which would silently become U+FFFD).
 */
export function checkWellFormed(text: string, what: string): string {
  if (LONE_SURROGATE_RE.test(text)) throw new InvalidInputError('E_ENCODING', `${what} is not valid Unicode text (a lone surrogate)`);
  return text;
}

/** The body is over the size limit (`bytes` known exactly, or only that it is over, when reading stopped at the limit). */
export function bodyTooLarge(limit: number, bytes?: number): InvalidInputError {
  return new InvalidInputError('E_TOO_LARGE', bytes === undefined ? `the text is over the limit of ${limit} bytes` : `the text is ${bytes} bytes, over the limit of ${limit}`, {
    data: { ...(bytes === undefined ? {} : { bytes }), limit },
    hint: 'store large material in the repository and refer to it with --ref; raise the limit with git config ctx.maxBodyBytes',
  });
}

/** Decode bytes as UTF-8, refusing invalid sequences and NUL bytes. */
export function decodeText(bytes: Uint8Array, what: string): string {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new InvalidInputError('E_ENCODING', `${what} is not valid UTF-8 text`, { hint: 'git-ctx stores text only; attach binary files to the repository instead' });
  }
  return text;
}

export function checkBody(body: string, maxBytes = LIMITS.bodyBytes): string {
  if (body.includes('\0')) throw new InvalidInputError('E_NUL', 'the text contains a NUL byte', { hint: 'git-ctx stores text only' });
  if (!body.trim()) throw new InvalidInputError('E_EMPTY', 'the text is empty', { hint: 'give it with -m TEXT, -F FILE, or on stdin' });
  const bytes = Buffer.byteLength(body, 'utf8');
  if (bytes > maxBytes) throw bodyTooLarge(maxBytes, bytes);
  return checkWellFormed(body, 'the text');
}

export function checkTitle(title: string): string {
  const t = title.trim();
  if (/[\r\n]/.test(t)) throw new InvalidInputError('E_TITLE', 'the title must be one line');
  if (CONTROL_RE.test(t) || t.includes('\0')) throw new InvalidInputError('E_TITLE', 'the title contains control characters');
  checkWellFormed(t, 'the title');
  if ([...t].length > LIMITS.titleChars) {
    throw new InvalidInputError('E_TITLE', `the title is longer than ${LIMITS.titleChars} characters`, { data: { limit: LIMITS.titleChars } });
  }
  return t;
}

/** The first meaningful line of a body, as a title when none was given. */
export function titleFromBody(body: string): string {
  const line = body.split(/\r?\n/).map((l) => l.replace(/^#+\s*/, '').trim()).find(Boolean) ?? '';
  const clean = line.replace(/[\u0000-\u001f\u007f-\u009f]/g, ' ');
  const chars = [...clean];
  if (chars.length <= 80) return clean;
  // Cut at the last space that keeps most of the line, never inside a word nor inside a marker.
  const head = keepMarker(clean, chars.slice(0, 79).join(''));
  const space = head.search(/\s\S*$/);
  return `${(space >= 40 && !head.endsWith(']') ? head.slice(0, space) : head).trimEnd()}…`;
}

/**
 * A cut of `whole` (its first characters `head`) that does not end inside a redaction marker: a marker
 * cut in half would no longer say what was redacted.
 */
export function keepMarker(whole: string, head: string): string {
  const open = head.lastIndexOf('[');
  if (open < 0 || head.indexOf(']', open) >= 0 || !whole.startsWith('[REDACTED:', open)) return head;
  const close = whole.indexOf(']', open);
  return close < 0 ? head : whole.slice(0, close + 1);
}

/** Topics and tags: one label, never a path. */
export function checkLabel(value: string, what: 'topic' | 'tag'): string {
  const v = value.trim();
  if (!v) throw new InvalidInputError('E_LABEL', `the ${what} is empty`);
  if (CONTROL_RE.test(v) || /[\r\n\0]/.test(v)) throw new InvalidInputError('E_LABEL', `the ${what} contains control characters`);
  checkWellFormed(v, `the ${what}`);
  if (v.includes('/') || v.includes('\\') || v === '.' || v === '..' || v.includes('..')) {
    throw new InvalidInputError('E_LABEL', `the ${what} "${v}" must be a single name, not a path`, { hint: 'use letters, digits, -, _ and .' });
  }
  if ([...v].length > LIMITS.labelChars) throw new InvalidInputError('E_LABEL', `the ${what} is longer than ${LIMITS.labelChars} characters`);
  return v;
}

/** A path in the repository, relative to its root, in git's form (forward slashes). */
export function checkRef(value: string): string {
  let v = value.trim();
  if (!v) throw new InvalidInputError('E_REF', 'a --ref path is empty');
  if (CONTROL_RE.test(v) || /[\r\n\0]/.test(v)) throw new InvalidInputError('E_REF', 'a --ref path contains control characters');
  checkWellFormed(v, 'a --ref path');
  if (v.startsWith('/') || /^[A-Za-z]:[\\/]/.test(v) || v.startsWith('\\')) {
    throw new InvalidInputError('E_REF', `--ref ${v}: must be relative to the repository root, not absolute`);
  }
  v = v.replace(/\\/g, '/').replace(/^(\.\/)+/, '').replace(/\/+/g, '/').replace(/\/$/, '');
  if (v.split('/').some((seg) => seg === '..')) throw new InvalidInputError('E_REF', `--ref ${value.trim()}: ".." would leave the repository`);
  if (!v || v === '.') throw new InvalidInputError('E_REF', 'a --ref path is empty');
  if (v.length > LIMITS.refChars) throw new InvalidInputError('E_REF', `a --ref path is longer than ${LIMITS.refChars} characters`);
  return v;
}

/** A recipient or reader: a session id, an agent name, or "all". */
export function checkWho(value: string, what = '--to'): string {
  const v = value.trim();
  if (!v) throw new InvalidInputError('E_WHO', `${what} is empty`);
  if (CONTROL_RE.test(v) || /[\r\n\0]/.test(v)) throw new InvalidInputError('E_WHO', `${what} contains control characters`);
  checkWellFormed(v, what);
  if ([...v].length > LIMITS.whoChars) throw new InvalidInputError('E_WHO', `${what} is longer than ${LIMITS.whoChars} characters`);
  return v;
}

export function uniq<T>(xs: readonly T[]): T[] {
  return [...new Set(xs)];
}
