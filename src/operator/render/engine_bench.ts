/**
 * The engine's cost of isolating templates: each compiled template has an environment of its own
 * (filters, tests and globals in frozen tables), and every name is checked before code is made.
 */
import { templateSource } from "../../cli/render.ts";
import { nodeWithPrefix } from "../../../tests/support/nodes.ts";
import { compileTemplate } from "./engine.ts";

const { source } = templateSource(
  await Deno.readTextFile(new URL("../../../examples/cilium-pool-template.yaml", import.meta.url)),
);
const nodes = Array.from(
  { length: 50 },
  (_, index) => nodeWithPrefix(`node-${index}`, `2001:db8:${(index + 0x1000).toString(16)}::`),
);
const compiled = compileTemplate(source);

Deno.bench("compile the product example with an environment of its own (engine only)", () => {
  compileTemplate(source);
});

Deno.bench("render the compiled product example for 50 nodes (engine only)", () => {
  compiled.render({ nodes });
});
