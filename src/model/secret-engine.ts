/**
 * Runs gitleaks' rules (compiled at build time into gitleaks.gen.ts by scripts/secret-rules.mjs) the
 * way gitleaks runs them on a piece of text: keywords first, then each rule whose keywords occur, the
 * secret picked out of the match (its secret group, else its first non-empty group), its entropy
 * checked, then the global and the rule's own allowlists (regexes on the secret, the match or the line;
 * stop words in the secret). Paths and commits in allowlists mean nothing for text and are left out.
 *
 * What it costs: every rule has keywords, so a text pays for one lower-casing and one pass of a single
 * expression that finds which keywords occur; only the rules they name are compiled (V8 compiles a
 * regular expression on its first use) and run. A short note without keywords runs no rule at all.
 */
import { GITLEAKS_IDS, GITLEAKS_JSON, GITLEAKS_KEYWORDS, type GitleaksRules } from './gitleaks.gen.js';

export interface CompiledRegex {
  source: string;
  flags?: string;
}

export interface GitleaksAllowlist {
  /** What the regexes are tested on. */
  target: 'secret' | 'match' | 'line';
  /** All of regexes and stop words must hold (else any one). */
  and: boolean;
  regexes: CompiledRegex[];
  /** Lower case; a secret containing one is allowed. */
  stopwords: string[];
}

export interface GitleaksRule extends CompiledRegex {
  id: string;
  /** The capture group that holds the secret; 0: the first non-empty group (gitleaks' default); -1: the whole match. */
  group: number;
  /**
   * Characters of `[\w.-]` the match may start before what the expression matched (gitleaks' lazy
   * name prefix, left out of the expression): put back for allowlists that look at the whole match.
   */
  prefix?: number;
  /** The secret's Shannon entropy must be above this (0: no check). */
  entropy: number;
  /** Lower case; the rule runs only on text that contains one of them. */
  keywords: string[];
  allow: GitleaksAllowlist[];
}

export interface RuleHit {
  kind: string;
  start: number;
  end: number;
}

const ASCII_COUNTS = new Uint32Array(128);

/** Shannon entropy in bits per character (gitleaks' measure). */
export function entropy(s: string): number {
  // ASCII (nearly every secret): counts in one reused array, no map.
  let ascii = true;
  for (let i = 0; i < s.length && ascii; i++) ascii = s.charCodeAt(i) < 128;
  if (ascii) {
    let h = 0;
    for (let i = 0; i < s.length; i++) ASCII_COUNTS[s.charCodeAt(i)]!++;
    for (let i = 0; i < s.length; i++) {
      const c = s.charCodeAt(i);
      const k = ASCII_COUNTS[c]!;
      if (k === 0) continue; // counted already
      h -= (k / s.length) * Math.log2(k / s.length);
      ASCII_COUNTS[c] = 0;
    }
    return h;
  }
  const counts = new Map<string, number>();
  let n = 0;
  for (const c of s) {
    counts.set(c, (counts.get(c) ?? 0) + 1);
    n++;
  }
  let h = 0;
  for (const k of counts.values()) h -= (k / n) * Math.log2(k / n);
  return h;
}

/** An allowlist with its expressions compiled on first use. */
interface Allow {
  list: GitleaksAllowlist;
  res: RegExp[] | null;
  /** All stop words as one expression (generic-api-key has over a thousand). */
  stop: RegExp | null;
}

interface Prepared {
  rule: GitleaksRule;
  re: RegExp | null;
  /** The same with indices, run on a match only, to place its secret group. */
  reD: RegExp | null;
  allow: Allow[];
}

let prepared: Prepared[] | null = null;
let globalAllow: Allow[] = [];
/** keyword -> the rules it enables. */
let byKeyword: Map<string, number[]> | null = null;
/** One expression that finds any keyword; a lookahead, so that overlapping keywords are all seen. */
let keywordRe: RegExp | null = null;

const escapeRe = (s: string) => s.replace(/[\\^$.|?*+()[\]{}]/g, '\\$&');

function prepare(): void {
  const { rules, global } = JSON.parse(GITLEAKS_JSON) as GitleaksRules;
  prepared = rules.map((rule) => ({ rule, re: null, reD: null, allow: rule.allow.map((list) => ({ list, res: null, stop: null })) }));
  globalAllow = global.map((list) => ({ list, res: null, stop: null }));
  byKeyword = new Map();
  prepared.forEach((p, i) => {
    for (const k of p.rule.keywords) byKeyword!.set(k, [...(byKeyword!.get(k) ?? []), i]);
  });
}

/** The rules whose keywords occur in the text (indices into the prepared list, in rule order). */
function candidates(text: string): number[] {
  if (!prepared) prepare();
  const lower = text.toLowerCase();
  const seen = new Set<string>();
  if (lower.length < SMALL && !keywordRe && ++smallTexts <= SMALL_TEXTS) {
    // Short texts (most entries): a substring search per keyword costs less than compiling the
    // expression that finds them all in one pass (~1.5 ms).
    for (const w of byKeyword!.keys()) if (lower.includes(w)) seen.add(w);
  } else scanKeywords(lower, seen);
  const rules = new Set<number>();
  for (const w of seen) for (const i of byKeyword!.get(w)!) rules.add(i);
  return [...rules].sort((a, b) => a - b);
}

/**
 * Texts shorter than this look keywords up one by one (a short note: cheaper than compiling the
 * expression, ~1 ms; ~25 µs a text); longer ones, and every text once the expression exists, in one
 * pass (~3 µs for an entry file).
 */
const SMALL = 1024;
/** After this many short texts (a merge, `scan`, the MCP server), the expression pays for itself. */
const SMALL_TEXTS = 16;
let smallTexts = 0;


function scanKeywords(lower: string, seen: Set<string>): void {
  const re = (keywordRe ??= new RegExp(`(?=(${GITLEAKS_KEYWORDS}))`, 'g'));
  re.lastIndex = 0;
  for (let m = re.exec(lower); m; m = re.exec(lower)) {
    const word = m[1]!;
    if (!seen.has(word)) {
      // The longest keyword at this place: the shorter ones it starts with are there too.
      for (let n = 1; n <= word.length; n++) if (byKeyword!.has(word.slice(0, n))) seen.add(word.slice(0, n));
    }
    re.lastIndex = m.index + 1;
  }
}

function compiled(a: Allow): RegExp[] {
  return (a.res ??= a.list.regexes.map((r) => new RegExp(r.source, r.flags ?? '')));
}

function allowed(lists: Allow[], secret: string, match: string, line: string): boolean {
  for (const a of lists) {
    const target = a.list.target === 'match' ? match : a.list.target === 'line' ? line : secret;
    const checks: boolean[] = [];
    if (a.list.regexes.length) checks.push(compiled(a).some((re) => re.test(target)));
    if (a.list.stopwords.length) {
      a.stop ??= new RegExp(a.list.stopwords.map(escapeRe).join('|'));
      checks.push(a.stop.test(secret.toLowerCase()));
    }
    if (a.list.and ? checks.every(Boolean) : checks.some(Boolean)) return true;
  }
  return false;
}

/** The line(s) a match lies on, as gitleaks' `line` allowlist target sees them. */
function lineOf(text: string, start: number, end: number): string {
  const from = text.lastIndexOf('\n', start - 1) + 1;
  const to = text.indexOf('\n', end);
  return text.slice(from, to < 0 ? text.length : to);
}

const NAME_CHAR = /[\w.-]/;
const OBJECT_ID = /^(?:[0-9a-f]{40}|[0-9a-f]{64})$/i;

/** The rules that judge a value by the name it is assigned to and its entropy alone. */
const GENERIC = new Set(['generic-api-key']);

/**
 * Every secret gitleaks' rules find in a text, as the span of its secret, in rule order: the rules for
 * a service's own format into `specific`, the generic one into `generic` (so that a caller can let a
 * specific rule name a secret both find).
 */
export function runGitleaks(text: string, specific: RuleHit[], generic: RuleHit[] = specific): void {
  for (const i of candidates(text)) {
    const p = prepared![i]!;
    const { rule } = p;
    const out = GENERIC.has(rule.id) ? generic : specific;
    const re = (p.re ??= new RegExp(rule.source, `g${rule.flags ?? ''}`));
    re.lastIndex = 0;
    for (let m = re.exec(text); m; m = re.exec(text)) {
      if (m[0].length === 0) {
        re.lastIndex++;
        continue;
      }
      // gitleaks trims newlines off the match, then takes the secret from a match of the rule on it.
      let start = m.index;
      let end = start + m[0].length;
      while (start < end && text[start] === '\n') start++;
      while (end > start && text[end - 1] === '\n') end--;
      if (rule.prefix) for (let n = 0; n < rule.prefix && start > 0 && NAME_CHAR.test(text[start - 1]!); n++) start--;
      const match = text.slice(start, end);
      // A match that is nothing but a git object id (a rule's bare hex alternative, allowed by a keyword
      // anywhere in the text) is a commit or blob, not a secret.
      if (OBJECT_ID.test(match)) continue;
      let secretStart = start;
      let secretEnd = end;
      if (m.length > 1 && rule.group !== -1) {
        const reD = (p.reD ??= new RegExp(rule.source, `d${rule.flags ?? ''}`));
        const sub = reD.exec(match);
        const idx = sub?.indices;
        if (!sub || !idx) continue;
        let g = rule.group;
        if (g === 0) g = sub.findIndex((s, k) => k > 0 && s !== undefined && s.length > 0);
        if (g > 0) {
          const at = idx[g];
          if (!at || at[0] === at[1]) continue;
          secretStart = start + at[0];
          secretEnd = start + at[1];
        }
      }
      const secret = text.slice(secretStart, secretEnd);
      if (rule.entropy && entropy(secret) <= rule.entropy) continue;
      const line = globalAllow.some((a) => a.list.target === 'line') || p.allow.some((a) => a.list.target === 'line') ? lineOf(text, start, end) : '';
      if (allowed(globalAllow, secret, match, line) || allowed(p.allow, secret, match, line)) continue;
      out.push({ kind: rule.id, start: secretStart, end: secretEnd });
    }
  }
}

/** The ids of gitleaks' rules, in their order. */
export const GITLEAKS_KINDS: readonly string[] = GITLEAKS_IDS;
