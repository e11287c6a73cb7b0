import assert from "node:assert/strict";
import {
  parsePyFloat,
  parsePyInt,
  PyDictView,
  pyEquals,
  PyFloat,
  pyFloat,
  pyFloatRepr,
  pyJson,
  pyRepr,
  pyStr,
  pyTruthy,
  PyTuple,
  pyTuple,
  pyTypeName,
} from "./python.ts";

Deno.test("tuples print the Python way, with the comma of a single item", () => {
  assert.equal(pyStr(pyTuple(["a", 1])), "('a', 1)");
  assert.equal(pyStr(pyTuple([1])), "(1,)");
  assert.equal(pyStr(pyTuple([])), "()");
  assert.equal(pyRepr([pyTuple(["a", ["x"]]), null]), "[('a', ['x']), None]");
});

Deno.test("a tuple is a sequence, and what array methods derive from it is a list", () => {
  const tuple = pyTuple([3, 1, 2]);
  assert.ok(Array.isArray(tuple));
  assert.ok(!(tuple.map((item) => item) instanceof PyTuple));
  assert.ok(!(tuple.slice(1) instanceof PyTuple));
  assert.equal(pyStr(tuple.filter((item) => item > 1)), "[3, 2]");
  assert.equal(pyTruthy(pyTuple([])), false);
  assert.equal(pyTruthy(pyTuple([0])), true);
});

Deno.test("dict views print with their type name", () => {
  assert.equal(pyStr(new PyDictView("dict_keys", ["a", "b"])), "dict_keys(['a', 'b'])");
  assert.equal(
    pyStr(new PyDictView("dict_items", [pyTuple(["a", 1])])),
    "dict_items([('a', 1)])",
  );
});

Deno.test("pyEquals follows Python's ==", () => {
  assert.ok(pyEquals(pyTuple([1, "a"]), pyTuple([1, "a"])));
  assert.ok(!pyEquals(pyTuple([1, 2]), [1, 2]), "a tuple never equals a list");
  assert.ok(pyEquals([1, [2, { a: 3 }]], [1, [2, { a: 3 }]]));
  assert.ok(pyEquals({ a: 1, b: 2 }, { b: 2, a: 1 }), "dict order does not matter");
  assert.ok(!pyEquals({ a: 1 }, { a: 1, b: 2 }));
  assert.ok(pyEquals(1, true) && pyEquals(0, false) && pyEquals(3, 3.0));
  assert.ok(!pyEquals(1, "1"));
  assert.ok(!pyEquals(null, undefined), "None is not an undefined value");
  assert.ok(!pyEquals(NaN, NaN));
});

Deno.test("a function prints as a built-in method, never as the engine's source", () => {
  assert.equal(pyStr(() => 1), "<built-in method>");
  assert.equal(pyRepr([() => 1]), "[<built-in method>]");
});

Deno.test("an integral float prints with .0, and is a number everywhere else", () => {
  assert.equal(pyStr(pyFloat(5)), "5.0");
  assert.equal(pyStr(pyFloat(2.5)), "2.5", "a float with a fraction stays a plain number");
  assert.equal(pyRepr([pyFloat(-0), pyFloat(1e16)]), "[-0.0, 1e+16]");
  assert.equal(pyJson({ a: pyFloat(2) }), '{"a": 2.0}');
  assert.ok(pyEquals(pyFloat(1), 1) && pyEquals(pyFloat(1), true));
  assert.equal(pyTruthy(pyFloat(0)), false);
  assert.equal(Number(new PyFloat(3)) + 1, 4);
  assert.equal(pyTypeName(pyFloat(3)), "float");
});

Deno.test("floats print as Python's repr", () => {
  const cases: [number, string][] = [
    [1e-5, "1e-05"],
    [1.5e-7, "1.5e-07"],
    [0.0001, "0.0001"],
    [1e16, "1e+16"],
    [1e15, "1000000000000000.0"],
    [123456789012345678, "1.2345678901234568e+17"],
    [0.1 + 0.2, "0.30000000000000004"],
    [-0, "-0.0"],
  ];
  for (const [value, text] of cases) assert.equal(pyFloatRepr(value), text);
  assert.equal(pyRepr(2n ** 64n), "18446744073709551616");
  assert.equal(pyRepr(1e21), "1000000000000000000000");
});

Deno.test("int() and float() parse strings as Python", () => {
  assert.equal(parsePyInt(" 1_000 "), 1000n);
  assert.equal(parsePyInt("0x1F", 16), 31n);
  assert.equal(parsePyInt("0x1F", 0), 31n);
  assert.equal(parsePyInt("0b1", 16), 0xb1n);
  assert.equal(parsePyInt("-ff", 16), -255n);
  assert.equal(parsePyInt("12", 2), undefined);
  assert.equal(parsePyInt("010", 0), undefined);
  assert.equal(parsePyInt("99999999999999999999"), 99999999999999999999n);
  assert.equal(parsePyFloat("1_0.5"), 10.5);
  assert.equal(parsePyFloat("-Infinity"), -Infinity);
  assert.equal(parsePyFloat("1e"), undefined);
});
