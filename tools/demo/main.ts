/**
 * `deno task demo`: the whole product on this one machine, on embedded defaults.
 *
 * Starts the real control plane (tools/testcluster), a DHCP testbed (kea + dhcpcd in network
 * namespaces, one simulated node each with its own delegated prefix), the operator and one agent
 * per node as host processes with real, node-bound service account tokens; applies the product
 * example, prints the CiliumLoadBalancerIPPools, changes one node's delegated prefix on the DHCP
 * server and prints the updated pool and how long it took. `--keep-running` keeps everything up
 * for exploring (the KUBECONFIG is printed); `--verbose` shows every process's log. Ctrl-C or a
 * failure cleans up every namespace and process. Needs root (network namespaces).
 *
 * @module
 */
import { parseArgs } from "node:util";
import { stringify } from "yaml";
import { Pipeline, type Pool } from "../../tests/support/pipeline.ts";
import { startControlPlane } from "../testcluster/control_plane.ts";

const EXAMPLE = new URL("../../examples/cilium-pool-template.yaml", import.meta.url);
const NODES = ["node-a", "node-b", "node-c"];
const NEW_PREFIX = "2001:db8:1f00::/56";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    "keep-running": { type: "boolean", default: false },
    "verbose": { type: "boolean", default: false },
  },
});

const started = performance.now();
const cleanups: (() => Promise<unknown>)[] = [];
let cleaning: Promise<void> | undefined;

function say(message: string) {
  const seconds = ((performance.now() - started) / 1000).toFixed(1).padStart(6);
  console.log(`[${seconds} s] ${message}`);
}

/** Runs every cleanup, newest first, once. */
function cleanUp(): Promise<void> {
  cleaning ??= (async () => {
    say("cleaning up: processes, network namespaces, control plane");
    for (const cleanup of cleanups.reverse()) {
      await cleanup().catch((error) => console.error(`demo: cleanup: ${error}`));
    }
  })();
  return cleaning;
}

function printPool(pool: Pool | undefined) {
  if (!pool) return;
  const shown = {
    apiVersion: pool.apiVersion,
    kind: pool.kind,
    metadata: { name: pool.metadata.name },
    spec: pool.spec,
  };
  console.log(stringify(shown, { version: "1.1" }).trimEnd().replace(/^/gm, "    "));
}

async function main() {
  if (Deno.uid() !== 0) {
    throw new Error("the demo needs root: it creates network namespaces for kea and dhcpcd");
  }
  say("starting the control plane (the first run builds it from the Kubernetes Go modules)");
  const cluster = await startControlPlane({ progress: say });
  cleanups.push(() => cluster.stop());
  say(`control plane ready: KUBECONFIG=${cluster.kubeconfigPath}`);

  const pipeline = await Pipeline.start({
    kubeconfigPath: cluster.kubeconfigPath,
    nodes: NODES,
    namespace: "dhcp-template",
    onLine: values.verbose ? (line) => console.log(`    ${line}`) : undefined,
    progress: say,
  });
  cleanups.push(() => pipeline.stop());
  for (const node of NODES) {
    say(`  ${node}: dhcpcd holds ${(await pipeline.testbed.delegatedPrefixes(node)).join(", ")}`);
  }

  say("applying examples/cilium-pool-template.yaml (the product example)");
  await pipeline.apply(EXAMPLE);
  for (const node of NODES) {
    await pipeline.waitForPool(node, "to exist", (cidrs) => cidrs !== undefined);
    printPool(await pipeline.pool(node));
  }

  const changed = NODES[1];
  say(`changing ${changed}'s delegated prefix on the DHCP server to ${NEW_PREFIX}`);
  const changeStarted = performance.now();
  await pipeline.testbed.setDelegatedPrefix(changed, NEW_PREFIX);
  const renewed = performance.now();
  await pipeline.waitForPool(
    changed,
    `to carry ${NEW_PREFIX} only`,
    (cidrs) => JSON.stringify(cidrs) === JSON.stringify([NEW_PREFIX]),
  );
  const applied = performance.now();
  printPool(await pipeline.pool(changed));
  say(
    `${changed}'s pool carried ${NEW_PREFIX} ${Math.round(applied - changeStarted)} ms after the ` +
      `change on the server (${Math.round(applied - renewed)} ms after dhcpcd renewed); the old ` +
      "prefix left the pool (it drains in prefix6_draining, see examples/cilium-pool-draining.yaml)",
  );

  if (values["keep-running"]) {
    say(`everything keeps running: export KUBECONFIG=${cluster.kubeconfigPath}`);
    say("  kubectl get dhcptemplates,dhcpnodes,ciliumloadbalancerippools — Ctrl-C ends the demo");
    await new Promise(() => {});
  }
  say("demo finished");
}

const interrupt = () => {
  cleanUp().finally(() => Deno.exit(130));
};
Deno.addSignalListener("SIGINT", interrupt);
Deno.addSignalListener("SIGTERM", interrupt);
let code = 0;
try {
  await main();
} catch (error) {
  console.error(`demo failed: ${error instanceof Error ? error.message : error}`);
  code = 1;
} finally {
  await cleanUp();
}
Deno.exit(code);
