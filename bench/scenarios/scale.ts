/**
 * Scale: 5,000 authenticated agents (many from this one process, each with its own node-bound
 * token) report to the operator executable; the product example renders 5,000 pools. Measures the
 * time to converge, the operator's CPU time and peak RSS, and the API write requests one
 * single-node change causes.
 *
 * @module
 */
import { CoreV1Api, type KubeConfig } from "@kubernetes/client-node";
import { parse } from "yaml";
import { ClusterObjects } from "../../src/operator/kube/objects.ts";
import type { KubernetesObject } from "../../src/shared/kube_object.ts";
import type { Node } from "../../src/shared/model.ts";
import { apiserverRequestCount, RawAgentClient } from "../../tests/support/channel.ts";
import { installProductCrds, waitFor } from "../../tests/support/cluster.ts";
import { eth0WithPrefixes, prefixValidFor } from "../../tests/support/leases.ts";
import { startOperatorProcess } from "../../tests/support/processes.ts";
import { loadKubeConfig } from "../../tools/testcluster/control_plane.ts";
import { processUsage } from "./process_usage.ts";

const ROOT = new URL("../../", import.meta.url);
const EXAMPLE = new URL("examples/cilium-pool-template.yaml", ROOT);
const NAMESPACE = "bench-scale";
const SERVICE_ACCOUNT = "dhcp-template-agent";
const WRITE_VERBS = ["CREATE", "UPDATE", "PATCH", "APPLY", "DELETE"];
const WRITTEN_RESOURCES = ["ciliumloadbalancerippools", "dhcpnodes", "dhcptemplates"];

/** What the scale benchmark measured. */
export interface ScaleResult {
  /** Agents that reported. */
  agents: number;
  /** Seconds from the first report until every pool existed. */
  convergeSeconds: number;
  /** Operator CPU seconds (user + system) during convergence. */
  operatorCpuSeconds: number;
  /** Operator peak resident set size, MiB. */
  operatorPeakRssMiB: number;
  /** API write requests caused by one node's prefix change. */
  writesPerNodeChange: number;
}

/** Runs the scale benchmark against the control plane of `kubeconfigPath`. */
export async function runScale(kubeconfigPath: string, agents = 5000): Promise<ScaleResult> {
  const config = loadKubeConfig(kubeconfigPath);
  await installProductCrds(config);
  const nodes = Array.from({ length: agents }, (_, index) => `scale-${index}`);
  const tokens = await nodeBoundTokens(config, nodes);
  const operator = startOperatorProcess({
    kubeconfig: kubeconfigPath,
    identity: "bench-operator",
    agentServiceAccount: `${NAMESPACE}:${SERVICE_ACCOUNT}`,
    namespace: NAMESPACE,
    args: ["--leader-election=false", "--log-level=warn"],
  });
  const clients = Array.from({ length: 8 }, () => new RawAgentClient(operator.grpcAddress));
  const objects = new ClusterObjects(config);
  try {
    await operator.ready();
    const template = parse(await Deno.readTextFile(EXAMPLE)) as KubernetesObject;
    await objects.apply(template);
    const prefix = (index: number, round: number) =>
      `2001:db8:${((index + round * 7919) % 65536).toString(16)}::`;
    const report = (index: number, round = 0): Node => ({
      name: nodes[index],
      interfaces: [eth0WithPrefixes([prefixValidFor(prefix(index, round), 3600, 48)])],
    });

    const before = processUsage(operator.pid);
    const started = performance.now();
    await inParallel(
      nodes.length,
      64,
      (index) => clients[index % clients.length].report(report(index), tokens[index]),
    );
    await waitFor(`${agents} pools`, async () => {
      const status = (await objects.get({
        apiVersion: template.apiVersion,
        kind: template.kind,
        name: template.metadata.name,
      }) as { status?: { objectCount?: number } } | undefined)?.status;
      return status?.objectCount === agents;
    }, 600_000);
    const convergeSeconds = (performance.now() - started) / 1000;
    const after = processUsage(operator.pid);

    await new Promise((resolve) => setTimeout(resolve, 2000));
    const writesBefore = await writes(config);
    await clients[0].report(report(0, 1), tokens[0]);
    const changed = `${prefix(0, 1)}/48`;
    await waitFor("the changed pool", async () => {
      const pool = await objects.get({
        apiVersion: "cilium.io/v2",
        kind: "CiliumLoadBalancerIPPool",
        name: `dhcp-pool-${nodes[0]}`,
      }) as { spec?: { blocks?: { cidr: string }[] } } | undefined;
      return pool?.spec?.blocks?.some((block) => block.cidr === changed) ?? false;
    }, 60_000);
    await new Promise((resolve) => setTimeout(resolve, 2000));
    const writesPerNodeChange = (await writes(config)) - writesBefore;
    return {
      agents,
      convergeSeconds,
      operatorCpuSeconds: after.cpuSeconds - before.cpuSeconds,
      operatorPeakRssMiB: after.peakRssMiB,
      writesPerNodeChange,
    };
  } finally {
    for (const client of clients) client.close();
    const templateRef = {
      apiVersion: "k8s.lukasdietrich.com/v1alpha1",
      kind: "DHCPTemplate",
      name: "dhcp-pool-template",
    };
    const applied = await objects.get(templateRef).catch(() => undefined);
    if (applied) await objects.delete(templateRef, applied.metadata.uid!).catch(() => {});
    await operator.stop();
  }
}

async function writes(config: KubeConfig): Promise<number> {
  let total = 0;
  for (const resource of WRITTEN_RESOURCES) {
    total += await apiserverRequestCount(config, resource, WRITE_VERBS);
  }
  return total;
}

/** One token per node, bound to the Node object (so it carries the node's name). */
async function nodeBoundTokens(config: KubeConfig, nodes: string[]): Promise<string[]> {
  const core = config.makeApiClient(CoreV1Api);
  await core.createNamespace({ body: { metadata: { name: NAMESPACE } } }).catch(() => {});
  await core.createNamespacedServiceAccount({
    namespace: NAMESPACE,
    body: { metadata: { name: SERVICE_ACCOUNT } },
  }).catch(() => {});
  const tokens: string[] = new Array(nodes.length);
  await inParallel(nodes.length, 32, async (index) => {
    const name = nodes[index];
    const node = await core.createNode({ body: { metadata: { name } } })
      .catch(() => core.readNode({ name }));
    const request = await core.createNamespacedServiceAccountToken({
      namespace: NAMESPACE,
      name: SERVICE_ACCOUNT,
      body: {
        spec: {
          audiences: ["dhcp-template"],
          expirationSeconds: 3600,
          boundObjectRef: { apiVersion: "v1", kind: "Node", name, uid: node.metadata!.uid },
        },
      },
    });
    tokens[index] = request.status!.token!;
  });
  return tokens;
}

/** Runs `task(0..count-1)` with at most `limit` at a time. */
async function inParallel(
  count: number,
  limit: number,
  task: (index: number) => Promise<unknown>,
): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: limit }, async () => {
    while (next < count) await task(next++);
  }));
}
