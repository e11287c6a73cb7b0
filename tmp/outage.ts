import { startControlPlane } from "../tools/testcluster/control_plane.ts";
import { Pipeline } from "../tests/support/pipeline.ts";
const cluster = await startControlPlane();
const log: string[] = [];
const t0 = performance.now();
const stamp = () => ((performance.now() - t0) / 1000).toFixed(1);
const p = await Pipeline.start({ kubeconfigPath: cluster.kubeconfigPath, nodes: ["n1"], namespace: "outage", operators: 2, onLine: (l) => log.push(`${stamp()} ${l}`) });
try {
  await p.apply(new URL("../examples/cilium-pool-template.yaml", import.meta.url));
  await p.waitForPool("n1", "exists", (c) => c !== undefined);
  console.log(stamp(), "pool", await p.cidrs("n1"));
  await fetch(`${cluster.controlUrl}/stop-apiserver`, { method: "POST" }).then((r) => r.text());
  console.log(stamp(), "apiserver stopped");
  await p.testbed.setDelegatedPrefix("n1", "2001:db8:1d00::/56");
  await new Promise((r) => setTimeout(r, 30000));
  await fetch(`${cluster.controlUrl}/start-apiserver`, { method: "POST" }).then((r) => r.text());
  console.log(stamp(), "apiserver started");
  await p.waitForPool("n1", "new", (c) => c?.includes("2001:db8:1d00::/56") ?? false, 90_000).catch((e) => console.log("FAILED", e.message));
  console.log(stamp(), "pool", await p.cidrs("n1"));
} finally {
  await Deno.writeTextFile("/tmp/outage.log", log.join("\n"));
  await p.stop();
  await cluster.stop();
}
