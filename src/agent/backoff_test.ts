import assert from "node:assert/strict";
import { Backoff } from "./backoff.ts";

Deno.test("delays double up to the maximum, jittered within the upper half of each step", () => {
  const low = new Backoff({ initialMs: 100, maxMs: 1000, random: () => 0 });
  assert.deepEqual([1, 2, 3, 4, 5, 6].map(() => low.next()), [50, 100, 200, 400, 500, 500]);
  const high = new Backoff({ initialMs: 100, maxMs: 1000, random: () => 0.999999 });
  assert.deepEqual([1, 2, 3, 4, 5].map(() => high.next()), [100, 200, 400, 800, 1000]);
});

Deno.test("a reset starts from the first step again", () => {
  const backoff = new Backoff({ initialMs: 100, random: () => 0.5 });
  backoff.next();
  backoff.next();
  backoff.reset();
  assert.equal(backoff.next(), 75);
});
