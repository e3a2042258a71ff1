/**
 * Keeping MCP tool results within what clients accept. Claude Code refuses a tool result past ~25k
 * tokens, and every result fills the agent's context: a result is at most MAX_RESULT_CHARS characters
 * of JSON. Lists are paged (`limit`, and a `cursor` that a result's `next` gives for the following
 * page); an entry's body past what fits comes in parts (`bodyFrom`, `bodyChars`, `next`).
 *
 * Pure: JSON objects in, JSON objects out.
 */
import type { EntryJson } from '../results/json.js';

/** The most characters of JSON a tool result holds. */
export const MAX_RESULT_CHARS = 8000;

/** A body in a list (log, search, messages, handoffs echoed back) is cut to this many characters at most. */
export const LIST_BODY_CHARS = 1200;

export const size = (v: unknown): number => JSON.stringify(v).length;

/** `text` cut to at most `max` characters, at a line or word end when one is near. */
export function cut(text: string, max: number): string {
  if (text.length <= max) return text;
  let end = Math.max(0, max);
  const nl = text.lastIndexOf('\n', end);
  const sp = text.lastIndexOf(' ', end);
  const at = nl > end * 0.8 ? nl : sp > end * 0.8 ? sp : end;
  // Never cut a surrogate pair in two.
  end = at > 0 && /[\ud800-\udbff]/.test(text[at - 1]!) ? at - 1 : at;
  return text.slice(0, end);
}

/**
 * An entry with its body cut to `max` characters (from `from`): `bodyChars` is the whole body's
 * length, `bodyFrom` where this part starts, and `bodyTruncated` says that more follows.
 */
export function entryPart(e: EntryJson, max: number, from = 0): EntryJson & { bodyChars: number; bodyFrom?: number; bodyTruncated?: boolean } {
  const whole = e.body;
  const part = cut(whole.slice(from), Math.max(0, max));
  const truncated = from + part.length < whole.length;
  return { ...e, body: part, bodyChars: whole.length, ...(from ? { bodyFrom: from } : {}), ...(truncated ? { bodyTruncated: true } : {}) };
}

/**
 * As many items as fit: items are added in order while the result stays within `max`; returns how
 * many were taken. The first item is always taken (cut by the caller to fit on its own).
 */
export function fitList<T>(base: Record<string, unknown>, key: string, items: readonly T[], max = MAX_RESULT_CHARS): number {
  let used = size({ ...base, [key]: [], next: 'x'.repeat(24) });
  let n = 0;
  for (const item of items) {
    const s = size(item) + 1;
    if (n > 0 && used + s > max) break;
    used += s;
    n++;
  }
  return n;
}

/** A cursor: a position in a list or a body, as an opaque string. */
export function encodeCursor(kind: string, at: number): string {
  return `${kind}:${at}`;
}

export function decodeCursor(cursor: string | undefined, kind: string): number | null {
  if (cursor === undefined) return 0;
  const m = /^([a-z]+):(\d{1,9})$/.exec(cursor);
  return m && m[1] === kind ? Number(m[2]) : null;
}

/**
 * Error messages of the core name the command line's flags; through MCP they name the tools'
 * arguments instead (`-n` is `limit`, `--budget` is `budget`...).
 */
const FLAG_WORDS: [RegExp, string][] = [
  [/give one with -m TEXT, a document with -F FILE or on stdin, or let --auto fill it in/g, 'give one with summary, or set auto to true'],
  [/give it with -m TEXT, -F FILE, or on stdin/g, 'give it with text'],
  [/\(-k decision\)/g, '(kind "decision")'],
  [/\(-t\)/g, '(title)'],
];

export function argumentWords(text: string, flags: Readonly<Record<string, string>>): string {
  let out = text;
  for (const [re, words] of FLAG_WORDS) out = out.replace(re, words);
  for (const [flag, arg] of Object.entries(flags)) {
    out = out.replace(new RegExp(`(^|[\\s(\`'"])${flag.replace(/[-]/g, '\\-')}(?=$|[\\s:,.)\`'"])`, 'g'), `$1${arg}`);
  }
  return out;
}
