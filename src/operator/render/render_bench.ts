/** Rendering the product example for 5,000 nodes, worker round trip included (target ≤ 200 ms). */
import type { Node } from "../../shared/model.ts";
import { templateSource } from "../../cli/render.ts";
import { nodeWithPrefix } from "../../../tests/support/nodes.ts";
import { SandboxedRenderer } from "./sandbox.ts";

const { source } = templateSource(
  await Deno.readTextFile(new URL("../../../examples/cilium-pool-template.yaml", import.meta.url)),
);
const nodes: Node[] = Array.from(
  { length: 5000 },
  (_, index) =>
    nodeWithPrefix(
      `node-${String(index).padStart(4, "0")}`,
      `2001:db8:${(index + 0x1000).toString(16)}::`,
    ),
);
const renderer = new SandboxedRenderer({ timeoutMs: 10_000, outputBytes: 64 * 1024 * 1024 });
// Warm up: start the worker and compile the template once, as a running operator has.
const warm = await renderer.render("dhcp-pool-template", source, nodes);
if (!warm.ok || warm.objects.length !== 5000) {
  throw new Error("the example did not render 5,000 pools");
}

let change = 0;
Deno.bench(
  "render the product example for 5,000 nodes after one prefix changed (worker round trip)",
  async () => {
    // As in operation: one node's lease changed since the last render.
    const index = change++ % nodes.length;
    nodes[index] = nodeWithPrefix(
      nodes[index].name,
      `2001:db8:${(change % 0xffff).toString(16)}::`,
    );
    const result = await renderer.render("dhcp-pool-template", source, nodes);
    if (!result.ok) throw new Error(result.error.message);
  },
);

Deno.bench("render the product example for 5,000 new nodes (nothing cached)", async () => {
  const result = await renderer.render(`fresh-${change++}`, source, nodes);
  if (!result.ok) throw new Error(result.error.message);
});

globalThis.addEventListener("unload", () => renderer.close());
