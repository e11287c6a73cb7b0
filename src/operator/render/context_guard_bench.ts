/** The injection guard over 5,000 nodes (runs before every render, in the worker). */
import type { Node } from "../../shared/model.ts";
import { nodeWithPrefix } from "../../../tests/support/nodes.ts";
import { findUnsafeText } from "./context_guard.ts";

const nodes: Node[] = Array.from(
  { length: 5000 },
  (_, index) =>
    nodeWithPrefix(
      `node-${String(index).padStart(4, "0")}`,
      `2001:db8:${(index + 0x1000).toString(16)}::`,
    ),
);

Deno.bench("check 5,000 nodes for line breaks and control characters", () => {
  if (findUnsafeText(nodes, "nodes")) throw new Error("unexpected unsafe text");
});
