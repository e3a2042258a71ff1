/**
 * Secret detection and redaction (storage invariant 7): git history is forever and is pushed to shared
 * remotes, so a secret must be found and replaced with `[REDACTED:<kind>]` before anything is hashed.
 *
 * Why a rule table of our own and not secretlint's recommended preset: measured on the target machine
 * (Node 20, esbuild CJS bundle, minified), `@secretlint/core` 11 with the preset costs 16–23 ms to
 * require (it bundles node-forge), plus 3–10 ms per 256 KiB scan, against a budget of ~25 ms for the
 * whole of `git ctx add`; 12 and 13 also need Node 22. It also leaves out several kinds this store
 * must catch (Azure, GitLab, Stripe, JWTs, generic assignments) and, by design, bare AWS key ids. The
 * patterns below follow the shapes used by secretlint's preset and by gitleaks' default rules (token
 * prefixes, lengths, alphabets), loaded as plain regular expressions: a fraction of a millisecond.
 *
 * Every rule is a global regular expression over the text, optionally gated by literal hints (a rule
 * whose hints do not occur is skipped without running its expression). A rule may name the capture
 * group that holds the secret, so that `aws_secret_access_key = X` keeps its name and loses only X.
 * Matches are taken in rule order (specific prefixes before generic shapes) and never overlap.
 *
 * Two properties the rest of git-ctx relies on (and the property tests check):
 * - idempotence: a redaction marker is never matched again, and redacting until nothing is found is
 *   what `redactText` does, so its output holds no detected secret;
 * - format safety: no rule matches a `"` or a lone backslash, so redacting inside a JSON string (an
 *   entry header value) leaves valid JSON; PEM blocks are taken whole, escaped newlines included.
 */
import type { EntryData } from './entry.js';

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

/** Shannon entropy in bits per character. */
export function entropy(s: string): number {
  const counts = new Map<string, number>();
  for (const c of s) counts.set(c, (counts.get(c) ?? 0) + 1);
  let h = 0;
  const n = [...s].length;
  for (const k of counts.values()) h -= (k / n) * Math.log2(k / n);
  return h;
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

/** Rules in priority order: where two overlap, the earlier one wins. */
const RULES: readonly Rule[] = [
  {
    kind: 'private-key',
    hints: ['-----BEGIN'],
    // The whole block, escaped newlines included (a key inside a JSON string); a block cut short
    // (no END line) loses its header and every base64 line after it. The block never spans a `"`,
    // another BEGIN or an entry's header fence, so a redaction stays inside the value it started in.
    re: rx(
      String.raw`-----BEGIN[ A-Z0-9_-]{0,40}PRIVATE KEY(?: BLOCK)?-----(?:(?:(?!-----BEGIN|\n---\n)[^"]){0,20000}?-----END[ A-Z0-9_-]{0,40}PRIVATE KEY(?: BLOCK)?-----|(?:(?:\r?\n|\\r?\\n){1,2}(?:[A-Za-z0-9+/=]{16,}|[A-Za-z-]+: [^\r\n\\"]*))*)`,
    ),
  },
  { kind: 'jwt', hints: ['eyJ'], re: rx(`${B}eyJ[A-Za-z0-9_-]{10,}\\.[A-Za-z0-9_-]{10,}\\.[A-Za-z0-9_-]{10,}${E}`) },
  { kind: 'anthropic-api-key', hints: ['sk-ant-'], re: rx(`${B}sk-ant-(?:api|admin|oat|sid)\\d{2}-[A-Za-z0-9_-]{32,}${E}`) },
  {
    kind: 'openai-api-key',
    hints: ['sk-'],
    re: rx(`${B}sk-(?:(?:proj|svcacct|admin)-[A-Za-z0-9_-]{40,}|[A-Za-z0-9]{20}T3BlbkFJ[A-Za-z0-9]{20})${E}`),
  },
  { kind: 'github-token', hints: ['ghp_', 'gho_', 'ghu_', 'ghs_', 'ghr_'], re: rx(`${B}gh[pousr]_[A-Za-z0-9]{36,255}${E}`) },
  { kind: 'github-fine-grained-token', hints: ['github_pat_'], re: rx(`${B}github_pat_[A-Za-z0-9_]{60,255}${E}`) },
  {
    kind: 'gitlab-token',
    hints: ['gl', 'GR1348941'],
    re: rx(`${B}(?:(?:glpat|gldt|glptt|glrt|glsoat|glffct|glcbt|gloas|glimt|glagent)-[A-Za-z0-9_-]{20,255}|GR1348941[A-Za-z0-9_-]{20,})${E}`),
  },
  { kind: 'slack-token', hints: ['xox', 'xapp-'], re: rx(`${B}(?:xox[abposre]|xapp)-(?:[0-9A-Za-z]+-){1,5}[0-9A-Za-z]{6,250}${E}`) },
  { kind: 'slack-webhook', hints: ['hooks.slack.com/'], re: rx(String.raw`hooks\.slack\.com/((?:services|workflows|triggers)/[A-Za-z0-9_/+-]{20,300})`, 'd'), group: 1 },
  { kind: 'stripe-key', hints: ['_live_', '_test_', '_prod_'], re: rx(`${B}(?:sk|rk)_(?:live|test|prod)_[0-9A-Za-z]{10,247}${E}`) },
  { kind: 'stripe-webhook-secret', hints: ['whsec_'], re: rx(`${B}whsec_[A-Za-z0-9+/]{24,}${E}`) },
  {
    kind: 'aws-access-key-id',
    re: rx(`${B}(?:A3T[A-Z0-9]|AKIA|ASIA|ABIA|ACCA|AGPA|AIDA|AIPA|AKPA|ANPA|ANVA|AROA|APKA|ASCA)[A-Z2-7]{16}${E}`),
  },
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
  { kind: 'gcp-api-key', hints: ['AIza'], re: rx(`${B}AIza[0-9A-Za-z_-]{35}${E}`) },
  { kind: 'gcp-oauth-client-secret', hints: ['GOCSPX-'], re: rx(`${B}GOCSPX-[A-Za-z0-9_-]{28}${E}`) },
  { kind: 'gcp-access-token', hints: ['ya29.'], re: rx(`${B}ya29\\.[0-9A-Za-z_-]{30,}${E}`) },
  { kind: 'azure-storage-key', hints: ['Key='], re: rx('(?:AccountKey|SharedAccessKey|AccessKey)=([A-Za-z0-9+/]{40,100}={0,2})(?![A-Za-z0-9+/=])', 'd'), group: 1 },
  { kind: 'azure-sas-token', hints: ['sig='], re: rx('[?&]sig=([A-Za-z0-9%+/]{30,200}(?:%3D|=){0,2})(?![A-Za-z0-9%+/=])', 'd'), group: 1 },
  { kind: 'azure-client-secret', hints: ['Q~'], re: rx('(?<![A-Za-z0-9_~.-])[A-Za-z0-9_~.]{3}\\dQ~[A-Za-z0-9_~.-]{31,34}(?![A-Za-z0-9_~.-])') },
  { kind: 'npm-token', hints: ['npm_'], re: rx(`${B}npm_[A-Za-z0-9]{36}${E}`) },
  { kind: 'npm-auth-token', hints: ['_auth'], re: rx(String.raw`_auth(?:Token)?\s*=\s*"?([^\s"'\\$]{16,512})`, 'd'), group: 1, accept: notPlaceholder },
  { kind: 'pypi-token', hints: ['pypi-'], re: rx(`${B}pypi-AgEIcHlwaS5vcmc[A-Za-z0-9_-]{50,}${E}`) },
  { kind: 'sendgrid-api-key', hints: ['SG.'], re: rx(`${B}SG\\.[A-Za-z0-9_-]{22}\\.[A-Za-z0-9_-]{43}${E}`) },
  { kind: 'twilio-api-key', hints: ['SK'], re: rx(`${B}SK[0-9a-fA-F]{32}${E}`) },
  { kind: 'huggingface-token', hints: ['hf_'], re: rx(`${B}hf_[A-Za-z]{34}${E}`) },
  { kind: 'shopify-token', hints: ['shp'], re: rx(`${B}shp(?:at|ca|pa|ss)_[a-fA-F0-9]{32}${E}`) },
  { kind: 'digitalocean-token', hints: ['_v1_'], re: rx(`${B}do[opr]_v1_[a-f0-9]{64}${E}`) },
  { kind: 'linear-api-key', hints: ['lin_api_'], re: rx(`${B}lin_api_[A-Za-z0-9]{40}${E}`) },
  { kind: 'telegram-bot-token', hints: [':AA'], re: rx(`${B}\\d{8,10}:AA[0-9A-Za-z_-]{33}${E}`) },
  {
    kind: 'connection-string-password',
    hints: [';'],
    // ADO.NET / ODBC style: "Server=db;User Id=app;Password=...;"
    re: rx(String.raw`;\s*(?:password|pwd)\s*=\s*([^;"'\s\\]{3,128})(?=;|"|'|\s|$)`, 'di'),
    group: 1,
    accept: notPlaceholder,
  },
  { kind: 'basic-auth', hints: ['asic'], re: rx(String.raw`\bAuthorization\s*[:=]\s*["']?Basic\s+([A-Za-z0-9+/]{8,}={0,2})`, 'di'), group: 1 },
  {
    kind: 'bearer-token',
    hints: ['earer'],
    re: rx(String.raw`\bBearer\s+([A-Za-z0-9._~+/-]{20,}=*)`, 'di'),
    group: 1,
    accept: (v) => /[0-9]/.test(v) && /[A-Za-z]/.test(v) && !isPlaceholder(v),
  },
];

/** Names that announce a secret: `API_KEY=`, `"password":`, `clientSecret:`, `db_pwd :=`. */
const GENERIC_NAME = /(?:secret|token|passw(?:or)?d|passphrase|pwd|api[_.-]?key|apikey|access[_.-]?key|private[_.-]?key|auth[_.-]?(?:token|key)|credentials?)(?![A-Za-z0-9])["'\x60]?[ \t]*(?:=|:=|:|=>)[ \t]*/gi;
const UNQUOTED_VALUE = /[A-Za-z0-9_\-+/=.~!@#%^&*]+/y;

/** The generic rule: a high-entropy literal assigned to a secret-sounding name. */
function findGeneric(text: string, out: Finding[]): void {
  GENERIC_NAME.lastIndex = 0;
  for (let m = GENERIC_NAME.exec(text); m; m = GENERIC_NAME.exec(text)) {
    const at = GENERIC_NAME.lastIndex;
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
    if (looksLikeSecret(value, quoted)) out.push({ kind: 'generic-secret', start, end });
  }
}

const SCHEME_BEFORE = /[a-z][a-z0-9+.-]{1,30}$/i;
const USERINFO_AFTER = /[^\s:/?#@"'<>[\]\\]{0,128}:([^\s/?#@"'<>[\]\\]{1,256})@/y;

/**
 * Credentials in a URL, `scheme://user:<password>@host`: only the password goes. Found from each
 * `://` (a regular expression tried at every word start costs several times more on code).
 */
function findUrlCredentials(text: string, out: Finding[]): void {
  for (let at = text.indexOf('://'); at >= 0; at = text.indexOf('://', at + 3)) {
    const before = text.slice(Math.max(0, at - 31), at);
    const scheme = SCHEME_BEFORE.exec(before);
    if (!scheme || /[A-Za-z0-9_]/.test(text[at - scheme[0].length - 1] ?? '')) continue;
    USERINFO_AFTER.lastIndex = at + 3;
    const m = USERINFO_AFTER.exec(text);
    if (!m) continue;
    const end = USERINFO_AFTER.lastIndex - 1;
    const start = end - m[1]!.length;
    if (!isPlaceholder(m[1]!)) out.push({ kind: 'url-credentials', start, end });
  }
}

/** Every secret kind git-ctx detects (the generic rule last). */
export const SECRET_KINDS: readonly string[] = [...RULES.map((r) => r.kind), 'url-credentials', 'generic-secret'];

/** Find the secrets in a text, in order of position, never overlapping. */
export function findSecrets(text: string): Finding[] {
  const found: Finding[] = [];
  // Characters already claimed, by an earlier rule or by a redaction marker (never matched again).
  // Allocated on the first claim: most texts hold no secret.
  let taken: Uint8Array | null = null;
  const claim = (start: number, end: number) => {
    taken ??= new Uint8Array(text.length);
    taken.fill(1, start, end);
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
  if (text.includes(MARKER_PREFIX)) {
    const re = /\[REDACTED:[a-z0-9-]+\]/g;
    for (let m = re.exec(text); m; m = re.exec(text)) claim(m.index, m.index + m[0].length);
  }
  // A match that overlaps an earlier one (or a marker) loses only the overlap: whatever is left of it
  // is still redacted, so nothing of a secret survives next to another.
  const consider = (f: Finding) => {
    for (const [start, end] of free(f.start, f.end)) {
      claim(start, end);
      found.push({ kind: f.kind, start, end });
    }
  };
  for (const rule of RULES) {
    if (rule.hints && !rule.hints.some((h) => text.includes(h))) continue;
    rule.re.lastIndex = 0;
    for (let m = rule.re.exec(text); m; m = rule.re.exec(text)) {
      const [start, end] = rule.group ? m.indices![rule.group]! : [m.index, m.index + m[0].length];
      if (rule.accept && !rule.accept(text.slice(start, end))) continue;
      consider({ kind: rule.kind, start, end });
    }
  }
  const shaped: Finding[] = [];
  findUrlCredentials(text, shaped);
  findGeneric(text, shaped);
  shaped.forEach(consider);
  return found.sort((a, b) => a.start - b.start);
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

/** The secrets a text holds, located, without changing it (for reports and `--allow-secrets`). */
export function locateSecrets(field: string, text: string): Redaction[] {
  const found = findSecrets(text);
  const where = positions(text, found.map((f) => f.start));
  return found.map((f, i) => ({ kind: f.kind, field, ...where[i]! }));
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
