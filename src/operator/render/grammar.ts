/**
 * Jinja2's expression grammar (jinja2/parser.py) on nunjucks' parser, level by level:
 *
 *     tuple      a, b                 (where Jinja2 allows a bare tuple)
 *     condexpr   a if b else c        (left to right: `a if b if c else d`)
 *     or, and, not
 *     compare    == != < <= > >= in, not in   (one chain: `0 < x <= 3`, `a in b in c`)
 *     math1      + -                  (left-associative)
 *     concat     ~
 *     math2      * / // %             (one left-associative level)
 *     pow        **                   (left-associative, as in Jinja2)
 *     unary      - +                  then postfix, then `|filter`, `is test` and calls
 *     postfix    .name .0 [key] [a:b:c] (args)
 *     primary    names, constants, numbers, strings, (…) […] {…}
 *
 * Builds nunjucks' syntax nodes plus the ones in {@link GrammarNodes}. Pure.
 *
 * @module
 */

// nunjucks' parser and nodes are untyped CommonJS internals.
// deno-lint-ignore no-explicit-any
type Untyped = any;

/** The syntax nodes the grammar adds to nunjucks' own. */
export interface GrammarNodes {
  /** A Python tuple: `(a, b)`, `(a,)`, `()`, or bare `a, b` where Jinja2 allows it. */
  Tuple: Untyped;
  /** Generated JavaScript (an expression), for values nunjucks cannot write (big ints). */
  Code: Untyped;
  /** `*items` in a call: the items as positional arguments. */
  Splat: Untyped;
  /** `**mapping` in a call: the mapping as keyword arguments. */
  DoubleSplat: Untyped;
  /** A dict literal whose keys are expressions: `{k: 1, 'a' ~ n: 2}`. */
  Dict: Untyped;
  /** `[start:stop:step]`. */
  Slice: Untyped;
}

/** Options of Jinja2's `parse_tuple`. */
interface TupleOptions {
  /** Items may be inline ifs (`for … in` reads its sequence without them). */
  withCondexpr?: boolean;
  /** Inside `( )`: `()` is an empty tuple. */
  explicitParentheses?: boolean;
}

/** The largest integer a JavaScript number holds exactly; past it, ints are BigInts. */
const MAX_EXACT = BigInt(Number.MAX_SAFE_INTEGER);

/**
 * Replaces nunjucks' expression parsing with Jinja2's grammar. `parser` is the parser prototype,
 * `nodes` nunjucks' node classes, `lexer` its token kinds, `extra` the added nodes.
 */
export function patchGrammar(
  parser: Untyped,
  nodes: Untyped,
  lexer: Untyped,
  extra: GrammarNodes,
): void {
  const isName = (token: Untyped, ...names: string[]) =>
    token?.type === lexer.TOKEN_SYMBOL && (!names.length || names.includes(token.value));
  const isOperator = (token: Untyped, ...values: string[]) =>
    token?.type === lexer.TOKEN_OPERATOR && values.includes(token.value);
  const describe = (token: Untyped) => token ? `'${token.value}'` : "end of template";

  /** Jinja2's `parse_expression`: an inline if, or (without condexpr) an `or` level. */
  parser.parseExpression = function (noCondexpr?: boolean) {
    if (this.jinjaOutputStarts) {
      // `{{ a, b }}`: the expression of an output tag may be a tuple.
      this.jinjaOutputStarts = false;
      return this.parseTuple();
    }
    return noCondexpr ? this.parseOr() : this.parseInlineIf();
  };

  // The expression after `{{` may be a tuple (nunjucks' parseNodes reads `{{`, then calls
  // parseExpression directly).
  const nextToken = parser.nextToken;
  parser.nextToken = function (...args: unknown[]) {
    const token = nextToken.apply(this, args);
    if (token?.type === lexer.TOKEN_VARIABLE_START) this.jinjaOutputStarts = true;
    return token;
  };

  /** Jinja2's `parse_tuple`. */
  parser.parseTuple = function (options: TupleOptions = {}) {
    const start = this.peekToken();
    const parse = () => this.parseExpression(options.withCondexpr === false);
    const items: Untyped[] = [];
    let isTuple = false;
    for (;;) {
      if (items.length) this.expectComma();
      if (this.isTupleEnd()) break;
      items.push(parse());
      if (this.peekToken()?.type === lexer.TOKEN_COMMA) isTuple = true;
      else break;
    }
    if (!isTuple) {
      if (items.length) return items[0];
      if (!options.explicitParentheses) {
        this.fail(`expected an expression, got ${describe(this.peekToken())}`, start?.lineno);
      }
    }
    return new extra.Tuple(start.lineno, start.colno, items);
  };

  /** Whether the tag or the parentheses end here. */
  parser.isTupleEnd = function () {
    const token = this.peekToken();
    return !token ||
      [lexer.TOKEN_VARIABLE_END, lexer.TOKEN_BLOCK_END, lexer.TOKEN_RIGHT_PAREN].includes(
        token.type,
      );
  };

  parser.expectComma = function () {
    const token = this.nextToken();
    if (token?.type !== lexer.TOKEN_COMMA) {
      this.fail(`expected ',', got ${describe(token)}`, token?.lineno, token?.colno);
    }
  };

  /** `a if b else c`; without `else` the value is undefined when b is false. */
  parser.parseInlineIf = function () {
    let node = this.parseOr();
    while (this.skipSymbol("if")) {
      const cond = this.parseOr();
      const otherwise = this.skipSymbol("else") ? this.parseInlineIf() : null;
      node = new nodes.InlineIf(node.lineno, node.colno, cond, node, otherwise);
    }
    return node;
  };

  parser.parseOr = function () {
    let node = this.parseAnd();
    while (this.skipSymbol("or")) {
      node = new nodes.Or(node.lineno, node.colno, node, this.parseAnd());
    }
    return node;
  };

  parser.parseAnd = function () {
    let node = this.parseNot();
    while (this.skipSymbol("and")) {
      node = new nodes.And(node.lineno, node.colno, node, this.parseNot());
    }
    return node;
  };

  parser.parseNot = function () {
    const token = this.peekToken();
    if (this.skipSymbol("not")) return new nodes.Not(token.lineno, token.colno, this.parseNot());
    return this.parseCompare();
  };

  /** A comparison chain; `in` and `not in` are links of the chain as in Jinja2. */
  parser.parseCompare = function () {
    const expr = this.parseMath1();
    const ops: Untyped[] = [];
    for (;;) {
      const token = this.peekToken();
      let type: string | undefined;
      if (isOperator(token, "==", "!=", "<", "<=", ">", ">=")) {
        this.nextToken();
        type = token.value;
      } else if (this.skipSymbol("in")) type = "in";
      else if (isName(token, "not")) {
        this.nextToken();
        if (!this.skipSymbol("in")) {
          this.pushToken(token);
          break;
        }
        type = "notin";
      } else break;
      ops.push(new nodes.CompareOperand(token.lineno, token.colno, this.parseMath1(), type));
    }
    return ops.length ? new nodes.Compare(expr.lineno, expr.colno, expr, ops) : expr;
  };

  /** One left-associative level of binary operators. */
  const level = (operators: Record<string, Untyped>, operand: () => Untyped) =>
    function (this: Untyped) {
      let node = operand.call(this);
      for (;;) {
        const token = this.peekToken();
        const type = token?.type === lexer.TOKEN_OPERATOR && operators[token.value];
        if (!type) return node;
        this.nextToken();
        node = new type(token.lineno, token.colno, node, operand.call(this));
      }
    };
  parser.parseMath1 = level(
    { "+": nodes.Add, "-": nodes.Sub },
    function (this: Untyped) {
      return this.parseConcat();
    },
  );
  parser.parseConcat = function () {
    let node = this.parseMath2();
    for (;;) {
      const token = this.peekToken();
      if (token?.type !== lexer.TOKEN_TILDE) return node;
      this.nextToken();
      node = new nodes.Concat(token.lineno, token.colno, node, this.parseMath2());
    }
  };
  parser.parseMath2 = level(
    { "*": nodes.Mul, "/": nodes.Div, "//": nodes.FloorDiv, "%": nodes.Mod },
    function (this: Untyped) {
      return this.parsePow();
    },
  );
  parser.parsePow = level({ "**": nodes.Pow }, function (this: Untyped) {
    return this.parseUnary();
  });

  /** `-x`, `+x`; then postfix; then (unless inside a sign) filters, tests and calls. */
  parser.parseUnary = function (withFilters = true) {
    const token = this.peekToken();
    let node;
    if (isOperator(token, "-")) {
      this.nextToken();
      node = new nodes.Neg(token.lineno, token.colno, this.parseUnary(false));
    } else if (isOperator(token, "+")) {
      this.nextToken();
      node = new nodes.Pos(token.lineno, token.colno, this.parseUnary(false));
    } else node = this.parsePrimary(true);
    node = this.parsePostfix(node);
    return withFilters ? this.parseFilterExpression(node) : node;
  };

  /** Jinja2's `parse_primary`, followed by postfix operators unless `noPostfix`. */
  parser.parsePrimary = function (noPostfix?: boolean) {
    const token = this.nextToken();
    if (!token) this.fail("unexpected end of template, expected an expression");
    let node;
    if (token.type === lexer.TOKEN_SYMBOL) {
      if (["true", "True", "false", "False"].includes(token.value)) {
        node = new nodes.Literal(token.lineno, token.colno, /^[tT]/.test(token.value));
      } else if (["none", "None"].includes(token.value)) {
        node = new nodes.Literal(token.lineno, token.colno, null);
      } else node = new nodes.Symbol(token.lineno, token.colno, token.value);
    } else if (token.type === lexer.TOKEN_STRING) {
      // Adjacent string literals are one string, as in Python: `'a' 'b'`.
      let text = token.value;
      while (this.peekToken()?.type === lexer.TOKEN_STRING) text += this.nextToken().value;
      node = new nodes.Literal(token.lineno, token.colno, text);
    } else if (token.type === lexer.TOKEN_INT) {
      const value = BigInt(token.value);
      node = value > MAX_EXACT || value < -MAX_EXACT
        ? new extra.Code(token.lineno, token.colno, `${value}n`)
        : new nodes.Literal(token.lineno, token.colno, Number(value));
    } else if (token.type === lexer.TOKEN_FLOAT) {
      const value = Number(token.value);
      // Integral floats (`2.0`, `1e3`) are boxed so that they print as floats.
      node = Number.isInteger(value)
        ? new extra.Code(token.lineno, token.colno, `runtime.jinjaFloat(${value})`)
        : new nodes.Literal(token.lineno, token.colno, value);
    } else if (token.type === lexer.TOKEN_LEFT_PAREN) {
      node = this.parseTuple({ explicitParentheses: true });
      this.expectToken(lexer.TOKEN_RIGHT_PAREN, "')'");
      if (!(node instanceof extra.Tuple)) node = new nodes.Group(token.lineno, token.colno, [node]);
    } else if (token.type === lexer.TOKEN_LEFT_BRACKET) {
      node = new nodes.Array(token.lineno, token.colno, this.parseItems(lexer.TOKEN_RIGHT_BRACKET));
    } else if (token.type === lexer.TOKEN_LEFT_CURLY) {
      const pairs = this.parseItems(lexer.TOKEN_RIGHT_CURLY, () => {
        const key = this.parseExpression();
        this.expectToken(lexer.TOKEN_COLON, "':'");
        return new nodes.Pair(key.lineno, key.colno, key, this.parseExpression());
      });
      node = new extra.Dict(token.lineno, token.colno, pairs);
    } else if (token.type === lexer.TOKEN_OPERATOR && ["*", "**"].includes(token.value)) {
      this.fail(
        `'${token.value}' unpacks only the arguments of a call: f(${token.value}values)`,
        token.lineno,
        token.colno,
      );
    } else this.fail(`unexpected ${describe(token)}`, token.lineno, token.colno);
    return noPostfix ? node : this.parsePostfix(node);
  };

  /** Comma-separated items up to `close` (a trailing comma allowed). */
  parser.parseItems = function (close: string, item = () => this.parseExpression()) {
    const items: Untyped[] = [];
    while (this.peekToken()?.type !== close) {
      if (items.length) this.expectComma();
      if (this.peekToken()?.type === close) break;
      items.push(item());
    }
    this.nextToken();
    return items;
  };

  parser.expectToken = function (type: string, what: string) {
    const token = this.nextToken();
    if (token?.type !== type) {
      this.fail(`expected ${what}, got ${describe(token)}`, token?.lineno, token?.colno);
    }
    return token;
  };

  /** `.name`, `.0`, `[key]`, `[a:b:c]`, `(args)`. */
  parser.parsePostfix = function (node: Untyped) {
    for (;;) {
      const token = this.peekToken();
      if (isOperator(token, ".")) {
        this.nextToken();
        const name = this.nextToken();
        let key;
        if (name?.type === lexer.TOKEN_SYMBOL) key = name.value;
        else if (name?.type === lexer.TOKEN_INT) key = Number(BigInt(name.value));
        else this.fail("expected a name or a number after '.'", token.lineno, token.colno);
        node = new nodes.LookupVal(
          token.lineno,
          token.colno,
          node,
          new nodes.Literal(name.lineno, name.colno, key),
        );
        // `x.name`: a method wins over a key (Jinja2's getattr); `x.0` is an item.
        node.jinjaAttribute = typeof key === "string";
      } else if (token?.type === lexer.TOKEN_LEFT_BRACKET) {
        this.nextToken();
        const keys: Untyped[] = [];
        while (this.peekToken()?.type !== lexer.TOKEN_RIGHT_BRACKET) {
          if (keys.length) this.expectComma();
          keys.push(this.parseSubscribed());
        }
        this.nextToken();
        // `x[]` is `x[()]` in Jinja2.
        const key = keys.length === 1 ? keys[0] : new extra.Tuple(token.lineno, token.colno, keys);
        node = new nodes.LookupVal(token.lineno, token.colno, node, key);
      } else if (token?.type === lexer.TOKEN_LEFT_PAREN) {
        node = new nodes.FunCall(token.lineno, token.colno, node, this.parseSignature());
      } else return node;
    }
  };

  /** A subscript: an expression or a slice `a:b:c` with any part left out. */
  parser.parseSubscribed = function () {
    const start = this.peekToken();
    const ends = [lexer.TOKEN_RIGHT_BRACKET, lexer.TOKEN_COMMA];
    const parts: Untyped[] = [];
    if (start.type === lexer.TOKEN_COLON) {
      this.nextToken();
      parts.push(null);
    } else {
      const node = this.parseExpression();
      if (this.peekToken()?.type !== lexer.TOKEN_COLON) return node;
      this.nextToken();
      parts.push(node);
    }
    const next = this.peekToken()?.type;
    parts.push(next === lexer.TOKEN_COLON || ends.includes(next) ? null : this.parseExpression());
    if (this.skip(lexer.TOKEN_COLON)) {
      parts.push(ends.includes(this.peekToken()?.type) ? null : this.parseExpression());
    } else parts.push(null);
    return new extra.Slice(start.lineno, start.colno, ...parts);
  };

  /** Filters, tests and calls after a unary expression: `x | f(1) is odd`. */
  parser.parseFilterExpression = function (node: Untyped) {
    for (;;) {
      const token = this.peekToken();
      if (token?.type === lexer.TOKEN_PIPE) node = this.parseFilter(node);
      else if (isName(token, "is")) node = this.parseTest(node);
      else if (token?.type === lexer.TOKEN_LEFT_PAREN) {
        node = new nodes.FunCall(token.lineno, token.colno, node, this.parseSignature());
      } else return node;
    }
  };

  parser.parseFilterName = function (what = "a filter name") {
    const token = this.expectToken(lexer.TOKEN_SYMBOL, what);
    let name = token.value;
    while (isOperator(this.peekToken(), ".")) {
      this.nextToken();
      name += "." + this.expectToken(lexer.TOKEN_SYMBOL, "a name").value;
    }
    return new nodes.Symbol(token.lineno, token.colno, name);
  };

  parser.parseFilterArgs = function () {
    return this.peekToken()?.type === lexer.TOKEN_LEFT_PAREN ? this.parseSignature().children : [];
  };

  /** `| name(args)`, as many as follow. */
  parser.parseFilter = function (node: Untyped) {
    while (this.skip(lexer.TOKEN_PIPE)) {
      const name = this.parseFilterName();
      node = new nodes.Filter(
        name.lineno,
        name.colno,
        name,
        new nodes.NodeList(name.lineno, name.colno, [node, ...this.parseFilterArgs()]),
      );
    }
    return node;
  };

  /** `is [not] name`, `is name(args)` or `is name argument` (one primary with postfix). */
  parser.parseTest = function (node: Untyped) {
    const token = this.nextToken();
    const negated = this.skipSymbol("not");
    let test = this.parseFilterName("a test name after 'is'");
    const next = this.peekToken();
    const startsArgument = [
      lexer.TOKEN_SYMBOL,
      lexer.TOKEN_STRING,
      lexer.TOKEN_INT,
      lexer.TOKEN_FLOAT,
      lexer.TOKEN_LEFT_BRACKET,
      lexer.TOKEN_LEFT_CURLY,
    ].includes(next?.type) && !isName(next, "else", "or", "and");
    let args: Untyped[] | undefined;
    if (next?.type === lexer.TOKEN_LEFT_PAREN) args = this.parseSignature().children;
    else if (startsArgument) {
      if (isName(next, "is")) this.fail("you cannot chain multiple tests with is");
      args = [this.parsePrimary()];
    }
    if (args) {
      test = new nodes.FunCall(
        test.lineno,
        test.colno,
        test,
        new nodes.NodeList(test.lineno, test.colno, args),
      );
    }
    node = new nodes.Is(token.lineno, token.colno, node, test);
    return negated ? new nodes.Not(token.lineno, token.colno, node) : node;
  };

  /**
   * A call's arguments: `(a, *items, key=value, **mapping)`, in Python's order; `tolerant`: null
   * when no `(` follows.
   */
  parser.parseSignature = function (tolerant?: boolean) {
    if (tolerant && this.peekToken()?.type !== lexer.TOKEN_LEFT_PAREN) return null;
    const open = this.expectToken(lexer.TOKEN_LEFT_PAREN, "'('");
    const args = new nodes.NodeList(open.lineno, open.colno);
    const keywords = new nodes.KeywordArgs(open.lineno, open.colno);
    let splat = false;
    let doubleSplat = false;
    const ensure = (valid: boolean) => {
      if (!valid) {
        this.fail("invalid syntax for function call expression", open.lineno, open.colno);
      }
    };
    while (this.peekToken()?.type !== lexer.TOKEN_RIGHT_PAREN) {
      if (args.children.length || keywords.children.length || splat || doubleSplat) {
        this.expectComma();
        if (this.peekToken()?.type === lexer.TOKEN_RIGHT_PAREN) break;
      }
      const token = this.peekToken();
      if (isOperator(token, "*")) {
        ensure(!splat && !doubleSplat);
        this.nextToken();
        splat = true;
        args.addChild(new extra.Splat(token.lineno, token.colno, this.parseExpression()));
      } else if (isOperator(token, "**")) {
        ensure(!doubleSplat);
        this.nextToken();
        doubleSplat = true;
        keywords.addChild(new extra.DoubleSplat(token.lineno, token.colno, this.parseExpression()));
      } else {
        const arg = this.parseExpression();
        if (!(arg instanceof nodes.Symbol) && isOperator(this.peekToken(), "=")) {
          this.fail("expected a keyword argument name before '='", arg.lineno, arg.colno);
        }
        if (arg instanceof nodes.Symbol && this.skipValue(lexer.TOKEN_OPERATOR, "=")) {
          ensure(!doubleSplat);
          keywords.addChild(new nodes.Pair(arg.lineno, arg.colno, arg, this.parseExpression()));
        } else {
          ensure(!splat && !doubleSplat && !keywords.children.length);
          args.addChild(arg);
        }
      }
    }
    this.nextToken();
    if (keywords.children.length) args.addChild(keywords);
    return args;
  };
}
