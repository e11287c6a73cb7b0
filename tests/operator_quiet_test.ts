/**
 * The operator executable in a quiet cluster, against the real control plane: watches that the
 * apiserver ends (short `--watch-timeout-seconds`) resume without a warning, an error or an
 * error metric, and still see changes; the node gauge counts the stored DHCPNodes from startup;
 * an operator started before the apiserver waits for it without a warning or an error.
 */
import assert from "node:assert/strict";
import { CustomObjectsApi } from "@kubernetes/client-node";
import { parse } from "yaml";
import { ClusterObjects } from "../src/operator/kube/objects.ts";
import { DHCP_NODE_PLURAL, fromDhcpNode, toDhcpNode } from "../src/operator/nodes/dhcp_node.ts";
import { isCurrent, type NodeState } from "../src/operator/nodes/state.ts";
import type { KubernetesObject } from "../src/shared/kube_object.ts";
import {
  installProductCrds,
  startApiserver,
  stopApiserver,
  testKubeConfig,
  testKubeconfigPath,
  uniqueName,
  waitFor,
} from "./support/cluster.ts";
import { nodeWithPrefix } from "./support/nodes.ts";
import { startOperatorProcess } from "./support/processes.ts";

const EXAMPLE = new URL("../examples/cilium-pool-template.yaml", import.meta.url);
/** The apiserver ends each watch after this long; the quiet period spans many such ends. */
const WATCH_TIMEOUT_SECONDS = 5;
/** Watches the operator runs here: DHCPNodes, DHCPTemplates, Cilium pools. */
const WATCHES = 3;
/** Each watch ended by the apiserver this often: 2 minutes of quiet. */
const ENDS_PER_WATCH = 24;

/** A stored node state whose prefix is valid for an hour from now. */
function storedState(name: string, prefix: string): NodeState {
  const node = nodeWithPrefix(name, prefix);
  const entry = node.interfaces[0].lease6!.prefix6[0];
  entry.preferred_until = new Date(Date.now() + 1_800_000).toISOString();
  entry.valid_until = new Date(Date.now() + 3_600_000).toISOString();
  return {
    name,
    interfaces: node.interfaces,
    digest: "0".repeat(64),
    reportedAt: entry.valid_until,
  };
}

/**
 * A stored DHCPNode named after `name` with `prefix` and the example template for it, applied:
 * the clients, the node's name, the pool the template renders, and `remove` for both objects.
 */
async function applyExample(name: string, prefix: string) {
  const config = testKubeConfig();
  await installProductCrds(config);
  const objects = new ClusterObjects(config);
  const custom = config.makeApiClient(CustomObjectsApi);
  const node = uniqueName(name);
  const templateName = `${node}-pools`;
  await objects.apply(toDhcpNode(storedState(node, prefix)));
  const template = parse(await Deno.readTextFile(EXAMPLE)) as KubernetesObject;
  template.metadata.name = templateName;
  await objects.apply(template);
  const poolRef = {
    apiVersion: "cilium.io/v2",
    kind: "CiliumLoadBalancerIPPool",
    name: `dhcp-pool-${node}`,
  };
  const remove = async () => {
    await custom.deleteClusterCustomObject({
      group: "k8s.lukasdietrich.com",
      version: "v1alpha1",
      plural: "dhcptemplates",
      name: templateName,
    }).catch(() => {});
    await custom.deleteClusterCustomObject({
      group: "k8s.lukasdietrich.com",
      version: "v1alpha1",
      plural: DHCP_NODE_PLURAL,
      name: node,
    }).catch(() => {});
  };
  return { objects, custom, node, poolRef, remove };
}

/** The value of one sample of the metrics text, or undefined when it has none. */
function sample(metrics: string, name: string): number | undefined {
  const line = metrics.split("\n").find((entry) => entry.startsWith(`${name} `));
  return line === undefined ? undefined : Number(line.slice(name.length + 1));
}

Deno.test("a quiet cluster for minutes: no warning, no error, no error metric; nodes counted from startup", async () => {
  const { objects, custom, node, poolRef, remove } = await applyExample("quiet", "2001:db8:4100::");
  const cidrs = async () =>
    ((await objects.get(poolRef)) as { spec?: { blocks?: { cidr: string }[] } } | undefined)
      ?.spec?.blocks?.map((block) => block.cidr);

  const operator = startOperatorProcess({
    kubeconfig: testKubeconfigPath(),
    identity: node,
    agentServiceAccount: `${node}:agent`,
    namespace: "default",
    args: ["--leader-election=false", `--watch-timeout-seconds=${WATCH_TIMEOUT_SECONDS}`],
  });
  try {
    await operator.ready();
    // The gauge counts every DHCPNode with current data, right after startup (no agent spoke).
    const stored = await custom.listClusterCustomObject({
      group: "k8s.lukasdietrich.com",
      version: "v1alpha1",
      plural: DHCP_NODE_PLURAL,
    }) as { items: KubernetesObject[] };
    const current = stored.items.filter((item) => isCurrent(fromDhcpNode(item), new Date()));
    assert.ok(current.some((item) => item.metadata.name === node));
    assert.equal(sample(await operator.metrics(), "dhcp_template_operator_nodes"), current.length);

    await waitFor("the pool", async () => (await cidrs())?.[0] === "2001:db8:4100::/56");
    const expired = 'dhcp_template_operator_watch_ends_total{reason="expired"}';
    await waitFor(
      `${ENDS_PER_WATCH} watch timeouts of each watch`,
      async () => (sample(await operator.metrics(), expired) ?? 0) >= WATCHES * ENDS_PER_WATCH,
      WATCH_TIMEOUT_SECONDS * ENDS_PER_WATCH * 1000 * 3,
    );

    // The watches still work: a changed DHCPNode reaches the pool.
    await objects.apply(toDhcpNode(storedState(node, "2001:db8:4200::")));
    await waitFor("the new prefix", async () => (await cidrs())?.[0] === "2001:db8:4200::/56");

    const metrics = await operator.metrics();
    assertQuiet(operator.output, metrics);
    for (const reason of ["dead", "failed"]) {
      assert.equal(
        sample(metrics, `dhcp_template_operator_watch_ends_total{reason="${reason}"}`),
        undefined,
        `watches that ended ${reason}`,
      );
    }
    console.log(
      `quiet for ${sample(metrics, expired)} watch timeouts: 0 warnings, 0 errors, ` +
        `nodes gauge ${current.length} at startup`,
    );
  } finally {
    await operator.stop();
    await remove();
  }
});

/** Output lines at level WARN or ERROR (text log format). */
function noisyLines(output: string): string[] {
  return output.split("\n").filter((line) => /^\S+ (WARN|ERROR) /.test(line));
}

/** The operator logged no warning or error and counted no reconcile error. */
function assertQuiet(output: string, metrics: string): void {
  assert.deepEqual(noisyLines(output), [], "warnings or errors logged");
  assert.equal(
    metrics.split("\n").filter((line) =>
      line.startsWith("dhcp_template_operator_reconcile_errors_total{")
    ).length,
    0,
    "reconcile errors counted",
  );
}

Deno.test("an operator started while the apiserver is down waits for it quietly", async () => {
  const { objects, node, poolRef, remove } = await applyExample("early", "2001:db8:4300::");

  await stopApiserver();
  let operator;
  try {
    operator = startOperatorProcess({
      kubeconfig: testKubeconfigPath(),
      identity: node,
      agentServiceAccount: `${node}:agent`,
      namespace: "default",
    });
    const started = operator;
    await waitFor(
      "the operator to retry",
      () => /INFO .*restarting it/.test(started.output),
      60_000,
    ).catch((error) => {
      throw new Error(`${error.message}\n${started.output}`);
    });
  } finally {
    await startApiserver();
  }
  try {
    await operator.ready(120_000);
    await waitFor("the pool", async () => (await objects.get(poolRef)) !== undefined, 120_000);
    const metrics = await operator.metrics();
    assertQuiet(operator.output, metrics);
    const retries = operator.output.split("\n").filter((line) =>
      / INFO /.test(line) &&
      /restarting it|retrying/.test(line)
    );
    console.log(
      `started before the apiserver: ${retries.length} quiet retries, 0 warnings, 0 errors`,
    );
  } finally {
    await operator.stop();
    await remove();
  }
});
