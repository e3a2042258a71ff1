/**
 * Which symbols a diff changed, read on both sides: the new text for what was added and modified, the
 * base text for what was deleted. So a removed function and the old name of a renamed one are listed,
 * a pure deletion is the deleted symbol's (not its neighbour's), and a doc comment's change belongs to
 * the symbol it documents (not to the class around it). Symbols come from src/symbols (listSymbols on
 * each side's text); nothing here runs git: the caller gives the diff and the two texts.
 */
import { languageOf, listSymbols, type CodeSymbol, type LineRange } from '../symbols/index.js';
import { unquotePath } from './git.js';

export type SymbolChange = 'modified' | 'added' | 'removed' | 'renamed';

export interface ChangedSymbol extends CodeSymbol {
  change: SymbolChange;
  /** For a rename: the qualified name before. */
  from?: string;
  /** The lines are those of the base text (a removed symbol), else of the new text. */
  side: 'new' | 'base';
}

export interface FileSymbols {
  path: string;
  /** The path in the base, when the file was renamed. */
  oldPath?: string;
  symbols: ChangedSymbol[];
}

/** One file of a unified diff: lines added (new side) and deleted (base side). */
export interface FileDiff {
  /** Null when the file was deleted. */
  path: string | null;
  /** Null when the file was added. */
  oldPath: string | null;
  added: LineRange[];
  deleted: LineRange[];
  /** The text of the deleted lines (to tell whether they may have held a declaration). */
  deletedText: string;
}

/** Parse `git diff -U0` output into each file's added and deleted line ranges. */
export function parseDiffSides(out: Buffer | string): FileDiff[] {
  const text = typeof out === 'string' ? out : out.toString('utf8');
  const files: FileDiff[] = [];
  let cur: FileDiff | null = null;
  for (const line of text.split('\n')) {
    if (line.startsWith('diff --git ')) {
      cur = { path: null, oldPath: null, added: [], deleted: [], deletedText: '' };
      files.push(cur);
    } else if (!cur) continue;
    else if (line.startsWith('--- ')) {
      const p = line.slice(4);
      cur.oldPath = p === '/dev/null' ? null : unquotePath(p).replace(/^a\//, '');
    } else if (line.startsWith('+++ ')) {
      const p = line.slice(4);
      cur.path = p === '/dev/null' ? null : unquotePath(p).replace(/^b\//, '');
    } else if (line.startsWith('@@ ')) {
      const m = /^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@/.exec(line);
      if (!m) continue;
      const oldCount = m[2] === undefined ? 1 : Number(m[2]);
      const newCount = m[4] === undefined ? 1 : Number(m[4]);
      if (oldCount) cur.deleted.push({ start: Number(m[1]), end: Number(m[1]) + oldCount - 1 });
      if (newCount) cur.added.push({ start: Number(m[3]), end: Number(m[3]) + newCount - 1 });
    } else if (line.startsWith('-') && cur.deletedText.length < 65536) cur.deletedText += `${line.slice(1)}\n`;
  }
  // A rename with no change of content has no hunks; a mode change neither: nothing to read.
  return files.filter((f) => f.added.length || f.deleted.length || (f.path === null && f.oldPath));
}

/** Lines that may declare something: anything but plain statements (a call, a keyword that opens a definition). */
const DECLARATION_HINT = /[(]|\b(class|struct|enum|interface|trait|impl|type|mod|module|namespace|def|fn|func|function)\b|=>/;

/** Comment lines: a doc comment belongs to the symbol written right after it. */
const COMMENT_RE = /^\s*(\/\/|\/\*|\*|#(?!\[)|"""|''')/;

/** For each line, the index of the innermost symbol holding it (+1; 0 for none). */
function owners(symbols: readonly CodeSymbol[], lines: number): Int32Array {
  const owner = new Int32Array(lines + 2);
  symbols.forEach((s, i) => owner.fill(i + 1, Math.max(0, s.startLine), Math.min(lines + 1, s.endLine + 1)));
  return owner;
}

/**
 * The symbols a set of changed lines really touch: a code line's innermost symbol; a comment line's
 * the symbol that starts right after its comment block (when one does), else its innermost one; blank
 * lines none.
 */
function touched(symbols: readonly CodeSymbol[], text: string, ranges: readonly LineRange[]): Set<number> {
  const hit = new Set<number>();
  if (!symbols.length) return hit;
  const lines = text.split('\n');
  const owner = owners(symbols, lines.length);
  const startsAt = new Map<number, number>();
  symbols.forEach((s, i) => {
    if (!startsAt.has(s.startLine)) startsAt.set(s.startLine, i);
  });
  for (const r of ranges) {
    for (let line = Math.max(1, r.start); line <= Math.min(lines.length, r.end); line++) {
      const t = lines[line - 1]!;
      if (!t.trim()) continue;
      if (COMMENT_RE.test(t)) {
        let next = line + 1;
        while (next <= lines.length && COMMENT_RE.test(lines[next - 1]!)) next++;
        const documented = startsAt.get(next);
        if (documented !== undefined) {
          hit.add(documented);
          continue;
        }
      }
      if (owner[line]) hit.add(owner[line]! - 1);
    }
  }
  return hit;
}

/** How alike two symbols' texts are (0..1): shared lines, the old name read as the new one. */
function similarity(a: string, b: string, oldName: string, newName: string): number {
  const norm = (s: string) =>
    s
      .split('\n')
      .map((l) => l.trim())
      .filter(Boolean);
  const left = norm(a.split(oldName).join(newName));
  const right = norm(b);
  if (!left.length || !right.length) return 0;
  const pool = new Map<string, number>();
  for (const l of right) pool.set(l, (pool.get(l) ?? 0) + 1);
  let shared = 0;
  for (const l of left) {
    const n = pool.get(l) ?? 0;
    if (n > 0) {
      shared++;
      pool.set(l, n - 1);
    }
  }
  return (2 * shared) / (left.length + right.length);
}

function bodyOf(lines: readonly string[], s: CodeSymbol): string {
  return lines.slice(s.startLine - 1, s.endLine).join('\n');
}

function parentOf(qualifiedName: string): string {
  const i = qualifiedName.lastIndexOf('.');
  return i < 0 ? '' : qualifiedName.slice(0, i);
}

export interface FileTexts {
  /** The file's text now (null: deleted, binary, too big, unreadable). */
  readNew(path: string): Promise<string | null>;
  /** The file's text in the base (null: not there, or not text). */
  readBase(path: string): Promise<string | null>;
}

/** The symbols one file's diff changed, on both sides. Null when the language is not supported. */
export async function fileSymbols(d: FileDiff, texts: FileTexts): Promise<FileSymbols | null> {
  const path = d.path ?? d.oldPath!;
  if (!languageOf(path)) return null;
  const newText = d.path ? await texts.readNew(d.path) : null;
  const newSyms = newText !== null ? ((await listSymbols(d.path!, newText)) ?? []) : [];
  const newHit = newText !== null ? touched(newSyms, newText, d.added) : new Set<number>();
  // The base side is read only when it may say something the new side cannot: a declaration among the
  // deleted lines, a declaration line among the added ones (a new or renamed symbol), a deleted file.
  const declarationAdded = [...newHit].some((i) => d.added.some((r) => r.start <= newSyms[i]!.startLine && newSyms[i]!.startLine <= r.end));
  const needBase = !!d.oldPath && (d.path === null || declarationAdded || (d.deleted.length > 0 && DECLARATION_HINT.test(d.deletedText)));
  const out: ChangedSymbol[] = [];
  if (!needBase) {
    const fresh = d.oldPath === null;
    for (const i of [...newHit].sort((a, b) => a - b)) out.push({ ...newSyms[i]!, change: fresh ? 'added' : 'modified', side: 'new' });
    if (fresh) for (const s of newSyms) if (!out.some((o) => o.qualifiedName === s.qualifiedName)) out.push({ ...s, change: 'added', side: 'new' });
    out.sort((a, b) => a.startLine - b.startLine);
    return { path, ...(d.oldPath && d.oldPath !== d.path ? { oldPath: d.oldPath } : {}), symbols: out };
  }
  const baseText = await texts.readBase(d.oldPath!);
  if (baseText === null && d.path !== null) {
    // The base cannot be read (not text, too big): what the new side says is all there is.
    for (const i of [...newHit].sort((a, b) => a - b)) out.push({ ...newSyms[i]!, change: 'modified', side: 'new' });
    return { path, ...(d.oldPath !== d.path ? { oldPath: d.oldPath! } : {}), symbols: out };
  }
  const baseSyms = baseText !== null && languageOf(d.oldPath!) ? ((await listSymbols(d.oldPath!, baseText)) ?? []) : [];
  const baseHit = baseText !== null ? touched(baseSyms, baseText, d.deleted) : new Set<number>();
  const key = (s: CodeSymbol) => `${s.kind === 'method' ? 'function' : s.kind}\u0000${s.qualifiedName}`;
  const newKeys = new Set(newSyms.map(key));
  const baseKeys = new Set(baseSyms.map(key));
  const removed = baseSyms.filter((s) => !newKeys.has(key(s)));
  const added = newSyms.filter((s) => !baseKeys.has(key(s)));
  // A removed symbol and an added one of the same kind, in the same parent, with much the same text: a rename.
  const baseLines = (baseText ?? '').split('\n');
  const newLines = (newText ?? '').split('\n');
  const renamedTo = new Map<CodeSymbol, CodeSymbol>();
  for (const r of removed) {
    let best: CodeSymbol | null = null;
    let score = 0.5;
    for (const a of added) {
      if (a.kind !== r.kind || parentOf(a.qualifiedName) !== parentOf(r.qualifiedName) || [...renamedTo.values()].includes(a)) continue;
      const sim = similarity(bodyOf(baseLines, r), bodyOf(newLines, a), r.name, a.name);
      if (sim >= score) {
        score = sim;
        best = a;
      }
    }
    if (best) renamedTo.set(r, best);
  }
  const renamedNew = new Map([...renamedTo].map(([r, a]) => [a, r]));
  // A container (class, impl...) is listed as modified only for lines of its own, not its members'.
  const seen = new Set<string>();
  const push = (s: CodeSymbol, change: SymbolChange, side: 'new' | 'base', from?: string) => {
    const k = `${change}\u0000${key(s)}`;
    if (seen.has(k)) return;
    seen.add(k);
    out.push({ ...s, change, side, ...(from ? { from } : {}) });
  };
  for (const s of added) {
    const was = renamedNew.get(s);
    push(s, was ? 'renamed' : 'added', 'new', was?.qualifiedName);
  }
  for (const i of newHit) {
    const s = newSyms[i]!;
    if (baseKeys.has(key(s))) push(s, 'modified', 'new');
  }
  for (const i of baseHit) {
    const s = baseSyms[i]!;
    if (!newKeys.has(key(s))) continue; // removed or renamed: said below or above
    const now = newSyms.find((n) => key(n) === key(s))!;
    push(now, 'modified', 'new');
  }
  for (const r of removed) if (!renamedTo.has(r)) push(r, 'removed', 'base');
  const rank = (c: ChangedSymbol) => (c.side === 'base' ? 1 : 0);
  out.sort((a, b) => rank(a) - rank(b) || a.startLine - b.startLine);
  return { path, ...(d.oldPath && d.oldPath !== d.path ? { oldPath: d.oldPath } : {}), symbols: out };
}
