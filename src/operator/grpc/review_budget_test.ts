import assert from "node:assert/strict";
import { ReviewBudget } from "./review_budget.ts";

Deno.test("the budget allows a burst, then the rate", () => {
  let now = 0;
  const budget = new ReviewBudget({ perSecond: 10, burst: 5, concurrent: 100 }, () => now);
  const started = Array.from({ length: 8 }, () => budget.tryStart());
  assert.deepEqual(started, [true, true, true, true, true, false, false, false]);
  now = 100; // 0.1 s at 10 per second: one more
  assert.equal(budget.tryStart(), true);
  assert.equal(budget.tryStart(), false);
  now = 60_000; // a long quiet time refills only up to the burst
  const afterQuiet = Array.from({ length: 7 }, () => budget.tryStart()).filter(Boolean).length;
  assert.equal(afterQuiet, 5);
});

Deno.test("the budget caps reviews in flight", () => {
  const budget = new ReviewBudget({ perSecond: 1000, burst: 1000, concurrent: 2 }, () => 0);
  assert.equal(budget.tryStart(), true);
  assert.equal(budget.tryStart(), true);
  assert.equal(budget.tryStart(), false, "two in flight");
  assert.equal(budget.inFlight, 2);
  budget.finish();
  assert.equal(budget.tryStart(), true);
  assert.equal(budget.inFlight, 2);
});
