import assert from "node:assert/strict";
import { CoalescingQueue } from "./coalesce.ts";

Deno.test("keys added within the window are handled in one batch", async () => {
  const batches: string[][] = [];
  const queue = new CoalescingQueue<string>(20, (keys) => {
    batches.push([...keys].sort());
    return Promise.resolve();
  });
  queue.add("a");
  queue.add("b", "a");
  await queue.idle();
  assert.deepEqual(batches, [["a", "b"]]);
  await queue.close();
});

Deno.test("batches never overlap; keys added during a run form the next batch", async () => {
  const batches: string[][] = [];
  let running = 0;
  let overlapped = false;
  const queue = new CoalescingQueue<string>(5, async (keys) => {
    running++;
    overlapped ||= running > 1;
    batches.push([...keys]);
    if (keys.has("first")) queue.add("second");
    await new Promise((resolve) => setTimeout(resolve, 30));
    running--;
  });
  queue.add("first");
  await queue.idle();
  assert.equal(overlapped, false);
  assert.deepEqual(batches, [["first"], ["second"]]);
  await queue.close();
});

Deno.test("a closed queue ignores new keys", async () => {
  let calls = 0;
  const queue = new CoalescingQueue<string>(5, () => {
    calls++;
    return Promise.resolve();
  });
  await queue.close();
  queue.add("a");
  await queue.idle();
  assert.equal(calls, 0);
});
