import assert from "node:assert/strict";
import { PyDictView, pyEquals, pyRepr, pyStr, pyTruthy, PyTuple, pyTuple } from "./python.ts";

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
