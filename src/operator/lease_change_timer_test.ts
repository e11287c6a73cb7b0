import assert from "node:assert/strict";
import { LeaseChangeTimer } from "./lease_change_timer.ts";

Deno.test("the latency runs from when the agent saw the earliest unapplied change", () => {
  const timer = new LeaseChangeTimer();
  assert.equal(timer.applied(5_000), undefined, "nothing pending, nothing measured");
  timer.changed(1_000);
  timer.changed(1_500);
  assert.equal(timer.applied(1_800), 800);
  assert.equal(timer.applied(2_000), undefined, "measured once");
});

Deno.test("a change that applies nothing leaves no stale start time", () => {
  const timer = new LeaseChangeTimer();
  timer.changed(1_000);
  timer.settled(timer.changes);
  timer.changed(9_000);
  assert.equal(timer.applied(9_250), 250);
});

Deno.test("settling keeps a change that came in after the reconciles it waited for", () => {
  const timer = new LeaseChangeTimer();
  timer.changed(1_000);
  const changes = timer.changes;
  timer.changed(2_000);
  timer.settled(changes);
  assert.equal(timer.applied(2_400), 1_400);
});

Deno.test("an agent clock ahead of ours gives 0, not a negative latency", () => {
  const timer = new LeaseChangeTimer();
  timer.changed(5_000);
  assert.equal(timer.applied(4_000), 0);
});
