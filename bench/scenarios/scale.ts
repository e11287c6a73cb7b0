/**
 * Scale: 5,000 agents, each with its own gRPC connection and node-bound token, spread over
 * several processes (`agent_swarm.ts`, 1,000 agents each), report to the operator executable
 * and then send heartbeats as agents do; the product example renders 5,000 pools. Measures the
 * time to converge, the operator's CPU time and peak RSS, and the API write requests one
 * single-node change causes; checks the connections (counted in /proc/net/tcp) and the heartbeats
 * the operator received.
 *
 * @module
 */
import { CoreV1Api, type KubeConfig } from "@kubernetes/client-node";
import { parse } from "yaml";
import { ClusterObjects } from "../../src/operator/kube/objects.ts";
import type { KubernetesObject } from "../../src/shared/kube_object.ts";
import { apiserverRequestCount } from "../../tests/support/channel.ts";
import { installProductCrds, waitFor } from "../../tests/support/cluster.ts";
import { ExitWatch } from "../../tests/support/exits.ts";
import { startOperatorProcess } from "../../tests/support/processes.ts";
import { loadKubeConfig } from "../../tools/testcluster/control_plane.ts";
import { processUsage } from "./process_usage.ts";
import { AgentSwarm } from "./swarm_process.ts";
import { swarmPrefix } from "./swarm_report.ts";

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
  /** Agent processes they ran in. */
  processes: number;
  /** Established TCP connections from the agents to the operator after converging. */
  connections: number;
  /** Heartbeats the operator received while the agents ran. */
  heartbeats: number;
  /** Seconds from the first report until every pool existed. */
  convergeSeconds: number;
  /** Operator CPU seconds (user + system) during convergence. */
  operatorCpuSeconds: number;
  /** Operator peak resident set size, MiB. */
  operatorPeakRssMiB: number;
  /** API write requests caused by one node's prefix change. */
  writesPerNodeChange: number;
}

/**
 * Runs the scale benchmark against the control plane of `kubeconfigPath`: `agents` agents,
 * `agentsPerProcess` in each swarm process.
 */
export async function runScale(
  kubeconfigPath: string,
  agents = 5000,
  agentsPerProcess = 1000,
): Promise<ScaleResult> {
  const config = loadKubeConfig(kubeconfigPath);
  await installProductCrds(config);
  const nodes = Array.from({ length: agents }, (_, index) => `scale-${index}`);
  const tokens = await nodeBoundTokens(config, nodes);
  const exits = new ExitWatch();
  const operator = startOperatorProcess({
    kubeconfig: kubeconfigPath,
    identity: "bench-operator",
    agentServiceAccount: `${NAMESPACE}:${SERVICE_ACCOUNT}`,
    namespace: NAMESPACE,
    args: ["--leader-election=false", "--log-level=warn"],
  });
  exits.watch(operator);
  const objects = new ClusterObjects(config);
  const dir = await Deno.makeTempDir({ prefix: "dhcpt-swarm-" });
  const swarms: AgentSwarm[] = [];
  const template = parse(await Deno.readTextFile(EXAMPLE)) as KubernetesObject;
  const reconciles = () =>
    operator.metric(
      "dhcp_template_operator_reconciles_total",
      `template="${template.metadata.name}"`,
    );
  try {
    await exits.guard(operator.ready());
    await objects.apply(template);

    // 64 first reports in flight at a time across all processes, as the benchmark always had.
    const concurrency = Math.max(1, Math.floor(64 / Math.ceil(agents / agentsPerProcess)));
    const before = processUsage(operator.pid);
    const started = performance.now();
    for (let first = 0; first < agents; first += agentsPerProcess) {
      const members = nodes.slice(first, first + agentsPerProcess)
        .map((node, offset) => ({ index: first + offset, node, token: tokens[first + offset] }));
      const file = `${dir}/agents-${first}.json`;
      await Deno.writeTextFile(file, JSON.stringify(members));
      const swarm = new AgentSwarm(
        `agents ${first}…${first + members.length - 1}`,
        operator.grpcAddress,
        file,
        concurrency,
      );
      exits.watch(swarm);
      swarms.push(swarm);
    }
    const reported = Promise.all(swarms.map((swarm) => swarm.reported()));
    await exits.guard(waitFor(`${agents} first reports`, () => settled(reported), 600_000));
    await exits.guard(waitFor(`${agents} pools`, async () => {
      const status = (await objects.get({
        apiVersion: template.apiVersion,
        kind: template.kind,
        name: template.metadata.name,
      }) as { status?: { objectCount?: number } } | undefined)?.status;
      return status?.objectCount === agents;
    }, 600_000));
    const convergeSeconds = (performance.now() - started) / 1000;
    const after = processUsage(operator.pid);
    const connections = await establishedConnections(Number(operator.grpcAddress.split(":")[1]));
    // Every agent heartbeats (every 30 s by default): wait until as many have arrived.
    await exits.guard(waitFor(
      `${agents} heartbeats`,
      async () =>
        (await operator.metric("dhcp_template_operator_agent_heartbeats_total")) >= agents,
      120_000,
    ));

    await exits.guard(waitFor("the operator to finish reconciling", async () => {
      const seen = await reconciles();
      await new Promise((resolve) => setTimeout(resolve, 1000));
      return (await reconciles()) === seen;
    }, 60_000));
    const writesBefore = await writes(config);
    const reconcilesBefore = await reconciles();
    await exits.guard(swarms[0].change(0, 1));
    const changed = `${swarmPrefix(0, 1)}/48`;
    await exits.guard(waitFor("the changed pool and its reconcile", async () => {
      const pool = await objects.get({
        apiVersion: "cilium.io/v2",
        kind: "CiliumLoadBalancerIPPool",
        name: `dhcp-pool-${nodes[0]}`,
      }) as { spec?: { blocks?: { cidr: string }[] } } | undefined;
      return (pool?.spec?.blocks?.some((block) => block.cidr === changed) ?? false) &&
        (await reconciles()) > reconcilesBefore;
    }, 60_000));
    const writesPerNodeChange = (await writes(config)) - writesBefore;
    const heartbeats = await operator.metric("dhcp_template_operator_agent_heartbeats_total");
    exits.check();
    return {
      agents,
      processes: swarms.length,
      connections,
      heartbeats,
      convergeSeconds,
      operatorCpuSeconds: after.cpuSeconds - before.cpuSeconds,
      operatorPeakRssMiB: after.peakRssMiB,
      writesPerNodeChange,
    };
  } finally {
    await Promise.all(swarms.map((swarm) => swarm.stop()));
    const templateRef = {
      apiVersion: "k8s.lukasdietrich.com/v1alpha1",
      kind: "DHCPTemplate",
      name: template.metadata.name,
    };
    const applied = await objects.get(templateRef).catch(() => undefined);
    if (applied) await objects.delete(templateRef, applied.metadata.uid!).catch(() => {});
    await operator.stop();
    await Deno.remove(dir, { recursive: true });
  }
}

/** Established TCP connections to loopback port `port` (client ends), from /proc/net/tcp. */
async function establishedConnections(port: number): Promise<number> {
  const table = await Deno.readTextFile("/proc/net/tcp");
  const remotePort = port.toString(16).toUpperCase().padStart(4, "0");
  return table.split("\n").slice(1).filter((line) => {
    const fields = line.trim().split(/\s+/);
    return fields[2]?.endsWith(`:${remotePort}`) && fields[3] === "01";
  }).length;
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

/** Whether `promise` has resolved (false while pending; its rejection is thrown). */
async function settled(promise: Promise<unknown>): Promise<boolean> {
  const pending = Symbol();
  return (await Promise.race([promise, Promise.resolve(pending)])) !== pending;
}
