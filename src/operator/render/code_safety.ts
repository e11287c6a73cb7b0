/**
 * What template text may become in the JavaScript nunjucks generates: nothing but data. Names are
 * Python identifiers (Jinja2's lexer in lexer.ts reads no other word, and the syntax tree is
 * checked again before code is generated, see names.ts), and every name and string reaches the
 * generated code as a JSON string literal. nunjucks' regular expression literals (`r/…/`), which
 * are not Jinja2, are gone with its lexer: `r/2` divides the variable `r`. Installed once into
 * nunjucks' compiler.
 *
 * @module
 */
import { findNameViolation, testName } from "./names.ts";

// nunjucks' compiler is an untyped CommonJS internal.
// deno-lint-ignore no-explicit-any
type Untyped = any;

/** Patches nunjucks' compiler (`internals` is the nunjucks module). */
export function secureCodeGeneration(internals: Untyped): void {
  quoteNamesInCode(internals.compiler.Compiler.prototype, internals.nodes);
}

function quoteNamesInCode(compiler: Untyped, nodes: Untyped): void {
  const compileRoot = compiler.compileRoot;
  compiler.compileRoot = function (node: Untyped, frame: unknown) {
    const violation = findNameViolation(node);
    if (violation) this.fail(violation.message, violation.node.lineno, violation.node.colno);
    return compileRoot.call(this, node, frame);
  };
  const compileLiteral = compiler.compileLiteral;
  compiler.compileLiteral = function (node: Untyped, frame: unknown) {
    if (typeof node.value === "string") this._emit(JSON.stringify(node.value));
    else compileLiteral.call(this, node, frame);
  };
  compiler.compileSymbol = function (node: Untyped, frame: Untyped) {
    const local = frame.lookup(node.value); // a generated variable (`t_3`, `l_name`)
    if (local) this._emit(local);
    else this._emit(`runtime.contextOrFrameLookup(context, frame, ${JSON.stringify(node.value)})`);
  };
  compiler.compileFilter = function (node: Untyped, frame: unknown) {
    this.assertType(node.name, nodes.Symbol);
    this._emit(`env.getFilter(${JSON.stringify(node.name.value)}).call(context, `);
    this._compileAggregate(node.args, frame);
    this._emit(")");
  };
  compiler.compileFilterAsync = function (node: Untyped) {
    this.fail("asynchronous filters are not available", node.lineno, node.colno);
  };
  compiler.compileIs = function (node: Untyped, frame: unknown) {
    const test = node.right;
    const name = testName(test);
    if (name === undefined) this.fail("expected a test name after 'is'", test.lineno, test.colno);
    this._emit(`env.getTest(${JSON.stringify(name)}).call(context, `);
    this.compile(node.left, frame);
    if (test instanceof nodes.FunCall) {
      this._emit(",");
      this.compile(test.args, frame);
    }
    this._emit(") === true");
  };
  // nunjucks writes each variable of `for a, b in …` into the loop's frame under the name
  // "[object Object]" (the syntax node, not its name); a macro in the loop body read nothing.
  const compileFor = compiler.compileFor;
  compiler.compileFor = function (node: Untyped, frame: unknown) {
    if (!(node.name instanceof nodes.Array)) return compileFor.call(this, node, frame);
    const names = node.name.children.map((child: Untyped) => JSON.stringify(child.value));
    const emitLine = this._emitLine;
    this._emitLine = (code: string) =>
      emitLine.call(
        this,
        code.replace(
          /^frame\.set\("\[object Object\]", (t_\d+\[t_\d+\]\[(\d+)\])\);$/,
          (_, value, index) => `frame.set(${names[Number(index)]}, ${value});`,
        ),
      );
    try {
      return compileFor.call(this, node, frame);
    } finally {
      this._emitLine = emitLine;
    }
  };
  compiler.compileFunCall = function (node: Untyped, frame: unknown) {
    this._emit(`(lineno = ${node.lineno}, colno = ${node.colno}, runtime.callWrap(`);
    this._compileExpression(node.name, frame);
    this._emit(`, ${JSON.stringify(this._getNodeName(node.name))}, context, `);
    this._compileAggregate(node.args, frame, "[", "])");
    this._emit(")");
  };
}
