/**
 * Times given on the command line (--since, --until, --older-than): an ISO date or date-time, or a
 * duration back from now (`90m`, `36h`, `7d`, `2w`). Anything else is left to git's own date parser
 * (see core/read.ts), so "yesterday" or "2 weeks ago" work as they do in `git log --since`.
 */
const DURATION_RE = /^(\d+(?:\.\d+)?)\s*(s|sec|secs|seconds?|m|min|mins|minutes?|h|hours?|d|days?|w|weeks?)$/i;

const UNIT_MS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/** Milliseconds for a duration like "7d", or null. */
export function parseDuration(text: string): number | null {
  const m = DURATION_RE.exec(text.trim());
  if (!m) return null;
  const unit = m[2]!.toLowerCase();
  const key = unit.startsWith('mi') || unit === 'm' ? 'm' : unit[0]!;
  return Number(m[1]) * UNIT_MS[key]!;
}

/** A point in time from an ISO date or a duration back from `now`; null if neither. */
export function parseWhen(text: string, now: number): number | null {
  const t = text.trim();
  const d = parseDuration(t);
  if (d !== null) return now - d;
  if (/^\d{4}-\d{2}-\d{2}([T ][\d:.]+(Z|[+-]\d{2}:?\d{2})?)?$/.test(t)) {
    const ms = Date.parse(t.length === 10 ? `${t}T00:00:00Z` : t.replace(' ', 'T'));
    return Number.isNaN(ms) ? null : ms;
  }
  return null;
}

/** "YYYY/MM/DD/HH" for a time, the key shards are named by. */
export function shardKey(ms: number): string {
  const d = new Date(ms);
  const p2 = (n: number) => String(n).padStart(2, '0');
  return `${d.getUTCFullYear()}/${p2(d.getUTCMonth() + 1)}/${p2(d.getUTCDate())}/${p2(d.getUTCHours())}`;
}
