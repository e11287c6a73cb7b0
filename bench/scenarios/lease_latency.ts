/**
 * Lease change → object applied, through every real part: the DHCP server delegates a new prefix,
 * dhcpcd renews and writes its lease, the agent pushes, the operator stores and renders, and the
 * pool in the apiserver carries the new prefix. Timed per change with 10 ms polling.
 *
 * @module
 */
import { Pipeline } from "../../tests/support/pipeline.ts";

const EXAMPLE = new URL("../../examples/cilium-pool-template.yaml", import.meta.url);

/** Latencies (milliseconds) of `changes` prefix changes, in the order they were made. */
export async function runLeaseLatency(kubeconfigPath: string, changes = 50): Promise<number[]> {
  const node = "bench-latency";
  const pipeline = await Pipeline.start({
    kubeconfigPath,
    nodes: [node],
    namespace: "bench-latency",
    lifetimes: { preferred: 30, valid: 60 },
  });
  try {
    await pipeline.apply(EXAMPLE);
    const [first] = await pipeline.testbed.delegatedPrefixes(node);
    await pipeline.waitForPool(
      node,
      `to carry ${first}`,
      (cidrs) => cidrs?.includes(first) ?? false,
    );
    const latencies: number[] = [];
    for (let change = 1; change <= changes; change++) {
      const cidr = `2001:db8:${(0x2000 + change * 0x100).toString(16)}::/56`;
      const started = performance.now();
      await pipeline.testbed.setDelegatedPrefix(node, cidr);
      while (!((await pipeline.cidrs(node))?.includes(cidr))) {
        if (performance.now() - started > 30_000) throw new Error(`${cidr} never reached the pool`);
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      latencies.push(performance.now() - started);
    }
    return latencies;
  } finally {
    await pipeline.deleteTemplate("dhcp-pool-template");
    await pipeline.stop();
  }
}
