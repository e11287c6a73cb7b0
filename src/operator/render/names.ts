/**
 * Names in templates are Python identifiers and nothing else. nunjucks pastes names (variables,
 * filters, tests, `set` targets, macro arguments, loop variables, blocks) into the JavaScript it
 * compiles, and its lexer takes any run of characters up to whitespace or an operator as a name
 * (quotes, backticks, `\`, `&`, `;` included): a name that is not an identifier would be template
 * text turned into code. Jinja2's lexer (lexer.ts) reads only identifiers as names, and before
 * any code is generated the syntax tree is checked once more ({@link findNameViolation}). Pure.
 *
 * @module
 */

/** A Python identifier (`str.isidentifier()`), as Jinja2's lexer reads names. */
const IDENTIFIER = /^[\p{XID_Start}_][\p{XID_Continue}]*$/u;

/** Whether `name` is a Python identifier. */
export function isIdentifier(name: unknown): name is string {
  return typeof name === "string" && IDENTIFIER.test(name);
}

/** The part of a nunjucks syntax node the check reads. */
export interface SyntaxNode {
  /** The node's type (`Symbol`, `Filter`, `Macro`, …). */
  readonly typename: string;
  /** 0-based line. */
  readonly lineno: number;
  /** 0-based column. */
  readonly colno: number;
  /** Names of the fields holding values and child nodes. */
  readonly fields: readonly string[];
}

/** A name where the template needs an identifier, found before any code is generated. */
export interface NameViolation {
  /** What is wrong, for the template's author. */
  message: string;
  /** Where (0-based, as nunjucks counts). */
  node: SyntaxNode;
}

/** Tags that would load other templates: a `DHCPTemplate` is one string. */
const LOADING_TAGS: Record<string, string> = {
  Extends: "extends",
  Include: "include",
  Import: "import",
  FromImport: "from … import",
};

/**
 * The first place in the syntax tree below `root` where something other than an identifier
 * stands for a name: a variable, filter, test, macro, macro argument, keyword argument, block,
 * loop variable or `set` target. Tags that load other templates are refused too.
 */
export function findNameViolation(root: SyntaxNode): NameViolation | undefined {
  for (const node of walk(root)) {
    const violation = checkNode(node);
    if (violation) return violation;
  }
  return undefined;
}

function checkNode(node: SyntaxNode): NameViolation | undefined {
  const field = (name: string) => (node as unknown as Record<string, unknown>)[name];
  const tag = LOADING_TAGS[node.typename];
  if (tag) return { message: `{% ${tag} %} is not available: a template is one string`, node };
  switch (node.typename) {
    case "Symbol":
      return isIdentifier(field("value"))
        ? undefined
        : { message: `expected a name, got ${quote(field("value"))}`, node };
    case "Filter":
    case "FilterAsync":
      return requireName(field("name"), "a filter name", node);
    case "Is": {
      const test = field("right") as SyntaxNode;
      if (testName(test) !== undefined) return undefined;
      const name = test?.typename === "FunCall" ? fieldOf(test, "name") : test;
      return requireName(name, "a test name after 'is'", test ?? node);
    }
    case "Macro":
    case "Caller":
      return requireName(field("name"), "a macro name", node) ??
        checkMacroArguments(field("args") as SyntaxNode, node);
    case "KeywordArgs":
      return checkKeywords(node);
    case "Block":
      return requireName(field("name"), "a block name", node);
    case "Super":
      return requireName(field("blockName"), "a block name", node);
    case "For":
    case "AsyncEach":
    case "AsyncAll": {
      const name = field("name") as SyntaxNode;
      const names = name?.typename === "Array" ? childrenOf(name) : [name];
      for (const each of names) {
        const violation = requireName(each, "a loop variable", each ?? node);
        if (violation) return violation;
      }
      return undefined;
    }
    case "Set":
      for (const target of (field("targets") as SyntaxNode[] | null) ?? []) {
        if (target?.typename !== "LookupVal") {
          const violation = requireName(target, "a variable name to assign to", target ?? node);
          if (violation) return violation;
        }
      }
      return undefined;
    default:
      return undefined;
  }
}

/**
 * The name of the test after `is` (`x is odd`, `x is divisibleby(3)`; `none`, `true` and `false`
 * reach the parser as constants), or undefined when `test` is not a name.
 */
export function testName(test: SyntaxNode | null): string | undefined {
  const name = test?.typename === "FunCall" ? fieldOf(test, "name") as SyntaxNode : test;
  const value = name ? fieldOf(name, "value") : undefined;
  if (name?.typename === "Symbol") return isIdentifier(value) ? value : undefined;
  if (name?.typename !== "Literal") return undefined;
  if (value === null) return "none";
  return typeof value === "boolean" ? String(value) : undefined;
}

function checkMacroArguments(
  args: SyntaxNode | null,
  macro: SyntaxNode,
): NameViolation | undefined {
  const list = args ? childrenOf(args) : [];
  for (const [index, arg] of list.entries()) {
    const isKeywords = index === list.length - 1 &&
      (arg?.typename === "Dict" || arg?.typename === "KeywordArgs");
    const violation = isKeywords
      ? checkKeywords(arg)
      : requireName(arg, "an argument name", arg ?? macro);
    if (violation) return violation;
  }
  return undefined;
}

/** `f(name=value)`, `{% macro m(name=default) %}`: every key is a name. */
function checkKeywords(keywords: SyntaxNode): NameViolation | undefined {
  for (const pair of childrenOf(keywords)) {
    if (pair?.typename !== "Pair") continue; // `**mapping`
    const violation = requireName(fieldOf(pair, "key"), "a keyword argument name", pair);
    if (violation) return violation;
  }
  return undefined;
}

function requireName(
  candidate: unknown,
  what: string,
  where: SyntaxNode,
): NameViolation | undefined {
  const node = candidate as SyntaxNode | null;
  if (node?.typename === "Symbol" && isIdentifier(fieldOf(node, "value"))) return undefined;
  const got = node?.typename === "Symbol" || node?.typename === "Literal"
    ? quote(fieldOf(node, "value"))
    : node?.typename ?? "nothing";
  return { message: `expected ${what}, got ${got}`, node: where };
}

function quote(value: unknown): string {
  return typeof value === "string" ? JSON.stringify(value) : String(value);
}

function fieldOf(node: SyntaxNode, name: string): unknown {
  return (node as unknown as Record<string, unknown>)[name];
}

function childrenOf(node: SyntaxNode): SyntaxNode[] {
  const children = fieldOf(node, "children");
  return Array.isArray(children) ? children : [];
}

function isSyntaxNode(value: unknown): value is SyntaxNode {
  return typeof value === "object" && value !== null &&
    typeof (value as SyntaxNode).typename === "string" &&
    Array.isArray((value as SyntaxNode).fields);
}

/** Every node of the tree, depth first. */
function* walk(root: SyntaxNode): Generator<SyntaxNode> {
  const pending: SyntaxNode[] = [root];
  while (pending.length) {
    const node = pending.pop()!;
    yield node;
    for (const name of node.fields) {
      const value = fieldOf(node, name);
      const values = Array.isArray(value) ? value : [value];
      for (let index = values.length - 1; index >= 0; index--) {
        if (isSyntaxNode(values[index])) pending.push(values[index]);
      }
    }
  }
}
