/**
 * The engine as a sandbox: template text never becomes JavaScript, a template reaches only the
 * Jinja2 surface (no nunjucks context, environment or function internals), and nothing one
 * template does reaches another. Expected Jinja2 behaviour checked with python3-jinja2 3.1.
 */
import assert from "node:assert/strict";
import { compileTemplate, TemplateError } from "./engine.ts";

function render(source: string, context: Record<string, unknown> = {}): string {
  return compileTemplate(source).render(context);
}

/** The error `source` fails with, compiling or rendering. */
function failure(source: string, context: Record<string, unknown> = {}): TemplateError {
  try {
    render(source, context);
  } catch (error) {
    assert.ok(error instanceof TemplateError, `not a TemplateError: ${error}`);
    return error;
  }
  assert.fail(`rendered: ${source}`);
}

/** JavaScript written as one nunjucks name: no whitespace or operator, escapes in a template. */
function javascriptName(code: string): string {
  const escaped = [...code].map((char) =>
    /[A-Za-z0-9_]/.test(char) ? char : `\\x${char.charCodeAt(0).toString(16).padStart(2, "0")}`
  ).join("");
  return `a"&Function\`${escaped}\`\`\`&"`;
}

const probe = globalThis as { sandboxProbe?: string };

Deno.test("JavaScript in a name is a syntax error with line and column, and runs nothing", () => {
  delete probe.sandboxProbe;
  const name = javascriptName("globalThis.sandboxProbe = 'ran'");
  for (
    const source of [
      `{{ ${name} }}`,
      `{{ x | ${name} }}`,
      `{{ x is ${name} }}`,
      `{% set ${name} = 1 %}`,
      `{% for ${name} in [1] %}{% endfor %}`,
      `{% macro m(${name}) %}{% endmacro %}`,
      `{{ f(${name}=1) }}`,
      `{{ x.${name} }}`,
    ]
  ) {
    const error = failure(`line one\n${source}`);
    assert.equal(error.line, 2, source);
    assert.equal(typeof error.column, "number", source);
    // Jinja2's lexer reads the name `a` and a string: a syntax error, or no test named 'a'.
    assert.match(error.message, /expected|No test named 'a'/, source);
  }
  assert.equal(probe.sandboxProbe, undefined);
});

Deno.test("a string where a name belongs never reaches the generated code", () => {
  delete probe.sandboxProbe;
  const code = `defined").call(context, (globalThis.sandboxProbe = "ran")) && env.getTest("defined`;
  const cases: Record<string, RegExp> = {
    [`{{ 1 is '${code}' }}`]: /expected a test name after 'is'/,
    [`{% macro 'm${code}'() %}{% endmacro %}`]: /expected a macro name/,
    [`{% macro m('a${code}'=1) %}{% endmacro %}`]: /expected a keyword argument name/,
    [`{{ dict('a${code}'=1) }}`]: /expected a keyword argument name/,
    [`{% from 'x' import 'y${code}' %}`]: /\{% from … import %\} is not available/,
  };
  for (const [source, expected] of Object.entries(cases)) {
    const error = failure(source);
    assert.match(error.message, expected, source);
    assert.equal(error.line, 1, source);
  }
  // A call's name is only reported in messages: quoted, whatever it holds.
  const call = failure(`{{ x['\\\\"+(globalThis.sandboxProbe = "ran")//']() }}`, { x: {} });
  assert.match(call.message, /Unable to call/);
  assert.equal(probe.sandboxProbe, undefined);
});

Deno.test("names are Python identifiers, as in Jinja2", () => {
  assert.equal(render(`{% set föö = 'ü' %}{{ föö }}`), "ü");
  assert.equal(render(`{% set _x1 = 2 %}{{ _x1 * 3 }}`), "6");
  assert.equal(render(`{{ r/2 }}`, { r: 4 }), "2.0"); // no regular expression literals
  for (const source of ["{{ a$b }}", "{{ a;b }}", "{{ a`b }}", "{{ a\\b }}", "{{ x | f@o }}"]) {
    assert.match(failure(source).message, /unexpected character/, source);
  }
  assert.equal(failure("{{ x | a.b }}").column, 8);
});

Deno.test("filters, tests and globals are our own entries, never inherited members", () => {
  const cases: Record<string, RegExp> = {
    "{{ ['x'] | map('valueOf') | first }}": /No filter named 'valueOf'\./,
    "{{ ['x'] | select('constructor') | list }}": /No test named 'constructor'\./,
    "{{ ['x'] | reject('hasOwnProperty') | list }}": /No test named 'hasOwnProperty'\./,
    "{{ 'x' | valueOf }}": /No filter named 'valueOf'\./,
    "{{ 'x' | toString }}": /No filter named 'toString'\./,
    "{{ 'x' is isPrototypeOf }}": /No test named 'isPrototypeOf'\./,
    "{{ 'x' is __proto__ }}": /No test named '__proto__'\./,
    "{{ '%(constructor)s' % {} }}": /KeyError: 'constructor'/,
    "{{ '{constructor}'.format() }}": /KeyError: 'constructor'/,
  };
  for (const [source, expected] of Object.entries(cases)) {
    assert.match(failure(source).message, expected, source);
  }
  assert.equal(render("{{ 'valueOf' is filter }} {{ 'constructor' is test }}"), "False False");
  assert.equal(render("{{ toString }}|{{ hasOwnProperty }}|{{ valueOf }}"), "||");
});

Deno.test("engine objects and function internals are out of reach", () => {
  const unreachable = [
    "range.call",
    "range.apply",
    "range.bind",
    "range.name",
    "range.length",
    "range.toString",
    "dict.prototype",
    "namespace.caller",
    "(1).toString",
    "(1.5).toFixed",
    "(2.0).valueOf",
    "true.valueOf",
    "'abc'.length",
    "'abc'.constructor",
    "[1].length",
    "[1].map",
    "{}.valueOf",
    "{}.hasOwnProperty",
    "namespace().valueOf",
    "namespace().toString",
    "cycler(1).constructor",
  ];
  for (const expression of unreachable) {
    assert.equal(render(`{{ ${expression} is defined }}`), "False", expression);
  }
  assert.equal(render("{% set ns = namespace(a=1) %}{{ ns.a }}"), "1");
});

Deno.test("a template's attempt to change the engine does not reach the next template", () => {
  const victim = compileTemplate("{{ nodes | tojson }} {{ 3 | string }}");
  const before = victim.render({ nodes: ["a"] });
  const attempts = [
    "{% macro evil(v) %}evil{% endmacro %}{% set c = ['x'] | map('valueOf') | first %}" +
    "{% set _ = c.env.addFilter('tojson', evil) %}",
    "{% set c = 1 | valueOf %}{% set _ = c.env.addFilter('string', c.env.getFilter('list')) %}",
    "{{ " + javascriptName("Object.prototype.polluted = 1") + " }}",
  ];
  for (const attempt of attempts) {
    assert.throws(() => render(attempt), TemplateError, attempt);
    assert.equal(victim.render({ nodes: ["a"] }), before, attempt);
    assert.equal(render("{{ nodes | tojson }} {{ 3 | string }}", { nodes: ["a"] }), before);
  }
  assert.equal(({} as Record<string, unknown>).polluted, undefined);
});

Deno.test("functions, ranges and engine objects are never serialised (no engine source code)", () => {
  const cases: Record<string, RegExp> = {
    "{{ range | tojson }}": /Object of type function is not JSON serializable/,
    "{{ {'a': range} | tojson(2) }}": /Object of type function is not JSON serializable/,
    "{{ range(3) | tojson }}": /Object of type range is not JSON serializable/,
    "{% macro m() %}{% endmacro %}{{ m | tojson }}": /type function is not JSON/,
    "{{ 'a'.upper | tojson }}": /type function is not JSON/,
    "{{ cycler(1) | tojson }}": /type Cycler is not JSON/,
    "{% for x in [1] %}{{ loop | tojson }}{% endfor %}": /type function is not JSON/,
    "{{ namespace(a=1) | tojson }}": /Object of type Namespace is not JSON serializable/,
    "{{ {'r': range} | toyaml }}": /Object of type function is not YAML serializable/,
  };
  for (const [source, expected] of Object.entries(cases)) {
    assert.match(failure(source).message, expected, source);
  }
});

Deno.test("a range prints as Jinja2 prints it, and is a sequence of numbers", () => {
  assert.equal(
    render("{{ range(3) }} {{ range(1, 10, 2) }} {{ [range(2)] }} {{ range(0) }}"),
    "range(0, 3) range(1, 10, 2) [range(0, 2)] range(0, 0)",
  );
  assert.equal(
    render("{{ range(3) | string }} {{ range(3) | pprint }} {{ range(3) ~ '' }}"),
    "range(0, 3) range(0, 3) range(0, 3)",
  );
  assert.equal(
    render("{{ range(3) == [0, 1, 2] }} {{ range(3) == range(0, 3) }} {{ 2 in range(3) }}"),
    "False True True",
  );
  assert.equal(
    render("{{ range(3) | list }} {{ range(3) | sum }} {{ range(3)[1] }} {{ range(3) | length }}"),
    "[0, 1, 2] 3 1 3",
  );
  assert.equal(render("{% for i in range(3) %}{{ i }}{% endfor %}"), "012");
});
