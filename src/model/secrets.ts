/**
 * Secret detection and redaction (storage invariant 7): git history is forever and is pushed to shared
 * remotes, so a secret must be found and replaced with `[REDACTED:<kind>]` before anything is hashed.
 *
 * The rules are gitleaks' default rule set (MIT licence), compiled into this bundle at build time by
 * scripts/secret-rules.mjs and run by secret-engine.ts as gitleaks runs them (keywords, secret group,
 * entropy, allowlists), plus rules of our own for what that set does not catch or catches badly:
 * private-key blocks taken whole (escaped inside JSON, or cut short), passwords in URLs and connection
 * strings, `Authorization` values, cloud keys given by name, and high-entropy values assigned to
 * secret-sounding names (`*_KEY`, `*_SECRET`, `*_TOKEN`, `password`, ...).
 *
 * A rule may name the capture group that holds the secret, so that `aws_secret_access_key = X` keeps its
 * name and loses only X. Matches are taken in rule order (whole private-key blocks first, then gitleaks'
 * rules, then ours) and never overlap: a later match keeps only the part no earlier one took.
 *
 * Two properties the rest of git-ctx relies on (and the property tests check):
 * - idempotence: a redaction marker is never matched again (a match is cut at the first one), and
 *   redacting until nothing is found is what `redactText` does, so its output holds no detected secret;
 * - format safety: a redacted span never holds a `"` and never splits a backslash escape (it is cut
 *   around them), so redacting inside a JSON string (an entry header value) leaves valid JSON.
 */
import type { EntryData } from './entry.js';
import { entropy, runGitleaks, GITLEAKS_KINDS } from './secret-engine.js';

export { entropy } from './secret-engine.js';

export interface Finding {
  kind: string;
  /** UTF-16 offsets of the secret in the text: [start, end). */
  start: number;
  end: number;
}

/** What was redacted, where: never the value. Lines and columns count from 1; columns in characters. */
export interface Redaction {
  kind: string;
  /** The field (`title`, `body`, `tags[1]`), or the file path / `commit message` for the store's net. */
  field: string;
  line: number;
  column: number;
  /** Set by `scan` for what looks like the start of a secret cut short (no full secret is there). */
  partial?: boolean;
}

interface Rule {
  kind: string;
  re: RegExp;
  /** Literal substrings of which at least one must occur for the rule to run (a cheap pre-check). */
  hints?: readonly string[];
  /** The capture group that holds the secret (default: the whole match). Needs the `d` flag. */
  group?: number;
  /** Further check on the captured secret (entropy, placeholders). */
  accept?: (secret: string) => boolean;
}

/** No identifier character before a token. */
const B = '(?<![A-Za-z0-9_])';
/** No token character after (for tokens whose alphabet includes `-`). */
const E = '(?![A-Za-z0-9_-])';

const rx = (source: string, flags = ''): RegExp => new RegExp(source, `g${flags}`);

export const MARKER_PREFIX = '[REDACTED:';
export function marker(kind: string): string {
  return `${MARKER_PREFIX}${kind}]`;
}

/** Values that stand for a secret without being one: `${TOKEN}`, `<password>`, `****`, `your-key`. */
function isPlaceholder(v: string): boolean {
  return /^[$%{<(@]|\[REDACTED|\*{3}|x{4}|X{4}|\.\.\.|example|placeholder|changeme|^your[_-]/i.test(v) || /^(.)\1*$/.test(v);
}

/**
 * Whether a value assigned to a secret-sounding name looks like a real secret rather than code or a
 * name: long enough, mixed character classes, not an identifier, a member path, a CONSTANT or a path.
 */
export function looksLikeSecret(v: string, quoted: boolean): boolean {
  if (v.length < 8 || v.length > 300 || isPlaceholder(v) || v.includes('://')) return false;
  if (/^[A-Z][A-Z0-9_]*$/.test(v)) return false; // an environment variable's name
  if (!quoted && /^[A-Za-z_$][\w$]*(?:\.[A-Za-z_$][\w$]*)+$/.test(v)) return false; // a.b.c
  if (/^[A-Za-z_]+$/.test(v)) return false; // a word or identifier without digits
  if (/^[a-z0-9_.~/-]+$/.test(v) && v.includes('/')) return false; // a lower-case path
  if (/^v?\d+(?:\.\d+){1,3}(?:[-+][\w.]+)?$/.test(v)) return false; // a version
  const lower = /[a-z]/.test(v);
  const upper = /[A-Z]/.test(v);
  const digit = /[0-9]/.test(v);
  const other = /[^A-Za-z0-9]/.test(v);
  const classes = +lower + +upper + +digit + +other;
  if (!(lower || upper)) return false;
  const h = entropy(v);
  if (classes >= 3) return h >= 3;
  return classes === 2 && digit && v.length >= 16 && h >= 3.3;
}

const notPlaceholder = (v: string) => !isPlaceholder(v);

/**
 * A private key, PEM, OpenSSH or PGP: the whole block, escaped newlines included (a key inside a JSON
 * string). A block cut short (a BEGIN line that ends its line, and no END) is redacted to the end of
 * the text, or of the quoted string it is in: whatever follows a BEGIN line is key material until
 * proven otherwise. The block never spans a `"`, so a redaction stays inside the JSON value it started in.
 */
const PRIVATE_KEY: Rule = {
  kind: 'private-key',
  hints: ['-----BEGIN'],
  re: rx(
    String.raw`-----BEGIN[ A-Z0-9_-]{0,40}PRIVATE KEY(?: BLOCK)?-----(?:(?:(?!-----BEGIN)[^"]){0,20000}?-----END[ A-Z0-9_-]{0,40}PRIVATE KEY(?: BLOCK)?-----|(?=[ \t]*(?:\r?\n|\\r?\\n|$))[^"]*)`,
  ),
};

/** Rules of our own that run after gitleaks' (where both match, gitleaks' kind is reported). */
const OWN_RULES: readonly Rule[] = [
  { kind: 'anthropic-api-key', hints: ['sk-ant-'], re: rx(`${B}sk-ant-(?:api|admin|oat|sid)\\d{2}-[A-Za-z0-9_-]{32,}${E}`) },
  {
    kind: 'openai-api-key',
    hints: ['sk-'],
    re: rx(`${B}sk-(?:(?:proj|svcacct|admin)-[A-Za-z0-9_-]{40,}|[A-Za-z0-9]{20}T3BlbkFJ[A-Za-z0-9]{20})${E}`),
  },
  { kind: 'stripe-webhook-secret', hints: ['whsec_'], re: rx(`${B}whsec_[A-Za-z0-9+/]{24,}${E}`) },
  {
    kind: 'aws-secret-access-key',
    hints: ['ecret', 'ECRET'],
    re: rx(String.raw`(?:aws)?_?secret_?access_?key["'\x60]?\s*(?:=|:=|:|=>)\s*["'\x60]?([A-Za-z0-9/+=]{40})(?![A-Za-z0-9/+=])`, 'di'),
    group: 1,
  },
  {
    kind: 'aws-session-token',
    hints: ['ession', 'ESSION'],
    re: rx(String.raw`aws_?session_?token["'\x60]?\s*(?:=|:=|:|=>)\s*["'\x60]?([A-Za-z0-9/+=]{100,2000})(?![A-Za-z0-9/+=])`, 'di'),
    group: 1,
  },
  { kind: 'gcp-oauth-client-secret', hints: ['GOCSPX-'], re: rx(`${B}GOCSPX-[A-Za-z0-9_-]{28}${E}`) },
  { kind: 'gcp-access-token', hints: ['ya29.'], re: rx(`${B}ya29\\.[0-9A-Za-z_-]{30,}${E}`) },
  { kind: 'azure-storage-key', hints: ['Key='], re: rx('(?:AccountKey|SharedAccessKey|AccessKey)=([A-Za-z0-9+/]{40,100}={0,2})(?![A-Za-z0-9+/=])', 'd'), group: 1 },
  { kind: 'azure-sas-token', hints: ['sig='], re: rx('[?&]sig=([A-Za-z0-9%+/]{30,200}(?:%3D|=){0,2})(?![A-Za-z0-9%+/=])', 'd'), group: 1 },
  { kind: 'npm-auth-token', hints: ['_auth'], re: rx(String.raw`_auth(?:Token)?\s*=\s*"?([^\s"'\\$]{16,512})`, 'd'), group: 1, accept: notPlaceholder },
  { kind: 'telegram-bot-token', hints: [':AA'], re: rx(`${B}\\d{8,10}:AA[0-9A-Za-z_-]{33}${E}`) },
  {
    kind: 'connection-string-password',
    hints: [';'],
    // ADO.NET / ODBC style: "Server=db;User Id=app;Password=...;"
    re: rx(String.raw`;\s*(?:password|pwd)\s*=\s*([^;"'\s\\]{3,128})(?=;|"|'|\s|$)`, 'di'),
    group: 1,
    accept: notPlaceholder,
  },
  {
    kind: 'authorization-header',
    hints: ['uthorization', 'UTHORIZATION'],
    // `Authorization: Bearer X`, `"Authorization": "token X"`, `authorization=X`: the credential goes,
    // the scheme stays. Basic credentials are base64 of user:password, whatever their entropy.
    re: rx(String.raw`\bauthorization["']?\s*[:=]\s*["']?(?:(basic)\s+([A-Za-z0-9+/]{6,}={0,2})|(?:(?:bearer|token|digest|apikey|api-key|key|sso-key|otp)\s+)?([A-Za-z0-9._~+/=:-]{12,}))`, 'di'),
    group: -1,
    accept: (v) => {
      if (isPlaceholder(v)) return false;
      if (/^[A-Za-z0-9+/]+={0,2}$/.test(v) && v.length % 4 === 0) {
        try {
          if (/^[^:\s]{1,128}:[^\s]{1,256}$/.test(atob(v))) return true; // Basic: user:password in base64
        } catch {
          /* not base64 */
        }
      }
      return v.length >= 12 && /[0-9]/.test(v) && /[A-Za-z]/.test(v) && entropy(v) >= 3;
    },
  },
  {
    kind: 'cli-password',
    hints: ['-pass', '-u', '--user'],
    // Credentials given to a command: `--password X`, `--password=X`, `-u user:X`, `--user user:X`.
    re: rx(String.raw`(?:--(?:password|passwd|pass|db-password|token)(?:=|\s+)["']?|(?:\s-u|--user)(?:=|\s+)["']?[^\s:"'/@]{1,64}:)([^\s"'\\]{4,128})`, 'd'),
    group: 1,
    accept: (v) => notPlaceholder(v) && !/^\d+$/.test(v) && !v.startsWith('-'),
  },
];
/**
 * Names that announce a secret, with the assignment after them: `API_KEY=`, `"password":`,
 * `clientSecret:`, `db_pwd :=`, `secret_key_base:`. A name is one identifier-like word (dots and dashes
 * allowed, so `spring.datasource.password` and `x-api-key` count).
 */
/** The words a secret-sounding name holds: found first, then the name around each is read. */
const NAME_WORD = /secret|token|passw|passphrase|pwd|credential|key|pass|pw|auth/gi;
const isLetter = (c: number) => (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
const isDigit = (c: number) => c >= 48 && c <= 57;
/** `[\w.$-]` */
const isNameChar = (c: number) => isLetter(c) || isDigit(c) || c === 95 || c === 46 || c === 36 || c === 45;
/** `[a-z0-9+.-]`, case-insensitive: a URL scheme's characters. */
const isSchemeChar = (c: number) => isLetter(c) || isDigit(c) || c === 43 || c === 46 || c === 45;
/** After a name: an optional closing quote, then the assignment. */
const ASSIGNMENT = /["'\x60]?[ \t]*(?:=|:=|:|=>)[ \t]*/y;
/** Names that say "secret" by a word of their own. */
const SECRET_NAME = /secret|token|passw(?:or)?d|passphrase|credential|pwd|api[_.-]?key|private[_.-]?key|access[_.-]?key|auth[_.-]?(?:token|key)|[_.-](?:pass|pw)$/i;
/** Names that end in KEY (`SECRET_KEY`, `signingKey`, `stripe-key`): a key, or a lookup key. */
const KEY_NAME = /(?:^|[_.-])key$|[a-z0-9]Key$|(?:^|[_.-])KEY$/;
/** Names that hold the word without naming a secret: counts, sizes, types, files, URLs, ids. */
const NOT_SECRET_NAME = /(?:tokenizer|tokens|count|length|len|size|limit|max|min|type|kind|name|file|path|dir|url|uri|endpoint|id|ids|prefix|field|header|env|var|format|hash|pattern|regex|expires?|expiry|ttl|timeout|mode|policy|rotation|version|usage)$/i;
const UNQUOTED_VALUE = /[A-Za-z0-9_\-+/=.~!@#%^&*]+/y;

/** The generic rule: a high-entropy literal assigned to a secret-sounding name. */
function findGeneric(text: string, out: Finding[]): void {
  // Driven by the words, not by every `name:` of a text (which code and logs are full of).
  NAME_WORD.lastIndex = 0;
  for (let w = NAME_WORD.exec(text); w; w = NAME_WORD.exec(text)) {
    let from = w.index;
    while (from > 0 && isNameChar(text.charCodeAt(from - 1)) && w.index - from < 80) from--;
    let to = NAME_WORD.lastIndex;
    while (to < text.length && isNameChar(text.charCodeAt(to)) && to - from < 81) to++;
    NAME_WORD.lastIndex = to;
    const first = text.charCodeAt(from);
    if (!(isLetter(first) || first === 95 || first === 36)) continue;
    ASSIGNMENT.lastIndex = to;
    if (!ASSIGNMENT.test(text)) continue;
    const name = text.slice(from, to);
    const keyOnly = !SECRET_NAME.test(name);
    if ((keyOnly && !KEY_NAME.test(name)) || NOT_SECRET_NAME.test(name.replace(/[_.-]?key$/i, ''))) continue;
    const at = ASSIGNMENT.lastIndex;
    const q = text[at];
    let start: number;
    let end: number;
    let quoted = false;
    if (q === '"' || q === "'" || q === '`') {
      start = at + 1;
      end = start;
      while (end < text.length && end - start <= 300 && text[end] !== q && text[end] !== '\n' && text[end] !== '\\') end++;
      if (text[end] !== q) continue; // unterminated, or an escape inside: not a literal we can judge
      quoted = true;
    } else {
      UNQUOTED_VALUE.lastIndex = at;
      const v = UNQUOTED_VALUE.exec(text);
      if (!v) continue;
      start = at;
      end = at + v[0].length;
      if (text[end] === '(' || text[end] === '[') continue; // a call or an index: code, not a value
    }
    const value = text.slice(start, end);
    // A name that only ends in "key" may be a lookup key: only long, random values count.
    if (looksLikeSecret(value, quoted) && (!keyOnly || (value.length >= 16 && entropy(value) >= 3.5))) out.push({ kind: 'generic-secret', start, end });
  }
}

const USERINFO_AFTER = /[^\s:/?#@"'<>[\]\\]{0,128}:([^\s/?#@"'<>[\]\\]{1,256})@/y;

/**
 * Credentials in a URL, `scheme://user:<password>@host`: only the password goes. Found from each
 * `://` (a regular expression tried at every word start costs several times more on code).
 */
function findUrlCredentials(text: string, out: Finding[]): void {
  for (let at = text.indexOf('://'); at >= 0; at = text.indexOf('://', at + 3)) {
    // The scheme: the longest run of scheme characters before `://` (at most 31) from its first letter.
    let scheme = at;
    while (scheme > 0 && at - scheme < 31 && isSchemeChar(text.charCodeAt(scheme - 1))) scheme--;
    while (scheme < at && !isLetter(text.charCodeAt(scheme))) scheme++;
    if (at - scheme < 2) continue;
    const before = scheme > 0 ? text.charCodeAt(scheme - 1) : 0;
    if (isLetter(before) || isDigit(before) || before === 95) continue;
    USERINFO_AFTER.lastIndex = at + 3;
    const m = USERINFO_AFTER.exec(text);
    if (!m) continue;
    const end = USERINFO_AFTER.lastIndex - 1;
    const start = end - m[1]!.length;
    if (!isPlaceholder(m[1]!)) out.push({ kind: 'url-credentials', start, end });
  }
}

function runRule(rule: Rule, text: string, out: Finding[]): void {
  if (rule.hints && !rule.hints.some((h) => text.includes(h))) return;
  rule.re.lastIndex = 0;
  for (let m = rule.re.exec(text); m; m = rule.re.exec(text)) {
    if (m[0].length === 0) {
      rule.re.lastIndex++;
      continue;
    }
    let span: [number, number] | undefined = [m.index, m.index + m[0].length];
    if (rule.group === -1) span = m.indices!.find((at, k) => k > 0 && at && at[1] > at[0]);
    else if (rule.group) span = m.indices![rule.group];
    if (!span) continue;
    if (rule.accept && !rule.accept(text.slice(span[0], span[1]))) continue;
    out.push({ kind: rule.kind, start: span[0], end: span[1] });
  }
}

/** Every secret kind git-ctx detects: ours, then gitleaks' rule ids, then the generic ones. */
export const SECRET_KINDS: readonly string[] = [
  ...new Set([PRIVATE_KEY.kind, ...GITLEAKS_KINDS, ...OWN_RULES.map((r) => r.kind), 'url-credentials', 'generic-secret']),
];

/**
 * The parts of [start, end) that can be replaced inside a JSON string without breaking it: never an
 * unescaped `"`, never a backslash escape cut in half (an escape wholly inside goes with the rest, so a
 * key written with `\n` escapes is still one marker).
 */
function jsonSafe(text: string, start: number, end: number): [number, number][] {
  let s = start;
  // Starting right after an unpaired backslash would leave it escaping the marker.
  let slashes = 0;
  for (let i = start - 1; i >= 0 && text.charCodeAt(i) === 92; i--) slashes++;
  if (slashes % 2 === 1) s++;
  const parts: [number, number][] = [];
  let from = s;
  for (let i = s; i < end; i++) {
    const c = text.charCodeAt(i);
    if (c === 92) {
      if (i + 1 >= end) {
        // An escape the span would cut in half: it stays, whole, outside.
        if (i > from) parts.push([from, i]);
        from = end;
        break;
      }
      i++;
    } else if (c === 34) {
      if (i > from) parts.push([from, i]);
      from = i + 1;
    }
  }
  if (end > from) parts.push([from, end]);
  return parts;
}

/** The rules that judge a value by its name and entropy alone. */
const GENERIC_KINDS = new Set(['generic-api-key', 'generic-secret']);
/**
 * Values those rules leave alone: git's abbreviated SHAs, and git-ctx's own short random ids (claim
 * tokens, work-in-progress keys), which its state files keep under names like `token` and `key`.
 */
const SHORT_ID = /^(?:[a-z]{1,8}-)?[0-9a-f]{6,16}$/;

/** Find the secrets in a text, in order of position, never overlapping. */
export function findSecrets(text: string): Finding[] {
  const found: Finding[] = [];
  // Characters already claimed by an earlier rule. Allocated on the first claim: most texts hold none.
  let taken: Uint8Array | null = null;
  // Redaction markers: what a match finds beyond one was judged on text that is no longer the original.
  const markers: [number, number][] = [];
  if (text.includes(MARKER_PREFIX)) {
    const re = /\[REDACTED:[a-z0-9-]+\]/g;
    for (let m = re.exec(text); m; m = re.exec(text)) markers.push([m.index, m.index + m[0].length]);
  }
  /** Where the first marker inside [start, end) begins (end when there is none). */
  const beforeMarker = (start: number, end: number) => {
    for (const [s, e] of markers) if (s < end && start < e) return Math.max(start, Math.min(s, end));
    return end;
  };
  /** The parts of [start, end) not claimed yet. */
  const free = (start: number, end: number): [number, number][] => {
    if (!taken) return [[start, end]];
    const parts: [number, number][] = [];
    for (let i = start; i < end; ) {
      while (i < end && taken[i]) i++;
      const s = i;
      while (i < end && !taken[i]) i++;
      if (i > s) parts.push([s, i]);
    }
    return parts;
  };
  // A match that overlaps an earlier one loses only the overlap: whatever is left of it is still
  // redacted, so nothing of a secret survives next to another.
  // A match that reaches into a marker keeps only what comes before it (a key cut short, redacted to
  // the end of the text, stops at the next marker); one that starts in a marker is dropped.
  const consider = (f: Finding) => {
    const end = markers.length ? beforeMarker(f.start, f.end) : f.end;
    if (end <= f.start) return;
    for (const [s, e] of jsonSafe(text, f.start, end)) {
      for (const [start, end] of free(s, e)) {
        taken ??= new Uint8Array(text.length);
        taken.fill(1, start, end);
        found.push({ kind: f.kind, start, end });
      }
    }
  };
  // Whole private-key blocks first, then the rules for a service's own format (gitleaks' and ours),
  // then those that go by a name and entropy alone.
  const hits: Finding[] = [];
  const generic: Finding[] = [];
  runRule(PRIVATE_KEY, text, hits);
  runGitleaks(text, hits, generic);
  for (const rule of OWN_RULES) runRule(rule, text, hits);
  findUrlCredentials(text, hits);
  hits.push(...generic);
  findGeneric(text, hits);
  for (const h of hits) if (!(GENERIC_KINDS.has(h.kind) && SHORT_ID.test(text.slice(h.start, h.end)))) consider(h);
  return found.sort((a, b) => a.start - b.start);
}

/**
 * What the start of a secret cut short looks like: a prefix no ordinary text has, then at least a
 * dozen characters of the secret's alphabet (for `scan`: an older version cut titles before redacting,
 * and a tool may have truncated a paste). Each is tried only where no whole secret was found.
 */
const PARTIAL: readonly Rule[] = [
  { kind: 'private-key', hints: ['-----BEGIN'], re: rx('-----BEGIN[ A-Z0-9_-]{0,40}PRIVATE') },
  { kind: 'github-pat', hints: ['gh'], re: rx(`${B}gh[pousr]_[A-Za-z0-9]{12,}`) },
  { kind: 'github-fine-grained-pat', hints: ['github_pat_'], re: rx(`${B}github_pat_[A-Za-z0-9_]{12,}`) },
  { kind: 'gitlab-pat', hints: ['gl'], re: rx(`${B}gl(?:pat|dt|ptt|rt|soat|ffct|cbt|oas|imt|agent)-[A-Za-z0-9_-]{12,}`) },
  { kind: 'slack-token', hints: ['xox', 'xapp-'], re: rx(`${B}(?:xox[abposre]|xapp)-[0-9A-Za-z-]{12,}`) },
  { kind: 'anthropic-api-key', hints: ['sk-ant-'], re: rx(`${B}sk-ant-[a-z]{3,5}\\d{2}-[A-Za-z0-9_-]{12,}`) },
  { kind: 'openai-api-key', hints: ['sk-'], re: rx(`${B}sk-(?:proj|svcacct|admin)-[A-Za-z0-9_-]{12,}`) },
  { kind: 'stripe-access-token', hints: ['_live_', '_test_'], re: rx(`${B}(?:sk|rk)_(?:live|test)_[0-9A-Za-z]{12,}`) },
  { kind: 'aws-access-token', hints: ['AKIA', 'ASIA'], re: rx(`${B}(?:AKIA|ASIA)[A-Z2-7]{12,}`) },
  { kind: 'gcp-api-key', hints: ['AIza'], re: rx(`${B}AIza[0-9A-Za-z_-]{12,}`) },
  { kind: 'npm-access-token', hints: ['npm_'], re: rx(`${B}npm_[A-Za-z0-9]{12,}`) },
  { kind: 'pypi-upload-token', hints: ['pypi-'], re: rx(`${B}pypi-AgEIcHlwaS5vcmc[A-Za-z0-9_-]{8,}`) },
  { kind: 'huggingface-access-token', hints: ['hf_'], re: rx(`${B}hf_[A-Za-z]{12,}`) },
  { kind: 'sendgrid-api-token', hints: ['SG.'], re: rx(`${B}SG\\.[A-Za-z0-9_-]{12,}`) },
  { kind: 'jwt', hints: ['eyJ'], re: rx(`${B}eyJ[A-Za-z0-9_-]{12,}\\.eyJ[A-Za-z0-9_-]{4,}`) },
];

/**
 * Secrets and the starts of secrets cut short, located, for `scan`: everything findSecrets finds,
 * plus each partial one (marked `partial`) where no whole secret was found.
 */
export function locateSecretsAndPartials(field: string, text: string): Redaction[] {
  const whole = findSecrets(text);
  const partial: Finding[] = [];
  for (const rule of PARTIAL) runRule(rule, text, partial);
  const extra = partial.filter((p) => !whole.some((w) => w.start < p.end && p.start < w.end) && !text.slice(p.start, p.end).includes(MARKER_PREFIX));
  const all = [...whole.map((f) => ({ ...f, partial: false })), ...extra.map((f) => ({ ...f, partial: true }))].sort((a, b) => a.start - b.start);
  const where = positions(text, all.map((f) => f.start));
  return all.map((f, i) => ({ kind: f.kind, field, ...where[i]!, ...(f.partial ? { partial: true } : {}) }));
}

export interface RedactedText {
  text: string;
  /** What was replaced, with offsets into the original text (later passes: into the text they saw). */
  findings: Finding[];
}

function replace(text: string, findings: readonly Finding[]): string {
  let out = '';
  let at = 0;
  for (const f of findings) {
    out += text.slice(at, f.start) + marker(f.kind);
    at = f.end;
  }
  return out + text.slice(at);
}

/**
 * Replace every secret with `[REDACTED:<kind>]`. Repeats until nothing is found (a replacement can
 * in principle expose a new match at its edges), so the result never holds a detected secret.
 */
export function redactText(text: string): RedactedText {
  let current = text;
  const all: Finding[] = [];
  for (let pass = 0; pass < 8; pass++) {
    const found = findSecrets(current);
    if (found.length === 0) break;
    all.push(...found);
    current = replace(current, found);
  }
  return { text: current, findings: all };
}

/**
 * The whole of a text with its secrets redacted, for callers about to cut it (a test failure's first
 * lines, a title taken from a first line): cutting first can leave a piece that no rule recognises.
 */
export function screenWhole(text: string): string {
  return redactText(text).text;
}

/**
 * A JSON-like value with every secret in its strings redacted, in one pass over its JSON text (redacted
 * spans never break a JSON string, see findSecrets); the same value when nothing was found.
 */
export function screenJson<T>(value: T): T {
  const r = redactText(JSON.stringify(value));
  if (r.findings.length === 0) return value;
  try {
    return JSON.parse(r.text) as T;
  } catch {
    return redactValue(value).value;
  }
}

/**
 * Bytes as text for scanning: UTF-8 when they are, else one character per byte (every rule is ASCII,
 * so matches and replacements land on the same bytes and the rest is kept as it was).
 */
export function textForScan(content: Uint8Array): { text: string; encoding: 'utf8' | 'latin1' } {
  try {
    return { text: new TextDecoder('utf-8', { fatal: true }).decode(content), encoding: 'utf8' };
  } catch {
    return { text: Buffer.from(content).toString('latin1'), encoding: 'latin1' };
  }
}

/** 1-based line and column (in characters) of each offset, in one pass over the text. */
export function positions(text: string, offsets: readonly number[]): { line: number; column: number }[] {
  const order = offsets.map((o, i) => [o, i] as const).sort((a, b) => a[0] - b[0]);
  const out: { line: number; column: number }[] = new Array(offsets.length);
  let line = 1;
  let lineStart = 0;
  for (const [offset, i] of order) {
    for (let nl = text.indexOf('\n', lineStart); nl >= 0 && nl < offset; nl = text.indexOf('\n', lineStart)) {
      line++;
      lineStart = nl + 1;
    }
    out[i] = { line, column: [...text.slice(lineStart, offset)].length + 1 };
  }
  return out;
}

/** Redact one named field: the new text plus what was redacted, located. */
export function redactField(field: string, text: string): { text: string; redactions: Redaction[] } {
  const r = redactText(text);
  if (r.findings.length === 0) return { text, redactions: [] };
  const where = positions(text, r.findings.map((f) => f.start));
  return { text: r.text, redactions: r.findings.map((f, i) => ({ kind: f.kind, field, ...where[i]! })) };
}

/**
 * Redact every string inside a JSON-like value (entry fields, `extra`), naming each by its path:
 * `title`, `tags[1]`, `author.name`. Returns the same object when nothing was found.
 */
export function redactValue<T>(value: T, field = ''): { value: T; redactions: Redaction[] } {
  const redactions: Redaction[] = [];
  const walk = (v: unknown, path: string): unknown => {
    if (typeof v === 'string') {
      const r = redactField(path, v);
      redactions.push(...r.redactions);
      return r.text;
    }
    if (Array.isArray(v)) {
      let changed = false;
      const next = v.map((x, i) => {
        const y = walk(x, `${path}[${i}]`);
        changed ||= y !== x;
        return y;
      });
      return changed ? next : v;
    }
    if (v && typeof v === 'object') {
      let changed = false;
      const next = Object.fromEntries(
        Object.entries(v).map(([k, x]) => {
          const y = walk(x, path ? `${path}.${k}` : k);
          changed ||= y !== x;
          return [k, y];
        }),
      );
      return changed ? next : v;
    }
    return v;
  };
  return { value: walk(value, field) as T, redactions };
}

/**
 * Redact every field of an entry that came from outside (all but the id, kind and time git-ctx made
 * itself), before it is serialised: the header encoder then quotes a marker like any other text.
 */
export function redactEntry(e: EntryData): { entry: EntryData; redactions: Redaction[] } {
  const { id, kind, createdAt, ...rest } = e;
  const r = redactValue(rest);
  return { entry: { id, kind, createdAt, ...r.value }, redactions: r.redactions };
}
