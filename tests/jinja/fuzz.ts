/**
 * Differential fuzzing of the renderer against real Jinja2: random expressions and statements
 * over the corpus data, rendered by both, every difference printed. A tool for finding
 * incompatibilities (each one found belongs in templates.yaml once fixed), not a test.
 *
 *     deno run --allow-read --allow-run --allow-env tests/jinja/fuzz.ts [seed] [count] [data set]
 *
 * With `--expressions`, the differential expression fuzzer of tests/jinja_fuzz_test.ts instead
 * (`expressions.ts`), with any seed and count:
 *
 *     deno run -A tests/jinja/fuzz.ts --expressions [seed] [count]
 *
 * @module
 */
import { parse } from "yaml";
import { compileTemplate, TemplateError } from "../../src/operator/render/engine.ts";
import { compareOutcomes, type Outcome } from "./compare.ts";
import { describe, differences } from "./differential.ts";
import { EXPRESSION_DATA, randomExpressions } from "./expressions.ts";

const DIR = new URL("./", import.meta.url);
if (Deno.args[0] === "--expressions") {
  const [seed = "1", count = "10000"] = Deno.args.slice(1);
  const templates = randomExpressions(Number(seed), Number(count)).map((text) => `{{ ${text} }}`);
  const result = await differences(templates, EXPRESSION_DATA);
  for (const difference of result.differences) console.log(describe(difference));
  console.log(
    `${result.differences.length} of ${templates.length} expressions differ (seed ${seed})`,
  );
  Deno.exit(result.differences.length ? 1 : 0);
}
const [seedArgument = "1", countArgument = "500", dataSet = "three-nodes"] = Deno.args;

/** A small deterministic generator (the same seed gives the same templates). */
function generator(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1103515245 + 12345) % 2147483648;
    return state / 2147483648;
  };
}
const random = generator(Number(seedArgument));
const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)];

const ATOMS = [
  "1",
  "0",
  "-3",
  "2.5",
  "2.0",
  "1e-2",
  "'a'",
  "''",
  "'3'",
  "'a-b.c'",
  "' padded '",
  "none",
  "true",
  "false",
  "[]",
  "[1, 2]",
  "['b', 'a']",
  "(1, 'x')",
  "()",
  "(1,)",
  "{}",
  "{'k': 1}",
  "[(1, [2]), (3, [])]",
  "{'a': (1, 2), 'b': [3]}",
  "replicas",
  "ratio",
  "cluster",
  "words",
  "numbers",
  "labels",
  "nothing",
  "missing",
  "enabled",
  "words[0]",
  "numbers[-1]",
  "labels.app",
  "nodes",
  "nodes[0].name",
  "nodes | length",
  "nodes[0].interfaces",
  "labels.items() | list",
  "'x=1'.partition('=')",
  "range(3) | list",
  "dict(a=1)",
  "words[1:3]",
] as const;
const OPERATORS = [
  "+",
  "-",
  "*",
  "/",
  "//",
  "%",
  "**",
  "~",
  "==",
  "!=",
  "<",
  ">=",
  "and",
  "or",
  "in",
  "not in",
] as const;
const FILTERS = [
  "length",
  "string",
  "list",
  "first",
  "last",
  "sort",
  "unique | list",
  "join(',')",
  "int",
  "float",
  "abs",
  "lower",
  "upper",
  "tojson",
  "default('d')",
  "sum",
  "min",
  "max",
  "reverse | list",
  "trim",
  "title",
  "capitalize",
  "round",
  "items | list",
  "dictsort",
  "batch(2) | list",
  "slice(2) | list",
  "map('string') | list",
  "select | list",
  "reject | list",
  "wordcount",
  "center(7)",
  "replace('a', 'b')",
  "e",
  "truncate(5)",
  "indent(2)",
  "map(attribute='name') | list",
  "selectattr('name') | list",
  "sort(attribute='name') | list",
  "groupby('len') | list",
  "sum(attribute='len')",
  "min(attribute='len')",
] as const;
const TESTS = [
  "defined",
  "none",
  "number",
  "string",
  "sequence",
  "mapping",
  "iterable",
  "odd",
  "even",
  "true",
  "integer",
  "float",
  "lower",
  "in [1, 'a']",
  "eq 1",
  "divisibleby 2",
] as const;

function expression(depth: number): string {
  const choice = random();
  if (depth <= 0 || choice < 0.3) return pick(ATOMS);
  if (choice < 0.55) {
    return `(${expression(depth - 1)} ${pick(OPERATORS)} ${expression(depth - 1)})`;
  }
  if (choice < 0.75) return `(${expression(depth - 1)} | ${pick(FILTERS)})`;
  if (choice < 0.85) {
    return `(${expression(depth - 1)} is ${pick(["", "not "])}${pick(TESTS)})`;
  }
  if (choice < 0.92) {
    return `(${expression(depth - 1)} if ${expression(depth - 1)} else ${expression(depth - 1)})`;
  }
  return `(not ${expression(depth - 1)})`;
}

const STATEMENTS: (() => string)[] = [
  () => `{{ ${expression(3)} }}`,
  () =>
    `{% for a, b in ${
      pick(["[(1, [2]), (3, [])]", "labels | dictsort", "labels.items()", "['ab', 'cd']"])
    }${pick(["", " if b", " if not a"])} %}{{ loop.index }}:{{ a }}={{ b }}` +
    `{{ loop.cycle(',', ';') }}{% else %}E{% endfor %}`,
  () => `{% set a, b = ${pick(["1, 2", "(1, [2])", "'xy'", "words[:2]"])} %}{{ b }}{{ a }}`,
  () => `{% with x = ${expression(2)} %}{{ x }}{% endwith %}`,
  () =>
    `{% macro m(a, b=${pick(ATOMS)}) %}{{ a }}|{{ b }}|{{ varargs }}|{{ kwargs }}{% endmacro %}` +
    `{{ m(${expression(1)}${pick(["", ", 1", ", 1, 2", ", c=3", ", b=()"])}) }}`,
  () =>
    `{% for x in ${
      expression(2)
    } %}{{ x }}{{ loop.previtem }}{% if loop.changed(x) %}!{% endif %}{% endfor %}`,
];

const datasets = parse(await Deno.readTextFile(new URL("data.yaml", DIR))) as Record<
  string,
  Record<string, unknown>
>;
const data = datasets[dataSet];
const templates = Array.from({ length: Number(countArgument) }, () => pick(STATEMENTS)());
const cases = templates.map((template, index) => ({ name: String(index), template, data }));

const child = new Deno.Command("/usr/bin/python3", {
  args: [new URL("render_jinja.py", DIR).pathname],
  stdin: "piped",
  stdout: "piped",
}).spawn();
const writer = child.stdin.getWriter();
await writer.write(new TextEncoder().encode(JSON.stringify(cases)));
await writer.close();
const jinja = JSON.parse(new TextDecoder().decode((await child.output()).stdout)) as {
  results: Outcome[];
};

let differing = 0;
templates.forEach((template, index) => {
  let ours: Outcome;
  try {
    ours = { ok: true, output: compileTemplate(template).render(structuredClone(data)) };
  } catch (error) {
    const kind = error instanceof TemplateError ? error.kind : "not a TemplateError";
    ours = { ok: false, kind, error: String(error) };
  }
  const expected = jinja.results[index];
  const difference = compareOutcomes(expected, ours);
  if (!difference) return;
  differing++;
  const show = (outcome: Outcome) => outcome.ok ? outcome.output : `error ${outcome.error}`;
  console.log(`${template}\n  ${difference}\n  jinja2: ${show(expected)}\n  ours:   ${show(ours)}`);
});
console.log(`${differing} of ${templates.length} templates differ (seed ${seedArgument})`);
