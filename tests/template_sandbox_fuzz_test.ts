/**
 * Fuzz tests of the template sandbox.
 *
 * 1. The compiler: random token soup, random names in every place a name can stand, and corpus
 *    templates with random tokens spliced in. Every JavaScript compilation the engine makes (each
 *    `new Function`, counted by wrapping the global) is parsed with a real JavaScript parser and
 *    must hold template text only as data: no variable but the compiler's own (`Function`,
 *    `globalThis` or `eval` would be free variables), no `constructor`/`__proto__` access, no
 *    template or regular expression literals, and every name handed to the runtime
 *    (`frame.set`, `contextOrFrameLookup`, `getFilter`, `getTest`, macro arguments, …) a Python
 *    identifier.
 * 2. Lookups: chains of JavaScript and engine member names (`constructor`, `env`, `call`, …)
 *    through attributes, subscripts, `attr`, `map`, `select` and filters, on every kind of value a
 *    template can make, never print engine internals.
 *
 * Seeded: a failure names its case.
 */
import assert from "node:assert/strict";
import * as acorn from "acorn";
import { parse as parseYaml } from "yaml";
import { compileTemplate, TemplateError } from "../src/operator/render/engine.ts";
import { isIdentifier } from "../src/operator/render/names.ts";
import { seededRandom } from "./support/seeded_random.ts";

const SEED = 20261203;
const CASES_PER_KIND = 1500;

type Pick = <T>(items: readonly T[]) => T;

const VALID_NAMES = ["x", "nodes", "_a1", "föö", "ノード", "loop", "caller", "kwargs", "toString"];
/** Names a lexer that reads "anything up to an operator" would take, each with JavaScript. */
const HOSTILE_NAMES = [
  'a"+(globalThis.fuzzed=1)+"',
  'a"&Function`globalThis\\x2efuzzed\\x3d1```&"',
  "a\\",
  "a`b",
  "a;b",
  "a$b",
  "a@b",
  "a'b",
  "a\u2028b",
  "a\u00a0b",
  "a🦕",
  "constructor",
  "__proto__",
  "valueOf",
  "1abc",
  "0x1F",
];
/** String literals that try to end the string they become in the generated code. */
const HOSTILE_STRINGS = [
  `'defined").call(context,(globalThis.fuzzed=1))&&env.getTest("defined'`,
  `'\\\\"+(globalThis.fuzzed=1)//'`,
  `"\\x22+(globalThis.fuzzed=1)+\\x22"`,
  "'`${globalThis.fuzzed=1}`'",
  "'\\u2028x'",
  "'a\\nb'",
];
const TOKENS = [
  "{{",
  "}}",
  "{%",
  "%}",
  "{#",
  "#}",
  "{{-",
  "-}}",
  " ",
  "\n",
  "|",
  ".",
  ",",
  ":",
  "(",
  ")",
  "[",
  "]",
  "{",
  "}",
  "=",
  "==",
  "~",
  "+",
  "-",
  "*",
  "**",
  "/",
  "//",
  "%",
  "r/",
  "1",
  "2.5",
  "1e3",
  "'s'",
  '"t"',
  "set",
  "for",
  "in",
  "if",
  "else",
  "endif",
  "endfor",
  "macro",
  "endmacro",
  "call",
  "endcall",
  "block",
  "endblock",
  "is",
  "not",
  "and",
  "or",
  "filter",
  "endfilter",
  "with",
  "endwith",
  "raw",
  "endraw",
  "from",
  "import",
  "as",
  "recursive",
  "true",
  "none",
  "True",
  "range",
  "dict",
  "namespace",
];

function name(pick: Pick): string {
  return pick([...VALID_NAMES, ...HOSTILE_NAMES, ...HOSTILE_STRINGS]);
}

/** Random tokens, names and strings. */
function tokenSoup(pick: Pick, next: () => number): string {
  const length = 3 + Math.floor(next() * 25);
  return Array.from({ length }, () => next() < 0.3 ? name(pick) : pick(TOKENS)).join(
    next() < 0.5 ? " " : "",
  );
}

/** A template with a random (often hostile) name or string wherever Jinja2 has a name. */
function namesInPlace(pick: Pick): string {
  const n = () => name(pick);
  const forms = [
    () => `{{ ${n()} }}`,
    () => `{% set ${n()} = 1 %}{{ x }}`,
    () => `{% set ${n()}, ${n()} = 1, 2 %}`,
    () => `{% set ${n()} %}x{% endset %}`,
    () => `{% set ns = namespace() %}{% set ns.${n()} = 1 %}`,
    () => `{{ x | ${n()} }}`,
    () => `{{ x | ${n()}(${n()}=1) }}`,
    () => `{{ x is ${n()} }}`,
    () => `{{ x is ${n()}(2) }}`,
    () => `{{ x is not ${n()} }}`,
    () => `{% macro ${n()}(${n()}, ${n()}=1) %}{{ ${n()} }}{% endmacro %}`,
    () => `{% macro m(${n()}) %}{% endmacro %}{{ m(${n()}=2) }}`,
    () => `{{ f(${n()}=1, **${n()}) }}`,
    () => `{% for ${n()} in [1] %}{{ loop.${n()} }}{% endfor %}`,
    () => `{% for ${n()}, ${n()} in [(1, 2)] if ${n()} %}{% endfor %}`,
    () => `{{ x.${n()} }}{{ x[${n()}] }}`,
    () => `{% block ${n()} %}{% endblock %}`,
    () => `{% call ${n()}(1) %}{% endcall %}`,
    () => `{% call(${n()}) m() %}{% endcall %}`,
    () => `{% with ${n()} = 1 %}{{ ${n()} }}{% endwith %}`,
    () => `{% filter ${n()} %}x{% endfilter %}`,
    () => `{{ {${n()}: 1} }}`,
    () => `{{ ${n()}(1) }}{{ x[${n()}]() }}`,
    () => `{{ ['a'] | map(${n()}) | list }}{{ ['a'] | select(${n()}) | list }}`,
    () => `{% from 'x' import ${n()} as ${n()} %}`,
    () => `{% import 'x' as ${n()} %}`,
  ];
  return pick(forms)();
}

/** A corpus template with random tokens and names spliced in at random places. */
function corpusMutant(pick: Pick, next: () => number, corpus: string[]): string {
  let text = pick(corpus);
  const edits = 1 + Math.floor(next() * 3);
  for (let edit = 0; edit < edits; edit++) {
    const at = Math.floor(next() * (text.length + 1));
    const insert = next() < 0.5 ? name(pick) : pick(TOKENS);
    text = text.slice(0, at) + insert + text.slice(at);
  }
  return text;
}

/** Identifiers the generated code may use without declaring them. */
const FREE_VARIABLES = new Set(["Object", "undefined"]);
/** Members no generated code reads. */
const FORBIDDEN_PROPERTIES = new Set([
  "constructor",
  "__proto__",
  "__defineGetter__",
  "__defineSetter__",
  "__lookupGetter__",
  "__lookupSetter__",
  "callee",
]);
/** Syntax the compiler never generates (template literals carry code; regexes are not Jinja2). */
const FORBIDDEN_SYNTAX = new Set([
  "TemplateLiteral",
  "TaggedTemplateExpression",
  "ImportExpression",
  "MetaProperty",
  "WithStatement",
  "ThisExpression",
]);
/** Runtime calls whose string arguments are template names. */
const NAME_TAKING_CALLS = new Set([
  "set",
  "lookup",
  "setVariable",
  "addExport",
  "getFilter",
  "getTest",
  "getBlock",
  "contextOrFrameLookup",
  "makeMacro",
  "jinjaMakeMacro",
  "jinjaLoopFilter",
]);

interface JsNode {
  type: string;
  [field: string]: unknown;
}

function isJsNode(value: unknown): value is JsNode {
  return typeof value === "object" && value !== null &&
    typeof (value as JsNode).type === "string";
}

/** A name as the runtime receives it: an identifier, or a loop helper (`loop.index`). */
function isRuntimeName(value: string): boolean {
  return isIdentifier(value) || /^loop\.[A-Za-z_]\w*$/.test(value);
}

/** What in one generated program is not the compiler's own code. */
function problemsIn(program: string): string[] {
  const problems: string[] = [];
  let tree: JsNode;
  try {
    tree = acorn.parse(program, {
      ecmaVersion: "latest",
      allowReturnOutsideFunction: true,
    }) as unknown as JsNode;
  } catch (error) {
    return [`generated code does not parse: ${error}`];
  }
  const declared = new Set<string>();
  const referenced: string[] = [];
  const visit = (node: JsNode, parent: JsNode | undefined, field: string) => {
    if (FORBIDDEN_SYNTAX.has(node.type)) problems.push(`${node.type} in generated code`);
    if (node.type === "Literal" && node.regex) problems.push("regular expression literal");
    if (node.type === "Identifier") {
      const isMemberName = parent?.type === "MemberExpression" && field === "property" &&
        !parent.computed;
      const isKey = parent?.type === "Property" && field === "key" && !parent.computed;
      if (isMemberName || isKey) {
        if (FORBIDDEN_PROPERTIES.has(node.name as string)) problems.push(`.${node.name}`);
      } else referenced.push(node.name as string);
    }
    if (node.type === "MemberExpression" && node.computed) {
      const key = node.property as JsNode;
      if (key.type === "Literal" && typeof key.value === "string" && !isIdentifier(key.value)) {
        problems.push(`[${JSON.stringify(key.value)}]`);
      }
    }
    if (node.type === "VariableDeclarator") declared.add((node.id as JsNode).name as string);
    if (/Function/.test(node.type)) {
      if (isJsNode(node.id)) declared.add(node.id.name as string);
      for (const param of node.params as JsNode[]) {
        const target = param.type === "RestElement" ? param.argument as JsNode : param;
        declared.add(target.name as string);
      }
    }
    if (node.type === "CatchClause" && isJsNode(node.param)) {
      declared.add(node.param.name as string);
    }
    if (node.type === "CallExpression") {
      const callee = node.callee as JsNode;
      const called = callee.type === "MemberExpression"
        ? (callee.property as JsNode).name
        : callee.name;
      if (NAME_TAKING_CALLS.has(called as string)) {
        for (const arg of node.arguments as JsNode[]) {
          const strings = arg.type === "ArrayExpression" ? arg.elements as JsNode[] : [arg];
          for (const item of strings) {
            if (item?.type === "Literal" && typeof item.value === "string") {
              if (!isRuntimeName(item.value)) {
                problems.push(`${called}(${JSON.stringify(item.value)})`);
              }
            }
          }
        }
      }
    }
    for (const [name, value] of Object.entries(node)) {
      for (const child of Array.isArray(value) ? value : [value]) {
        if (isJsNode(child)) visit(child, node, name);
      }
    }
  };
  visit(tree, undefined, "");
  for (const name of referenced) {
    if (!declared.has(name) && !FREE_VARIABLES.has(name)) problems.push(`free variable ${name}`);
  }
  return problems;
}

Deno.test("no generated code holds template text as code, whatever the template", () => {
  const corpus = Object.values(
    parseYaml(Deno.readTextFileSync(new URL("jinja/templates.yaml", import.meta.url))) as Record<
      string,
      string
    >,
  );
  const next = seededRandom(SEED);
  const pick: Pick = (items) => items[Math.floor(next() * items.length)];
  const kinds: Record<string, () => string> = {
    "token soup": () => tokenSoup(pick, next),
    "names in place": () => namesInPlace(pick),
    "corpus mutant": () => corpusMutant(pick, next, corpus),
  };
  const probe = globalThis as { fuzzed?: number };
  const programs: string[] = [];
  const evaluated: unknown[] = [];
  const OriginalFunction = globalThis.Function;
  const originalEval = globalThis.eval;
  globalThis.Function = new Proxy(OriginalFunction, {
    construct(target, args, newTarget) {
      programs.push(String(args.at(-1)));
      return Reflect.construct(target, args, newTarget);
    },
    apply(target, self, args) {
      programs.push(String(args.at(-1)));
      return Reflect.apply(target, self, args);
    },
  });
  globalThis.eval = (code: unknown) => evaluated.push(code);
  const counts: Record<string, { cases: number; compiled: number }> = {};
  const bad: string[] = [];
  try {
    for (const [kind, generate] of Object.entries(kinds)) {
      counts[kind] = { cases: 0, compiled: 0 };
      for (let index = 0; index < CASES_PER_KIND; index++) {
        const template = generate();
        programs.length = 0;
        let compiled = false;
        try {
          compileTemplate(template);
          compiled = true;
        } catch {
          // Most random templates are syntax errors; what matters is what did compile.
        }
        counts[kind].cases++;
        if (compiled) counts[kind].compiled++;
        for (const program of programs) {
          const problems = problemsIn(program);
          if (problems.length) {
            bad.push(`${kind} #${index} ${JSON.stringify(template)}: ${problems.join(", ")}`);
          }
        }
      }
    }
  } finally {
    globalThis.Function = OriginalFunction;
    globalThis.eval = originalEval;
  }
  console.log(`seed ${SEED}:`, JSON.stringify(counts));
  assert.deepEqual(bad.slice(0, 10), [], `${bad.length} compilations held template text as code`);
  assert.deepEqual(evaluated, []);
  assert.equal(probe.fuzzed, undefined);
  for (const [kind, { cases, compiled }] of Object.entries(counts)) {
    // Enough of each kind compiles for the check to mean something.
    assert.ok(compiled >= cases / 20, `${kind}: only ${compiled} of ${cases} compiled`);
  }
});

/** Values a template can make, each kind once. */
const VALUES = [
  "range",
  "dict",
  "namespace",
  "cycler",
  "joiner",
  "namespace(a=1)",
  "cycler(1, 2)",
  "joiner()",
  "'s'",
  "1",
  "1.5",
  "2.0",
  "true",
  "none",
  "[1]",
  "(1,)",
  "{'a': 1}",
  "{'a': 1}.items()",
  "range(2)",
  "'s'.upper",
  "'<'|e",
  "m",
  "loop",
  "caller",
  "data",
];
/** Members of JavaScript and of the engine's objects, and Python's dunder names. */
const INTERNAL_NAMES = [
  "constructor",
  "__proto__",
  "prototype",
  "valueOf",
  "toString",
  "toJSON",
  "call",
  "apply",
  "bind",
  "caller",
  "callee",
  "arguments",
  "name",
  "length",
  "env",
  "ctx",
  "context",
  "frame",
  "runtime",
  "globals",
  "filters",
  "tests",
  "opts",
  "lookup",
  "getFilter",
  "addFilter",
  "addGlobal",
  "getVariables",
  "val",
  "value",
  "hasOwnProperty",
  "__class__",
  "__globals__",
  "__dict__",
];
/** What engine internals look like when printed. */
const INTERNALS_PRINTED = /function|\[object|=>|native code|runtime\.|\bt_\d|jinja[A-Z]|env\./;

Deno.test("no chain of lookups on any value prints engine internals", () => {
  const next = seededRandom(SEED + 1);
  const pick: Pick = (items) => items[Math.floor(next() * items.length)];
  const accessors = [
    (name: string) => `.${name}`,
    (name: string) => `['${name}']`,
    (name: string) => ` | attr('${name}')`,
    (name: string) => ` | map('${name}') | list`,
    (name: string) => ` | select('${name}') | list`,
    (name: string) => ` | ${name}`,
    () => `()`,
  ];
  const printers = ["", " | tojson", " | string", " | list", " | toyaml", " | pprint", " ~ ''"];
  const leaks: string[] = [];
  let rendered = 0;
  for (let index = 0; index < 1500; index++) {
    let expression = `(${pick(VALUES)})`;
    const steps = 1 + Math.floor(next() * 3);
    for (let step = 0; step < steps; step++) {
      expression = `(${expression}${pick(accessors)(pick(INTERNAL_NAMES))})`;
    }
    const template = `{% macro m() %}x{% endmacro %}{% call m() %}{% endcall %}` +
      `{% for _ in [1] %}{{ ${expression}${pick(printers)} }}{% endfor %}`;
    try {
      const output = compileTemplate(template).render({ data: { a: [1] } });
      rendered++;
      if (INTERNALS_PRINTED.test(output)) leaks.push(`${template} printed ${output}`);
    } catch (error) {
      if (!(error instanceof TemplateError)) leaks.push(`${template} threw ${error}`);
    }
  }
  assert.deepEqual(leaks.slice(0, 10), [], `${leaks.length} renders printed engine internals`);
  assert.ok(rendered >= 150, `only ${rendered} of 1500 rendered`);
});
