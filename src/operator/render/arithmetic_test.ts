import assert from "node:assert/strict";
import { pyBinary, pyOrder, pyUnary } from "./arithmetic.ts";
import { PyFloat, pyStr, pyTuple, pyTypeName } from "./python.ts";

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

Deno.test("ints past 2^53 are exact BigInts; results that fit are numbers again", () => {
  assert.equal(pyBinary("**", 2, 64), 18446744073709551616n);
  assert.equal(pyBinary("+", 2 ** 53, 1), 9007199254740993n);
  assert.equal(pyBinary("-", 2n ** 53n, 1), Number.MAX_SAFE_INTEGER);
  assert.equal(pyBinary("//", -(2n ** 70n), 7), -168655945816773043347n);
  assert.equal(pyBinary("%", -(2n ** 70n), 7), 5);
  assert.equal(pyUnary("-", 2n ** 64n), -(2n ** 64n));
  assert.equal(pyOrder(">", 2n ** 64n, 2n ** 64n - 1n), true);
  // int / int is the exact quotient rounded once, as in Python.
  assert.equal(pyBinary("/", -15, 9007199254740993n), -1.6653345369377346e-15);
  assert.throws(() => pyBinary("*", "ab", 2n ** 64n), /index-sized integer/);
});

Deno.test("float // and % are CPython's divmod", () => {
  assert.equal(pyStr(pyBinary("//", 7, 0.1)), "69.0");
  assert.equal(pyBinary("%", 7, 0.1), 0.09999999999999962);
  assert.equal(pyStr(pyBinary("//", -7.5, 2)), "-4.0");
  assert.equal(pyBinary("%", 7.5, -2), -0.5);
});

Deno.test("ints and floats compare exactly, as in Python", () => {
  assert.equal(pyOrder(">=", 2 ** 53, 2n ** 53n + 1n), false);
  assert.equal(pyOrder(">", 2n ** 53n + 1n, new PyFloat(2 ** 53)), true);
  assert.equal(pyOrder("<", -2.5, -2), true);
});
