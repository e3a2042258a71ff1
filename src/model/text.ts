/**
 * Making untrusted text safe to print on a terminal. Entries come from other sessions and, through
 * pull, from other machines: their text must never drive the terminal. Control characters (C0, DEL,
 * C1, which carry ANSI escape sequences) and the bidirectional overrides and isolates that can make a
 * line read differently from what it holds ("Trojan Source") are shown as visible escapes. Everything
 * else, right-to-left letters and emoji included, is printed as it is.
 */
const UNSAFE_RE = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

/** Control and bidi-control characters become visible escapes (\x1b, \u202e); tabs stay. */
export function safe(text: string, keepNewlines = true): string {
  const s = text.replace(UNSAFE_RE, (c) => {
    if (c === '\t') return '\t';
    const code = c.charCodeAt(0);
    return code < 0x100 ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
  });
  return keepNewlines ? s : s.replace(/[\r\n]+/g, ' ');
}
