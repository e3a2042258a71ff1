/**
 * TAP (13 and 14), as written by node --test and node-tap: test points (`ok 3 - name # SKIP why`),
 * subtests indented four spaces and announced by `# Subtest: name` (their points come before the
 * parent's own point), and YAML diagnostics between `---` and `...`.
 *
 * A test is a point with no subtests: node --test reports describe blocks as points of their own, and
 * node-tap reports each assertion as a point inside its test, so counting leaves gives the number of
 * tests either way (and matches both runners' own summaries). vitest's `--reporter=tap` writes the
 * other way round: a file's or describe block's point comes first and ends with `{`, its children
 * follow, indented, and a `}` line closes it; its YAML diagnostics sit four spaces in and may hold
 * strings that run over several lines. Read line by line: memory stays bounded.
 */
import { Tally, type FailureDraft, type TestReport, type TextChunks } from './types.js';
import { findLocation, linesOf } from './text.js';

type Yaml = Record<string, string | Record<string, string>>;

/** YAML lines kept per diagnostics block (node's "expected"/"actual" can be thousands of lines). */
const MAX_YAML_LINES = 400;

interface Point {
  indent: number;
  ok: boolean;
  description: string;
  directive: 'skip' | 'todo' | null;
  leaf: boolean;
  yaml: string[];
  /** Names of the enclosing subtests, outermost first. */
  parents: string[];
  /** The `# Subtest:` name at the point's own indent (node puts the name there too). */
  ownSubtest: string | null;
  /** Indent of its YAML block's `---` (two or four spaces in). */
  yamlIndent: number;
}

const POINT_RE = /^(\s*)(not ok|ok)\b(?:\s+\d+)?(?:\s*-)?\s*(.*)$/;

function unquote(v: string): string {
  const t = v.trim();
  if (t.startsWith("'") && t.endsWith("'") && t.length >= 2) return t.slice(1, -1).replace(/''/g, "'");
  if (t.startsWith('"') && t.endsWith('"') && t.length >= 2) {
    try {
      return JSON.parse(t) as string;
    } catch {
      return t.slice(1, -1);
    }
  }
  return t;
}

/** Just enough YAML for TAP diagnostics: scalars (plain, quoted, block), and maps one level deep. */
export function parseYaml(lines: readonly string[]): Yaml {
  const out: Yaml = {};
  const indentOf = (l: string) => /^ */.exec(l)![0].length;
  let i = 0;
  while (i < lines.length) {
    const line = lines[i]!;
    const m = /^([\w.$-]+):(?:\s+(.*))?$/.exec(line);
    i++;
    if (!m) continue;
    const key = m[1]!;
    const value = (m[2] ?? '').trim();
    if (value.startsWith('"') && !closesQuote(value)) {
      // A double-quoted string that runs over several lines (vitest writes values with raw newlines).
      const parts = [value];
      while (i < lines.length && !closesQuote(parts[parts.length - 1]!, parts.length === 1)) parts.push(lines[i++]!);
      const joined = parts.join('\n');
      out[key] = closesQuote(joined) ? unquote(joined.replace(/\n/g, '\\n')) : joined.slice(1);
    } else if (/^[|>][-+]?\d*$/.test(value)) {
      const block: string[] = [];
      while (i < lines.length && (lines[i]!.trim() === '' || indentOf(lines[i]!) > 0)) block.push(lines[i++]!);
      const ind = Math.min(...block.filter((l) => l.trim()).map(indentOf));
      out[key] = block.map((l) => l.slice(Number.isFinite(ind) ? ind : 0)).join('\n').replace(/\n+$/, '');
    } else if (value === '') {
      const map: Record<string, string> = {};
      while (i < lines.length && indentOf(lines[i]!) > 0) {
        const sub = /^\s+([\w.$-]+):\s*(.*)$/.exec(lines[i++]!);
        if (sub) map[sub[1]!] = unquote(sub[2]!);
      }
      out[key] = map;
    } else out[key] = unquote(value);
  }
  return out;
}

/** Whether a double-quoted YAML scalar ends on this text (an unescaped closing quote at its end). */
function closesQuote(text: string, first = true): boolean {
  const t = text.trimEnd();
  if (!t.endsWith('"') || (first && t.length < 2)) return false;
  let backslashes = 0;
  for (let k = t.length - 2; k >= 0 && t[k] === '\\'; k--) backslashes++;
  return backslashes % 2 === 0;
}

function str(v: Yaml[string] | undefined): string {
  return typeof v === 'string' ? v : '';
}

export async function parseTap(path: string, chunks: TextChunks): Promise<TestReport> {
  const warnings: string[] = [];
  const tally = new Tally();
  let durationMs: number | null = null;
  let plan: number | null = null;
  let topLevelPoints = 0;
  let sawTap = false;
  /** `# Subtest: name` by indent, for the names of enclosing subtests. */
  const subtests = new Map<number, string>();
  /** Points seen at a deeper indent since the last point at this indent (their parent is the next one). */
  const deeper = new Map<number, number>();
  let pending: Point | null = null;
  let inYaml = false;
  /** Points that opened a `{` block (vitest), innermost last: the names of their children's parents. */
  const blocks: { indent: number; name: string }[] = [];

  const finish = (p: Point) => {
    if (p.leaf) tally.add(p.directive ? 'skipped' : p.ok ? 'passed' : 'failed', () => toFailure(p));
  };
  const indentOf = (l: string) => /^ */.exec(l)![0].length;

  for await (const line of linesOf(chunks)) {
    if (pending && inYaml) {
      const ind = indentOf(line);
      if (line.trim() === '...' && ind <= pending.yamlIndent) inYaml = false;
      // Lines of a multi-line string may start further left than the block: keep them whole.
      else if (pending.yaml.length < MAX_YAML_LINES) pending.yaml.push(line.slice(Math.min(ind, pending.yamlIndent)));
      continue;
    }
    if (pending && line.trim() === '---' && indentOf(line) > pending.indent && indentOf(line) <= pending.indent + 4) {
      inYaml = true;
      pending.yamlIndent = indentOf(line);
      continue;
    }
    const point = POINT_RE.exec(line);
    if (point) {
      sawTap = true;
      if (pending) finish(pending);
      pending = null;
      const indent = point[1]!.replace(/\t/g, '    ').length;
      let description = point[3]!;
      const opensBlock = /\s\{\s*$/.test(description);
      if (opensBlock) description = description.replace(/\s*\{\s*$/, '');
      let directive: Point['directive'] = null;
      const d = /(?:^|\s)#\s*(SKIP|TODO)\S*(?:\s+(.*))?$/i.exec(description);
      if (d) {
        directive = d[1]!.toUpperCase() === 'SKIP' ? 'skip' : 'todo';
        description = description.slice(0, d.index);
      }
      description = description.replace(/\s+#\s*time=[\d.]+m?s\s*$/, '').replace(/\\#/g, '#').trim();
      const leaf = !opensBlock && (deeper.get(indent) ?? 0) === 0;
      for (const k of [...deeper.keys()]) if (k >= indent) deeper.delete(k);
      for (let k = 0; k < indent; k++) deeper.set(k, (deeper.get(k) ?? 0) + 1);
      while (blocks.length && blocks[blocks.length - 1]!.indent >= indent) blocks.pop();
      const subtestParents = [...subtests].filter(([k]) => k < indent).sort((a, b) => a[0] - b[0]).map(([, v]) => v);
      const parents = [...blocks.map((b) => b.name), ...subtestParents];
      const p: Point = { indent, ok: point[2] === 'ok', description, directive, leaf, yaml: [], parents, ownSubtest: subtests.get(indent) ?? null, yamlIndent: indent + 2 };
      for (const k of [...subtests.keys()]) if (k >= indent) subtests.delete(k);
      if (indent === 0) topLevelPoints++;
      if (opensBlock) blocks.push({ indent, name: description });
      else pending = p;
      continue;
    }
    if (pending) {
      finish(pending);
      pending = null;
    }
    let m: RegExpExecArray | null;
    if ((m = /^(\s*)\}\s*$/.exec(line))) {
      // The end of a `{` block: what its children counted says nothing about the points after it.
      const indent = m[1]!.length;
      while (blocks.length && blocks[blocks.length - 1]!.indent >= indent) blocks.pop();
      for (const k of [...deeper.keys()]) if (k >= indent) deeper.delete(k);
    } else if ((m = /^(\s*)# Subtest:\s*(.*)$/.exec(line))) {
      sawTap = true;
      const indent = m[1]!.replace(/\t/g, '    ').length;
      for (const k of [...subtests.keys()]) if (k >= indent) subtests.delete(k);
      subtests.set(indent, m[2]!.trim());
    } else if ((m = /^1\.\.(\d+)/.exec(line))) {
      sawTap = true;
      plan = Number(m[1]);
    } else if (/^TAP version \d+/.test(line)) sawTap = true;
    else if ((m = /^\s*Bail out!\s*(.*)$/.exec(line))) {
      warnings.push(`${path}: the run bailed out${m[1] ? `: ${m[1]}` : ''}`);
      const reason = m[1] ?? '';
      tally.add('failed', () => ({ name: 'Bail out!', suite: null, kind: 'error', texts: [reason], build: ([r]) => ({ message: r || 'bailed out', file: null, line: null }) }));
    } else if ((m = /^# duration_ms ([\d.]+)/.exec(line))) durationMs = Number(m[1]);
    else if ((m = /^# time=([\d.]+)(m?s)/.exec(line))) durationMs = Number(m[1]) * (m[2] === 's' ? 1000 : 1);
  }
  if (pending) {
    if (inYaml) warnings.push(`${path}: the file ends inside a YAML block (truncated?)`);
    finish(pending);
  }
  if (!sawTap) warnings.push(`${path}: no TAP test points found: is this a TAP stream?`);
  if (sawTap && plan === null) warnings.push(`${path}: no plan line (1..N): the log may be truncated`);
  if (plan !== null && topLevelPoints < plan) warnings.push(`${path}: planned ${plan} tests but the log has ${topLevelPoints} (truncated, or the run stopped early)`);
  return tally.report(path, 'tap', durationMs, warnings);
}

const FILE_RE = /\.(m|c)?[jt]sx?$/;

function toFailure(p: Point): FailureDraft {
  const y = parseYaml(p.yaml);
  let own = p.description || p.ownSubtest || '(unnamed)';
  let parents = p.parents;
  // vitest's tap-flat names a test by its whole path, its file first: "math.test.ts > math > adds".
  if (!parents.length && / > /.test(own) && FILE_RE.test(own.split(' > ')[0]!)) {
    const parts = own.split(' > ');
    parents = [parts[0]!];
    own = parts.slice(1).join(' > ');
  }
  // node-tap names an assertion ("should be equal") inside its test, vitest a test inside its file:
  // the file is the suite, and the rest is the name.
  const inFile = parents.length > 0 && FILE_RE.test(parents[0]!);
  const name = [...parents.slice(inFile ? 1 : 0), own].join(' > ');
  const suite = inFile ? parents[0]! : null;
  const error = y.error;
  const errorMap = typeof error === 'object' ? error : null;
  const errorText = errorMap ? [errorMap.name, errorMap.message].filter(Boolean).join(': ') : str(error) || str(y.message);
  const expected = str(y.expected);
  const actual = str(y.actual);
  const errorType = (errorMap?.name ?? '') || str(y.name) || str(y.type);
  return {
    name,
    suite,
    kind: /assert/i.test(errorType) || (!errorType && !str(y.tapCaught)) ? 'failure' : 'error',
    texts: [errorText, str(y.diff), expected, actual, str(y.stack), str(y.location), str(y.at)],
    build: ([err, diffText, exp, act, stack, location, atText]) => {
      let file: string | null = null;
      let line: number | null = null;
      const at = typeof y.at === 'object' ? y.at : null;
      let m: RegExpExecArray | null;
      if (location && (m = /^(.*?):(\d+)(?::\d+)?$/.exec(location))) {
        file = m[1]!;
        line = Number(m[2]);
      } else if (atText && (m = /^(.*?):(\d+)(?::\d+)?$/.exec(atText))) {
        file = m[1]!;
        line = Number(m[2]);
      } else if (at?.fileName && at.lineNumber) {
        file = at.fileName;
        line = Number(at.lineNumber);
      } else {
        const loc = findLocation(stack!.split('\n').map((l) => `    at ${l.trim()}`).join('\n'));
        if (loc) ({ file, line } = loc);
      }
      // A diff's changed lines say what differed; its context lines only where they are.
      const diffLines = diffText!.split('\n').filter((l) => l && !/^(---|\+\+\+|@@) /.test(l));
      const changed = diffLines.filter((l) => /^[-+]/.test(l));
      const diff = (changed.length ? changed : diffLines).join('\n');
      // Expected and received values, when the error does not already show them and they are short.
      const values = exp && act && !diff && !/\n/.test(exp + act) && !(err!.includes(exp) && err!.includes(act)) ? `Expected: ${exp}\nReceived: ${act}` : '';
      const text = err ? [err, values].filter(Boolean).join('\n\n') : [p.description, diff].filter(Boolean).join('\n');
      return { message: text, file, line };
    },
  };
}
