/**
 * Random Jinja2 expressions for the differential fuzzer (`differential.ts`): well- and ill-typed
 * combinations of ints (also past 2^53), floats, strings, lists, tuples, dicts, None, booleans
 * and undefined values, with every operator, mostly without parentheses so that precedence and
 * associativity decide the result, and every filter, test and method the renderer supports.
 * Deterministic: the same seed gives the same expressions.
 *
 * Not generated, each for a reason listed in known-differences.yaml (`not-generated`): dict literals with non-string
 * keys, slices of number, dict, None or boolean literals, fractional powers (complex numbers), `random`,
 * and results that need gigabytes
 * (`'a' * 10 ** 12`; Jinja2 runs with 1 GiB of address space and both sides with 1 MB of output).
 *
 * @module
 */

/** The variables every fuzzed expression sees (`u` is deliberately left undefined). */
export const EXPRESSION_DATA: Record<string, unknown> = {
  i: 7,
  n: -3,
  z: 0,
  f: 2.5,
  g: 0.1,
  s: "Hello World",
  e: "",
  w: "a-b_c d",
  num: "42",
  ip: "2001:db8:1200::",
  l: [3, 1, 2],
  words: ["b", "A", "c"],
  nested: [[1, 2], [3]],
  d: { a: 1, b: "x" },
  users: [{ name: "ann", age: 31 }, { name: "bob", age: 25 }, { name: "cy", age: 31 }],
  t: true,
  no: false,
  nothing: null,
};

const INTS = ["0", "1", "2", "3", "7", "10", "255", "1_000", "0x1f", "0o17", "0b101"];
const BIG_INTS = [
  "18446744073709551616",
  "9007199254740993",
  "340282366920938463463374607431768211455",
  "2 ** 64",
  "2 ** 53 + 1",
  "(2 ** 64)",
];
const FLOATS = ["0.5", "2.5", "1.0", "1e3", "1e-5", "1.5e-7", "3.14", "0.1", "1e16", "1e22", "2.0"];
const STRINGS = [
  "'a'",
  "''",
  "'abc'",
  "'Hello World'",
  "'%s-%d'",
  "'{}-{}'",
  "' x '",
  "'10'",
  "'2001:db8::'",
  "'a,b,c'",
  `"it's"`,
  "'A'",
  "'1.5'",
  "'{:>6}|{}'",
  "'{:.2f}'",
  "'{0}-{0}'",
  "'{:,}|{:x}'",
  "'{:^7}'",
  "'%(a)s'",
];
const LITERALS = [
  "[]",
  "[1, 2, 3]",
  "['b', 'a']",
  "[1, 'a']",
  "[[1, 2], [3]]",
  "[1, 2,]",
  "{}",
  "{'a': 1, 'b': 2}",
  "{'k': [1]}",
  "{'a': 1,}",
  "()",
  "(1,)",
  "(1, 2)",
  "('a', 1)",
  "none",
  "None",
  "true",
  "True",
  "false",
  "False",
];
const VARIABLES = [...Object.keys(EXPRESSION_DATA), "u", "u.x", "d.a", "l[0]", "l[-1]", "s[1:3]"];

const BINARY = [
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
  "<=",
  ">",
  ">=",
  "in",
  "not in",
  "and",
  "or",
];

const FILTERS = [
  "abs",
  "int",
  "int(7)",
  "int(base=16)",
  "float",
  "float(1)",
  "round",
  "round(1)",
  "round(1, 'floor')",
  "round(0, 'ceil')",
  "string",
  "length",
  "count",
  "first",
  "last",
  "list",
  "sort",
  "sort(reverse=true)",
  "unique | list",
  "join(',')",
  "join",
  "lower",
  "upper",
  "title",
  "capitalize",
  "trim",
  "center(9)",
  "replace('a', 'b')",
  "default(1)",
  "default(none)",
  "d('x', true)",
  "sum",
  "sum(start=10)",
  "min",
  "max",
  "reverse | list",
  "tojson",
  "batch(2) | list",
  "batch(2, 0) | list",
  "slice(2) | list",
  "slice(2, 'x') | list",
  "map('string') | list",
  "map('int') | list",
  "select | list",
  "reject | list",
  "select('odd') | list",
  "items | list",
  "dictsort",
  "wordcount",
  "truncate(5)",
  "truncate(9, killwords=true, end='~')",
  "indent(2)",
  "format(1)",
  "format('x', 2)",
  "format(a=1)",
  "e",
  "pprint",
  "filesizeformat",
  "urlencode",
  "wordwrap(5)",
  "attr('a')",
  "string | length",
];

const TESTS = [
  "defined",
  "undefined",
  "none",
  "boolean",
  "true",
  "false",
  "integer",
  "float",
  "number",
  "string",
  "sequence",
  "mapping",
  "iterable",
  "callable",
  "odd",
  "even",
  "divisibleby 3",
  "divisibleby(2)",
  "lower",
  "upper",
  "in [1, 2]",
  "in 'abc'",
  "eq 1",
  "ne 1",
  "== 2",
  "lt 3",
  "gt 1",
  "sameas none",
  "escaped",
];

const METHODS = [
  "upper()",
  "lower()",
  "split('-')",
  "split()",
  "strip()",
  "startswith('H')",
  "replace('l', 'L')",
  "format(1, 2)",
  "format(i, f)",
  "format(s, l)",
  "format(a=i)",
  "title()",
  "count('l')",
  "find('o')",
  "zfill(5)",
  "join(['x', 'y'])",
  "isdigit()",
  "endswith(('d', 'x'))",
  "get('a')",
  "keys() | list",
  "items() | list",
  "index(1)",
  "copy()",
];

/** A small deterministic generator (mulberry32). */
function generator(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let value = state;
    value = Math.imul(value ^ (value >>> 15), value | 1);
    value ^= value + Math.imul(value ^ (value >>> 7), value | 61);
    return ((value ^ (value >>> 14)) >>> 0) / 4294967296;
  };
}

/** `count` distinct random expressions (each the source of a `{{ … }}`) from `seed`. */
export function randomExpressions(seed: number, count: number): string[] {
  const random = generator(seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)];
  const atom = (): string => {
    const choice = random();
    if (choice < 0.25) return pick(INTS);
    if (choice < 0.32) return pick(BIG_INTS);
    if (choice < 0.42) return pick(FLOATS);
    if (choice < 0.57) return pick(STRINGS);
    if (choice < 0.75) return pick(LITERALS);
    return pick(VARIABLES);
  };
  // The right side of `**` stays a small int (or an ill-typed atom): `2 ** 2 ** 64` would never end.
  const exponent = () => pick(["0", "1", "2", "3", "-1", "'a'", "none", "2.0", "-2", "true", "[]"]);
  const expression = (depth: number): string => {
    const choice = random();
    if (depth <= 0 || choice < 0.2) return atom();
    if (choice < 0.5) {
      const operator = pick(BINARY);
      const right = operator === "**" ? exponent() : expression(depth - 1);
      const left = expression(depth - 1);
      return random() < 0.15 ? `(${left} ${operator} ${right})` : `${left} ${operator} ${right}`;
    }
    if (choice < 0.58) return `${pick(["-", "+", "not "])}${expression(depth - 1)}`;
    if (choice < 0.72) return `${expression(depth - 1)} | ${pick(FILTERS)}`;
    if (choice < 0.8) {
      return `${expression(depth - 1)} is ${random() < 0.3 ? "not " : ""}${pick(TESTS)}`;
    }
    if (choice < 0.85) {
      const otherwise = random() < 0.8 ? ` else ${expression(depth - 1)}` : "";
      return `${expression(depth - 1)} if ${expression(depth - 1)}${otherwise}`;
    }
    if (choice < 0.9) return `${atom()}.${pick(METHODS)}`;
    if (choice < 0.94) {
      const chain = [expression(depth - 1), pick(["<", "<=", "==", "!="]), expression(depth - 1)];
      return [...chain, pick(["<", ">", "in"]), atom()].join(" ");
    }
    if (choice < 0.97) return `[${expression(depth - 1)}, ${expression(depth - 1)}]`;
    const sequence = pick([
      ...STRINGS,
      ...LITERALS.slice(0, 6),
      ...LITERALS.slice(10, 14),
      ...VARIABLES,
    ]);
    return `${sequence}[${pick(["0", "-1", "1:", ":2", "::-1", "'a'", "u", "1.5", "1, 2"])}]`;
  };
  const expressions = new Set<string>();
  for (let attempt = 0; expressions.size < count && attempt < count * 100; attempt++) {
    expressions.add(expression(1 + Math.floor(random() * 4)));
  }
  return [...expressions];
}
