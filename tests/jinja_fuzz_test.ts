/**
 * The differential expression fuzzer against real Jinja2 (tests/jinja/expressions.ts,
 * tests/jinja/differential.ts): 10,000 random expressions, seeded, every one rendered by Jinja2
 * (one Python process) and by our renderer; the outputs, or the phase of the error, must agree.
 * `deno task bench` runs more seeds.
 */
import assert from "node:assert/strict";
import { describe, differences } from "./jinja/differential.ts";
import { EXPRESSION_DATA, randomExpressions } from "./jinja/expressions.ts";

/** Fixed, so that a failure reproduces: `deno run -A tests/jinja/fuzz.ts --expressions 1 10000`. */
const SEED = 1;
const CASES = 10_000;

Deno.test(`${CASES} random expressions render as in Jinja2`, async () => {
  const templates = randomExpressions(SEED, CASES).map((expression) => `{{ ${expression} }}`);
  assert.equal(templates.length, CASES);
  const result = await differences(templates, EXPRESSION_DATA);
  console.log(
    `Jinja2 ${result.version}: ${CASES - result.differences.length}/${CASES} expressions identical`,
  );
  assert.deepEqual(result.differences.map(describe), []);
});
