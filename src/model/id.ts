/**
 * Entry ids: 48 bits of milliseconds then 80 random bits, in lower-case Crockford base32 (26 characters,
 * the ULID layout). Sorting ids as strings sorts entries by creation time; the random part makes ids
 * from different machines in the same millisecond distinct. Ids one process makes in the same
 * millisecond (a todo list imported as tasks) follow each other: the random part of the one before,
 * plus one, as ULID's monotonic ids do. The timestamp also fixes the entry's shard, so a full id
 * locates its file without a search.
 */
const ALPHABET = '0123456789abcdefghjkmnpqrstvwxyz';
export const ID_LENGTH = 26;
const ID_RE = /^[0-9a-hjkmnp-tv-z]{26}$/;
const PREFIX_RE = /^[0-9a-hjkmnp-tv-z]{1,26}$/;

/** The last id this process made, for the next one in the same millisecond. */
let last: { time: number; id: string } | null = null;

/** `id` plus one in its random part; null when that part is all `z` (then a random one is drawn). */
function successor(id: string): string | null {
  const chars = id.split('');
  for (let i = chars.length - 1; i >= 10; i--) {
    const v = ALPHABET.indexOf(chars[i]!);
    if (v < 31) {
      chars[i] = ALPHABET[v + 1]!;
      return chars.join('');
    }
    chars[i] = ALPHABET[0]!;
  }
  return null;
}

export function newId(nowMs: number, random: Uint8Array): string {
  if (!Number.isInteger(nowMs) || nowMs < 0 || nowMs >= 2 ** 48) throw new RangeError('timestamp out of range');
  const next = last?.time === nowMs ? successor(last.id) : null;
  const id = next ?? randomId(nowMs, random);
  last = { time: nowMs, id };
  return id;
}

function randomId(nowMs: number, random: Uint8Array): string {
  let time = '';
  let t = nowMs;
  for (let i = 0; i < 10; i++) {
    time = ALPHABET[t % 32] + time;
    t = Math.floor(t / 32);
  }
  // 80 random bits -> 16 base32 characters (5 bits each).
  let bits = 0;
  let value = 0;
  let rand = '';
  for (let i = 0; i < 10; i++) {
    value = (value << 8) | random[i]!;
    bits += 8;
    while (bits >= 5) {
      rand += ALPHABET[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
    value &= (1 << bits) - 1;
  }
  return time + rand;
}

export function isId(s: string): boolean {
  return ID_RE.test(s);
}

/** Accepts any case, and the Crockford aliases (i, l -> 1; o -> 0), as people type them. */
export function normalizeIdPrefix(s: string): string | null {
  const p = s.trim().toLowerCase().replace(/[il]/g, '1').replace(/o/g, '0');
  return PREFIX_RE.test(p) ? p : null;
}

export function idTime(id: string): number {
  let t = 0;
  for (let i = 0; i < 10; i++) t = t * 32 + ALPHABET.indexOf(id[i]!);
  return t;
}
