/**
 * The template engine: nunjucks configured and patched to behave like Jinja2 (Python truthiness
 * in `if` / `and` / `or` / `not`, Python printing of None, booleans, lists and dicts, loop-scoped
 * `set`, `namespace()` with attribute assignment, Jinja2's filters, tests and string methods), the
 * IP helpers, and guards for untrusted templates (no access to JavaScript internals such as
 * `constructor`, bounded `range()`, bounded output). Pure: no I/O; the sandbox worker runs it.
 *
 * @module
 */
import nunjucks from "nunjucks";
import { jinjaFilters, jinjaTests, stringMethods, TemplateRuntimeError } from "./filters.ts";
import { ipFilters, ipTests } from "./ip.ts";
import { isPlainObject, Namespace, pyStr, pyTruthy } from "./python.ts";

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

/** A template failed to compile or render; `line` and `column` are 1-based when known. */
export class TemplateError extends Error {
  /** Line in the template source. */
  readonly line?: number;
  /** Column in the template source. */
  readonly column?: number;

  /** Creates the error. */
  constructor(message: string, line?: number, column?: number) {
    super(message);
    this.name = "TemplateError";
    this.line = line;
    this.column = column;
  }
}

/** The rendered output grew past the limit. */
export class OutputLimitError extends TemplateRuntimeError {}

interface Limits {
  outputBytes: number;
}

/** The running render's output budget (renders are synchronous, one at a time). */
let budget: Limits & { used: number } = { outputBytes: Infinity, used: 0 };

// nunjucks' runtime and compiler are untyped CommonJS internals.
// deno-lint-ignore no-explicit-any
type Untyped = any;

let patched = false;

/** Patches the shared nunjucks runtime and compiler once (the worker holds only our engine). */
function patchNunjucks(): void {
  if (patched) return;
  patched = true;
  nunjucks.installJinjaCompat();
  const internals = nunjucks as Untyped;
  patchRuntime(internals.runtime);
  patchCompiler(internals.compiler.Compiler.prototype, internals.nodes);
  patchParser(internals.parser.Parser.prototype, internals.nodes, internals.lexer);
}

/** Jinja2 lets a test take one argument without parentheses: `x is divisibleby 3`, `x is in y`. */
function patchParser(parser: Untyped, nodes: Untyped, lexer: Untyped): void {
  const keywords = new Set(["and", "or", "not", "if", "else", "in", "is"]);
  const startsArgument = (token: Untyped) =>
    token && (
      [lexer.TOKEN_INT, lexer.TOKEN_FLOAT, lexer.TOKEN_STRING].includes(token.type) ||
      (token.type === lexer.TOKEN_SYMBOL && !keywords.has(token.value))
    );
  parser.parseIs = function () {
    let node = this.parseCompare();
    if (this.skipSymbol("is")) {
      const not = this.skipSymbol("not");
      let test;
      const inToken = this.peekToken();
      if (this.skipSymbol("in")) test = new nodes.Symbol(inToken.lineno, inToken.colno, "in");
      else test = this.parseCompare();
      if (test instanceof nodes.Symbol && startsArgument(this.peekToken())) {
        const argument = this.parsePrimary();
        test = new nodes.FunCall(
          test.lineno,
          test.colno,
          test,
          new nodes.NodeList(argument.lineno, argument.colno, [argument]),
        );
      }
      node = new nodes.Is(node.lineno, node.colno, node, test);
      if (not) node = new nodes.Not(node.lineno, node.colno, node);
    }
    return node;
  };
}

function patchRuntime(runtime: Untyped): void {
  const compatLookup = runtime.memberLookup;
  runtime.memberLookup = function (obj: unknown, key: unknown, ...rest: unknown[]) {
    if (rest.length === 2) return pySlice(obj, key, rest[0], rest[1]);
    if (typeof key === "string" && FORBIDDEN_MEMBERS.has(key)) return undefined;
    if (obj === undefined && rest.length === 0) {
      throw new TemplateRuntimeError(
        `cannot read attribute '${String(key)}' of an undefined value`,
      );
    }
    if (typeof obj === "string" && typeof key === "string" && Object.hasOwn(stringMethods, key)) {
      return (...args: unknown[]) => stringMethods[key](obj, ...args);
    }
    if (typeof obj === "function") return undefined;
    if (isPlainObject(obj) && typeof key === "string" && !Object.hasOwn(obj, key)) {
      // Only the Python dict methods jinja-compat provides, never Object.prototype's members.
      const method = compatLookup.call(this, obj, key, ...rest);
      return typeof method === "function" && !(key in Object.prototype) ? method : undefined;
    }
    return compatLookup.call(this, obj, key, ...rest);
  };
  const frameLookup = runtime.contextOrFrameLookup;
  runtime.contextOrFrameLookup = function (context: unknown, frame: unknown, name: string) {
    if ((FORBIDDEN_MEMBERS.has(name) && name !== "caller") || name in Object.prototype) {
      return undefined;
    }
    return frameLookup.call(this, context, frame, name);
  };
  runtime.suppressValue = (value: unknown) => {
    const text = pyStr(value);
    budget.used += text.length;
    if (budget.used > budget.outputBytes) {
      throw new OutputLimitError(`output exceeds the limit of ${budget.outputBytes} bytes`);
    }
    return text;
  };
  runtime.jinjaTruthy = pyTruthy;
  runtime.jinjaAdd = (left: unknown, right: unknown) =>
    Array.isArray(left) && Array.isArray(right)
      ? [...left, ...right]
      : (left as number) + (right as number);
  runtime.jinjaLoopFilter = (
    items: unknown,
    names: string[],
    frame: Untyped,
    predicate: (frame: Untyped) => boolean,
  ) => {
    const list = Array.isArray(items) ? items : isPlainObject(items) ? Object.keys(items) : [];
    return list.filter((item) => {
      const scope = frame.push();
      if (names.length === 1) scope.set(names[0], item);
      else names.forEach((name, index) => scope.set(name, (item as unknown[])[index]));
      return predicate(scope);
    });
  };
  runtime.jinjaStr = pyStr;
  runtime.jinjaSetAttribute = (target: unknown, key: unknown, value: unknown) => {
    if (!(target instanceof Namespace)) {
      throw new TemplateRuntimeError("cannot assign attribute on non-namespace object");
    }
    if (typeof key !== "string" || FORBIDDEN_MEMBERS.has(key)) {
      throw new TemplateRuntimeError(`cannot assign attribute '${String(key)}'`);
    }
    (target as unknown as Record<string, unknown>)[key] = value;
  };
}

function patchCompiler(compiler: Untyped, nodes: Untyped): void {
  // A node that evaluates its target with Python truthiness.
  const Truthy = nodes.Node.extend("JinjaTruthy", { fields: ["target"] });
  const LoopFilter = nodes.Node.extend("JinjaLoopFilter", { fields: ["target", "cond", "names"] });
  const assertType = compiler.assertType;
  compiler.assertType = function (node: unknown, ...types: unknown[]) {
    if (node instanceof Truthy || node instanceof LoopFilter) return;
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
      const cond = node.cond;
      node.cond = new Truthy(cond.lineno, cond.colno, cond);
      try {
        return original.call(this, node, ...rest);
      } finally {
        node.cond = cond;
      }
    };
  }
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
    node.lineno++;
    node.colno++;
    try {
      return compileFunCall.call(this, node, frame);
    } finally {
      node.lineno--;
      node.colno--;
    }
  };
  // `{% for x in items if cond %}`: nunjucks parses the filter as an inline if without else.
  compiler.compileJinjaLoopFilter = function (node: Untyped, frame: Untyped) {
    const names = node.names instanceof nodes.Array
      ? node.names.children.map((child: Untyped) => child.value)
      : [node.names.value];
    this._emit("runtime.jinjaLoopFilter(");
    this.compile(node.target, frame);
    this._emit(`, ${JSON.stringify(names)}, frame, (frame) => runtime.jinjaTruthy(`);
    this.compile(node.cond, frame.push());
    this._emit("))");
  };
  const compileFor = compiler.compileFor;
  compiler.compileFor = function (node: Untyped, frame: unknown) {
    const arr = node.arr;
    if (arr instanceof nodes.InlineIf && !arr.else_) {
      node.arr = new LoopFilter(arr.lineno, arr.colno, arr.body, arr.cond, node.name);
    }
    try {
      return compileFor.call(this, node, frame);
    } finally {
      node.arr = arr;
    }
  };
  compiler.compileAdd = function (node: Untyped, frame: unknown) {
    this._emit("runtime.jinjaAdd(");
    this.compile(node.left, frame);
    this._emit(", ");
    this.compile(node.right, frame);
    this._emit(")");
  };
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

/** Python's `value[start:stop:step]` for strings and lists. */
function pySlice(value: unknown, start: unknown, stop: unknown, step: unknown): unknown {
  const items = typeof value === "string" ? [...value] : Array.isArray(value) ? value : undefined;
  if (!items) return undefined;
  const by = step === null || step === undefined ? 1 : Number(step);
  if (by === 0) throw new TemplateRuntimeError("slice step cannot be zero");
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
  return typeof value === "string" ? picked.join("") : picked;
}

/** A compiled template, ready to render many times. */
export interface CompiledTemplate {
  /** Renders with `context`, stopping when the output exceeds `outputBytes`. */
  render(context: Record<string, unknown>, outputBytes?: number): string;
}

let environment: Untyped;

function createEnvironment(): Untyped {
  patchNunjucks();
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
  env.addFilter("count", env.getFilter("length"));
  for (const [name, test] of Object.entries({ ...jinjaTests, ...ipTests })) {
    env.addTest(name, test);
  }
  env.addGlobal("range", jinjaRange);
  env.addGlobal("namespace", (attributes?: Record<string, unknown>) => {
    const { __keywords: _, ...rest } = attributes ?? {};
    return new Namespace(rest);
  });
  env.addGlobal("dict", (attributes?: Record<string, unknown>) => {
    const { __keywords: _, ...rest } = attributes ?? {};
    return rest;
  });
  env.addGlobal("lipsum", undefined);
  return env;
}

/** Python's `range()`, limited to {@link MAX_RANGE} items. */
function jinjaRange(start: number, stop?: number, step = 1): number[] {
  if (stop === undefined) [start, stop] = [0, start];
  if (step === 0) throw new TemplateRuntimeError("range() arg 3 must not be zero");
  const length = Math.max(0, Math.ceil((stop - start) / step));
  if (length > MAX_RANGE) {
    throw new TemplateRuntimeError(
      `range() of ${length} items is too large (at most ${MAX_RANGE} are allowed)`,
    );
  }
  return Array.from({ length }, (_, index) => start + index * step);
}

/**
 * Compiles a Jinja2 template. Like Jinja2's default (`keep_trailing_newline=False`), a single
 * trailing newline of the source is dropped. Throws {@link TemplateError} with line and column.
 */
export function compileTemplate(source: string, name = "template"): CompiledTemplate {
  environment ??= createEnvironment();
  const text = source.endsWith("\n") ? source.slice(0, -1) : source;
  let template: Untyped;
  try {
    template = new nunjucks.Template(text, environment, name, true);
  } catch (error) {
    throw toTemplateError(error, name, text.split("\n").length);
  }
  return {
    render(context, outputBytes = Infinity) {
      budget = { outputBytes, used: 0 };
      let output: string;
      try {
        output = template.render(context);
      } catch (error) {
        throw toTemplateError(error, name);
      }
      if (output.length > outputBytes) {
        throw new TemplateError(`${name}: output exceeds the limit of ${outputBytes} bytes`);
      }
      return output;
    },
  };
}

/** `lastLine`: where a template that ends inside a block went wrong (nunjucks gives no line). */
function toTemplateError(error: unknown, name: string, lastLine?: number): TemplateError {
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
      lastLine,
    );
  }
  const line = position ? Number(position[1]) : undefined;
  const column = position?.[2] ? Number(position[2]) : undefined;
  const where = line ? ` (line ${line}${column ? `, column ${column}` : ""})` : "";
  return new TemplateError(`${name}${where}: ${reason}`, line, column);
}
