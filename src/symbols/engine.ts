/**
 * The parser behind src/symbols: tree-sitter compiled to WebAssembly, with the grammars that
 * @vscode/tree-sitter-wasm ships (one npm package, no native build, nothing fetched at run time).
 *
 * Loaded on first use only, by the commands that need symbols: the runtime costs ~15 ms to start, each
 * grammar 2–12 ms to load, and the first parse 100+ ms while V8 compiles the WebAssembly (measured:
 * docs/architecture.md), which `git ctx add` must not pay.
 * The package reads its .wasm files from its own folder, so the CLI bundle keeps it external
 * (scripts/build.mjs) and resolves it from node_modules at run time.
 */
import { createRequire } from 'node:module';
import { setFlagsFromString } from 'node:v8';
import { dirname, join } from 'node:path';
import type * as TreeSitter from '@vscode/tree-sitter-wasm';
import { LANGUAGES, type LanguageId, type LanguageSpec } from './languages.js';
import type { RawDefinition } from './nest.js';

type TS = typeof TreeSitter;

interface Loaded {
  parser: TreeSitter.Parser;
  /** One flat alternation of the node types that may define a symbol (cheap to compile, see languages.ts). */
  query: TreeSitter.Query;
  spec: LanguageSpec;
  leading: ReadonlySet<string>;
  comments: ReadonlySet<string>;
}

let runtime: Promise<{ ts: TS; dir: string }> | null = null;
const languages = new Map<LanguageId, Promise<Loaded>>();

function loadRuntime(): Promise<{ ts: TS; dir: string }> {
  runtime ??= (async () => {
    // Baseline (Liftoff) code only: V8 otherwise recompiles the grammars with TurboFan in background
    // threads, and Node waits for those at exit: 200-500 ms after the last parse of a command, on a
    // loaded 2-core machine, for parses that Liftoff code finishes in a few milliseconds anyway.
    setFlagsFromString('--liftoff-only');
    const require = createRequire(import.meta.url);
    const dir = dirname(require.resolve('@vscode/tree-sitter-wasm'));
    // require, not import(): the package is CommonJS, and Node's ESM loader spends ~40 ms
    // pre-parsing it for named exports.
    const ts = require('@vscode/tree-sitter-wasm') as TS;
    await ts.Parser.init({ locateFile: (file: string) => join(dir, file) });
    return { ts, dir };
  })();
  return runtime;
}

function loadLanguage(id: LanguageId): Promise<Loaded> {
  let p = languages.get(id);
  if (!p) {
    p = (async () => {
      const { ts, dir } = await loadRuntime();
      const spec = LANGUAGES[id];
      const language = await ts.Language.load(join(dir, spec.grammar));
      const parser = new ts.Parser();
      parser.setLanguage(language);
      const query = new ts.Query(language, `[${spec.types.map((t) => `(${t})`).join(' ')}] @def`);
      return { parser, query, spec, leading: new Set(spec.leading), comments: new Set(spec.comments) };
    })();
    languages.set(id, p);
    // A failed load may be retried by a later call.
    p.catch(() => languages.delete(id));
  }
  return p;
}

/**
 * Load several grammars at once. Worth it: loading one after another, a grammar's compilation waits
 * behind the optimising compiler's work on the grammars already used (measured: 100–400 ms each for
 * the third of three on 2 cores), while loading them together takes ~25 ms for all.
 */
export async function loadLanguages(ids: readonly LanguageId[]): Promise<void> {
  await Promise.all([...new Set(ids)].map(loadLanguage));
}

/**
 * Whether error recovery had to do much: more than 3 errors (ERROR or MISSING nodes), more than one
 * per 20 lines, or errors over a tenth of the text. Walked only for trees that have an error at all.
 */
function unparsed(root: TreeSitter.Node, length: number): boolean {
  const lines = root.endPosition.row + 1;
  const cursor = root.walk();
  let errors = 0;
  let errorBytes = 0;
  try {
    for (;;) {
      const n = cursor.currentNode;
      const isError = n.type === 'ERROR' || n.isMissing;
      if (isError) {
        errors++;
        errorBytes += n.endIndex - n.startIndex;
        if (errors > 3 || errors * 20 > lines || errorBytes > length / 10) return true;
      }
      // Into a node with an error below it (not into an error's own insides), else on.
      if (!isError && n.hasError && cursor.gotoFirstChild()) continue;
      while (!cursor.gotoNextSibling()) if (!cursor.gotoParent()) return false;
    }
  } finally {
    cursor.delete();
  }
}

/** Statements that wrap a definition without being one: its doc comment sits above them. */
const WRAPPERS = new Set(['export_statement', 'lexical_declaration', 'variable_declaration', 'expression_statement', 'ambient_declaration']);

function endLine(node: TreeSitter.Node): number {
  const { row, column } = node.endPosition;
  // A node that ends with its newline ends at column 0 of the next row: it ends on the row before.
  return column === 0 && row > node.startPosition.row ? row : row + 1;
}

/**
 * Parse `source` and return every definition in it, flat (nest.ts nests them). `stop` is asked every
 * few hundred bytes while parsing (and while matching): when it says true, parsing ends and the result
 * is null. A 1 MiB file takes ~0.4 s to parse, on the thread that may have a deadline to keep.
 */
export async function parseDefinitions(id: LanguageId, source: string, stop?: () => boolean, regions = false): Promise<RawDefinition[] | null> {
  const { parser, query, spec, leading, comments } = await loadLanguage(id);
  if (stop?.()) return null;
  const tree = parser.parse(source, null, stop ? { progressCallback: () => stop() } : undefined);
  if (!tree) {
    // Cancelled: the parser keeps its state to resume; the next parse starts afresh.
    parser.reset();
    return stop?.() ? null : [];
  }
  try {
    const out: RawDefinition[] = [];
    const add = (def: { kind: RawDefinition['kind']; name: string; receiver?: string }, node: TreeSitter.Node) => {
      let first = node;
      // A definition wrapped in a statement (`export function`, `const f = () =>`) starts where it does.
      for (let p = regions ? first.parent : null; p && WRAPPERS.has(p.type); p = p.parent) {
        const head = p.namedChildren.find((c) => c && !comments.has(c.type) && !leading.has(c.type));
        if (!head || head.id !== first.id) break;
        first = p;
      }
      // Decorators and attributes written just above a definition belong to it, and so does a comment
      // on the lines right above it (its doc comment), not one a blank line away.
      for (let prev = first.previousNamedSibling; prev; prev = prev.previousNamedSibling) {
        if (leading.has(prev.type) || (regions && comments.has(prev.type) && prev.endPosition.row >= first.startPosition.row - 1)) first = prev;
        else break;
      }
      out.push({
        kind: def.kind,
        name: def.name,
        receiver: def.receiver,
        startIndex: first.startIndex,
        endIndex: node.endIndex,
        startLine: first.startPosition.row + 1,
        endLine: endLine(node),
      });
    };
    const captures = query.captures(tree.rootNode, stop ? { progressCallback: () => stop() } : undefined);
    if (stop?.()) return null;
    for (const { node } of captures) {
      const def = spec.classify(node) ?? (regions ? (spec.classifyRegion?.(node) ?? null) : null);
      if (def) add(def, (def.span as TreeSitter.Node | undefined) ?? node);
    }
    if (!regions) return out;
    if (tree.rootNode.hasError && unparsed(tree.rootNode, source.length)) {
      // A file that mostly does not parse (another dialect, a template: JSpec's `describe 'x'`) has
      // no structure to place changes in: say so (null) rather than name what error recovery made of
      // it. A file with a stray construct the grammar lacks keeps its definitions and regions.
      return null;
    }
    // Module-level code: each top-level statement that no definition spans (a wrapper such as
    // `export` around one is the definition) gets its name or region.
    const firstLineEndingAt = new Map<number, number>();
    for (const d of out) firstLineEndingAt.set(d.endLine, Math.min(d.startLine, firstLineEndingAt.get(d.endLine) ?? Infinity));
    for (const child of tree.rootNode.namedChildren) {
      if (!child) continue;
      if ((firstLineEndingAt.get(endLine(child)) ?? Infinity) <= child.startPosition.row + 1) continue;
      for (const def of spec.topLevel(child) ?? []) add(def, (def.span as TreeSitter.Node | undefined) ?? child);
    }
    return out;
  } finally {
    tree.delete();
  }
}
