/**
 * The agents' own configuration files as `git ctx init --agent` edits them: pure functions from a file's
 * text (or null: no file) to its new text (or null: remove the file), so that installing is idempotent
 * (the same text in, the same text out) and uninstalling removes exactly what installing added.
 *
 * What git-ctx adds is recognisable by itself, so nothing is recorded elsewhere:
 * - hooks (Claude Code's `.claude/settings.json`, Codex's `.codex/hooks.json`, one shape): the
 *   handlers whose command starts with `git-ctx agent-hook `;
 * - MCP servers (`.mcp.json`): the server named `git-ctx` whose command is `git-ctx mcp`;
 * - text files (`.codex/config.toml`, `AGENTS.md`): one block between marker lines.
 *
 * JSON files are edited in place (jsonc-parser): every key and value of the user's stays, in its order
 * and layout; a file that needs no change is left byte for byte as it was. TOML is spliced the same
 * way, one block in or out, and checked with a real TOML parser (smol-toml) before and after: the
 * edit must change nothing but git-ctx's own table, or it is refused and the file left as it is.
 */
import { applyEdits, findNodeAtLocation, modify, parse, parseTree, printParseErrorCode, type FormattingOptions, type ParseError } from 'jsonc-parser';
import { parse as parseToml, TomlError } from 'smol-toml';
import { UsageError } from '../errors.js';

export const HOOK_COMMAND = 'git-ctx agent-hook';
export const MCP_NAME = 'git-ctx';

type Json = Record<string, unknown>;

export interface Edit {
  /** The new text, or null to remove the file (it held only what git-ctx had added). */
  text: string | null;
  warnings: string[];
}

export interface HookSpec {
  event: string;
  command: string;
  /** Seconds: the agent's own bound on the hook, besides git-ctx's internal deadline. */
  timeout: number;
}

function isObject(v: unknown): v is Json {
  return !!v && typeof v === 'object' && !Array.isArray(v);
}

function sameJson(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/**
 * A JSON file edited in place, so that the rest of the file keeps its layout, key order and
 * indentation. A value is added as text of its own after the last sibling (`,` newline, indentation,
 * the value laid out in the file's indentation), and removed as jsonc-parser removes it (from the end
 * of the previous sibling to its own end): the two are exact inverses, so uninstalling gives the file
 * back byte for byte. Only a value being replaced is laid out by jsonc-parser's formatter. A new file
 * is written with two-space indentation.
 */
class JsonFile {
  private text: string;
  private readonly unit: string;
  private readonly eol: string;

  constructor(
    before: string | null,
    private readonly file: string,
  ) {
    this.text = before ?? '{}\n';
    this.unit = (before ? /\n([ \t]+)\S/.exec(before)?.[1] : undefined) ?? '  ';
    this.eol = before?.includes('\r\n') ? '\r\n' : '\n';
    this.value(); // refuse a file that is not a JSON object before anything is planned
  }

  private get format(): FormattingOptions {
    return { insertSpaces: !this.unit.startsWith('\t'), tabSize: this.unit.startsWith('\t') ? 1 : this.unit.length, eol: this.eol };
  }

  /** The whitespace that starts the line `offset` is on. */
  private indentAt(offset: number): string {
    const start = this.text.lastIndexOf('\n', offset - 1) + 1;
    return /^[ \t]*/.exec(this.text.slice(start))![0];
  }

  /** Add `key` (a property name, or an index at the end of an array) with `value` under `parent`. */
  add(parent: (string | number)[], key: string | null, value: unknown): void {
    const node = findNodeAtLocation(parseTree(this.text)!, parent)!;
    const children = node.children ?? [];
    const last = children[children.length - 1];
    const indent = last ? this.indentAt(last.offset) : this.indentAt(node.offset) + this.unit;
    const body = JSON.stringify(value, null, this.unit).replace(/\n/g, `${this.eol}${indent}`);
    const item = `${key === null ? '' : `${JSON.stringify(key)}: `}${body}`;
    if (last) {
      const at = last.offset + last.length;
      this.text = `${this.text.slice(0, at)},${this.eol}${indent}${item}${this.text.slice(at)}`;
    } else {
      const at = node.offset + 1;
      this.text = `${this.text.slice(0, at)}${this.eol}${indent}${item}${this.eol}${this.indentAt(node.offset)}${this.text.slice(node.offset + node.length - 1)}`;
    }
  }

  /** Remove the value at `path` with the separator before it (after it, for a first item): the inverse of `add`. */
  remove(path: (string | number)[]): void {
    let node = findNodeAtLocation(parseTree(this.text)!, path)!;
    if (node.parent?.type === 'property') node = node.parent;
    const siblings = node.parent!.children!;
    const i = siblings.indexOf(node);
    const [from, to] =
      i > 0
        ? [siblings[i - 1]!.offset + siblings[i - 1]!.length, node.offset + node.length]
        : siblings.length > 1
          ? [node.offset, siblings[1]!.offset]
          : [node.parent!.offset + 1, node.parent!.offset + node.parent!.length - 1];
    this.text = this.text.slice(0, from) + this.text.slice(to);
  }

  value(): Json {
    const errors: ParseError[] = [];
    const v = parse(this.text, errors, { allowTrailingComma: true });
    if (errors.length) {
      throw new UsageError(`${this.file} is not valid JSON: ${printParseErrorCode(errors[0]!.error)} at offset ${errors[0]!.offset}`, {
        code: 'E_AGENT_CONFIG',
        hint: 'fix the file (or move it away) and run the command again; nothing was changed',
      });
    }
    if (!isObject(v)) throw new UsageError(`${this.file} does not hold a JSON object`, { code: 'E_AGENT_CONFIG' });
    return v;
  }

  /** Replace the value at `path`, laid out in the file's indentation. */
  replace(path: (string | number)[], value: unknown): void {
    this.text = applyEdits(this.text, modify(this.text, path, value, { formattingOptions: this.format }));
  }

  result(before: string | null): string | null {
    if (before === null) return `${JSON.stringify(this.value(), null, 2)}\n`;
    // Emptied by the removal of what git-ctx had added: the file goes (it was git-ctx's to begin with).
    if (Object.keys(this.value()).length === 0 && Object.keys(new JsonFile(before, this.file).value()).length > 0) return null;
    return this.text;
  }
}

export function isOurHandler(h: unknown): boolean {
  return isObject(h) && typeof h.command === 'string' && (h.command === HOOK_COMMAND || h.command.startsWith(`${HOOK_COMMAND} `));
}

/** Where git-ctx's handlers are in a hooks object: [event, group index, handler index], in file order. */
function ourHandlers(hooks: Json, only?: string): [string, number, number][] {
  const out: [string, number, number][] = [];
  for (const [event, groups] of Object.entries(hooks)) {
    if ((only && event !== only) || !Array.isArray(groups)) continue;
    groups.forEach((g, gi) => {
      if (isObject(g) && Array.isArray(g.hooks)) g.hooks.forEach((h, hi) => isOurHandler(h) && out.push([event, gi, hi]));
    });
  }
  return out;
}

/** Remove one handler, and the group, event list and `hooks` key it leaves empty. */
function removeHandler(doc: JsonFile, [event, gi, hi]: [string, number, number]): void {
  const hooks = doc.value().hooks as Json;
  const groups = hooks[event] as Json[];
  if ((groups[gi]!.hooks as unknown[]).length > 1) doc.remove(['hooks', event, gi, 'hooks', hi]);
  else if (groups.length > 1) doc.remove(['hooks', event, gi]);
  else if (Object.keys(hooks).length > 1) doc.remove(['hooks', event]);
  else doc.remove(['hooks']);
}

/**
 * Add (or, with `uninstall`, remove) git-ctx's hook handlers in a settings file of the shape
 * `{ hooks: { Event: [ { matcher?, hooks: [ { type: "command", command, timeout } ] } ] } }`.
 * A handler of ours already present is updated where it is (and any second copy removed); a missing
 * one gets a matcher group of its own at the end of its event's list. Groups, event lists and the
 * `hooks` key that held only ours go with them.
 */
export function editHooks(before: string | null, file: string, specs: readonly HookSpec[], uninstall: boolean): Edit {
  const doc = new JsonFile(before, file);
  const warnings: string[] = [];
  const hooksOf = (): Json | undefined => {
    const hooks = doc.value().hooks;
    if (hooks !== undefined && !isObject(hooks)) throw new UsageError(`${file}: "hooks" is not an object`, { code: 'E_AGENT_CONFIG' });
    return hooks;
  };
  if (uninstall) {
    for (let found = ourHandlers(hooksOf() ?? {}); found.length; found = ourHandlers(hooksOf() ?? {})) removeHandler(doc, found[found.length - 1]!);
    return { text: doc.result(before), warnings };
  }
  for (const spec of specs) {
    const wanted = { type: 'command', command: spec.command, timeout: spec.timeout };
    const hooks = hooksOf();
    const groups = hooks?.[spec.event];
    if (groups !== undefined && !Array.isArray(groups)) {
      warnings.push(`${file}: hooks.${spec.event} is not a list; left as it is`);
      continue;
    }
    const found = hooks ? ourHandlers(hooks, spec.event) : [];
    if (!found.length) {
      if (!hooks) doc.add([], 'hooks', { [spec.event]: [{ hooks: [wanted] }] });
      else if (!groups) doc.add(['hooks'], spec.event, [{ hooks: [wanted] }]);
      else doc.add(['hooks', spec.event], null, { hooks: [wanted] });
      continue;
    }
    for (const extra of found.slice(1).reverse()) removeHandler(doc, extra);
    const [, gi, hi] = found[0]!;
    const current = ((groups as Json[])[gi]!.hooks as Json[])[hi]!;
    if (!sameJson({ ...current, ...wanted }, current)) doc.replace(['hooks', spec.event, gi, 'hooks', hi], { ...current, ...wanted });
  }
  return { text: doc.result(before), warnings };
}

/** Add (or remove) git-ctx's server in a `{ "mcpServers": { ... } }` file (Claude Code's `.mcp.json`). */
export function editMcpJson(before: string | null, file: string, server: Json, uninstall: boolean): Edit {
  const doc = new JsonFile(before, file);
  const servers = doc.value().mcpServers;
  if (servers !== undefined && !isObject(servers)) throw new UsageError(`${file}: "mcpServers" is not an object`, { code: 'E_AGENT_CONFIG' });
  const existing = servers?.[MCP_NAME];
  const ours = isObject(existing) && existing.command === 'git-ctx' && Array.isArray(existing.args) && existing.args[0] === 'mcp';
  if (existing !== undefined && !ours) return { text: before, warnings: [`${file}: an MCP server named ${MCP_NAME} is configured already, not by git-ctx; left as it is`] };
  if (uninstall) {
    if (ours) doc.remove(Object.keys(servers!).length > 1 ? ['mcpServers', MCP_NAME] : ['mcpServers']);
  } else if (!servers) doc.add([], 'mcpServers', { [MCP_NAME]: server });
  else if (!ours) doc.add(['mcpServers'], MCP_NAME, server);
  else if (!sameJson({ ...existing, ...server }, existing)) doc.replace(['mcpServers', MCP_NAME], { ...existing, ...server });
  return { text: doc.result(before), warnings: [] };
}

/**
 * Add (or remove) a block of lines between two marker lines at the end of a text file. A block already
 * there is replaced where it is; `conflict`, when it matches the text outside the block, means the
 * user configured the same thing themselves: then nothing is added (and a warning says why).
 */
export function editBlock(before: string | null, file: string, markers: { begin: string; end: string }, body: string, uninstall: boolean, conflict?: RegExp): Edit {
  const text = before ?? '';
  const start = text.indexOf(markers.begin);
  const end = start < 0 ? -1 : text.indexOf(markers.end, start);
  const hasBlock = start >= 0 && end >= 0;
  const blockEnd = hasBlock ? text.indexOf('\n', end) + 1 || text.length : -1;
  const outside = hasBlock ? text.slice(0, start) + text.slice(blockEnd) : text;
  const block = `${markers.begin}\n${body.replace(/\n*$/, '\n')}${markers.end}\n`;
  if (uninstall) {
    if (!hasBlock) return { text: before, warnings: [] };
    // The blank line that install put before the block goes with it.
    const head = text.slice(0, start).replace(/\n\n$/, '\n');
    const rest = head + text.slice(blockEnd);
    return { text: rest.trim() ? rest : null, warnings: [] };
  }
  if (conflict && conflict.test(outside)) {
    return { text: before, warnings: [`${file} configures this already, outside git-ctx's block; left as it is`] };
  }
  if (hasBlock) return { text: text.slice(0, start) + block + text.slice(blockEnd), warnings: [] };
  const sep = !text ? '' : text.endsWith('\n') ? '\n' : '\n\n';
  return { text: text + sep + block, warnings: [] };
}

/** A TOML document as data, with keys sorted, for comparing two parses. */
function canonical(v: unknown): string {
  return JSON.stringify(v, (_k, x: unknown) => (x && typeof x === 'object' && !Array.isArray(x) && !(x instanceof Date) ? Object.fromEntries(Object.entries(x as Json).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) : x));
}

function tomlOf(text: string, file: string, what: string): Json {
  try {
    return parseToml(text) as Json;
  } catch (e) {
    const where = e instanceof TomlError ? ` (line ${e.line}, column ${e.column})` : '';
    throw new UsageError(`${file}${what} is not valid TOML${where}: ${(e as Error).message.split('\n')[0]}`, { code: 'E_AGENT_CONFIG', hint: 'fix the file (or move it away) and run the command again; nothing was changed' });
  }
}

/** The document without `table` under `parent` (and without `parent` once it is empty). */
function without(doc: Json, parent: string, table: string): Json {
  const p = doc[parent];
  if (!isObject(p) || !(table in p)) return doc;
  const { [table]: _gone, ...rest } = p;
  const { [parent]: _p, ...others } = doc;
  return Object.keys(rest).length ? { ...others, [parent]: rest } : others;
}

/**
 * Add (or remove) git-ctx's MCP server as a `[parent.table]` block between marker lines at the end of
 * a TOML file (Codex's `.codex/config.toml`). The rest of the file keeps its bytes. Before and after,
 * the file is parsed: the result must differ from the user's document by git-ctx's table alone, else
 * nothing is changed and the reason is given. A table of that name the user wrote themselves (in any
 * form: `[mcp_servers.git-ctx]`, `git-ctx = {...}` under `[mcp_servers]`, an inline `mcp_servers`) is
 * left alone, with a warning.
 */
export function editTomlTable(before: string | null, file: string, markers: { begin: string; end: string }, parent: string, table: string, body: string, uninstall: boolean): Edit {
  const text = before ?? '';
  const start = text.indexOf(markers.begin);
  const end = start < 0 ? -1 : text.indexOf(markers.end, start);
  const hasBlock = start >= 0 && end >= 0;
  const blockEnd = hasBlock ? text.indexOf('\n', end) + 1 || text.length : -1;
  // The file without git-ctx's block (and the blank line install put before it).
  const outside = hasBlock ? text.slice(0, start).replace(/\n\n$/, '\n') + text.slice(blockEnd) : text;
  const user = tomlOf(outside, file, hasBlock ? " (outside git-ctx's block)" : '');
  if (uninstall) {
    if (!hasBlock) return { text: before, warnings: [] };
    const now = tomlOf(text, file, '');
    if (canonical(without(now, parent, table)) !== canonical(user)) {
      throw new UsageError(`${file}: removing git-ctx's block would change more than its [${parent}.${table}] table; left as it is`, { code: 'E_AGENT_CONFIG', hint: `remove the lines from ${markers.begin} to ${markers.end} yourself` });
    }
    return { text: outside.trim() ? outside : null, warnings: [] };
  }
  const theirs = user[parent];
  if (isObject(theirs) && table in theirs) return { text: before, warnings: [`${file} configures [${parent}.${table}] already, outside git-ctx's block; left as it is`] };
  const block = `${markers.begin}\n${body.replace(/\n*$/, '\n')}${markers.end}\n`;
  const same = hasBlock && text.slice(start, blockEnd) === block;
  const after = same ? text : !outside ? block : `${outside}${outside.endsWith('\n') ? '\n' : '\n\n'}${block}`;
  let doc: Json;
  try {
    doc = parseToml(after) as Json;
  } catch (e) {
    throw new UsageError(`${file}: cannot add a [${parent}.${table}] table to this file (${(e as Error).message.split('\n')[0]}); nothing was changed`, {
      code: 'E_AGENT_CONFIG',
      hint: `the file defines ${parent} in a form a table cannot be added to (an inline table, or an array of tables): add git-ctx's server there yourself, as ${table} = { command = "git-ctx", args = ["mcp", "--client", "codex"] }`,
    });
  }
  const ours = (doc[parent] as Json | undefined)?.[table];
  if (!isObject(ours) || canonical(ours) !== canonical(((parseToml(body) as Json)[parent] as Json | undefined)?.[table]) || canonical(without(doc, parent, table)) !== canonical(without(user, parent, table))) {
    throw new UsageError(`${file}: git-ctx's [${parent}.${table}] block would take in more than its own keys, or change others; nothing was changed`, {
      code: 'E_AGENT_CONFIG',
      hint: `keys right after ${markers.end} belong to git-ctx's table in TOML: move them above the block, or the block to the end of the file`,
    });
  }
  return { text: same ? before : after, warnings: [] };
}
