/**
 * The template engine: nunjucks configured and patched to behave like Jinja2 (Python truthiness
 * in `if` / `and` / `or` / `not`, Python printing of None, booleans, lists, tuples and dicts, tuple
 * literals and unpacking, Python `==`, `in`, `%` and `*`, loop-scoped `set`, `{% with %}`,
 * `namespace()` with attribute assignment, Jinja2's loop helpers, filters, tests, and the methods
 * of strings, lists and dicts), the
 * IP helpers, and guards for untrusted templates (no access to JavaScript internals such as
 * `constructor`, bounded `range()`, bounded output). Pure: no I/O; the sandbox worker runs it.
 *
 * @module
 */
import nunjucks from "nunjucks";
import { isRuntimeErrorKind, type TemplateErrorKind, TemplateRuntimeError } from "./errors.ts";
import { jinjaFilters, jinjaTests, pyContains, splitArgs, stringMethods } from "./filters.ts";
import { pyBinary, pyOrder, pyUnary } from "./arithmetic.ts";
import { ipFilters, ipTests } from "./ip.ts";
import { containerMethod } from "./methods.ts";
import { type GrammarNodes, patchGrammar } from "./grammar.ts";
import { patchTokenizer, TemplateSyntaxError } from "./lexer.ts";
import { secureCodeGeneration } from "./code_safety.ts";
import { utf8Length } from "./utf8.ts";
import {
  Cycler,
  isPlainObject,
  isPyNumber,
  isSafeString,
  MARKUP,
  markupEscape,
  Namespace,
  pyEquals,
  PyFloat,
  PyIterator,
  PyRange,
  pyRepr,
  pyStr,
  pyTruthy,
  PyTuple,
  pyTuple,
  pyTypeName,
  setMarkupFactory,
} from "./python.ts";

/** Largest `range()` a template may create (as Jinja2's sandbox). */
export const MAX_RANGE = 100_000;

/** Names a template may never look up: they lead to JavaScript internals. */
const FORBIDDEN_MEMBERS = new Set([
  "constructor",
  "__proto__",
  "prototype",
  "__defineGetter__",
  "__defineSetter__",
  "__lookupGetter__",
  "__lookupSetter__",
  "caller",
  "callee",
  "arguments",
  "apply",
  "call",
  "bind",
]);

/**
 * A template failed to compile or render; `kind` is the exception class Jinja2 raises for the
 * same mistake; `line` and `column` are 1-based when known.
 */
export class TemplateError extends Error {
  /** Jinja2's exception class for this error. */
  readonly kind: TemplateErrorKind;
  /** Line in the template source. */
  readonly line?: number;
  /** Column in the template source. */
  readonly column?: number;

  /** Creates the error. */
  constructor(message: string, kind: TemplateErrorKind, line?: number, column?: number) {
    super(message);
    this.name = "TemplateError";
    this.kind = kind;
    this.line = line;
    this.column = column;
  }
}

/** The rendered output grew past the limit. */
export class OutputLimitError extends TemplateRuntimeError {
  /** Creates the error. */
  constructor(message: string) {
    super(message, "TemplateRuntimeError");
  }
}

interface Limits {
  outputBytes: number;
}

/** The running render's output budget (renders are synchronous, one at a time). */
let budget: Limits & { used: number } = { outputBytes: Infinity, used: 0 };

// nunjucks' runtime and compiler are untyped CommonJS internals.
// deno-lint-ignore no-explicit-any
type Untyped = any;

let extraNodes: ExtraNodes | undefined;

/**
 * Patches the shared nunjucks runtime, parser and compiler once (the worker holds only our engine);
 * returns the syntax nodes added.
 */
function patchNunjucks(): ExtraNodes {
  if (extraNodes) return extraNodes;
  nunjucks.installJinjaCompat();
  const internals = nunjucks as Untyped;
  const nodes = internals.nodes;
  extraNodes = {
    Tuple: nodes.NodeList.extend("JinjaTuple"),
    Code: nodes.Node.extend("JinjaCode", { fields: ["code"] }),
    With: nodes.Node.extend("JinjaWith", { fields: ["names", "values", "body"] }),
    Splat: nodes.Node.extend("JinjaSplat", { fields: ["target"] }),
    DoubleSplat: nodes.Node.extend("JinjaDoubleSplat", { fields: ["target"] }),
    Dict: nodes.NodeList.extend("JinjaDict"),
    Slice: nodes.Node.extend("JinjaSlice", { fields: ["start", "stop", "step"] }),
  };
  patchRuntime(internals.runtime);
  secureCodeGeneration(internals);
  patchCompiler(internals.compiler.Compiler.prototype, nodes, extraNodes);
  patchGrammar(internals.parser.Parser.prototype, nodes, internals.lexer, extraNodes);
  patchStatements(internals.parser.Parser.prototype, nodes, internals.lexer, extraNodes);
  const tokenizer = Object.getPrototypeOf(internals.lexer.lex(""));
  patchTokenizer(tokenizer, internals.lexer);
  const nextToken = tokenizer.nextToken;
  tokenizer.nextToken = function (...args: unknown[]) {
    try {
      return nextToken.apply(this, args);
    } catch (error) {
      if (!(error instanceof TemplateSyntaxError)) throw error;
      throw new internals.lib.TemplateError(error.message, error.line + 1, error.column + 1);
    }
  };
  return extraNodes;
}

/** Syntax nodes the patched parser and compiler add to nunjucks' own. */
interface ExtraNodes extends GrammarNodes {
  /** `{% with a = 1, b = 2 %}…{% endwith %}`: a scope with its own variables. */
  With: Untyped;
}

/** The `{% with %}` tag as a nunjucks extension (nunjucks parses unknown tags with these). */
function withExtension(extra: ExtraNodes): Untyped {
  return {
    tags: ["with"],
    parse(parser: Untyped, nodes: Untyped, lexer: Untyped) {
      const tag = parser.nextToken();
      const names: Untyped[] = [];
      const values: Untyped[] = [];
      while (!parser.skip(lexer.TOKEN_BLOCK_END)) {
        if (names.length && !parser.skip(lexer.TOKEN_COMMA)) {
          parser.fail("with: expected ',' between assignments", tag.lineno, tag.colno);
        }
        const name = parser.parsePrimary(true);
        if (!(name instanceof nodes.Symbol)) {
          parser.fail("with: expected a variable name", name.lineno, name.colno);
        }
        if (!parser.skipValue(lexer.TOKEN_OPERATOR, "=")) {
          parser.fail(`with: expected '=' after ${name.value}`, name.lineno, name.colno);
        }
        names.push(name);
        values.push(parser.parseExpression());
      }
      const body = parser.parseUntilBlocks("endwith");
      parser.advanceAfterBlockEnd();
      return new extra.With(tag.lineno, tag.colno, names, values, body);
    },
  };
}

/**
 * Jinja2's statements where nunjucks differs: tuples in `{% set %}` and `{% for %}` (also nested
 * targets), the loop filter `{% for x in xs if cond %}`, `{% set x -%}` blocks, and `{% raw %}`
 * with whitespace control.
 */
function patchStatements(parser: Untyped, nodes: Untyped, lexer: Untyped, extra: ExtraNodes): void {
  /**
   * Assignment targets of `for` and `set` with nested tuples (`a, (b, c)`, `(a, b)`) made flat:
   * each nested tuple becomes a hidden name, unpacked by the returned `set` nodes that must run
   * right after the assignment.
   */
  let hiddenNames = 0;
  const flattenTargets = function (
    this: Untyped,
    targets: Untyped[],
  ): { names: Untyped[]; unpacking: Untyped[] } {
    if (targets.length === 1 && targets[0] instanceof extra.Tuple) targets = targets[0].children;
    const names: Untyped[] = [];
    const unpacking: Untyped[] = [];
    for (const target of targets) {
      const inner = target instanceof nodes.Group ? target.children[0] : target;
      if (!(inner instanceof extra.Tuple)) {
        names.push(inner);
        continue;
      }
      const hidden = new nodes.Symbol(inner.lineno, inner.colno, `__unpack${hiddenNames++}`);
      names.push(hidden);
      const nested = flattenTargets.call(this, inner.children);
      unpacking.push(
        new nodes.Set(inner.lineno, inner.colno, nested.names, hidden),
        ...nested.unpacking,
      );
    }
    for (const name of names) {
      if (!(name instanceof nodes.Symbol) && !(name instanceof nodes.LookupVal)) {
        this.fail("expected a variable name to assign to", name.lineno, name.colno);
      }
    }
    return { names, unpacking };
  };

  // `{% set a, b = 1, 2 %}`: the value may be a tuple; targets may be nested (`a, (b, c)`).
  parser.parseSet = function () {
    const tag = this.peekToken();
    if (!this.skipSymbol("set")) this.fail("parseSet: expected set", tag.lineno, tag.colno);
    const node = new nodes.Set(tag.lineno, tag.colno, []);
    do node.targets.push(this.parsePrimary()); while (this.skip(lexer.TOKEN_COMMA));
    if (this.skipValue(lexer.TOKEN_OPERATOR, "=")) {
      const { names, unpacking } = flattenTargets.call(this, node.targets);
      node.targets = names;
      node.value = this.parseTuple();
      this.advanceAfterBlockEnd(tag.value);
      if (unpacking.length) return new nodes.NodeList(tag.lineno, tag.colno, [node, ...unpacking]);
    } else if ([lexer.TOKEN_BLOCK_END, lexer.TOKEN_PIPE].includes(this.peekToken().type)) {
      // `{% set x %}…{% endset %}`, optionally filtered: `{% set x | upper %}`.
      const capture = new nodes.Capture(tag.lineno, tag.colno, null);
      node.body = this.parseFilter(capture);
      const end = this.nextToken();
      if (end?.type !== lexer.TOKEN_BLOCK_END) {
        this.fail("parseSet: expected block end after the filters", tag.lineno, tag.colno);
      }
      // `{% set x -%}` strips the whitespace that starts the block.
      if (end.value.startsWith("-")) this.dropLeadingWhitespace = true;
      capture.body = this.parseUntilBlocks("endset");
      node.value = null;
      this.advanceAfterBlockEnd();
    } else this.fail("parseSet: expected = or block end in set tag", tag.lineno, tag.colno);
    return node;
  };

  // `{% for x in a, b %}`: the sequence may be a tuple, followed by an optional `if`.
  const parseFor = parser.parseFor;
  parser.parseFor = function () {
    const tag = this.peekToken();
    if (tag.value !== "for") return parseFor.call(this);
    this.nextToken();
    const node = new nodes.For(tag.lineno, tag.colno);
    const targets = [this.parsePrimary()];
    while (this.skip(lexer.TOKEN_COMMA)) targets.push(this.parsePrimary());
    const { names, unpacking } = flattenTargets.call(this, targets);
    for (const name of names) {
      if (!(name instanceof nodes.Symbol)) {
        this.fail("for: loop variables must be plain names", name.lineno, name.colno);
      }
    }
    node.name = names.length === 1 ? names[0] : new nodes.Array(tag.lineno, tag.colno, names);
    if (!this.skipSymbol("in")) this.fail('for: expected "in"', tag.lineno, tag.colno);
    // `{% for x in a, b if c %}`: a tuple without inline ifs, then the loop's filter.
    node.arr = this.parseTuple({ withCondexpr: false });
    if (this.skipSymbol("if")) {
      node.arr = new nodes.InlineIf(
        node.arr.lineno,
        node.arr.colno,
        this.parseExpression(),
        node.arr,
        null,
      );
    }
    node.jinjaRecursive = this.skipSymbol("recursive");
    this.advanceAfterBlockEnd(tag.value);
    node.body = this.parseUntilBlocks("endfor", "else");
    node.body.children.unshift(...unpacking);
    node.jinjaUnpacking = unpacking; // The loop filter needs them too.
    if (this.skipSymbol("else")) {
      this.advanceAfterBlockEnd("else");
      node.else_ = this.parseUntilBlocks("endfor");
    }
    this.advanceAfterBlockEnd();
    return node;
  };

  // `{% raw %}…{% endraw %}` (the first `endraw` ends it), with `-` on either tag stripping the
  // whitespace inside or after it.
  parser.parseRaw = function () {
    const begun = this.advanceAfterBlockEnd();
    const stripStart = this.dropLeadingWhitespace;
    this.dropLeadingWhitespace = false;
    const end = this.tokens._extractRegex(/^([\s\S]*?)\{%([-+]?)\s*endraw\s*(\+%\}|-%\}|%\})/);
    if (!end) this.fail("missing end of raw directive", begun.lineno, begun.colno);
    let text: string = end[1];
    if (stripStart) text = text.replace(/^\s+/, "");
    if (end[2] === "-") text = text.replace(/\s+$/, "");
    if (end[3] === "-%}") this.dropLeadingWhitespace = true;
    return new nodes.Output(begun.lineno, begun.colno, [
      new nodes.TemplateData(begun.lineno, begun.colno, text),
    ]);
  };
}

function patchRuntime(runtime: Untyped): void {
  runtime.memberLookup = function (obj: unknown, key: unknown, ...rest: unknown[]) {
    // A safe string (macro output, tojson) is a str: its characters and methods.
    if (obj instanceof runtime.SafeString) obj = String(obj);
    if (rest.length >= 2) return pySlice(obj, key, rest[0], rest[1], rest[2] === true);
    if (typeof key === "string" && FORBIDDEN_MEMBERS.has(key)) return undefined;
    if (
      (Array.isArray(obj) || typeof obj === "string") && typeof key === "number" &&
      Number.isInteger(key) && key < 0
    ) return obj[obj.length + key]; // Python counts negative indices from the end.
    if (obj === undefined && rest.length === 0) {
      throw new TemplateRuntimeError(
        `cannot read attribute '${String(key)}' of an undefined value`,
        "UndefinedError",
      );
    }
    if (typeof obj === "string" && typeof key === "string") {
      if (!Object.hasOwn(stringMethods, key)) return undefined;
      return (...args: unknown[]) => stringMethods[key](obj, ...args);
    }
    // A namespace's and a cycler's attributes are own properties (`ns.items` is no dict method).
    if (obj instanceof Namespace || obj instanceof Cycler) {
      return typeof key === "string" && Object.hasOwn(obj, key)
        ? (obj as unknown as Record<string, unknown>)[key]
        : undefined;
    }
    // Functions, numbers, booleans, None and iterators have no attributes or items here.
    if (typeof obj === "function" || obj === null || isPyNumber(obj)) return undefined;
    if (obj instanceof PyIterator) return undefined;
    if (typeof key === "string" && (Array.isArray(obj) || isPlainObject(obj))) {
      // Python's list, tuple and dict methods; a dict's own keys; never Object.prototype's members.
      const method = containerMethod(obj, key);
      if (method) return method;
      // A Python list has no `length` (groupby's groups do have `grouper` and `list`).
      if (!Object.hasOwn(obj, key) || (Array.isArray(obj) && key === "length")) return undefined;
      return (obj as Record<string, unknown>)[key];
    }
    return dataMember(obj, key);
  };
  // Locals, then the render's variables, then the environment's globals: own entries only.
  runtime.contextOrFrameLookup = function (context: Untyped, frame: Untyped, name: string) {
    if (FORBIDDEN_MEMBERS.has(name) && name !== "caller") return undefined;
    const local = frame.lookup(name);
    if (local !== undefined) return local;
    if (Object.hasOwn(context.ctx, name)) return context.ctx[name];
    if (Object.hasOwn(context.env.globals, name)) return context.env.globals[name];
    return Object.hasOwn(PYTHON_CONSTANTS, name) ? PYTHON_CONSTANTS[name] : undefined;
  };
  runtime.suppressValue = (value: unknown) => {
    const text = pyStr(value);
    budget.used += utf8Length(text);
    if (budget.used > budget.outputBytes) {
      throw new OutputLimitError(`output exceeds the limit of ${budget.outputBytes} bytes`);
    }
    return text;
  };
  runtime.jinjaTruthy = pyTruthy;
  runtime.jinjaBinary = pyBinary;
  runtime.jinjaUnary = pyUnary;
  runtime.jinjaTuple = pyTuple;
  runtime.jinjaGetAttribute = function (obj: unknown, key: unknown) {
    if (typeof key === "string" && !FORBIDDEN_MEMBERS.has(key)) {
      const method = containerMethod(obj, key, { attribute: true });
      if (method) return method;
    }
    return runtime.memberLookup(obj, key);
  };
  runtime.jinjaFloat = (value: number) => new PyFloat(value);
  runtime.jinjaSplat = (items: unknown) => {
    if (Array.isArray(items)) return items;
    if (items instanceof PyIterator) return items.drain();
    if (typeof items === "string") return [...items];
    if (isPlainObject(items)) return Object.keys(items);
    throw new TemplateRuntimeError(
      `argument after * must be an iterable, not ${pyTypeName(items)}`,
    );
  };
  runtime.jinjaDoubleSplat = (mapping: unknown) => {
    if (!isPlainObject(mapping)) {
      throw new TemplateRuntimeError(
        `argument after ** must be a mapping, not ${pyTypeName(mapping)}`,
      );
    }
    return mapping;
  };
  const makeMacro = runtime.makeMacro;
  let pendingCall: MacroCall = { varargs: pyTuple([]), kwargs: {} };
  runtime.jinjaTakeMacroCall = () => {
    const call = pendingCall;
    pendingCall = { varargs: pyTuple([]), kwargs: {} };
    return call;
  };
  runtime.jinjaMakeMacro = (
    name: string,
    acceptsVarargs: boolean,
    acceptsKwargs: boolean,
    argNames: string[],
    keywordNames: string[],
    body: (...args: unknown[]) => unknown,
  ) => {
    const macro = makeMacro(argNames, keywordNames, body);
    const declared = new Set([...argNames, ...keywordNames, "caller", "__keywords"]);
    return function (this: unknown, ...args: unknown[]) {
      const { positional, keywords } = splitArgs(args);
      const extra = positional.slice(argNames.length + keywordNames.length);
      const unknown = Object.entries(keywords).filter(([key]) => !declared.has(key));
      if (extra.length && !acceptsVarargs) {
        throw new TemplateRuntimeError(
          `macro '${name}' takes not more than ${
            argNames.length + keywordNames.length
          } argument(s)`,
        );
      }
      if (unknown.length && !acceptsKwargs) {
        throw new TemplateRuntimeError(
          `macro '${name}' takes no keyword argument '${unknown[0][0]}'`,
        );
      }
      pendingCall = { varargs: pyTuple(extra), kwargs: Object.fromEntries(unknown) };
      return macro.apply(this, args);
    };
  };
  runtime.jinjaCycle = (values: unknown[], index: number) => {
    if (!values.length) throw new TemplateRuntimeError("no items for cycling given");
    return values[index % values.length];
  };
  runtime.jinjaChanged = (state: { last?: unknown[] }, values: unknown[]) => {
    if (state.last && pyEquals(pyTuple(state.last), pyTuple(values))) return false;
    state.last = values;
    return true;
  };
  runtime.jinjaIterable = iterable;
  runtime.jinjaUnpackEach = (items: unknown, count: number) => {
    // Jinja2 unpacks every item; a dict's items are its keys (nunjucks would give key and value).
    if (!isPlainObject(items)) return iterable(items).map((item) => unpack(item, count));
    const hint = " (a dict loops over its keys: use `| items` for key and value)";
    return Object.keys(items).map((key) => unpack(key, count, hint));
  };
  runtime.jinjaUnpack = unpack;
  runtime.jinjaCompare = (first: unknown, rest: unknown[]) => {
    let left = first;
    for (let index = 0; index < rest.length; index += 2) {
      const right = (rest[index + 1] as () => unknown)();
      if (!compareOnce(left, rest[index] as string, right)) return false;
      left = right;
    }
    return true;
  };
  runtime.inOperator = pyIn;
  runtime.jinjaLoopFilter = (
    items: unknown,
    names: string[],
    frame: Untyped,
    predicate: (frame: Untyped) => boolean,
  ) => {
    return iterable(items).filter((item) => {
      const scope = frame.push();
      if (names.length === 1) scope.set(names[0], item);
      else names.forEach((name, index) => scope.set(name, (item as unknown[])[index]));
      return predicate(scope);
    });
  };
  runtime.jinjaStr = pyStr;
  runtime.jinjaDict = (pairs: [unknown, unknown][]) => {
    const dict: Record<string, unknown> = {};
    for (const [key, value] of pairs) {
      if (
        key === undefined || Array.isArray(key) && !(key instanceof PyTuple) || isPlainObject(key)
      ) {
        throw new TemplateRuntimeError(`unhashable type: '${pyTypeName(key)}'`);
      }
      dict[pyStr(key)] = value;
    }
    return dict;
  };
  runtime.jinjaSetAttribute = (target: unknown, key: unknown, value: unknown) => {
    if (!(target instanceof Namespace)) {
      throw new TemplateRuntimeError(
        "cannot assign attribute on non-namespace object",
        "TemplateRuntimeError",
      );
    }
    if (typeof key !== "string" || FORBIDDEN_MEMBERS.has(key)) {
      throw new TemplateRuntimeError(
        `cannot assign attribute '${String(key)}'`,
        "TemplateRuntimeError",
      );
    }
    (target as unknown as Record<string, unknown>)[key] = value;
  };
}

/** The arguments of a macro call beyond the declared ones, for the macro's body. */
interface MacroCall {
  /** Extra positional arguments. */
  varargs: PyTuple;
  /** Extra keyword arguments. */
  kwargs: Record<string, unknown>;
}

/** Python's constants, where a template has no variable of that name. */
const PYTHON_CONSTANTS: Record<string, boolean | null> = { True: true, False: false, None: null };

/**
 * `obj[key]` where no method applies: an item of a string or list, an own attribute of a dict or
 * a namespace. Anything else (numbers, functions, engine objects) has no members a template may
 * read.
 */
function dataMember(obj: unknown, key: unknown): unknown {
  if (typeof obj === "string" || Array.isArray(obj)) {
    return typeof key === "number" && Number.isInteger(key) ? obj[key] : undefined;
  }
  if ((isPlainObject(obj) || obj instanceof Namespace) && typeof key !== "object") {
    const property = String(key);
    return Object.hasOwn(obj, property) ? (obj as Record<string, unknown>)[property] : undefined;
  }
  return undefined;
}

/**
 * What a `for` loop iterates, as Python: a list's items, a string's characters, a dict's keys;
 * Jinja2's Undefined is empty; anything else (None, numbers) is an error.
 */
function iterable(value: unknown): unknown[] {
  if (value === undefined) return [];
  if (Array.isArray(value)) return value;
  if (value instanceof PyIterator) return value.drain();
  if (typeof value === "string") return [...value];
  if (isPlainObject(value)) return Object.keys(value);
  if (value instanceof (nunjucks as Untyped).runtime.SafeString) return [...String(value)];
  throw new TemplateRuntimeError(`'${pyTypeName(value)}' object is not iterable`);
}

/** Python's `a, b = value`: exactly `count` items from a sequence, a string or a dict's keys. */
function unpack(value: unknown, count: number, hint = ""): unknown[] {
  const items = Array.isArray(value)
    ? value
    : value instanceof PyIterator
    ? value.drain()
    : typeof value === "string"
    ? [...value]
    : isPlainObject(value)
    ? Object.keys(value)
    : undefined;
  if (!items) {
    throw new TemplateRuntimeError(`cannot unpack non-iterable ${pyTypeName(value)} object`);
  }
  if (items.length > count) {
    throw new TemplateRuntimeError(
      `too many values to unpack (expected ${count})${hint}`,
      "ValueError",
    );
  }
  if (items.length < count) {
    throw new TemplateRuntimeError(
      `not enough values to unpack (expected ${count}, got ${items.length})${hint}`,
      "ValueError",
    );
  }
  return items;
}

/** Python's `item in container`; Jinja2's Undefined is an empty container. */
function pyIn(item: unknown, container: unknown): boolean {
  if (container === undefined) return false;
  if (isSafeString(container)) container = String(container);
  if (container instanceof PyIterator) container = container.drain();
  if (
    typeof container === "string" || Array.isArray(container) || isPlainObject(container)
  ) return pyContains(item, container);
  throw new TemplateRuntimeError(`argument of type '${pyTypeName(container)}' is not iterable`);
}

/** One comparison of a Python chain (`a < b < c` is `a < b and b < c`); `==` is Python's. */
function compareOnce(left: unknown, operator: string, right: unknown): boolean {
  switch (operator) {
    case "==":
      return pyEquals(left, right);
    case "!=":
      return !pyEquals(left, right);
    case "===":
      return left === right;
    case "!==":
      return left !== right;
    case "<":
    case ">":
    case "<=":
    case ">=":
      return pyOrder(operator, left, right);
    case "in":
      return pyIn(left, right);
    case "notin":
      return !pyIn(left, right);
    default:
      throw new TemplateRuntimeError(
        `unknown comparison operator '${operator}'`,
        "TemplateRuntimeError",
      );
  }
}

function patchCompiler(compiler: Untyped, nodes: Untyped, extra: ExtraNodes): void {
  // A node that evaluates its target with Python truthiness.
  const Truthy = nodes.Node.extend("JinjaTruthy", { fields: ["target"] });
  const LoopFilter = nodes.Node.extend("JinjaLoopFilter", {
    fields: ["target", "cond", "names", "unpacking"],
  });
  const UnpackEach = nodes.Node.extend("JinjaUnpackEach", { fields: ["target", "count"] });
  const Iterable = nodes.Node.extend("JinjaIterable", { fields: ["target"] });
  const assertType = compiler.assertType;
  compiler.assertType = function (node: unknown, ...types: unknown[]) {
    const ours = [Truthy, LoopFilter, UnpackEach, Iterable, extra.Code, extra.Slice, extra.Dict];
    if (ours.some((type) => node instanceof type)) return;
    return assertType.call(this, node, ...types);
  };
  compiler.compileJinjaTruthy = function (node: Untyped, frame: unknown) {
    this._emit("runtime.jinjaTruthy(");
    this.compile(node.target, frame);
    this._emit(")");
  };
  for (const method of ["compileIf", "compileInlineIf"]) {
    const original = compiler[method];
    compiler[method] = function (node: Untyped, ...rest: unknown[]) {
      const { cond, else_ } = node;
      node.cond = new Truthy(cond.lineno, cond.colno, cond);
      // `a if b` without else is undefined when b is false (nunjucks gives "").
      if (method === "compileInlineIf" && !else_) {
        node.else_ = new extra.Code(node.lineno, node.colno, "undefined");
      }
      try {
        return original.call(this, node, ...rest);
      } finally {
        node.cond = cond;
        node.else_ = else_;
      }
    };
  }
  // Literal template text is printed through suppressValue, so it counts against the output
  // limit while the render runs, like printed values (a loop of text stops at the limit).
  const compileUncountedOutput = compiler.compileOutput;
  compiler.compileOutput = function (node: Untyped, frame: unknown) {
    node.children = node.children.map((child: Untyped) =>
      child instanceof nodes.TemplateData && child.value
        ? new nodes.Literal(child.lineno, child.colno, child.value)
        : child
    );
    return compileUncountedOutput.call(this, node, frame);
  };
  // Runtime errors report where they happened (1-based; nunjucks tracks only function calls).
  for (const method of ["compileOutput", "compileIf", "compileFor", "compileSet"]) {
    const original = compiler[method];
    compiler[method] = function (node: Untyped, ...rest: unknown[]) {
      const first = node.children?.[0] ?? node;
      this._emitLine(`lineno = ${first.lineno + 1}; colno = ${first.colno + 1};`);
      return original.call(this, node, ...rest);
    };
  }
  const compileFunCall = compiler.compileFunCall;
  compiler.compileFunCall = function (node: Untyped, frame: unknown) {
    // `loop(children)` in a recursive loop renders the loop again, one level deeper.
    const innermost = this.jinjaLoops?.at(-1);
    if (
      node.name instanceof nodes.Symbol && node.name.value === "loop" && innermost?.jinjaRecursive
    ) {
      if (node.args.children.length !== 1) {
        this.fail("loop() takes exactly one argument", node.lineno, node.colno);
      }
      this._emit(`${innermost.jinjaFunction}(`);
      this._compileExpression(node.args.children[0], frame);
      this._emit(`, ${innermost.jinjaDepth} + 1)`);
      return;
    }
    node.lineno++;
    node.colno++;
    try {
      return compileFunCall.call(this, node, frame);
    } finally {
      node.lineno--;
      node.colno--;
    }
  };
  // Macros take `varargs` and `kwargs` as in Jinja2 (extra arguments are an error when the body
  // does not read them; nunjucks drops them).
  const compileMacro = compiler._compileMacro;
  compiler._compileMacro = function (node: Untyped, frame: unknown) {
    const reads = (name: string) =>
      node.body.findAll(nodes.Symbol).some((symbol: Untyped) => symbol.value === name);
    const macroName = node.name?.value ?? "caller";
    const emitLines = this._emitLines;
    this._emitLines = (...lines: string[]) => {
      if (!/^var macro_t_\d+ = runtime\.makeMacro\($/.test(lines[0] ?? "")) {
        return emitLines.apply(this, lines);
      }
      lines[0] = lines[0].replace(
        "runtime.makeMacro(",
        `runtime.jinjaMakeMacro(${JSON.stringify(macroName)}, ${reads("varargs")}, ${
          reads("kwargs")
        }, `,
      );
      const call = this._tmpid();
      emitLines.apply(this, [
        ...lines,
        `var ${call} = runtime.jinjaTakeMacroCall();`,
        `frame.set("varargs", ${call}.varargs); frame.set("kwargs", ${call}.kwargs);`,
      ]);
    };
    try {
      return compileMacro.call(this, node, frame);
    } finally {
      this._emitLines = emitLines;
    }
  };
  // Jinja2's loop helpers nunjucks lacks: cycle(), changed(), previtem, nextitem, depth. Bound
  // only when the loop's body reads them (they cost time on every iteration).
  const emitLoopBindings = compiler._emitLoopBindings;
  compiler._emitLoopBindings = function (node: Untyped, arr: string, i: string, len: string) {
    emitLoopBindings.call(this, node, arr, i, len);
    const used = loopHelpersUsed(node.body);
    const sequence = `runtime.isArray(${arr})`;
    if (used.has("cycle")) {
      this._emitLine(`frame.set("loop.cycle", (...values) => runtime.jinjaCycle(values, ${i}));`);
    }
    if (used.has("changed")) {
      const last = this._tmpid();
      this._emitLine(`var ${last}; if (${i} === 0) ${last} = {};`);
      this._emitLine(
        `frame.set("loop.changed", (...values) => runtime.jinjaChanged(${last}, values));`,
      );
    }
    if (used.has("previtem")) {
      this._emitLine(
        `frame.set("loop.previtem", ${sequence} && ${i} > 0 ? ${arr}[${i} - 1] : undefined);`,
      );
    }
    if (used.has("nextitem")) {
      this._emitLine(
        `frame.set("loop.nextitem", ${sequence} && ${i} + 1 < ${len} ? ${arr}[${i} + 1] : undefined);`,
      );
    }
    // A recursive loop runs in a function that knows its depth.
    const depth = node.jinjaDepth ?? "1";
    if (used.has("depth")) this._emitLine(`frame.set("loop.depth", ${depth});`);
    if (used.has("depth0")) this._emitLine(`frame.set("loop.depth0", ${depth} - 1);`);
  };
  /** The loop helpers a loop body reads: `loop.x` lookups; all of them if `loop` is used bare. */
  const loopHelpersUsed = (body: Untyped): Set<string> => {
    const helpers = ["cycle", "changed", "previtem", "nextitem", "depth", "depth0"];
    const lookups = body.findAll(nodes.LookupVal).filter((lookup: Untyped) =>
      lookup.target instanceof nodes.Symbol && lookup.target.value === "loop"
    );
    const bare = body.findAll(nodes.Symbol).filter((symbol: Untyped) => symbol.value === "loop");
    if (bare.length > lookups.length) return new Set(helpers);
    return new Set(lookups.map((lookup: Untyped) => lookup.val?.value));
  };
  // `{% for x in items if cond %}`: nunjucks parses the filter as an inline if without else.
  compiler.compileJinjaLoopFilter = function (node: Untyped, frame: Untyped) {
    const names = node.names instanceof nodes.Array
      ? node.names.children.map((child: Untyped) => child.value)
      : [node.names.value];
    this._emit("runtime.jinjaLoopFilter(");
    this.compile(node.target, frame);
    this._emit(`, ${JSON.stringify(names)}, frame, (frame) => {`);
    // Nested targets (`for a, (b, c) in … if c`) are unpacked before the condition reads them.
    const scope = frame.push();
    for (const set of node.unpacking) this.compile(set, scope);
    this._emit("return runtime.jinjaTruthy(");
    this.compile(node.cond, scope);
    this._emit("); })");
  };
  // `{% for a, b in items %}`: every item must have exactly two values, as in Python.
  compiler.compileJinjaUnpackEach = function (node: Untyped, frame: unknown) {
    this._emit("runtime.jinjaUnpackEach(");
    this.compile(node.target, frame);
    this._emit(`, ${node.count})`);
  };
  compiler.compileJinjaIterable = function (node: Untyped, frame: unknown) {
    this._emit("runtime.jinjaIterable(");
    this.compile(node.target, frame);
    this._emit(")");
  };
  const compileFor = compiler.compileFor;
  // `{% for x in items recursive %}`: the loop is a function of its items and depth, called once
  // here and again by `loop(…)` in its body.
  const compileRecursiveFor = function (this: Untyped, node: Untyped, frame: Untyped) {
    const arr = node.arr;
    const filtered = arr instanceof nodes.InlineIf && !arr.else_;
    const items = this._tmpid();
    node.jinjaFunction = this._tmpid();
    node.jinjaDepth = this._tmpid();
    this._emitLine(`var ${node.jinjaFunction} = function (${items}, ${node.jinjaDepth}) {`);
    const buffer = this._pushBuffer();
    this._emitLine("");
    const code = new extra.Code(arr.lineno, arr.colno, items);
    node.arr = filtered ? new nodes.InlineIf(arr.lineno, arr.colno, arr.cond, code, null) : code;
    this.jinjaLoops = [...(this.jinjaLoops ?? []), node];
    try {
      compiler.compileFor.call(this, node, frame);
    } finally {
      this.jinjaLoops = this.jinjaLoops.slice(0, -1);
      node.arr = arr;
    }
    this._emitLine(`return ${buffer};`);
    this._popBuffer();
    this._emitLine("};");
    this._emit(`${this.buffer} += ${node.jinjaFunction}(`);
    this._compileExpression(filtered ? arr.body : arr, frame);
    this._emitLine(", 1);");
  };
  compiler.compileFor = function (node: Untyped, frame: unknown) {
    if (node.jinjaRecursive && !node.jinjaFunction) {
      return compileRecursiveFor.call(this, node, frame);
    }
    if (!node.jinjaRecursive) this.jinjaLoops = [...(this.jinjaLoops ?? []), node];
    try {
      return compileForOnce.call(this, node, frame);
    } finally {
      if (!node.jinjaRecursive) this.jinjaLoops = this.jinjaLoops.slice(0, -1);
    }
  };
  const compileForOnce = function (this: Untyped, node: Untyped, frame: unknown) {
    const arr = node.arr;
    const filtered = arr instanceof nodes.InlineIf && !arr.else_;
    let items = filtered ? arr.body : arr;
    items = node.name instanceof nodes.Array
      ? new UnpackEach(items.lineno, items.colno, items, node.name.children.length)
      : new Iterable(items.lineno, items.colno, items);
    node.arr = filtered
      ? new LoopFilter(arr.lineno, arr.colno, items, arr.cond, node.name, node.jinjaUnpacking ?? [])
      : items;
    try {
      return compileFor.call(this, node, frame);
    } finally {
      node.arr = arr;
    }
  };
  const compileLookupVal = compiler.compileLookupVal;
  /**
   * Whether Jinja2 folds an expression to a constant at compile time: it reads no variable and
   * calls nothing (filters and tests of constants fold too).
   */
  const isFoldable = (node: Untyped): boolean => {
    if (!node || !(node instanceof nodes.Node)) return true;
    if (node instanceof nodes.Filter) return node.args.children.every(isFoldable);
    if (node instanceof nodes.KeywordArgs) {
      // `f(name=value)`: the names are not variables.
      return node.children.every((pair: Untyped) =>
        isFoldable(pair instanceof nodes.Pair ? pair.value : pair)
      );
    }
    if (node instanceof nodes.Symbol || node instanceof nodes.FunCall) return false;
    if (node instanceof extra.Code) return !node.code.includes("frame");
    if (node instanceof nodes.Is) {
      return isFoldable(node.left) && (node.right.args?.children ?? []).every(isFoldable);
    }
    if (node instanceof nodes.NodeList && !node.children.every(isFoldable)) return false;
    return node.fields.every((field: string) => {
      const value = node[field];
      return Array.isArray(value) ? value.every(isFoldable) : isFoldable(value);
    });
  };
  // `{{ 1[::-1] }}`: Jinja2 folds a constant output with its lenient getitem (undefined), where
  // a slice at render time is Python's subscript (an error on a number).
  const compileLimitedOutput = compiler.compileOutput;
  compiler.compileOutput = function (node: Untyped, frame: unknown) {
    const outer = this.jinjaFoldable;
    this.jinjaFoldable = node.children.length === 1 && isFoldable(node.children[0]);
    try {
      return compileLimitedOutput.call(this, node, frame);
    } finally {
      this.jinjaFoldable = outer;
    }
  };
  compiler.compileLookupVal = function (node: Untyped, frame: unknown) {
    if (node.val instanceof extra.Slice) {
      this._emit("runtime.memberLookup((");
      this._compileExpression(node.target, frame);
      this._emit("),");
      this._compileExpression(node.val, frame);
      this._emit(`, ${this.jinjaFoldable === true})`);
      return;
    }
    if (!node.jinjaAttribute) return compileLookupVal.call(this, node, frame);
    this._emit("runtime.jinjaGetAttribute((");
    this._compileExpression(node.target, frame);
    this._emit("),");
    this._compileExpression(node.val, frame);
    this._emit(")");
  };
  compiler.compileJinjaTuple = function (node: Untyped, frame: unknown) {
    this._compileAggregate(node, frame, "runtime.jinjaTuple([", "])");
  };
  compiler.compileJinjaSplat = function (node: Untyped, frame: unknown) {
    this._emit("...runtime.jinjaSplat(");
    this.compile(node.target, frame);
    this._emit(")");
  };
  compiler.compileJinjaDoubleSplat = function (node: Untyped, frame: unknown) {
    this._emit("...runtime.jinjaDoubleSplat(");
    this.compile(node.target, frame);
    this._emit(")");
  };
  // `{k: v}`: keys are expressions (a dict's keys are strings here: `{1: 2}` has the key '1').
  compiler.compileJinjaDict = function (node: Untyped, frame: unknown) {
    this._emit("runtime.jinjaDict([");
    node.children.forEach((pair: Untyped, index: number) => {
      this._emit(index ? ", [" : "[");
      this._compileExpression(pair.key, frame);
      this._emit(", ");
      this._compileExpression(pair.value, frame);
      this._emit("]");
    });
    this._emit("])");
  };
  // `x[a:b:c]`: memberLookup with the three parts.
  compiler.compileJinjaSlice = function (node: Untyped, frame: unknown) {
    for (const [index, part] of [node.start, node.stop, node.step].entries()) {
      this._emit(index ? ", " : "");
      if (part) this._compileExpression(part, frame);
      else this._emit("null");
    }
  };
  // `x is test(a, b)`: every argument, separated (nunjucks writes them without commas).
  compiler.compileIs = function (node: Untyped, frame: unknown) {
    const test = node.right.name ?? node.right;
    this._emit(`env.getTest(${JSON.stringify(test.value)}).call(context, `);
    this.compile(node.left, frame);
    if (node.right.args) this._compileAggregate(node.right.args, frame, ", ", "");
    this._emit(") === true");
  };
  compiler.compileJinjaCode = function (node: Untyped) {
    this._emit(node.code);
  };
  // Every value is computed in the enclosing scope, then the body runs in a scope of its own.
  compiler.compileJinjaWith = function (node: Untyped, frame: Untyped) {
    const ids = node.values.map((value: Untyped) => {
      const id = this._tmpid();
      this._emit(`var ${id} = `);
      this._compileExpression(value, frame);
      this._emitLine(";");
      return id;
    });
    const inner = frame.push();
    this._emitLine("frame = frame.push();");
    node.names.forEach((name: Untyped, index: number) => {
      inner.set(name.value, ids[index]);
      this._emitLine(`frame.set(${JSON.stringify(name.value)}, ${ids[index]});`);
    });
    this.compile(node.body, inner);
    this._emitLine("frame = frame.pop();");
  };
  // A chain evaluates its operands from left to right and stops at the first false link.
  compiler.compileCompare = function (node: Untyped, frame: unknown) {
    this._emit("runtime.jinjaCompare(");
    this.compile(node.expr, frame);
    this._emit(", [");
    node.ops.forEach((op: Untyped, index: number) => {
      this._emit(`${index ? ", " : ""}${JSON.stringify(op.type)}, () => (`);
      this.compile(op.expr, frame);
      this._emit(")");
    });
    this._emit("])");
  };
  // Error messages name what was called; a literal may be None (nunjucks fails on it).
  const getNodeName = compiler._getNodeName;
  compiler._getNodeName = function (node: Untyped): string {
    if (node?.typename === "Literal") return pyRepr(node.value);
    return getNodeName.call(this, node);
  };
  // Python's arithmetic: `'a' + 1` and `1 / 0` are errors, `'-' * 3` repeats, `-7 % 3` is 2.
  const binary = (operator: string) =>
    function (this: Untyped, node: Untyped, frame: unknown) {
      this._emit(`runtime.jinjaBinary(${JSON.stringify(operator)}, `);
      this.compile(node.left, frame);
      this._emit(", ");
      this.compile(node.right, frame);
      this._emit(")");
    };
  compiler.compileAdd = binary("+");
  compiler.compileSub = binary("-");
  compiler.compileMul = binary("*");
  compiler.compileDiv = binary("/");
  compiler.compileFloorDiv = binary("//");
  compiler.compileMod = binary("%");
  compiler.compilePow = binary("**");
  const unary = (operator: string) =>
    function (this: Untyped, node: Untyped, frame: unknown) {
      this._emit(`runtime.jinjaUnary(${JSON.stringify(operator)}, `);
      this.compile(node.target, frame);
      this._emit(")");
    };
  compiler.compileNeg = unary("-");
  compiler.compilePos = unary("+");
  compiler.compileNot = function (node: Untyped, frame: unknown) {
    this._emit("!runtime.jinjaTruthy(");
    this.compile(node.target, frame);
    this._emit(")");
  };
  // `a or b` is a when a is true, else b; `a and b` is b when a is true, else a (short-circuit).
  const logical = (keepLeftWhenTruthy: boolean) =>
    function (this: Untyped, node: Untyped, frame: unknown) {
      this._emit(`((l) => ${keepLeftWhenTruthy ? "" : "!"}runtime.jinjaTruthy(l) ? l : (`);
      this.compile(node.right, frame);
      this._emit("))(");
      this.compile(node.left, frame);
      this._emit(")");
    };
  compiler.compileOr = logical(true);
  compiler.compileAnd = logical(false);
  compiler.compileConcat = function (node: Untyped, frame: unknown) {
    this._emit("(runtime.jinjaStr(");
    this.compile(node.left, frame);
    this._emit(") + runtime.jinjaStr(");
    this.compile(node.right, frame);
    this._emit("))");
  };
  const compileSet = compiler.compileSet;
  compiler.compileSet = function (node: Untyped, frame: unknown) {
    const [target] = node.targets;
    if (node.targets.length > 1 && node.value) {
      // `{% set a, b = value %}` unpacks: one single-target set per name.
      const values = this._tmpid();
      this._emit(`var ${values} = runtime.jinjaUnpack(`);
      this.compile(node.value, frame);
      this._emitLine(`, ${node.targets.length});`);
      node.targets.forEach((name: Untyped, index: number) => {
        const item = new extra.Code(name.lineno, name.colno, `${values}[${index}]`);
        this.compileSet(new nodes.Set(node.lineno, node.colno, [name], item), frame);
      });
      return;
    }
    if (node.targets.length === 1 && target instanceof nodes.LookupVal && node.value) {
      // `{% set ns.attr = value %}` (namespace objects only).
      this._emit("runtime.jinjaSetAttribute(");
      this.compile(target.target, frame);
      this._emit(", ");
      this.compile(target.val, frame);
      this._emit(", ");
      this.compile(node.value, frame);
      this._emitLine(");");
      return;
    }
    // Jinja2 scoping: a `set` inside a loop or block stays there (nunjucks writes it upwards).
    const emitLine = this._emitLine;
    this._emitLine = (code: string) =>
      emitLine.call(this, code.replace(/^(frame\.set\(".*", t_\d+), true\);$/, "$1);"));
    try {
      return compileSet.call(this, node, frame);
    } finally {
      this._emitLine = emitLine;
    }
  };
}

/**
 * Python's `value[start:stop:step]` for strings and lists; `constant`: the value is a literal
 * (`1[:2]` is undefined in Jinja2, `x[:2]` an error when x is a number).
 */
function pySlice(
  value: unknown,
  start: unknown,
  stop: unknown,
  step: unknown,
  constant: boolean,
): unknown {
  const items = typeof value === "string" ? [...value] : Array.isArray(value) ? value : undefined;
  // Jinja2 slices with Python's own subscript: anything but a sequence is an error, except on a
  // literal, which Jinja2 folds at compile time with its lenient getitem (undefined).
  if (!items && constant) return undefined;
  if (!items) {
    throw new TemplateRuntimeError(
      `'${pyTypeName(value)}' object is not subscriptable`,
      value === undefined ? "UndefinedError" : "TypeError",
    );
  }
  const by = step === null || step === undefined ? 1 : Number(step);
  if (by === 0) throw new TemplateRuntimeError("slice step cannot be zero", "ValueError");
  const length = items.length;
  const clamp = (index: unknown, fallback: number) => {
    if (index === null || index === undefined) return fallback;
    let position = Number(index);
    if (position < 0) position += length;
    return by > 0
      ? Math.min(Math.max(position, 0), length)
      : Math.min(Math.max(position, -1), length - 1);
  };
  const from = clamp(start, by > 0 ? 0 : length - 1);
  const to = clamp(stop, by > 0 ? length : -1);
  const picked: unknown[] = [];
  for (let index = from; by > 0 ? index < to : index > to; index += by) picked.push(items[index]);
  if (typeof value === "string") return picked.join("");
  return value instanceof PyTuple ? pyTuple(picked) : picked;
}

/** A compiled template, ready to render many times. */
export interface CompiledTemplate {
  /** Renders with `context`, stopping when the output exceeds `outputBytes`. */
  render(context: Record<string, unknown>, outputBytes?: number): string;
}

/**
 * A new environment for one template: nothing a render does can reach another template's
 * filters, tests or globals (and the tables are frozen, so not even its own).
 */
function createEnvironment(): Untyped {
  const extra = patchNunjucks();
  const env: Untyped = new nunjucks.Environment([], {
    autoescape: false,
    throwOnUndefined: false,
    trimBlocks: false,
    lstripBlocks: false,
  });
  for (const [name, filter] of Object.entries({ ...jinjaFilters, ...ipFilters })) {
    env.addFilter(name, filter);
  }
  env.addFilter("d", jinjaFilters.default);
  // Jinja2's Markup: what escape, safe and tojson return; escaping it again changes nothing.
  // (Macro output is a plain str in Jinja2 without autoescape, though nunjucks marks it safe.)
  const SafeString: new (text: string) => object = internals().runtime.SafeString;
  const Markup = class extends SafeString {
    readonly [MARKUP] = true;
  };
  setMarkupFactory((text) => new Markup(text));
  const escape = (value: unknown) =>
    value instanceof Markup ? value : new Markup(markupEscape(value));
  env.addFilter("escape", escape);
  env.addFilter("e", escape);
  env.addFilter(
    "safe",
    (value: unknown) => value instanceof Markup ? value : new Markup(pyStr(value)),
  );
  env.addFilter("xmlattr", (value: unknown, autospace: unknown = true) => {
    if (!isPlainObject(value)) {
      throw new TemplateRuntimeError(`xmlattr needs a dict, not ${pyTypeName(value)}`);
    }
    const attributes = Object.entries(value)
      .filter(([, item]) => item !== null && item !== undefined)
      .map(([key, item]) => `${markupEscape(key)}="${markupEscape(pyStr(item))}"`)
      .join(" ");
    return attributes && pyTruthy(autospace) ? ` ${attributes}` : attributes;
  });
  env.addFilter("tojson", function (this: unknown, ...args: unknown[]) {
    return new Markup(String(jinjaFilters.tojson.apply(this as never, args)));
  });
  env.addFilter("count", env.getFilter("length"));
  for (const [name, test] of Object.entries({ ...jinjaTests, ...ipTests })) {
    env.addTest(name, withArity(name, test));
  }
  env.addExtension("JinjaWith", withExtension(extra));
  env.addGlobal("range", jinjaRange);
  env.addGlobal("namespace", (attributes?: Record<string, unknown>) => {
    const { __keywords: _, ...rest } = attributes ?? {};
    return new Namespace(rest);
  });
  env.addGlobal("cycler", (...items: unknown[]) => new Cycler(items));
  env.addGlobal("dict", (...args: unknown[]) => {
    const { positional: [given], keywords } = splitArgs(args);
    const pairs = given instanceof PyIterator ? given.drain() : given;
    if (pairs === undefined) return keywords;
    if (isPlainObject(pairs)) return { ...pairs, ...keywords };
    if (!Array.isArray(pairs)) {
      throw new TemplateRuntimeError(`dict() cannot take a ${pyStr(pairs)} as its items`);
    }
    const entries = pairs.map((pair, index) => {
      if (!Array.isArray(pair) || pair.length !== 2) {
        throw new TemplateRuntimeError(
          `dict() item #${index} must be a pair (key, value), not ${pyStr(pair)}`,
        );
      }
      return [pyStr(pair[0]), pair[1]];
    });
    return { ...Object.fromEntries(entries), ...keywords };
  });
  env.addGlobal("lipsum", undefined);
  return sealEnvironment(env);
}

/**
 * Freezes an environment. Filters, tests and globals are looked up among the environment's own
 * entries only (never inherited members such as `valueOf` or `constructor`), as Jinja2 finds them.
 */
function sealEnvironment(env: Untyped): Untyped {
  const ownTable = (table: Record<string, unknown>) =>
    Object.freeze(Object.assign(Object.create(null), table));
  env.filters = ownTable(env.filters);
  env.tests = ownTable(env.tests);
  env.globals = ownTable(env.globals);
  env.getFilter = (name: string) => {
    if (!Object.hasOwn(env.filters, name)) {
      throw new TemplateRuntimeError(`No filter named '${name}'.`, "TemplateRuntimeError");
    }
    return env.filters[name];
  };
  env.getTest = (name: string) => {
    if (!Object.hasOwn(env.tests, name)) {
      throw new TemplateRuntimeError(`No test named '${name}'.`, "TemplateRuntimeError");
    }
    return env.tests[name];
  };
  for (const part of [env.opts, env.extensions, env.extensionsList, env.asyncFilters]) {
    Object.freeze(part);
  }
  return Object.freeze(env);
}

/**
 * A test that takes exactly as many arguments as it declares, as a Python function does
 * (`x is in (1, 3)` passes two arguments to `in`, an error in Jinja2).
 */
function withArity(
  name: string,
  test: (this: never, ...args: unknown[]) => boolean,
): (this: never, ...args: unknown[]) => boolean {
  return function (this: never, ...args: unknown[]) {
    const keywords = isPlainObject(args.at(-1)) && "__keywords" in (args.at(-1) as object);
    if (!keywords && args.length !== test.length) {
      throw new TemplateRuntimeError(
        `test '${name}' takes ${test.length} positional argument(s) but ${args.length} were given`,
      );
    }
    return test.apply(this, args);
  };
}

/** nunjucks' untyped internals. */
function internals(): Untyped {
  return nunjucks as Untyped;
}

/** Python's `range()`, limited to {@link MAX_RANGE} items. */
function jinjaRange(start: number, stop?: number, step = 1): PyRange {
  if (stop === undefined) [start, stop] = [0, start];
  if (step === 0) throw new TemplateRuntimeError("range() arg 3 must not be zero", "ValueError");
  const length = Math.max(0, Math.ceil((stop - start) / step));
  if (length > MAX_RANGE) {
    throw new TemplateRuntimeError(
      `range() of ${length} items is too large (at most ${MAX_RANGE} are allowed)`,
      "OverflowError",
    );
  }
  return new PyRange(start, stop, step, length);
}

/**
 * Compiles a Jinja2 template. Like Jinja2's default (`keep_trailing_newline=False`), a single
 * trailing newline of the source is dropped. Throws {@link TemplateError} with line and column.
 */
export function compileTemplate(source: string, name = "template"): CompiledTemplate {
  // Jinja2 reads `\r\n` and `\r` as `\n`.
  const normalized = source.replace(/\r\n?/g, "\n");
  const text = normalized.endsWith("\n") ? normalized.slice(0, -1) : normalized;
  let template: Untyped;
  try {
    template = new nunjucks.Template(text, createEnvironment(), name, true);
  } catch (error) {
    throw toTemplateError(error, name, "compile", text.split("\n").length);
  }
  return {
    render(context, outputBytes = Infinity) {
      budget = { outputBytes, used: 0 };
      let output: string;
      try {
        output = template.render(context);
      } catch (error) {
        throw toTemplateError(error, name, "render");
      }
      if (utf8Length(output) > outputBytes) {
        throw new TemplateError(
          `${name}: output exceeds the limit of ${outputBytes} bytes`,
          "TemplateRuntimeError",
        );
      }
      return output;
    },
  };
}

/**
 * `lastLine`: where a template that ends inside a block went wrong (nunjucks gives no line). A
 * compile error is a syntax error; a render error has the kind of our {@link TemplateRuntimeError}
 * (nunjucks keeps only its name) or, for nunjucks' own errors, Jinja2's generic runtime error.
 */
function toTemplateError(
  error: unknown,
  name: string,
  stage: "compile" | "render",
  lastLine?: number,
): TemplateError {
  const raw = String((error as { message?: string }).message ?? error);
  // nunjucks prefixes "(path) [Line l, Column c]\n  "; keep the position and the reason.
  const position = /\[Line (\d+)(?:, Column (\d+))?\]/.exec(raw);
  const reason = raw.replace(/^\([^)]*\)(?: \[Line \d+(?:, Column \d+)?\])?\s*/, "")
    .replace(/^(?:Template render error: )?(?:\([^)]*\)\s*)?/, "")
    .replace(/^Error: /, "").trim();
  const unclosed = !position && lastLine !== undefined && reason === "unexpected end of file";
  if (unclosed) {
    return new TemplateError(
      `${name} (line ${lastLine}): unexpected end of template: a block ({% for %}, {% if %}, …) ` +
        "is not closed",
      "TemplateSyntaxError",
      lastLine,
    );
  }
  const line = position ? Number(position[1]) : undefined;
  const column = position?.[2] ? Number(position[2]) : undefined;
  const where = line ? ` (line ${line}${column ? `, column ${column}` : ""})` : "";
  return new TemplateError(`${name}${where}: ${reason}`, errorKind(stage, reason), line, column);
}

function errorKind(stage: "compile" | "render", reason: string): TemplateErrorKind {
  if (stage === "compile") return "TemplateSyntaxError";
  const named = /^(\w+): /.exec(reason)?.[1];
  if (named && isRuntimeErrorKind(named)) return named;
  // nunjucks calling a missing function: Jinja2 calls the Undefined, which raises.
  if (/^Unable to call `.*`, which is undefined/.test(reason)) return "UndefinedError";
  return "TemplateRuntimeError";
}
