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

export type SymbolKind = 'function' | 'method' | 'class' | 'interface' | 'enum' | 'struct' | 'trait' | 'impl' | 'module' | 'type' | 'macro';

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
}

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

const JS_TYPES = ['function_declaration', 'generator_function_declaration', 'class_declaration', 'method_definition', 'pair', 'variable_declarator', 'assignment_expression', 'export_statement'];
const TS_TYPES = [...JS_TYPES, 'function_signature', 'abstract_class_declaration', 'interface_declaration', 'enum_declaration', 'type_alias_declaration', 'internal_module', 'module', 'method_signature', 'abstract_method_signature', 'public_field_definition'];

// ---------------------------------------------------------------------------------------------------
// Python

function classifyPython(node: SyntaxNode): Definition | null {
  const kind = node.type === 'class_definition' ? 'class' : 'function';
  // Decorators belong to the definition: `@property` above a method is part of the method.
  const span = node.parent?.type === 'decorated_definition' ? node.parent : node;
  return named(kind, field(node, 'name'), { span });
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

// ---------------------------------------------------------------------------------------------------

const TS: LanguageSpec = { grammar: 'tree-sitter-typescript.wasm', types: TS_TYPES, classify: classifyJs, leading: ['decorator'] };

export const LANGUAGES: Record<LanguageId, LanguageSpec> = {
  typescript: TS,
  tsx: { ...TS, grammar: 'tree-sitter-tsx.wasm' },
  javascript: { grammar: 'tree-sitter-javascript.wasm', types: [...JS_TYPES, 'field_definition'], classify: classifyJs, leading: ['decorator'] },
  python: { grammar: 'tree-sitter-python.wasm', types: ['class_definition', 'function_definition'], classify: classifyPython, leading: [] },
  go: { grammar: 'tree-sitter-go.wasm', types: ['function_declaration', 'method_declaration', 'method_elem', 'type_alias', 'type_spec'], classify: classifyGo, leading: [] },
  rust: { grammar: 'tree-sitter-rust.wasm', types: ['impl_item', ...Object.keys(RUST_KINDS)], classify: classifyRust, leading: ['attribute_item'] },
  java: { grammar: 'tree-sitter-java.wasm', types: Object.keys(JAVA_KINDS), classify: classifyJava, leading: [] },
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
