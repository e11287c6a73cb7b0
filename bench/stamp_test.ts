import assert from "node:assert/strict";
import { formatStamp, parseStamp, sourceDigest } from "./stamp.ts";

Deno.test("the stamp line round-trips and is found in a RESULTS.md text", () => {
  const stamp = { commit: "a".repeat(40), digest: "b".repeat(64) };
  assert.deepEqual(parseStamp(`# Benchmark results\n\n${formatStamp(stamp)}\n\n| x |`), stamp);
  assert.equal(parseStamp("# Benchmark results\n\nRun on 2026-11-30."), undefined);
});

Deno.test("sourceDigest changes with a file's content, its name, or a new file", async () => {
  const dir = await Deno.makeTempDir();
  const root = new URL(`file://${dir}/`);
  try {
    await Deno.mkdir(`${dir}/a`);
    await Deno.writeTextFile(`${dir}/a/x.ts`, "export const x = 1;\n");
    const first = await sourceDigest(root);
    assert.equal(await sourceDigest(root), first);
    await Deno.writeTextFile(`${dir}/a/x.ts`, "export const x = 2;\n");
    const changed = await sourceDigest(root);
    assert.notEqual(changed, first);
    await Deno.rename(`${dir}/a/x.ts`, `${dir}/a/y.ts`);
    assert.notEqual(await sourceDigest(root), changed);
    await Deno.writeTextFile(`${dir}/z.ts`, "");
    const added = await sourceDigest(root);
    await Deno.remove(`${dir}/z.ts`);
    assert.notEqual(added, await sourceDigest(root));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
