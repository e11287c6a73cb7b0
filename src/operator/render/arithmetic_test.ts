import assert from "node:assert/strict";
import { pyBinary, pyOrder, pyUnary } from "./arithmetic.ts";
import { pyStr, pyTuple, pyTypeName } from "./python.ts";

Deno.test("numbers and booleans compute as in Python", () => {
  assert.equal(pyBinary("+", 1, true), 2);
  assert.equal(pyBinary("//", -7, 2), -4);
  assert.equal(pyBinary("%", -7, 3), 2);
  assert.equal(pyBinary("%", 7, -3), -2);
  assert.equal(pyBinary("/", 7, 2), 3.5);
  assert.equal(pyBinary("**", 2, 10), 1024);
  assert.equal(pyUnary("-", 3), -3);
});

Deno.test("division by zero and mixed types are errors, not Infinity, NaN or 'a1'", () => {
  assert.throws(() => pyBinary("/", 1, 0), /division by zero/);
  assert.throws(() => pyBinary("//", 1, 0), /division or modulo by zero/);
  assert.throws(() => pyBinary("%", 1, 0), /modulo by zero/);
  assert.throws(() => pyBinary("+", "a", 1), /can only concatenate str \(not "int"\) to str/);
  assert.throws(
    () => pyBinary("-", "a", 1),
    /unsupported operand type\(s\) for -: 'str' and 'int'/,
  );
  assert.throws(() => pyBinary("+", null, 1), /'NoneType' and 'int'/);
  assert.throws(() => pyBinary("+", undefined, 1), /undefined value/);
  assert.throws(() => pyBinary("*", "a", "b"), /can't multiply sequence by non-int of type 'str'/);
  assert.throws(() => pyUnary("-", "a"), /bad operand type for unary -: 'str'/);
  assert.throws(() => pyBinary("+", [1], pyTuple([2])), /concatenate list \(not "tuple"\)/);
});

Deno.test("strings, lists and tuples concatenate, repeat and format", () => {
  assert.equal(pyBinary("+", "a", "b"), "ab");
  assert.equal(pyBinary("*", "-", 3), "---");
  assert.equal(pyBinary("*", 2, "ab"), "abab");
  assert.deepEqual(pyBinary("*", [0], 2), [0, 0]);
  assert.equal(pyStr(pyBinary("*", pyTuple([1]), 2)), "(1, 1)");
  assert.equal(pyStr(pyBinary("+", pyTuple([1]), pyTuple([2]))), "(1, 2)");
  assert.equal(pyBinary("%", "%s-%02d", pyTuple(["a", 7])), "a-07");
  assert.equal(pyBinary("%", "%s!", [1, 2]), "[1, 2]!", "a list is one value");
});

Deno.test("ordering works within a kind and fails across kinds", () => {
  assert.ok(pyOrder("<", 1, 2) && pyOrder("<", true, 2) && pyOrder(">=", "b", "a"));
  assert.ok(pyOrder("<", [1, 2], [1, 3]) && pyOrder("<=", pyTuple([1]), pyTuple([1])));
  assert.throws(() => pyOrder("<", "a", 1), /not supported/);
  assert.throws(() => pyOrder("<", null, 1), /'<' not supported between instances of 'NoneType'/);
});

Deno.test("type names are Python's", () => {
  assert.deepEqual(
    [null, undefined, 1, 1.5, true, "s", [1], pyTuple([1]), {}].map(pyTypeName),
    ["NoneType", "Undefined", "int", "float", "bool", "str", "list", "tuple", "dict"],
  );
});

Deno.test("'/' and any float operand give a float, which prints with .0", () => {
  assert.equal(pyStr(pyBinary("/", 10, 2)), "5.0");
  assert.equal(pyStr(pyBinary("*", 0.5, 2)), "1.0");
  assert.equal(pyStr(pyBinary("//", 7, 2)), "3");
  assert.equal(pyStr(pyBinary("**", 2, -1)), "0.5");
  assert.equal(pyStr(pyUnary("-", pyBinary("+", 1, pyBinary("/", 2, 2)))), "-2.0");
  assert.throws(() => pyBinary("*", "ab", pyBinary("/", 4, 2)), /non-int of type 'float'/);
});
