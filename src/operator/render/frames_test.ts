import assert from "node:assert/strict";
import { decodeFrame, encodeFrame, frameJson, frameOf, lines } from "./frames.ts";

Deno.test("a frame is one marked line that decodes to the value; other lines are no frames", () => {
  const value = { id: 1, text: "line\nbreak \u2028 €", nested: [null, true, 1.5] };
  const frame = encodeFrame(value);
  assert.equal(frame.indexOf("\n"), frame.length - 1);
  assert.deepEqual(decodeFrame(frame.slice(0, -1)), value);
  assert.equal(decodeFrame('{"id":1}'), undefined);
  assert.equal(decodeFrame("Warning: something"), undefined);
  assert.equal(frameJson(frameOf('{"a":1}').slice(0, -1)), '{"a":1}');
  assert.equal(frameJson('{"a":1}'), undefined);
});

Deno.test("lines splits a byte stream at line breaks, across chunks and multi-byte characters", async () => {
  const bytes = new TextEncoder().encode("a€b\n\ncd\nlast");
  const chunks = [bytes.slice(0, 2), bytes.slice(2, 7), bytes.slice(7)];
  const stream = ReadableStream.from(chunks);
  const seen: string[] = [];
  for await (const line of lines(stream)) seen.push(line);
  assert.deepEqual(seen, ["a€b", "", "cd", "last"]);
});
