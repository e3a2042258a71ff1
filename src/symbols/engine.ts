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
      return { parser, query, spec, leading: new Set(spec.leading) };
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

function endLine(node: TreeSitter.Node): number {
  const { row, column } = node.endPosition;
  // A node that ends with its newline ends at column 0 of the next row: it ends on the row before.
  return column === 0 && row > node.startPosition.row ? row : row + 1;
}

/** Parse `source` and return every definition in it, flat (nest.ts nests them). */
export async function parseDefinitions(id: LanguageId, source: string): Promise<RawDefinition[]> {
  const { parser, query, spec, leading } = await loadLanguage(id);
  const tree = parser.parse(source);
  if (!tree) return [];
  try {
    const out: RawDefinition[] = [];
    for (const { node } of query.captures(tree.rootNode)) {
      const def = spec.classify(node);
      if (!def) continue;
      let first = (def.span as TreeSitter.Node | undefined) ?? node;
      const last = first;
      // Decorators and attributes written just above a definition belong to it.
      for (let prev = first.previousNamedSibling; prev && leading.has(prev.type); prev = prev.previousNamedSibling) first = prev;
      out.push({
        kind: def.kind,
        name: def.name,
        receiver: def.receiver,
        startIndex: first.startIndex,
        endIndex: last.endIndex,
        startLine: first.startPosition.row + 1,
        endLine: endLine(last),
      });
    }
    return out;
  } finally {
    tree.delete();
  }
}
