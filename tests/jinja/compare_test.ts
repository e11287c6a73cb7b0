import assert from "node:assert/strict";
import { checkDifferences, compareOutcomes, parseKnownDifferences } from "./compare.ts";

Deno.test("compareOutcomes tells outputs, failures and error classes apart", () => {
  const ok = (output: string) => ({ ok: true as const, output });
  const fail = (kind: string) => ({ ok: false as const, kind, error: `${kind}: …` });
  assert.equal(compareOutcomes(ok("a"), ok("a")), undefined);
  assert.equal(compareOutcomes(ok("a"), ok("b")), "output");
  assert.equal(compareOutcomes(ok("a"), fail("TypeError")), "we-fail");
  assert.equal(compareOutcomes(fail("TypeError"), ok("a")), "we-render");
  assert.equal(compareOutcomes(fail("TypeError"), fail("TypeError")), undefined);
  assert.equal(compareOutcomes(fail("TypeError"), fail("TemplateSyntaxError")), "error-kind");
  assert.equal(compareOutcomes(fail("UndefinedError"), fail("TypeError")), "error-kind");
  // Jinja2's subclass of a syntax error is a syntax error.
  assert.equal(
    compareOutcomes(fail("TemplateAssertionError"), fail("TemplateSyntaxError")),
    undefined,
  );
});

Deno.test("known differences are keyed by case and say which difference and why", () => {
  const cases = (entries: unknown) => ({ cases: entries, "not-generated": { x: "why" } });
  const known = parseKnownDifferences(cases({
    "a@one": { difference: "we-fail", reason: "no \\N{…}" },
  }));
  assert.deepEqual([...known.keys()], ["a@one"]);
  assert.throws(
    () => parseKnownDifferences(cases({ a: { difference: "we-fail", reason: "x" } })),
    /case/,
  );
  assert.throws(() =>
    parseKnownDifferences(cases({ "a@one": { difference: "any", reason: "x" } }))
  );
  assert.throws(
    () => parseKnownDifferences(cases({ "a@one": { difference: "output" } })),
    /reason/,
  );
  assert.equal(parseKnownDifferences(cases({})).size, 0);
  assert.equal(parseKnownDifferences(null).size, 0);
});

Deno.test("checkDifferences finds undocumented, misdocumented and stale entries", () => {
  const known = parseKnownDifferences({
    cases: {
      "a@one": { difference: "we-fail", reason: "r" },
      "b@one": { difference: "output", reason: "r" },
      "c@one": { difference: "output", reason: "r" },
    },
  });
  const found = new Map([
    ["a@one", "we-fail" as const],
    ["a@two", "we-fail" as const],
    ["b@one", "error-kind" as const],
  ]);
  assert.deepEqual(checkDifferences(found, known), {
    undocumented: ["a@two: we-fail", "b@one: error-kind"],
    stale: ["b@one: output", "c@one: output"],
  });
});
