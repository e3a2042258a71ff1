/**
 * What counts as a symbol in each language: the syntax node types that define one, and how to read a
 * node's kind and name. Pure: works on any object with the few members of a tree-sitter node that it
 * uses, so the parser stays in engine.ts.
 *
 * Why code and not one tree-sitter query pattern per construct: compiling a query costs 3–40 ms per
 * pattern on the TypeScript grammar (120–160 ms for the set we need), against ~5 ms for one flat
 * alternation of node types. So the engine asks the query only for nodes of these types, and the rules
 * below look at fields and parents of those few nodes.
 */
export type LanguageId = 'typescript' | 'tsx' | 'javascript' | 'python' | 'go' | 'rust' | 'java';

/**
 * `test`: a named test block (`describe("...")`, `it("...")`, Go's `t.Run("...")`) or test hook;
 * `variable`: a named value at the top of a file; `region`: module-level code without a name of its
 * own (the imports, a top-level call, `if __name__ == "__main__":`), named in parentheses.
 */
export type SymbolKind = 'function' | 'method' | 'class' | 'interface' | 'enum' | 'struct' | 'trait' | 'impl' | 'module' | 'type' | 'macro' | 'test' | 'variable' | 'region';

/** The members of a tree-sitter node that the rules read. */
export interface SyntaxNode {
  type: string;
  text: string;
  parent: SyntaxNode | null;
  childForFieldName(field: string): SyntaxNode | null;
  namedChildren: (SyntaxNode | null)[];
}

/** What a rule makes of a node: its kind and name, the node whose span the symbol takes, and for Go methods the receiver type. */
export interface Definition {
  kind: SymbolKind;
  name: string;
  /** The node whose lines the symbol spans (default: the node itself; a decorated Python def takes its decorators). */
  span?: SyntaxNode;
  /** Qualifies the name instead of the enclosing symbols (Go receivers, `Foo.prototype.bar = ...`). */
  receiver?: string;
}

export interface LanguageSpec {
  /** The grammar file in @vscode/tree-sitter-wasm's wasm/ folder. */
  grammar: string;
  /** Node types that may define a symbol. */
  types: readonly string[];
  classify(node: SyntaxNode): Definition | null;
  /** Node types written just before a definition that belong to it (decorators, attributes). */
  leading: readonly string[];
  /** Comment node types: a comment on the lines just above a definition belongs to it (doc comments). */
  comments: readonly string[];
  /**
   * With regions: what else a node of `types` names when `classify` says nothing (test blocks, fields
   * and the keys of a top-level object). Off by default, so that listSymbols' plain answer stays as it was.
   */
  classifyRegion?(node: SyntaxNode): Definition | null;
  /**
   * What a statement at the top of a file is when no definition spans it: the imports, a named value,
   * a call, other module-level code. Null for what needs no name (a comment, a definition). Module-level
   * code is where many real conflicts are (two sides adding imports, registering routes...).
   */
  topLevel(node: SyntaxNode): Definition[] | null;
}

/** The region of a file's imports (requires, `use`, `package`), and of its other unnamed top-level code. */
export const IMPORTS = '(imports)';
export const TOP_LEVEL = '(top level)';

const region = (name: string): Definition[] => [{ kind: 'region', name }];

function field(node: SyntaxNode, name: string): string | null {
  const f = node.childForFieldName(name);
  return f ? cleanName(f.text) : null;
}

/** A name as written, without quotes (`'key'`, `module "m"`) and with whitespace collapsed. */
export function cleanName(text: string): string {
  return text.replace(/^['"`]|['"`]$/g, '').replace(/\s+/g, ' ').trim().slice(0, 200);
}

function named(kind: SymbolKind, name: string | null, extra: Partial<Definition> = {}): Definition | null {
  return name ? { kind, name, ...extra } : null;
}

// ---------------------------------------------------------------------------------------------------
// JavaScript, TypeScript, TSX

const FN_VALUES = new Set(['arrow_function', 'function_expression', 'function', 'generator_function']);

/** Test blocks named by their first argument, and test hooks (named by themselves). */
const TEST_CALLS = new Set(['describe', 'it', 'test', 'suite', 'context', 'specify', 'bench', 'fdescribe', 'xdescribe', 'fit', 'xit', 'xtest']);
const TEST_HOOKS = new Set(['beforeEach', 'afterEach', 'beforeAll', 'afterAll', 'before', 'after', 'setup', 'teardown', 'suiteSetup', 'suiteTeardown']);
/** `it.only`, `describe.skip`, `test.each(table)`: the same block under a modifier. */
const MODIFIERS = /(\.(only|skip|todo|concurrent|sequential|failing|fails|skipIf|runIf|each))+$/;

/** The callee as written (`describe`, `app.get`), modifiers dropped; null when it is not a plain name. */
function calleeName(fn: SyntaxNode): string | null {
  // describe.each(table)('name %s', fn): the callee is itself a call.
  const f = fn.type === 'call_expression' ? (fn.childForFieldName('function') ?? fn) : fn;
  const text = f.text.replace(/\s+/g, '');
  if (text.length > 60 || !/^[\w$]+(\.[\w$]+)*$/.test(text)) return null;
  return text.replace(MODIFIERS, '');
}

/** A string argument as written, without its quotes. */
function literal(node: SyntaxNode | null | undefined): string | null {
  return node && (node.type === 'string' || node.type === 'template_string') ? cleanName(node.text) : null;
}

/**
 * `describe("parser", () => ...)`, `it("parses", fn)`, `beforeEach(fn)` anywhere; `app.get("/users",
 * handler)` and the like at the top of a file: blocks with a name, though their function has none.
 */
function classifyCallBlock(node: SyntaxNode): Definition | null {
  const fn = node.childForFieldName('function');
  const args = node.childForFieldName('arguments')?.namedChildren.filter((a): a is SyntaxNode => a !== null) ?? [];
  if (!fn || !args.some((a) => FN_VALUES.has(a.type))) return null;
  const callee = calleeName(fn);
  if (!callee) return null;
  if (TEST_HOOKS.has(callee)) return { kind: 'test', name: callee };
  const label = literal(args[0]);
  if (!label) return null;
  if (TEST_CALLS.has(callee.split('.')[0]!)) return { kind: 'test', name: `${callee}(${JSON.stringify(label)})` };
  // Other named callbacks only at the top of a file: inside a function they are part of it.
  const statement = node.parent;
  return statement?.type === 'expression_statement' && statement.parent?.type === 'program' ? { kind: 'function', name: `${callee}(${JSON.stringify(label)})` } : null;
}

function isRequire(node: SyntaxNode | null | undefined): boolean {
  let n = node;
  if (n?.type === 'await_expression') n = n.namedChildren[0];
  if (n?.type !== 'call_expression') return false;
  const f = n.childForFieldName('function');
  return f?.type === 'import' || (f?.type === 'identifier' && f.text === 'require');
}

/** Declarations that are definitions themselves (the query finds them). */
const JS_DEFINITIONS = new Set(['function_declaration', 'generator_function_declaration', 'class_declaration', 'abstract_class_declaration', 'interface_declaration', 'enum_declaration', 'type_alias_declaration', 'internal_module', 'module', 'function_signature']);

function topLevelJs(node: SyntaxNode): Definition[] | null {
  switch (node.type) {
    case 'comment':
    case 'hash_bang_line':
      return null;
    case 'import_statement':
    case 'import_alias':
      return region(IMPORTS);
    case 'export_statement': {
      if (classifyJs(node)) return null;
      const decl = node.childForFieldName('declaration');
      if (decl) return topLevelJs(decl);
      if (node.childForFieldName('source')) return region(IMPORTS);
      return node.childForFieldName('value') ? [{ kind: 'variable', name: 'default' }] : region('(exports)');
    }
    case 'lexical_declaration':
    case 'variable_declaration': {
      const decls = node.namedChildren.filter((c): c is SyntaxNode => c?.type === 'variable_declarator');
      if (decls.some((d) => isRequire(d.childForFieldName('value')))) return region(IMPORTS);
      if (decls.length === 1 && classifyJs(decls[0]!)) return null;
      const name = decls[0]?.childForFieldName('name');
      return name ? [{ kind: 'variable', name: cleanName(name.text) }] : region(TOP_LEVEL);
    }
    case 'expression_statement': {
      const e = node.namedChildren[0];
      if (!e) return null;
      if (isRequire(e)) return region(IMPORTS);
      if (e.type === 'assignment_expression') {
        if (classifyJs(e)) return null;
        const left = e.childForFieldName('left');
        return left ? [{ kind: 'variable', name: cleanName(left.text).slice(0, 60) }] : region(TOP_LEVEL);
      }
      if (e.type === 'call_expression') {
        if (classifyCallBlock(e)) return null;
        const fn = e.childForFieldName('function');
        const callee = fn && calleeName(fn);
        return region(callee ? `(${callee})` : TOP_LEVEL);
      }
      return region(TOP_LEVEL);
    }
  }
  return JS_DEFINITIONS.has(node.type) ? null : region(TOP_LEVEL);
}

/**
 * `Foo.prototype.bar = function` is method `bar` of `Foo`; `module.exports.foo = ...` and
 * `exports.foo = ...` are plain `foo`; `a.b.c = ...` is `c` qualified by `a.b`.
 */
export function assignedName(text: string): { name: string; receiver?: string; method: boolean } {
  const parts = text.replace(/\s+/g, '').split('.');
  const name = parts.pop() ?? text;
  while (parts[0] === 'module' || parts[0] === 'exports') parts.shift();
  const protoAt = parts.indexOf('prototype');
  const owner = (protoAt >= 0 ? parts.slice(0, protoAt) : parts).join('.');
  if (owner && owner !== 'this' && /^[\w$]+(\.[\w$]+)*$/.test(owner)) return { name, receiver: owner, method: protoAt > 0 };
  return { name, method: false };
}

function classifyJs(node: SyntaxNode): Definition | null {
  switch (node.type) {
    case 'function_declaration':
    case 'generator_function_declaration':
    case 'function_signature':
      return named('function', field(node, 'name'));
    case 'class_declaration':
    case 'abstract_class_declaration':
      return named('class', field(node, 'name'));
    case 'interface_declaration':
      return named('interface', field(node, 'name'));
    case 'enum_declaration':
      return named('enum', field(node, 'name'));
    case 'type_alias_declaration':
      return named('type', field(node, 'name'));
    case 'internal_module':
    case 'module':
      return named('module', field(node, 'name'));
    case 'method_definition':
    case 'method_signature':
    case 'abstract_method_signature':
      // In an object literal a method is a function of that object; in a class or interface, a method.
      return named(node.parent?.type === 'object' ? 'function' : 'method', field(node, 'name'));
    case 'public_field_definition':
    case 'field_definition': {
      const value = node.childForFieldName('value');
      return value && FN_VALUES.has(value.type) ? named('method', field(node, 'name') ?? field(node, 'property')) : null;
    }
    case 'pair': {
      const value = node.childForFieldName('value');
      return value && FN_VALUES.has(value.type) ? named('function', field(node, 'key')) : null;
    }
    case 'variable_declarator': {
      const value = node.childForFieldName('value');
      const name = node.childForFieldName('name');
      if (!value || name?.type !== 'identifier') return null;
      if (FN_VALUES.has(value.type)) return named('function', cleanName(name.text));
      return value.type === 'class' ? named('class', cleanName(name.text)) : null;
    }
    case 'assignment_expression': {
      const left = node.childForFieldName('left');
      const right = node.childForFieldName('right');
      if (left?.type !== 'member_expression' || !right || !FN_VALUES.has(right.type)) return null;
      const a = assignedName(left.text);
      return named(a.method ? 'method' : 'function', a.name, { receiver: a.receiver });
    }
    case 'export_statement': {
      // `export default function () {}` and `export default class {}`: anonymous, known as "default".
      const value = node.childForFieldName('value');
      if (value && FN_VALUES.has(value.type)) return { kind: 'function', name: 'default' };
      return value?.type === 'class' ? { kind: 'class', name: 'default' } : null;
    }
  }
  return null;
}

/** The top-level statement an object literal is the value of (`const x = {}`, `export default {}`, `module.exports = {}`), if it is one. */
function topLevelObject(obj: SyntaxNode): boolean {
  let p = obj.parent;
  if (p?.type === 'variable_declarator') p = p.parent;
  else if (p?.type === 'assignment_expression') p = p.parent;
  else if (p?.type === 'satisfies_expression' || p?.type === 'as_expression') p = p.parent?.type === 'export_statement' ? p.parent : null;
  return !!p && (p.type === 'lexical_declaration' || p.type === 'variable_declaration' || p.type === 'expression_statement' || p.type === 'export_statement') && p.parent?.type === 'program';
}

function classifyRegionJs(node: SyntaxNode): Definition | null {
  switch (node.type) {
    case 'call_expression':
      return classifyCallBlock(node);
    case 'pair': {
      // A key of a top-level object (a config, a table): its own symbol, so that two sides editing
      // two keys of `export default { ... }` do not meet.
      const obj = node.parent;
      return obj?.type === 'object' && topLevelObject(obj) ? named('variable', field(node, 'key')) : null;
    }
    case 'public_field_definition':
    case 'field_definition':
      // A class field: its own symbol, not the whole class.
      return named('variable', field(node, 'name') ?? field(node, 'property'));
  }
  return null;
}

const JS_TYPES = ['function_declaration', 'generator_function_declaration', 'class_declaration', 'method_definition', 'pair', 'variable_declarator', 'assignment_expression', 'export_statement', 'call_expression'];
const TS_TYPES = [...JS_TYPES, 'function_signature', 'abstract_class_declaration', 'interface_declaration', 'enum_declaration', 'type_alias_declaration', 'internal_module', 'module', 'method_signature', 'abstract_method_signature', 'public_field_definition'];

// ---------------------------------------------------------------------------------------------------
// Python

function classifyPython(node: SyntaxNode): Definition | null {
  const kind = node.type === 'class_definition' ? 'class' : 'function';
  // Decorators belong to the definition: `@property` above a method is part of the method.
  const span = node.parent?.type === 'decorated_definition' ? node.parent : node;
  return named(kind, field(node, 'name'), { span });
}

const PY_IMPORTS = new Set(['import_statement', 'import_from_statement', 'future_import_statement']);

function topLevelPython(node: SyntaxNode): Definition[] | null {
  if (PY_IMPORTS.has(node.type)) return region(IMPORTS);
  switch (node.type) {
    case 'comment':
    case 'function_definition':
    case 'class_definition':
    case 'decorated_definition':
      return null;
    case 'try_statement': {
      // try: import x / except ImportError: fallback
      const first = node.namedChildren.find((c) => c?.type === 'block')?.namedChildren[0];
      return region(first && PY_IMPORTS.has(first.type) ? IMPORTS : TOP_LEVEL);
    }
    case 'if_statement':
      return region(/^if\s+__name__\s*==/.test(node.text) ? '(main)' : TOP_LEVEL);
    case 'expression_statement': {
      const e = node.namedChildren[0];
      if (e?.type === 'assignment' || e?.type === 'augmented_assignment') {
        const left = e.childForFieldName('left');
        return left ? [{ kind: 'variable', name: cleanName(left.text).slice(0, 60) }] : region(TOP_LEVEL);
      }
      if (e?.type === 'call') {
        const fn = e.childForFieldName('function');
        return region(fn && fn.text.length <= 60 ? `(${cleanName(fn.text)})` : TOP_LEVEL);
      }
      if (e?.type === 'string') return region('(docstring)');
      return region(TOP_LEVEL);
    }
  }
  return region(TOP_LEVEL);
}

// ---------------------------------------------------------------------------------------------------
// Go

/** The type a receiver names: `*Builder` -> Builder, `Set[T]` -> Set, `*Set[T]` -> Set. */
function goReceiver(node: SyntaxNode): string | undefined {
  const param = node.childForFieldName('receiver')?.namedChildren.find((c) => c?.type === 'parameter_declaration');
  let t = param?.childForFieldName('type') ?? null;
  for (let i = 0; t && i < 4; i++) {
    if (t.type === 'type_identifier') return t.text;
    t = t.type === 'generic_type' ? t.childForFieldName('type') : (t.namedChildren[0] ?? null);
  }
  return undefined;
}

/** `t.Run("name", func(t *testing.T) {...})`: a subtest (or sub-benchmark), named as written. */
function goSubtest(node: SyntaxNode): Definition | null {
  const fn = node.childForFieldName('function');
  if (fn?.type !== 'selector_expression' || fn.childForFieldName('field')?.text !== 'Run') return null;
  const args = node.childForFieldName('arguments')?.namedChildren ?? [];
  const first = args[0];
  if (!first || (first.type !== 'interpreted_string_literal' && first.type !== 'raw_string_literal') || !args.some((a) => a?.type === 'func_literal')) return null;
  return { kind: 'test', name: `${cleanName(fn.text)}(${JSON.stringify(cleanName(first.text))})` };
}

function topLevelGo(node: SyntaxNode): Definition[] | null {
  switch (node.type) {
    case 'package_clause':
    case 'import_declaration':
      return region(IMPORTS);
    case 'var_declaration':
    case 'const_declaration': {
      // One symbol per spec: `const ( A = iota; B )` names A and B.
      const specs = node.namedChildren.filter((c): c is SyntaxNode => c?.type === 'var_spec' || c?.type === 'const_spec');
      const defs = specs.map((spec): Definition | null => {
        const name = spec.childForFieldName('name') ?? spec.namedChildren.find((c) => c?.type === 'identifier') ?? null;
        return name ? { kind: 'variable', name: cleanName(name.text), span: spec } : null;
      });
      return defs.filter((d): d is Definition => d !== null);
    }
    case 'comment':
    case 'function_declaration':
    case 'method_declaration':
    case 'type_declaration':
      return null;
  }
  return region(TOP_LEVEL);
}

function classifyGo(node: SyntaxNode): Definition | null {
  switch (node.type) {

    case 'function_declaration':
      return named('function', field(node, 'name'));
    case 'method_declaration':
      return named('method', field(node, 'name'), { receiver: goReceiver(node) });
    case 'method_elem':
      return named('method', field(node, 'name'));
    case 'type_alias':
      return named('type', field(node, 'name'));
    case 'type_spec': {
      const t = node.childForFieldName('type')?.type;
      return named(t === 'struct_type' ? 'struct' : t === 'interface_type' ? 'interface' : 'type', field(node, 'name'));
    }
  }
  return null;
}

// ---------------------------------------------------------------------------------------------------
// Rust

/** The type an impl block is for: `Wrapper<T>` -> Wrapper, `crate::x::Y` -> Y, `&'a str` as written. */
function rustImplType(node: SyntaxNode): string | null {
  let t = node.childForFieldName('type');
  for (let i = 0; t && i < 4; i++) {
    if (t.type === 'type_identifier' || t.type === 'primitive_type') return t.text;
    if (t.type === 'generic_type') t = t.childForFieldName('type');
    else if (t.type === 'scoped_type_identifier') t = t.childForFieldName('name');
    else return cleanName(t.text);
  }
  return null;
}

const RUST_KINDS: Record<string, SymbolKind> = {
  mod_item: 'module',
  struct_item: 'struct',
  union_item: 'struct',
  enum_item: 'enum',
  trait_item: 'trait',
  type_item: 'type',
  macro_definition: 'macro',
  function_item: 'function',
  function_signature_item: 'function',
};

function classifyRust(node: SyntaxNode): Definition | null {
  if (node.type === 'impl_item') return named('impl', rustImplType(node));
  const kind = RUST_KINDS[node.type];
  return kind ? named(kind, field(node, 'name')) : null;
}

function topLevelRust(node: SyntaxNode): Definition[] | null {
  switch (node.type) {
    case 'use_declaration':
    case 'extern_crate_declaration':
      return region(IMPORTS);
    case 'const_item':
    case 'static_item':
      return [{ kind: 'variable', name: field(node, 'name') ?? '?' }];
    case 'inner_attribute_item':
      return region('(attributes)');
    case 'macro_invocation': {
      const m = node.childForFieldName('macro');
      return region(m ? `(${cleanName(m.text)}!)` : TOP_LEVEL);
    }
    case 'line_comment':
    case 'block_comment':
    case 'attribute_item':
      return null;
  }
  return node.type === 'impl_item' || RUST_KINDS[node.type] ? null : region(TOP_LEVEL);
}

// ---------------------------------------------------------------------------------------------------
// Java

const JAVA_KINDS: Record<string, SymbolKind> = {
  class_declaration: 'class',
  record_declaration: 'class',
  interface_declaration: 'interface',
  annotation_type_declaration: 'interface',
  enum_declaration: 'enum',
  method_declaration: 'method',
  constructor_declaration: 'method',
  compact_constructor_declaration: 'method',
  annotation_type_element_declaration: 'method',
};

function classifyJava(node: SyntaxNode): Definition | null {
  const kind = JAVA_KINDS[node.type];
  return kind ? named(kind, field(node, 'name')) : null;
}

function topLevelJava(node: SyntaxNode): Definition[] | null {
  if (node.type === 'package_declaration' || node.type === 'import_declaration') return region(IMPORTS);
  if (node.type === 'line_comment' || node.type === 'block_comment' || JAVA_KINDS[node.type]) return null;
  return region(TOP_LEVEL);
}

// ---------------------------------------------------------------------------------------------------

const TS: LanguageSpec = { grammar: 'tree-sitter-typescript.wasm', types: TS_TYPES, classify: classifyJs, classifyRegion: classifyRegionJs, leading: ['decorator'], comments: ['comment'], topLevel: topLevelJs };

export const LANGUAGES: Record<LanguageId, LanguageSpec> = {
  typescript: TS,
  tsx: { ...TS, grammar: 'tree-sitter-tsx.wasm' },
  javascript: { grammar: 'tree-sitter-javascript.wasm', types: [...JS_TYPES, 'field_definition'], classify: classifyJs, classifyRegion: classifyRegionJs, leading: ['decorator'], comments: ['comment'], topLevel: topLevelJs },
  python: { grammar: 'tree-sitter-python.wasm', types: ['class_definition', 'function_definition'], classify: classifyPython, leading: [], comments: ['comment'], topLevel: topLevelPython },
  go: { grammar: 'tree-sitter-go.wasm', types: ['function_declaration', 'method_declaration', 'method_elem', 'type_alias', 'type_spec', 'call_expression'], classify: classifyGo, classifyRegion: (n) => (n.type === 'call_expression' ? goSubtest(n) : null), leading: [], comments: ['comment'], topLevel: topLevelGo },
  rust: { grammar: 'tree-sitter-rust.wasm', types: ['impl_item', ...Object.keys(RUST_KINDS)], classify: classifyRust, leading: ['attribute_item'], comments: ['line_comment', 'block_comment'], topLevel: topLevelRust },
  java: { grammar: 'tree-sitter-java.wasm', types: Object.keys(JAVA_KINDS), classify: classifyJava, leading: [], comments: ['line_comment', 'block_comment'], topLevel: topLevelJava },
};

const EXTENSIONS: Record<string, LanguageId> = {
  ts: 'typescript',
  mts: 'typescript',
  cts: 'typescript',
  tsx: 'tsx',
  js: 'javascript',
  mjs: 'javascript',
  cjs: 'javascript',
  jsx: 'javascript',
  py: 'python',
  pyi: 'python',
  go: 'go',
  rs: 'rust',
  java: 'java',
};

/** The language of a file, from its name; null when symbols are not extracted for it. */
export function languageOf(path: string): LanguageId | null {
  const base = path.slice(path.lastIndexOf('/') + 1);
  const dot = base.lastIndexOf('.');
  if (dot <= 0) return null;
  return EXTENSIONS[base.slice(dot + 1).toLowerCase()] ?? null;
}

/** Kinds that contain members: a function directly inside one is a method. */
export const CONTAINER_KINDS: ReadonlySet<SymbolKind> = new Set(['class', 'interface', 'enum', 'struct', 'trait', 'impl']);
