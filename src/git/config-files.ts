/**
 * git's settings read from git's own files, without starting git: what `git config -z --show-scope
 * --get-regexp <pattern>` prints, entry for entry (same scopes, same order, the last one winning), for
 * a repository found from its files (./locate.ts).
 *
 * git reads, in this order: the system file (unless GIT_CONFIG_NOSYSTEM; GIT_CONFIG_SYSTEM, else the
 * path compiled into git, learned from git itself: ./system-config.ts), the global files
 * (GIT_CONFIG_GLOBAL, else $XDG_CONFIG_HOME/git/config or ~/.config/git/config, then ~/.gitconfig),
 * the repository's `config`, its `config.worktree` when extensions.worktreeConfig is on, then the
 * command line's settings (GIT_CONFIG_COUNT/KEY_n/VALUE_n, then GIT_CONFIG_PARAMETERS). The syntax is
 * git's parser (config.c) step for step: sections and `[section "subsection"]` with its escapes,
 * case-insensitive section and key names, case-sensitive subsections, values with quotes, the escapes
 * \n \t \b \\ \", comments (; and #), continued lines, keys without `=` (true), CRLF, a UTF-8 BOM.
 *
 * Everything this does not reproduce with certainty returns null, and the caller runs `git config` as
 * before: include.path and includeIf (git reads other files, under conditions), GIT_CONFIG (it makes
 * `git config` read that file only), relative paths (git resolves them from the top of the worktree),
 * a file that cannot be read (other than missing), holds a NUL byte, or that git would refuse (a syntax
 * error: git stops there), an environment setting git would refuse, an unknown system path.
 * test/config-files.test.ts runs many files and environments through this and through git. What it
 * cannot see: a `git` on PATH that is a wrapper adding settings of its own (`exec git -c k=v "$@"`).
 *
 * Plain functions over node:fs only: the launcher (src/launch.ts, through ./probe.ts) runs this before
 * the rest of git-ctx is loaded.
 */
import { readFileSync, statSync } from 'node:fs';
import { join, posix } from 'node:path';

export type ConfigScope = 'system' | 'global' | 'local' | 'worktree' | 'command';

/** One setting as `git config --show-scope` lists it. `value` null: a key with no `=` (true). */
export interface ConfigEntry {
  scope: ConfigScope;
  key: string;
  value: string | null;
}

/** What git-ctx asks of the settings (./config.ts builds it from `git config` or from the files). */
export interface GitConfig {
  /** The value git resolves (the last one read), any scope. */
  get(key: string): string | undefined;
  /** The value from the repository's own config (scope `local` or `worktree`): what git's repository format reads. */
  local(key: string): string | undefined;
  /** Every key read (lower case), or those starting with `prefix`. */
  keys(prefix?: string): string[];
}

/** Settings as git lists them, in git's order: later values override earlier ones (local over global). */
export function configFromEntries(entries: readonly ConfigEntry[]): GitConfig {
  const values = new Map<string, string>();
  const local = new Map<string, string>();
  for (const e of entries) {
    const key = e.key.toLowerCase();
    const value = e.value ?? 'true';
    values.set(key, value);
    if (e.scope === 'local' || e.scope === 'worktree') local.set(key, value);
  }
  return {
    get: (key) => values.get(key.toLowerCase()),
    local: (key) => local.get(key.toLowerCase()),
    keys: (prefix = '') => [...values.keys()].filter((k) => k.startsWith(prefix)),
  };
}

/** Where the repository's own settings are: its git dirs (./locate.ts). */
export interface RepoDirs {
  gitDir: string;
  commonDir: string;
}

/**
 * The settings whose keys match `pattern` (git's canonical key: section and name in lower case,
 * subsection as written), in git's order, or null when git must be asked. `systemFile`: the system
 * file git was built to read (undefined: not known).
 */
export function readConfigFiles(repo: RepoDirs, env: Record<string, string | undefined>, systemFile: string | undefined, pattern: RegExp): ConfigEntry[] | null {
  const sources = configSources(repo, env, systemFile);
  if (!sources) return null;
  const out: ConfigEntry[] = [];
  let worktreeConfig = false;
  for (const { scope, path } of sources) {
    if (scope === 'worktree' && !worktreeConfig) continue;
    const text = readConfigText(path);
    if (text === null) return null;
    if (text === undefined) continue;
    const parsed = parseConfigText(text);
    if (!parsed) return null;
    for (const [key, value] of parsed) {
      if (isInclude(key)) return null;
      if (scope === 'local' && key === 'extensions.worktreeconfig') {
        // What git's repository set-up reads from the repository's config (a boolean; anything else makes git die).
        const on = configBool(value);
        if (on === null) return null;
        worktreeConfig = on;
      }
      if (pattern.test(key)) out.push({ scope, key: utf8(key), value: value === null ? null : utf8(value) });
    }
  }
  const command = commandLineConfig(env);
  if (!command) return null;
  for (const [key, value] of command) {
    if (isInclude(key)) return null;
    if (pattern.test(key)) out.push({ scope: 'command', key: utf8(key), value: value === null ? null : utf8(value) });
  }
  return out;
}

/**
 * The files git reads for a repository, in its order (the worktree file only counts when
 * extensions.worktreeConfig is on), or null when the environment leaves the choice to git.
 * `systemFile` as for readConfigFiles.
 */
export function configSources(repo: RepoDirs, env: Record<string, string | undefined>, systemFile: string | undefined): { scope: ConfigScope; path: string }[] | null {
  // `git config` reads only this file when it is set (an old way to point it at another file).
  if (env.GIT_CONFIG !== undefined) return null;
  const sources: { scope: ConfigScope; path: string }[] = [];
  const noSystem = env.GIT_CONFIG_NOSYSTEM === undefined ? false : configBool(env.GIT_CONFIG_NOSYSTEM);
  if (noSystem === null) return null;
  if (!noSystem) {
    const system = env.GIT_CONFIG_SYSTEM ?? systemFile;
    if (system === undefined) return null;
    if (system !== '') {
      if (!plainAbsolute(system)) return null;
      sources.push({ scope: 'system', path: system });
    }
  }
  const global = env.GIT_CONFIG_GLOBAL;
  if (global !== undefined) {
    if (global !== '') {
      if (!plainAbsolute(global)) return null;
      sources.push({ scope: 'global', path: global });
    }
  } else {
    const home = env.HOME;
    const xdg = env.XDG_CONFIG_HOME ? `${env.XDG_CONFIG_HOME}/git/config` : home !== undefined ? `${home}/.config/git/config` : null;
    const user = home !== undefined ? `${home}/.gitconfig` : null;
    for (const path of [xdg, user]) {
      if (path === null) continue;
      if (!path.startsWith('/')) return null; // relative: git reads it from the top of the worktree
      sources.push({ scope: 'global', path });
    }
  }
  sources.push({ scope: 'local', path: join(repo.commonDir, 'config') });
  sources.push({ scope: 'worktree', path: join(repo.gitDir, 'config.worktree') });
  return sources;
}

/** An absolute path git would not rewrite (it normalises `.`, `..` and `//` by text, the kernel by links). */
function plainAbsolute(path: string): boolean {
  return path.startsWith('/') && posix.normalize(path) === path;
}

/** A file's bytes as latin1 text (one character a byte); undefined: it does not exist; null: ask git. */
function readConfigText(path: string): string | null | undefined {
  let buf: Buffer;
  try {
    // Most of the files git looks for do not exist: found missing without an exception (~0.1 ms each).
    if (!statSync(path, { throwIfNoEntry: false })) return undefined;
    buf = readFileSync(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    return code === 'ENOENT' || code === 'ENOTDIR' ? undefined : null;
  }
  // git reads values as C strings: a NUL cuts one short in ways not worth reproducing.
  if (buf.includes(0)) return null;
  return buf.toString('latin1');
}

/** Keys that make git read other files. */
function isInclude(key: string): boolean {
  const section = key.slice(0, key.indexOf('.') + 1);
  return section === 'include.' || section === 'includeif.';
}

/** Bytes held one a character (latin1) as text, decoded as git's output is (UTF-8). */
function utf8(latin1: string): string {
  return /^[\x00-\x7f]*$/.test(latin1) ? latin1 : Buffer.from(latin1, 'latin1').toString('utf8');
}

/** git's boolean (git_config_bool): null when git would refuse the value. */
export function configBool(value: string | null): boolean | null {
  if (value === null) return true;
  const v = value.toLowerCase();
  if (v === '' || v === 'false' || v === 'no' || v === 'off') return false;
  if (v === 'true' || v === 'yes' || v === 'on') return true;
  // An integer, as git_parse_int reads one (decimal only here: other forms are left to git).
  const m = /^([+-]?)(\d{1,9})$/.exec(value);
  return m ? Number(m[2]) !== 0 : null;
}

const NL = 10;
const CR = 13;
const EOF_NL = -1;

/** git's isspace (its own table: space, \t, \n, \r; not \v or \f). */
const isSpace = (c: number) => c === 32 || c === 9 || c === NL || c === CR || c === EOF_NL;
const isAlpha = (c: number) => (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
const isKeyChar = (c: number) => isAlpha(c) || (c >= 48 && c <= 57) || c === 45;
const lower = (c: number) => (c >= 65 && c <= 90 ? c + 32 : c);

/**
 * One config file's text (bytes as latin1) as git's parser reads it: [canonical key, value] in file
 * order, or null where git reports a bad config line.
 */
export function parseConfigText(text: string): [string, string | null][] | null {
  let pos = 0;
  let eof = false;
  // get_next_char: CRLF is one newline; the end of the file reads as a newline, and sets eof.
  const next = (): number => {
    if (pos >= text.length) {
      eof = true;
      return EOF_NL;
    }
    const c = text.charCodeAt(pos++);
    if (c === CR && text.charCodeAt(pos) === NL) {
      pos++;
      return NL;
    }
    return c;
  };
  const isNl = (c: number) => c === NL || c === EOF_NL;

  const out: [string, string | null][] = [];
  let section = '';
  let comment = false;
  // A UTF-8 byte order mark is skipped; part of one is an error.
  const bom = [0xef, 0xbb, 0xbf];
  let bomAt = 0;

  // parse_value: quotes, escapes, comments, inner whitespace kept as spaces, outer whitespace dropped.
  const parseValue = (): string | null => {
    let value = '';
    let quote = false;
    let inComment = false;
    let space = 0;
    for (;;) {
      let c = next();
      if (isNl(c)) return quote ? null : value;
      if (inComment) continue;
      if (isSpace(c) && !quote) {
        if (value.length) space++;
        continue;
      }
      if (!quote && (c === 59 || c === 35)) {
        inComment = true;
        continue;
      }
      for (; space; space--) value += ' ';
      if (c === 92) {
        c = next();
        if (isNl(c)) continue;
        if (c === 116) value += '\t';
        else if (c === 98) value += '\b';
        else if (c === 110) value += '\n';
        else if (c === 92 || c === 34) value += String.fromCharCode(c);
        else return null;
        continue;
      }
      if (c === 34) {
        quote = !quote;
        continue;
      }
      value += String.fromCharCode(c);
    }
  };

  // get_value: the rest of the key's name, then `= value` or nothing (true).
  const getValue = (name: string): boolean => {
    let c: number;
    for (;;) {
      c = next();
      if (eof) break;
      if (!isKeyChar(c)) break;
      name += String.fromCharCode(lower(c));
    }
    while (c === 32 || c === 9) c = next();
    let value: string | null = null;
    if (!isNl(c)) {
      if (c !== 61) return false;
      value = parseValue();
      if (value === null) return false;
    }
    out.push([name, value]);
    return true;
  };

  // get_extended_base_var: `[section "subsection"]`, the subsection as written, `\x` for x.
  const extendedBaseVar = (first: number): string | null => {
    let c = first;
    do {
      if (isNl(c)) return null;
      c = next();
    } while (isSpace(c));
    if (c !== 34) return null;
    let sub = '.';
    for (;;) {
      c = next();
      if (isNl(c)) return null;
      if (c === 34) break;
      if (c === 92) {
        c = next();
        if (isNl(c)) return null;
      }
      sub += String.fromCharCode(c);
    }
    return next() === 93 ? sub : null;
  };

  // get_base_var: the section name, lower case (the old `[section.subsection]` too).
  const baseVar = (): string | null => {
    let name = '';
    for (;;) {
      const c = next();
      if (eof) return null;
      if (c === 93) return name;
      if (isSpace(c)) {
        const sub = extendedBaseVar(c);
        return sub === null ? null : name + sub;
      }
      if (!isKeyChar(c) && c !== 46) return null;
      name += String.fromCharCode(lower(c));
    }
  };

  for (;;) {
    const c = next();
    if (bomAt >= 0 && bomAt < bom.length) {
      if (c === bom[bomAt]) {
        bomAt++;
        continue;
      }
      if (bomAt !== 0) return null;
      bomAt = -1;
    }
    if (isNl(c)) {
      if (eof) return out;
      comment = false;
      continue;
    }
    if (comment || isSpace(c)) continue;
    if (c === 35 || c === 59) {
      comment = true;
      continue;
    }
    if (c === 91) {
      const name = baseVar();
      if (name === null || name.length < 1) return null;
      section = `${name}.`;
      continue;
    }
    if (!isAlpha(c)) return null;
    if (!getValue(section + String.fromCharCode(lower(c)))) return null;
  }
}

/**
 * The command line's settings from the environment, as git reads them after every file:
 * GIT_CONFIG_COUNT with GIT_CONFIG_KEY_<n>/GIT_CONFIG_VALUE_<n>, then GIT_CONFIG_PARAMETERS (what
 * `git -c` passes on to the processes it starts). Null where git would refuse them.
 */
export function commandLineConfig(env: Record<string, string | undefined>): [string, string | null][] | null {
  const out: [string, string | null][] = [];
  const count = env.GIT_CONFIG_COUNT;
  if (count !== undefined) {
    if (!/^\d{0,6}$/.test(count)) return null;
    const n = count === '' ? 0 : Number(count);
    for (let i = 0; i < n; i++) {
      const key = env[`GIT_CONFIG_KEY_${i}`];
      const value = env[`GIT_CONFIG_VALUE_${i}`];
      if (key === undefined || value === undefined) return null;
      const canonical = canonicalKey(latin1(key));
      if (canonical === null) return null;
      out.push([canonical, latin1(value)]);
    }
  }
  const params = env.GIT_CONFIG_PARAMETERS;
  if (params !== undefined) {
    const parsed = parseParameters(latin1(params));
    if (!parsed) return null;
    out.push(...parsed);
  }
  return out;
}

/** Text as the bytes git sees (UTF-8), one character a byte, as the files are read. */
function latin1(text: string): string {
  return /^[\x00-\x7f]*$/.test(text) ? text : Buffer.from(text, 'utf8').toString('latin1');
}

/**
 * git_config_parse_key: `section[.subsection].name`, section and name in lower case (letters, digits
 * and `-`, the name starting with a letter), the subsection as given (no newline). Null: git refuses it.
 */
export function canonicalKey(key: string): string | null {
  const first = key.indexOf('.');
  const last = key.lastIndexOf('.');
  if (first <= 0 || last === key.length - 1) return null;
  let out = '';
  for (let i = 0; i < key.length; i++) {
    const c = key.charCodeAt(i);
    if (i < first || i > last) {
      if (!isKeyChar(c) || (i === last + 1 && !isAlpha(c))) return null;
      out += String.fromCharCode(lower(c));
    } else {
      if (c === NL) return null;
      out += key[i];
    }
  }
  return out;
}

/**
 * GIT_CONFIG_PARAMETERS: single-quoted words separated by spaces, each `'key'='value'`, `'key'=` (true)
 * or the older `'key=value'` / `'key'` (true); `'\''` and `'\!'` inside a word. Null: git refuses it.
 */
function parseParameters(text: string): [string, string | null][] | null {
  const out: [string, string | null][] = [];
  let pos = 0;
  // sq_dequote_step: one quoted word from `pos`; afterwards `pos` is at what follows it.
  const word = (): string | null => {
    if (text[pos] !== "'") return null;
    let w = '';
    for (;;) {
      pos++;
      if (pos >= text.length) return null;
      const c = text[pos]!;
      if (c !== "'") {
        w += c;
        continue;
      }
      // Out of the quotes: `\'` or `\!` followed by a quote continues the word.
      const after = text[pos + 1];
      if (after === '\\' && (text[pos + 2] === "'" || text[pos + 2] === '!') && text[pos + 3] === "'") {
        w += text[pos + 2];
        pos += 3;
        continue;
      }
      pos++;
      return w;
    }
  };
  const space = (c: string | undefined) => c !== undefined && isSpace(c.charCodeAt(0));
  while (pos < text.length) {
    const key = word();
    if (key === null) return null;
    if (pos >= text.length || space(text[pos])) {
      // Old style: 'key=value', or 'key' alone (true).
      const eq = key.indexOf('=');
      const name = (eq < 0 ? key : key.slice(0, eq)).replace(/^[ \t\n\r]+|[ \t\n\r]+$/g, '');
      if (!name) return null;
      const canonical = canonicalKey(name);
      if (canonical === null) return null;
      out.push([canonical, eq < 0 ? null : key.slice(eq + 1)]);
    } else if (text[pos] === '=') {
      pos++;
      let value: string | null = null;
      if (text[pos] === "'") {
        value = word();
        if (value === null || (pos < text.length && !space(text[pos]))) return null;
      } else if (pos < text.length && !space(text[pos])) {
        return null;
      }
      if (!key) return null;
      const canonical = canonicalKey(key);
      if (canonical === null) return null;
      out.push([canonical, value]);
    } else {
      return null;
    }
    while (space(text[pos])) pos++;
  }
  return out;
}
