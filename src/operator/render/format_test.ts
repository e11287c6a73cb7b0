import assert from "node:assert/strict";
import { pyFormatValue, pyStrFormat } from "./format.ts";
import { PyFloat } from "./python.ts";

Deno.test("str.format fills fields by position, number, name, index and attribute", () => {
  assert.equal(pyStrFormat("{}-{}", ["a", 1], {}), "a-1");
  assert.equal(pyStrFormat("{0}{1}{0}", ["a", "b"], {}), "aba");
  assert.equal(pyStrFormat("{n}={v!r}", [], { n: "x", v: "y" }), "x='y'");
  assert.equal(pyStrFormat("{0[1]} {d[k]}", [["a", "b"]], { d: { k: 3 } }), "b 3");
  assert.equal(pyStrFormat("{{}} {:>{}}", ["x", 3], {}), "{}   x");
  assert.throws(() => pyStrFormat("{}{0}", [1, 2], {}), /cannot switch/);
  assert.throws(() => pyStrFormat("{2}", [1], {}), /out of range/);
  assert.throws(() => pyStrFormat("a}", [], {}), /Single '}'/);
});

Deno.test("format specs as Python's mini-language", () => {
  const cases: [unknown, string, string][] = [
    ["ab", ">5", "   ab"],
    ["ab", "*^6", "**ab**"],
    ["abcdef", ".2", "ab"],
    [42, "05d", "00042"],
    [255, "#x", "0xff"],
    [1234567, ",", "1,234,567"],
    [2n ** 64n, "_", "18_446_744_073_709_551_616"],
    [5, "+d", "+5"],
    [-5, "=6", "-    5"],
    [3.14159, ".2f", "3.14"],
    [12345.678, "e", "1.234568e+04"],
    [0.25, ".1%", "25.0%"],
    [1234567.0, ".3g", "1.23e+06"],
    [31.4159, ".2", "3.1e+01"],
    [new PyFloat(1), ".3", "1.0"],
    [true, ">3", "  1"],
  ];
  for (const [value, spec, text] of cases) assert.equal(pyFormatValue(value, spec), text);
  assert.throws(() => pyFormatValue(1.5, "d"), /Unknown format code 'd'/);
  assert.throws(() => pyFormatValue(null, ">3"), /NoneType.__format__/);
  assert.throws(() => pyFormatValue(1, ".2d"), /Precision not allowed/);
});
