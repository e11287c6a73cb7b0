import assert from "node:assert/strict";
import { CoalescingQueue, type QueueClock } from "./coalesce.ts";

/** A clock that moves only when the test says so; timers fire in due order on `advance`. */
class ManualClock implements QueueClock {
  #time = 0;
  #timers: { dueMs: number; callback: () => void }[] = [];

  now(): number {
    return this.#time;
  }

  after(ms: number, callback: () => void): () => void {
    const timer = { dueMs: this.#time + ms, callback };
    this.#timers.push(timer);
    return () => this.#timers = this.#timers.filter((other) => other !== timer);
  }

  /** When the pending timers are due. */
  due(): number[] {
    return this.#timers.map((timer) => timer.dueMs);
  }

  /** Moves the time to `ms` and fires the timers due by then. */
  advanceTo(ms: number) {
    this.#time = ms;
    for (const timer of [...this.#timers].sort((a, b) => a.dueMs - b.dueMs)) {
      if (timer.dueMs > ms) break;
      this.#timers = this.#timers.filter((other) => other !== timer);
      timer.callback();
    }
  }
}

/** `promise`, or a rejection naming `what` when it has not settled within 10 s. */
async function within<T>(promise: Promise<T>, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), 10_000);
  });
  try {
    return await Promise.race([promise, expired]);
  } finally {
    clearTimeout(timer);
  }
}

/** A queue on a manual clock that records each batch with the clock time it started at. */
function recordingQueue(windowMs: number) {
  const clock = new ManualClock();
  const batches: { atMs: number; keys: string[] }[] = [];
  const queue = new CoalescingQueue<string>(windowMs, (keys) => {
    batches.push({ atMs: clock.now(), keys: [...keys].sort() });
    return Promise.resolve();
  }, clock);
  return { clock, batches, queue };
}

Deno.test("a lone key is handled at once, with no window to wait for", async () => {
  const { clock, batches, queue } = recordingQueue(50);
  queue.add("a");
  assert.deepEqual(clock.due(), [], "no timer: the batch does not wait for the window");
  await within(queue.idle(), "the batch");
  assert.deepEqual(batches, [{ atMs: 0, keys: ["a"] }]);
  await queue.close();
});

Deno.test("keys added in the same turn are handled in one batch", async () => {
  const { batches, queue } = recordingQueue(50);
  queue.add("a");
  queue.add("b", "a");
  await within(queue.idle(), "the batch");
  assert.deepEqual(batches, [{ atMs: 0, keys: ["a", "b"] }]);
  await queue.close();
});

Deno.test("keys within the window after a batch wait for one trailing batch at its end", async () => {
  const { clock, batches, queue } = recordingQueue(50);
  queue.add("a");
  await within(queue.idle(), "the first batch");
  clock.advanceTo(10);
  queue.add("b");
  clock.advanceTo(30);
  queue.add("c", "b");
  assert.deepEqual(clock.due(), [50], "one trailing batch, due a window after the first began");
  assert.equal(batches.length, 1);
  clock.advanceTo(50);
  await within(queue.idle(), "the trailing batch");
  assert.deepEqual(batches, [{ atMs: 0, keys: ["a"] }, { atMs: 50, keys: ["b", "c"] }]);
  await queue.close();
});

Deno.test("after a quiet window the next key is handled at once again", async () => {
  const { clock, batches, queue } = recordingQueue(50);
  queue.add("a");
  await within(queue.idle(), "the first batch");
  clock.advanceTo(50);
  queue.add("b");
  assert.deepEqual(clock.due(), []);
  await within(queue.idle(), "the second batch");
  assert.deepEqual(batches, [{ atMs: 0, keys: ["a"] }, { atMs: 50, keys: ["b"] }]);
  await queue.close();
});

Deno.test("a steady stream of keys is handled once per window, never starved", async () => {
  const { clock, batches, queue } = recordingQueue(50);
  for (let ms = 0; ms <= 200; ms += 10) {
    clock.advanceTo(ms);
    queue.add(`k${ms}`);
    // A batch that started (no timer waits) runs to its end before the next key.
    if (clock.due().length === 0) await within(queue.idle(), `the batch at ${ms} ms`);
  }
  clock.advanceTo(250);
  await within(queue.idle(), "the last batch");
  assert.deepEqual(batches.map((batch) => batch.atMs), [0, 50, 100, 150, 200]);
  assert.deepEqual(batches[1].keys, ["k10", "k20", "k30", "k40", "k50"]);
  assert.equal(batches.flatMap((batch) => batch.keys).length, 21);
  await queue.close();
});

Deno.test("batches never overlap: keys added during a run wait for its end", async () => {
  const clock = new ManualClock();
  const batches: { atMs: number; keys: string[] }[] = [];
  let running = 0;
  let mostAtOnce = 0;
  const release = Promise.withResolvers<void>();
  const firstStarted = Promise.withResolvers<void>();
  const queue = new CoalescingQueue<string>(50, async (keys) => {
    running++;
    mostAtOnce = Math.max(mostAtOnce, running);
    batches.push({ atMs: clock.now(), keys: [...keys] });
    if (keys.has("slow")) {
      firstStarted.resolve();
      await release.promise;
    }
    running--;
  }, clock);
  queue.add("slow");
  await within(firstStarted.promise, "the first batch to start");
  queue.add("during");
  // The window has passed, but the first batch still runs: the next one must not start.
  clock.advanceTo(120);
  queue.add("later");
  assert.deepEqual(clock.due(), []);
  assert.equal(batches.length, 1);
  release.resolve();
  await within(queue.idle(), "both batches");
  assert.equal(mostAtOnce, 1);
  // It starts when the first ends: the window since that one began has long passed.
  assert.deepEqual(batches, [{ atMs: 0, keys: ["slow"] }, {
    atMs: 120,
    keys: ["during", "later"],
  }]);
  await queue.close();
});

Deno.test("a closed queue drops what waits and ignores new keys", async () => {
  const { clock, batches, queue } = recordingQueue(50);
  queue.add("a");
  await within(queue.idle(), "the first batch");
  queue.add("waiting");
  await queue.close();
  queue.add("b");
  clock.advanceTo(100);
  await within(queue.idle(), "the closed queue");
  assert.deepEqual(batches, [{ atMs: 0, keys: ["a"] }]);
  assert.deepEqual(clock.due(), []);
});
