/**
 * A stand-in for the operator process in the render limit tests: renders what it reads, one JSON
 * request per line on stdin (`{"name": …, "source": …}`), through the real SandboxedRenderer
 * with its default limits, and prints each result as one JSON line. Run by `RenderDriver`.
 *
 * @module
 */
import { lines } from "../../src/operator/render/frames.ts";
import { SandboxedRenderer } from "../../src/operator/render/sandbox.ts";

const renderer = new SandboxedRenderer();
const encoder = new TextEncoder();
for await (const line of lines(Deno.stdin.readable)) {
  const { name, source } = JSON.parse(line) as { name: string; source: string };
  const result = await renderer.render(name, source, []);
  await Deno.stdout.write(encoder.encode(`${JSON.stringify(result)}\n`));
}
await renderer.close();
