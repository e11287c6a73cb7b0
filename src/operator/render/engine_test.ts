/**
 * The engine's Jinja2 tuple semantics and the bugs reported against them; the expected outputs
 * are real Jinja2's (3.1.2). tests/jinja_compat_test.ts compares the whole corpus with Jinja2.
 */
import assert from "node:assert/strict";
import { compileTemplate, TemplateError } from "./engine.ts";

function render(source: string, context: Record<string, unknown> = {}): string {
  return compileTemplate(source).render(context);
}

Deno.test("a tuple literal prints as a tuple, not as its last item (comma operator)", () => {
  assert.equal(render(`{{ ("a", 1) }}`), "('a', 1)");
  assert.equal(render(`{{ (1,) }} {{ () }} {{ (2) }} {{ 1, 2 }}`), "(1,) () 2 (1, 2)");
});

Deno.test("loops unpack tuples that contain lists, with and without a loop filter", () => {
  assert.equal(render(`{% for p, c in [("a", ["x"])] %}{{ p }}={{ c }}{% endfor %}`), "a=['x']");
  assert.equal(
    render(`{% for p, c in [("a", ["x"]), ("b", [])] if c %}{{ p }}={{ c }};{% endfor %}`),
    "a=['x'];",
  );
  assert.equal(
    render(`{% for i, (k, v) in [(1, ("a", 2))] %}{{ i }}{{ k }}{{ v }}{% endfor %}`),
    "1a2",
  );
});

Deno.test("unpacking checks the number of values, as Python", () => {
  assert.throws(
    () => render(`{% for a, b in [(1, 2, 3)] %}{% endfor %}`),
    (error: Error) =>
      error instanceof TemplateError &&
      /too many values to unpack \(expected 2\)/.test(error.message),
  );
  assert.throws(() => render(`{% set a, b = [1] %}`), /not enough values to unpack/);
  assert.equal(render(`{% set a, b = "x.y".split(".") %}{{ b }}{{ a }}`), "yx");
  assert.equal(render(`{% set a, b = 1, 2 %}{{ b }}{{ a }}`), "21");
});

Deno.test("tuples work with in, ==, +, slices and the filters that make tuples", () => {
  assert.equal(render(`{{ "b" in ("a", "b") }} {{ ("a", 1) in [("a", 1)] }}`), "True True");
  assert.equal(render(`{{ (1, 2) == (1, 2) }} {{ (1, 2) == [1, 2] }}`), "True False");
  assert.equal(render(`{{ (1, 2) + (3,) }} {{ (1, 2, 3)[1:] }}`), "(1, 2, 3) (2, 3)");
  assert.equal(
    render(`{{ d | dictsort }} {{ d.items() | list }}`, { d: { b: 2, a: 1 } }),
    "[('a', 1), ('b', 2)] [('b', 2), ('a', 1)]",
  );
  assert.equal(render(`{{ ("x", 1) | list }} {{ ("x", 1) | tojson }}`), "['x', 1] [\"x\", 1]");
});

Deno.test("a block left open is reported at the template's last line", () => {
  let error: unknown;
  try {
    compileTemplate("{# a template #}\n{% for n in nodes %}\n{{ n }}\n", "open");
  } catch (thrown) {
    error = thrown;
  }
  assert.ok(error instanceof TemplateError);
  assert.equal(error.line, 3);
  assert.equal(
    error.message,
    "open (line 3): unexpected end of template: a block ({% for %}, {% if %}, …) is not closed",
  );
});

Deno.test("Jinja2's precedence: one * / // % level, ~ above + -, is and filters on a unary", () => {
  const render = (source: string) => compileTemplate(source).render({ x: 3 });
  assert.equal(
    render("{{ 2 * 3 % 4 }} {{ 3 * 5 // 2 }} {{ 8 / 2 // 3 }} {{ 10 / 4 % 2 }}"),
    "2 7 1.0 0.5",
  );
  assert.equal(
    render("{{ 1 ~ 2 * 3 }} {{ 2 ** 3 ** 2 }} {{ -2 ** 2 }} {{ -1 | abs }}"),
    "16 64 4 1",
  );
  assert.equal(render("{{ 1 + 2 is odd }} {{ not x is odd }} {{ 1 < 2 < 3 }}"), "1 False True");
  assert.throws(() => render("{{ 'a' ~ 1 + 2 }}"), /can only concatenate/);
});

Deno.test("the lexer balances brackets before }} and reads Python literals", () => {
  const render = (source: string) => compileTemplate(source).render({ k: "key" });
  assert.equal(
    render("{{ {'a': {'b': 1}} }} {{ {k: [1, 2,],} }}"),
    "{'a': {'b': 1}} {'key': [1, 2]}",
  );
  assert.equal(
    render("{{ 0x1F }} {{ 1_000 }} {{ 1.5e-7 }} {{ 2 ** 64 }}"),
    "31 1000 1.5e-07 18446744073709551616",
  );
  assert.equal(render("a\r\n{%+ if 1 +%}b{% endif %}"), "a\nb");
  assert.throws(() => render("{{ 1 } }}"), /unexpected '}'/);
});
