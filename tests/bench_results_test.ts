/**
 * bench/RESULTS.md must describe the code in `src/` as it is: it names the commit it measured and
 * a digest of `src/` then; the digest of `src/` now must be the same. Works from the files alone
 * (a shallow clone or an export without git measures the same).
 */
import assert from "node:assert/strict";
import { parseStamp, sourceDigest } from "../bench/stamp.ts";

Deno.test("bench/RESULTS.md was measured on the code in src/ as it is now", async () => {
  const results = await Deno.readTextFile(new URL("../bench/RESULTS.md", import.meta.url));
  const stamp = parseStamp(results);
  assert.ok(stamp, "bench/RESULTS.md does not name the commit it measured: run `deno task bench`");
  assert.equal(
    await sourceDigest(),
    stamp.digest,
    `src/ changed after bench/RESULTS.md was measured at commit ${stamp.commit}: ` +
      "run `deno task bench` and commit its RESULTS.md",
  );
});
