import assert from "node:assert/strict";
import { decideLease } from "./decide.ts";

const now = new Date("2026-11-24T12:00:00Z");
const secondsAgo = (seconds: number) => new Date(now.getTime() - seconds * 1000);

Deno.test("a missing or released lease is acquired", () => {
  assert.equal(decideLease(undefined, "a", now), "acquire");
  assert.equal(decideLease({ holderIdentity: "" }, "a", now), "acquire");
});

Deno.test("our own lease is renewed, even when it ran out", () => {
  const lease = { holderIdentity: "a", leaseDurationSeconds: 15, renewTime: secondsAgo(60) };
  assert.equal(decideLease(lease, "a", now), "renew");
});

Deno.test("another holder's live claim is followed until it runs out", () => {
  const live = { holderIdentity: "b", leaseDurationSeconds: 15, renewTime: secondsAgo(14) };
  assert.equal(decideLease(live, "a", now), "follow");
  const expired = { holderIdentity: "b", leaseDurationSeconds: 15, renewTime: secondsAgo(15) };
  assert.equal(decideLease(expired, "a", now), "acquire");
});

Deno.test("a claim without renew time or duration is taken over", () => {
  assert.equal(decideLease({ holderIdentity: "b" }, "a", now), "acquire");
});
