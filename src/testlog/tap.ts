/**
 * TAP (13 and 14), as written by node --test and node-tap: test points (`ok 3 - name # SKIP why`),
 * subtests indented four spaces and announced by `# Subtest: name` (their points come before the
 * parent's own point), and YAML diagnostics between `---` and `...`.
 *
 * A test is a point with no subtests: node --test reports describe blocks as points of their own, and
 * node-tap reports each assertion as a point inside its test, so counting leaves gives the number of
 * tests either way (and matches both runners' own summaries). Read line by line: memory stays bounded.
 */
import { Tally, type TestFailure, type TestReport, type TextChunks } from './types.js';
import { findLocation, firstLines, linesOf } from './text.js';

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
    if (/^[|>][-+]?\d*$/.test(value)) {
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

  const finish = (p: Point) => {
    if (p.leaf) tally.add(p.directive ? 'skipped' : p.ok ? 'passed' : 'failed', () => toFailure(p));
  };

  for await (const line of linesOf(chunks)) {
    if (pending && inYaml) {
      if (line.trim() === '...' && /^ */.exec(line)![0].length <= pending.indent + 2) inYaml = false;
      else if (pending.yaml.length < MAX_YAML_LINES) pending.yaml.push(line.slice(pending.indent + 2));
      continue;
    }
    if (pending && line.trim() === '---' && /^ */.exec(line)![0].length === pending.indent + 2) {
      inYaml = true;
      continue;
    }
    const point = POINT_RE.exec(line);
    if (point) {
      sawTap = true;
      if (pending) finish(pending);
      const indent = point[1]!.replace(/\t/g, '    ').length;
      let description = point[3]!;
      let directive: Point['directive'] = null;
      const d = /(?:^|\s)#\s*(SKIP|TODO)\S*(?:\s+(.*))?$/i.exec(description);
      if (d) {
        directive = d[1]!.toUpperCase() === 'SKIP' ? 'skip' : 'todo';
        description = description.slice(0, d.index);
      }
      description = description.replace(/\s+#\s*time=[\d.]+m?s\s*$/, '').replace(/\\#/g, '#').trim();
      const leaf = (deeper.get(indent) ?? 0) === 0;
      for (const k of [...deeper.keys()]) if (k >= indent) deeper.delete(k);
      for (let k = 0; k < indent; k++) deeper.set(k, (deeper.get(k) ?? 0) + 1);
      const parents = [...subtests].filter(([k]) => k < indent).sort((a, b) => a[0] - b[0]).map(([, v]) => v);
      pending = { indent, ok: point[2] === 'ok', description, directive, leaf, yaml: [], parents, ownSubtest: subtests.get(indent) ?? null };
      for (const k of [...subtests.keys()]) if (k >= indent) subtests.delete(k);
      if (indent === 0) topLevelPoints++;
      continue;
    }
    if (pending) {
      finish(pending);
      pending = null;
    }
    let m: RegExpExecArray | null;
    if ((m = /^(\s*)# Subtest:\s*(.*)$/.exec(line))) {
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
      const reason = m[1];
      tally.add('failed', () => ({ name: 'Bail out!', suite: null, file: null, line: null, message: reason || 'bailed out', kind: 'error' }));
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

function toFailure(p: Point): TestFailure {
  const y = parseYaml(p.yaml);
  const own = p.description || p.ownSubtest || '(unnamed)';
  // node-tap names an assertion ("should be equal") inside its test: the test's name leads.
  const name = [...p.parents.slice(p.parents.length > 1 && /\.(m|c)?[jt]sx?$/.test(p.parents[0]!) ? 1 : 0), own].join(' > ');
  const suite = p.parents.length > 1 && /\.(m|c)?[jt]sx?$/.test(p.parents[0]!) ? p.parents[0]! : null;
  let file: string | null = null;
  let line: number | null = null;
  const location = str(y.location);
  const at = typeof y.at === 'object' ? y.at : null;
  let m: RegExpExecArray | null;
  if (location && (m = /^(.*?):(\d+)(?::\d+)?$/.exec(location))) {
    file = m[1]!;
    line = Number(m[2]);
  } else if (at?.fileName && at.lineNumber) {
    file = at.fileName;
    line = Number(at.lineNumber);
  } else {
    const loc = findLocation(str(y.stack).split('\n').map((l) => `    at ${l.trim()}`).join('\n'));
    if (loc) ({ file, line } = loc);
  }
  // A diff's changed lines say what differed; its context lines only where they are.
  const diffLines = str(y.diff).split('\n').filter((l) => l && !/^(---|\+\+\+|@@) /.test(l));
  const changed = diffLines.filter((l) => /^[-+]/.test(l));
  const diff = (changed.length ? changed : diffLines).join('\n');
  const error = str(y.error) || str(y.message);
  const text = error || [p.description, diff].filter(Boolean).join('\n');
  const errorType = str(y.name) || str(y.type);
  return {
    name,
    suite,
    file,
    line,
    message: firstLines(text) || 'failed',
    kind: /assert/i.test(errorType) || (!errorType && !str(y.tapCaught)) ? 'failure' : 'error',
  };
}
