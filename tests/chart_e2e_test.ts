/**
 * The chart's pod specs, run: `helm template` renders the chart (test values), the objects are
 * applied to the real control plane, Pods are made from the Deployment and the DaemonSet and
 * bound to nodes (as the controllers and the scheduler would), and `tests/support/kubelet.ts`
 * runs each container exactly as its Pod says — command, args, env with the downward API, the
 * volumes (the lease directory read-only, the projected tokens from TokenRequests bound to the
 * pod, the Secret the chart generated), the security context (user, no capabilities, a read-only
 * root) — in a network namespace of its own, the operator authenticated only by its service
 * account (the chart's RBAC is all it has) and the agents dialling the Service name the chart
 * configures. Real kea and dhcpcd serve the leases.
 */
import assert from "node:assert/strict";
import { CoreV1Api, type V1Pod, type V1Service } from "@kubernetes/client-node";
import { parse } from "yaml";
import { ClusterObjects } from "../src/operator/kube/objects.ts";
import { type KubernetesObject, refOf } from "../src/shared/kube_object.ts";
import { CILIUM_LB_IP_POOL_CRD } from "../tools/crds.ts";
import { DhcpTestbed } from "./testbed/dhcp.ts";
import { installCrds, testKubeConfig, uniqueName, waitFor } from "./support/cluster.ts";
import { renderChart } from "./support/helm.ts";
import { Kubelet, type RunningPod } from "./support/kubelet.ts";

const CHART_CRDS = ["dhcptemplates.yaml", "dhcpnodes.yaml"]
  .map((file) => new URL(`../charts/dhcp-template/crds/${file}`, import.meta.url));
const EXAMPLE = new URL("../examples/cilium-pool-template.yaml", import.meta.url);
/** Generous bounds: several Deno processes start on a shared, loaded machine. */
const START_MS = 120_000;
const CONVERGE_MS = 90_000;

type PodTemplate = { metadata: { labels?: Record<string, string> }; spec: V1Pod["spec"] };
type Pool = KubernetesObject & { spec: { blocks: { cidr: string }[] } };

Deno.test("the chart's pods, run as rendered: leases become pools, probes pass, root stays read-only", async (t) => {
  const config = testKubeConfig();
  const core = config.makeApiClient(CoreV1Api);
  const objects = new ClusterObjects(config);
  const prefix = uniqueName("chart");
  const namespace = prefix;
  const release = prefix;
  const nodes = [`${prefix}-a`, `${prefix}-b`];
  const resolvConf = await Deno.readFile("/etc/resolv.conf");

  for (const crd of CHART_CRDS) await installCrds(config, crd);
  await installCrds(config, CILIUM_LB_IP_POOL_CRD);
  const rendered = await renderChart(release, namespace, "--set", "operator.replicas=1");
  const one = (kind: string) => {
    const found = rendered.filter((object) => object.kind === kind);
    assert.equal(found.length, 1, `one ${kind} rendered`);
    return found[0];
  };
  const deployment = one("Deployment");
  const daemonSet = one("DaemonSet");
  const service = one("Service");

  const testbed = await DhcpTestbed.start({ nodes: nodes.map((name) => ({ name })) });
  const kubelet = await Kubelet.start({
    config,
    hostPath: (node, path) => {
      assert.equal(path, "/var/lib/dhcpcd", "the only host path the chart mounts");
      return testbed.leaseDir(node);
    },
  });
  const pods: RunningPod[] = [];
  const templateName = `${prefix}-pools`;
  // Each step builds on the one before: after a failure, the rest fail at once.
  let failed: string | undefined;
  const step = (name: string, run: () => Promise<void>) =>
    t.step(name, async () => {
      if (failed) throw new Error(`not run: "${failed}" failed`);
      try {
        await run();
      } catch (error) {
        failed = name;
        const logs = pods.map((pod) => `--- ${pod.name}\n${pod.output}`).join("\n");
        throw new Error(`${error}\n${logs}`);
      }
    });
  try {
    await Promise.all(nodes.map((node) => testbed.waitForLeases(node)));
    await core.createNamespace({ body: { metadata: { name: namespace } } });
    for (const object of rendered) await objects.apply(object);
    // What kube-controller-manager's root CA publisher puts into every namespace.
    await core.createNamespacedConfigMap({
      namespace,
      body: {
        metadata: { name: "kube-root-ca.crt" },
        data: { "ca.crt": atob(config.getCurrentCluster()!.caData!) },
      },
    });
    for (const node of nodes) {
      await core.createNode({
        body: {
          metadata: {
            name: node,
            labels: { "kubernetes.io/os": "linux", "kubernetes.io/hostname": node },
          },
        },
      });
    }

    // The ReplicaSet and DaemonSet controllers and the scheduler: Pods from the templates.
    const createPod = async (workload: KubernetesObject, node: string) => {
      const template = (workload.spec as { template: PodTemplate }).template;
      return await core.createNamespacedPod({
        namespace,
        body: {
          metadata: {
            name: `${workload.metadata.name}-${node}`.slice(0, 63),
            labels: template.metadata.labels,
          },
          spec: { ...template.spec!, nodeName: node },
        },
      });
    };
    const daemonSetSelector = (daemonSet.spec as { template: PodTemplate }).template.spec!
      .nodeSelector ?? {};
    for (const node of nodes) {
      const labels = (await core.readNode({ name: node })).metadata!.labels!;
      assert.ok(
        Object.entries(daemonSetSelector).every(([key, value]) => labels[key] === value),
        `the DaemonSet selects ${node}`,
      );
    }
    const operatorPod = await createPod(deployment, nodes[0]);
    const agentPods = await Promise.all(nodes.map((node) => createPod(daemonSet, node)));

    await step("the operator, as its service account only, becomes ready", async () => {
      const volumes = operatorPod.spec!.volumes!.map((volume) => volume.name);
      assert.ok(
        volumes.some((name) => name.startsWith("kube-api-access-")),
        "the apiserver gave the operator pod its service account token volume",
      );
      const operator = await kubelet.runPod(operatorPod);
      pods.push(operator);
      await operator.waitReady("readiness", START_MS);
      await kubelet.routeService(
        await core.readNamespacedService({ namespace, name: service.metadata.name }) as V1Service,
        operator,
      );
    });

    await step("the agents dial the chart's Service name and report their leases", async () => {
      for (const pod of agentPods) pods.push(await kubelet.runPod(pod));
      await Promise.all(pods.slice(1).map((pod) => pod.waitReady("readiness", START_MS)));
    });

    await step("each node's delegated prefix becomes its pool", async () => {
      const template = parse(await Deno.readTextFile(EXAMPLE)) as KubernetesObject;
      template.metadata.name = templateName;
      await objects.apply(template);
      for (const node of nodes) {
        const delegated = await testbed.delegatedPrefixes(node);
        await waitFor(
          `${node}'s pool to carry ${delegated}`,
          async () => JSON.stringify(await cidrs(objects, node)) === JSON.stringify(delegated),
          CONVERGE_MS,
        );
      }
    });

    await step("a prefix change on the DHCP server reaches the pool", async () => {
      const next = "2001:db8:1f00::/56";
      await testbed.setDelegatedPrefix(nodes[1], next);
      await waitFor(
        `${nodes[1]}'s pool to carry ${next}`,
        async () => (await cidrs(objects, nodes[1]))?.includes(next) ?? false,
        CONVERGE_MS,
      );
    });

    await step(
      "liveness holds, the roots stayed read-only and nothing was written there",
      async () => {
        for (const pod of pods) {
          assert.equal(await pod.probe("liveness"), 200, `${pod.name} live`);
          assert.ok((await pod.rootMountOptions()).includes("ro"), `${pod.name}: root read-only`);
          assert.deepEqual(await pod.filesWrittenToRoot(), [], `${pod.name} wrote to its root`);
        }
        assert.deepEqual(await Deno.readFile("/etc/resolv.conf"), resolvConf, "host untouched");
      },
    );
  } finally {
    await kubelet.stop();
    await testbed.stop();
    const template = await objects.get({
      apiVersion: "k8s.lukasdietrich.com/v1alpha1",
      kind: "DHCPTemplate",
      name: templateName,
    }).catch(() => undefined);
    if (template) await objects.delete(refOf(template), template.metadata.uid!).catch(() => {});
    for (const object of rendered.filter((object) => !object.metadata.namespace)) {
      const stored = await objects.get(refOf(object)).catch(() => undefined);
      if (stored) await objects.delete(refOf(object), stored.metadata.uid!).catch(() => {});
    }
    await Promise.all(nodes.map((name) => core.deleteNode({ name }).catch(() => {})));
    await core.deleteNamespace({ name: namespace }).catch(() => {});
  }
});

async function cidrs(objects: ClusterObjects, node: string): Promise<string[] | undefined> {
  const pool = await objects.get({
    apiVersion: "cilium.io/v2",
    kind: "CiliumLoadBalancerIPPool",
    name: `dhcp-pool-${node}`,
  }) as Pool | undefined;
  return pool?.spec.blocks.map((block) => block.cidr);
}
