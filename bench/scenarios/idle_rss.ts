/**
 * Idle memory of the executables: the operator and one agent after they settled, next to a bare
 * `deno run` of an empty script on the same machine.
 *
 * @module
 */
import { Pipeline } from "../../tests/support/pipeline.ts";
import { processUsage } from "./process_usage.ts";

/** Resident set sizes in MiB. */
export interface IdleRss {
  /** A bare `deno run` of an empty script. */
  bareDeno: number;
  /** The agent, idle. */
  agent: number;
  /** The operator, idle, holding one node and one template. */
  operator: number;
}

const SETTLE_MS = 5000;
const EXAMPLE = new URL("../../examples/cilium-pool-template.yaml", import.meta.url);

/** Measures idle RSS against the control plane of `kubeconfigPath`. */
export async function runIdleRss(kubeconfigPath: string): Promise<IdleRss> {
  const bareDeno = await bareDenoRss();
  const node = "bench-idle";
  const pipeline = await Pipeline.start({ kubeconfigPath, nodes: [node], namespace: node });
  try {
    await pipeline.apply(EXAMPLE);
    await pipeline.waitForPool(node, "to exist", (cidrs) => cidrs !== undefined);
    await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
    return {
      bareDeno,
      agent: processUsage(pipeline.agents.get(node)!.pid).rssMiB,
      operator: processUsage(pipeline.operators[0]!.pid).rssMiB,
    };
  } finally {
    await pipeline.deleteTemplate("dhcp-pool-template");
    await pipeline.stop();
  }
}

/** RSS of `deno run` on a script that only waits. */
async function bareDenoRss(): Promise<number> {
  const script = await Deno.makeTempFile({ suffix: ".ts" });
  await Deno.writeTextFile(
    script,
    "await new Promise((resolve) => setTimeout(resolve, 60_000));\n",
  );
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", script],
    stdout: "null",
    stderr: "null",
  }).spawn();
  try {
    await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
    return processUsage(child.pid).rssMiB;
  } finally {
    child.kill("SIGKILL");
    await child.status;
    await Deno.remove(script);
  }
}
