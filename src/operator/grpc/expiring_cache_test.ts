import assert from "node:assert/strict";
import { ExpiringCache } from "./expiring_cache.ts";

Deno.test("entries expire after the time to live, or earlier when asked", () => {
  let now = 1000;
  const cache = new ExpiringCache<string, number>(30_000, 10, () => now);
  cache.set("a", 1);
  cache.set("b", 2, 1500);
  assert.equal(cache.get("a"), 1);
  assert.equal(cache.get("b"), 2);
  now = 1500;
  assert.equal(cache.get("b"), undefined);
  now = 30_999;
  assert.equal(cache.get("a"), 1);
  now = 31_000;
  assert.equal(cache.get("a"), undefined);
  assert.equal(cache.size, 0);
});

Deno.test("the oldest entry goes when the cache is full", () => {
  const cache = new ExpiringCache<string, number>(1000, 2, () => 0);
  cache.set("a", 1);
  cache.set("b", 2);
  cache.set("a", 3);
  cache.set("c", 4);
  assert.equal(cache.get("b"), undefined);
  assert.equal(cache.get("a"), 3);
  assert.equal(cache.get("c"), 4);
});
