/**
 * Rendering the product example (`examples/cilium-pool-template.yaml`) after one node's prefix
 * changed, as the operator does: through the render process (the isolation: JSON over a pipe to
 * a killable process, on to its permission-less worker and back) and, for comparison, in-process
 * (the same render job, no isolation). The difference is the cost of the isolation per render;
 * target: under 5 ms. For 5,000 nodes (target ≤ 200 ms in all) and for 50.
 */
import type { Node } from "../../shared/model.ts";
import { templateSource } from "../../cli/render.ts";
import { nodeWithPrefix } from "../../../tests/support/nodes.ts";
import { RenderJobs } from "./render_job.ts";
import { SandboxedRenderer } from "./sandbox.ts";

const { source } = templateSource(
  await Deno.readTextFile(new URL("../../../examples/cilium-pool-template.yaml", import.meta.url)),
);
const renderer = new SandboxedRenderer({ timeoutMs: 10_000, outputBytes: 64 * 1024 * 1024 });
const inProcess = new RenderJobs();

function makeNodes(count: number): Node[] {
  return Array.from(
    { length: count },
    (_, index) =>
      nodeWithPrefix(
        `node-${String(index).padStart(4, "0")}`,
        `2001:db8:${(index + 0x1000).toString(16)}::`,
      ),
  );
}

/** As in operation: one node's lease changed since the last render. */
function changeOne(nodes: Node[], change: number): void {
  const index = change % nodes.length;
  nodes[index] = nodeWithPrefix(nodes[index].name, `2001:db8:${(change % 0xffff).toString(16)}::`);
}

for (const count of [5000, 50]) {
  const nodes = makeNodes(count);
  const name = `dhcp-pool-template-${count}`;
  // Warm up both: start the render process and compile the template once, as a running
  // operator has.
  const warm = await renderer.render(name, source, nodes);
  if (!warm.ok || warm.objects.length !== count) {
    throw new Error(`the example did not render ${count} pools`);
  }
  const request = { id: 0, name, source, context: { nodes }, outputBytes: 64 * 1024 * 1024 };
  if (!inProcess.run(request).ok) throw new Error("the example did not render in-process");

  let change = 0;
  Deno.bench(
    `render the product example for ${count} nodes after one prefix changed (render process)`,
    { group: `product example, ${count} nodes`, baseline: false },
    async () => {
      changeOne(nodes, ++change);
      const result = await renderer.render(name, source, nodes);
      if (!result.ok) throw new Error(result.error.message);
    },
  );
  Deno.bench(
    `render the product example for ${count} nodes after one prefix changed (in-process)`,
    { group: `product example, ${count} nodes`, baseline: true },
    () => {
      changeOne(nodes, ++change);
      const answer = inProcess.run({ ...request, id: change });
      if (!answer.ok) throw new Error(answer.error.message);
    },
  );
}

Deno.bench(
  "render the product example for 5,000 new nodes (render process, nothing cached)",
  async () => {
    const result = await renderer.render(`fresh-${crypto.randomUUID()}`, source, makeNodes(5000));
    if (!result.ok) throw new Error(result.error.message);
  },
);

globalThis.addEventListener("unload", () => renderer.close());
