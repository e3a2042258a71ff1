/**
 * The error codes are a declared set: docs/errors.md lists every code src/ uses (a string literal
 * 'E_...'), no code src/ no longer has, and for each code thrown through an error class, the exit
 * status that class gives it (read from the source: the class's `super(code, <status>, ...)`, or the
 * status passed to `new CtxError(code, <status>, ...)`).
 */
import { describe, expect, it } from 'vitest';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const CODE_RE = /^E_[A-Z0-9_]+$/;
const EXIT_STATUSES = new Set([0, 1, 2, 3, 5]);

interface Use {
  file: string;
  line: number;
  /** The exit status the code leaves with here, when the source says (null: not thrown through a class here). */
  status: number | null;
}

function sources(): ts.SourceFile[] {
  const dir = join(ROOT, 'src');
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.ts'))
    .sort()
    .map((f) => ts.createSourceFile(`src/${f}`, readFileSync(join(dir, f), 'utf8'), ts.ScriptTarget.Latest, true));
}

function walk(node: ts.Node, visit: (n: ts.Node) => void): void {
  visit(node);
  node.forEachChild((c) => walk(c, visit));
}

const numberArg = (args: ts.NodeArray<ts.Expression> | undefined, i: number): number | null => {
  const a = args?.[i];
  return a && ts.isNumericLiteral(a) ? Number(a.text) : null;
};

const isSuper = (n: ts.Node): n is ts.CallExpression => ts.isCallExpression(n) && n.expression.kind === ts.SyntaxKind.SuperKeyword;

/** Every error class (a class extending another) whose constructor passes a literal status to super: its status. */
function classStatuses(files: ts.SourceFile[]): Map<string, number> {
  const out = new Map<string, number>();
  for (const sf of files) {
    walk(sf, (n) => {
      if (!ts.isClassDeclaration(n) || !n.name || !n.heritageClauses) return;
      const ctor = n.members.find(ts.isConstructorDeclaration);
      if (!ctor?.body) return;
      walk(ctor.body, (c) => {
        if (!isSuper(c)) return;
        const status = numberArg(c.arguments, 1);
        if (status !== null) out.set(n.name!.text, status);
      });
    });
  }
  return out;
}

/**
 * The exit status a code literal leaves with, when it is an argument (or an option's `code`) of a
 * `new <ErrorClass>(...)`, a `new CtxError(code, status, ...)` or a `super(code, status, ...)`.
 */
function statusAt(lit: ts.Node, classes: Map<string, number>): number | null {
  let n: ts.Node = lit;
  // Up through what can hold a code inside an argument list: `{ code: 'E_X' }`, `opts.code ?? 'E_X'`.
  while (n.parent && (ts.isPropertyAssignment(n.parent) || ts.isObjectLiteralExpression(n.parent) || ts.isBinaryExpression(n.parent) || ts.isParenthesizedExpression(n.parent))) n = n.parent;
  const call = n.parent;
  if (!call || !(ts.isNewExpression(call) || isSuper(call)) || !call.arguments?.includes(n as ts.Expression)) return null;
  if (isSuper(call)) return numberArg(call.arguments, 1);
  const name = ts.isIdentifier(call.expression) ? call.expression.text : null;
  if (name === 'CtxError') return numberArg(call.arguments, 1);
  return name ? (classes.get(name) ?? null) : null;
}

function codesInSource(): Map<string, Use[]> {
  const files = sources();
  const classes = classStatuses(files);
  const uses = new Map<string, Use[]>();
  for (const sf of files) {
    walk(sf, (n) => {
      if (!(ts.isStringLiteral(n) || ts.isNoSubstitutionTemplateLiteral(n)) || !CODE_RE.test(n.text)) return;
      const use = { file: sf.fileName, line: sf.getLineAndCharacterOfPosition(n.getStart()).line + 1, status: statusAt(n, classes) };
      uses.set(n.text, [...(uses.get(n.text) ?? []), use]);
    });
  }
  return uses;
}

interface Row {
  code: string;
  statuses: number[];
  meaning: string;
  todo: string;
}

function documented(): Row[] {
  const rows: Row[] = [];
  for (const line of readFileSync(join(ROOT, 'docs/errors.md'), 'utf8').split('\n')) {
    const m = /^\| `(E_[A-Z0-9_]+)` \|([^|]*)\|([^|]*)\|([^|]*)\|\s*$/.exec(line);
    if (m) rows.push({ code: m[1]!, statuses: [...m[2]!.matchAll(/\d+/g)].map((d) => Number(d[0])), meaning: m[3]!.trim(), todo: m[4]!.trim() });
  }
  return rows;
}

describe('error codes', () => {
  const uses = codesInSource();
  const rows = documented();
  const byCode = new Map(rows.map((r) => [r.code, r]));

  it('reads the codes and their statuses from the source', () => {
    // The reading itself works: codes thrown each way are found, with their class's status.
    expect(uses.get('E_USAGE')?.some((u) => u.status === 2)).toBe(true); // super(opts.code ?? 'E_USAGE', 2)
    expect(uses.get('E_LEVEL')?.map((u) => u.status)).toEqual([2]); // new UsageError(..., { code })
    expect(uses.get('E_NO_CONTEXT')?.map((u) => u.status)).toEqual([3]); // new NotFoundError
    expect(uses.get('E_REF_LOCKED')?.map((u) => u.status)).toEqual([1]); // a class of its own
    expect(uses.get('E_HOOK')?.map((u) => u.status)).toEqual([2]); // new CtxError(code, 2)
    expect(uses.get('E_REMOTE_AUTH')?.map((u) => u.status)).toEqual([5]);
    expect(uses.size).toBeGreaterThan(40);
  });

  it('docs/errors.md lists every code src/ uses, once', () => {
    const missing = [...uses.keys()].filter((c) => !byCode.has(c)).map((c) => `${c} (${uses.get(c)![0]!.file}:${uses.get(c)![0]!.line})`);
    expect(missing).toEqual([]);
    const twice = rows.map((r) => r.code).filter((c, i, all) => all.indexOf(c) !== i);
    expect(twice).toEqual([]);
  });

  it('docs/errors.md lists no code src/ no longer has', () => {
    expect(rows.map((r) => r.code).filter((c) => !uses.has(c))).toEqual([]);
  });

  it('every documented code has an exit status, a meaning and what to do', () => {
    const bad = rows.filter((r) => !r.statuses.length || r.statuses.some((s) => !EXIT_STATUSES.has(s)) || !r.meaning || !r.todo).map((r) => r.code);
    expect(bad).toEqual([]);
  });

  it('the documented exit status is the one the error class gives, wherever the source says', () => {
    const wrong: string[] = [];
    for (const [code, list] of uses) {
      const known = [...new Set(list.map((u) => u.status).filter((s): s is number => s !== null))].sort();
      const row = byCode.get(code);
      if (!row || !known.length) continue;
      const doc = [...new Set(row.statuses)].sort();
      if (doc.join() !== known.join()) wrong.push(`${code}: documented ${doc.join(', ')}, thrown with ${known.join(', ')}`);
    }
    expect(wrong).toEqual([]);
  });
});
