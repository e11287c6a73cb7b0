/**
 * Fencing, against the real control plane: the leader is not killed but cut off from the
 * apiserver for its lease renewals only (a network partition on its election connection), while
 * it keeps reconciling a template of 200 objects over a working connection. It must stop writing
 * before the other replica starts leading, and write nothing after that.
 */
import assert from "node:assert/strict";
import { CustomObjectsApi, KubeConfig } from "@kubernetes/client-node";
import { useHttp1 } from "../src/operator/kube/http1.ts";
import { ClusterObjects } from "../src/operator/kube/objects.ts";
import { LeaderElector } from "../src/operator/leader/elector.ts";
import { SandboxedRenderer } from "../src/operator/render/sandbox.ts";
import { TemplateReconciler } from "../src/operator/template_reconciler.ts";
import { installProductCrds, testKubeConfig, uniqueName, waitFor } from "./support/cluster.ts";
import { nodeWithPrefix, TestNodes } from "./support/nodes.ts";
import { startTcpProxy } from "./support/tcp_proxy.ts";

const TEMPLATES = { group: "k8s.lukasdietrich.com", version: "v1alpha1", plural: "dhcptemplates" };
const POOLS = 200;
const LEASE_SECONDS = 4;

/** `config` with its server replaced by `server` (same credentials and CA). */
function viaServer(config: KubeConfig, server: string): KubeConfig {
  const cluster = config.getCurrentCluster()!;
  const user = config.getCurrentUser()!;
  const copy = new KubeConfig();
  copy.loadFromOptions({
    clusters: [{ ...cluster, name: "proxied", server }],
    users: [user],
    contexts: [{ name: "proxied", cluster: "proxied", user: user.name }],
    currentContext: "proxied",
  });
  return useHttp1(copy);
}

/** A template rendering POOLS pools on the first node's prefix. */
function poolsTemplate(prefix: string): string {
  return `{% for i in range(${POOLS}) %}
---
apiVersion: cilium.io/v2
kind: CiliumLoadBalancerIPPool
metadata:
  name: ${prefix}-{{ i }}
spec:
  blocks:
    - cidr: "{{ nodes[0].interfaces[0].lease6.prefix6[0].ip }}/64"
{% endfor %}`;
}

Deno.test("a leader whose renewals fail stops writing before another replica leads", async () => {
  const admin = testKubeConfig();
  await installProductCrds(admin);
  const prefix = uniqueName("fencing");
  const server = new URL(admin.getCurrentCluster()!.server);
  const proxy = startTcpProxy([`${server.hostname}:${server.port}`]);
  const objects = new ClusterObjects(admin);
  const custom = admin.makeApiClient(CustomObjectsApi);
  const renderer = new SandboxedRenderer();
  const events: string[] = [];

  /** A replica: its reconciler writes over `admin` directly; its election goes over `election`. */
  const replica = async (name: string, election: KubeConfig, nodePrefix: string) => {
    const nodes = new TestNodes();
    nodes.nodes = [nodeWithPrefix(`${prefix}-n`, nodePrefix)];
    const reconciler = await TemplateReconciler.start({ kubeConfig: admin, nodes, renderer });
    const state = { leading: false, writesWhenStopped: -1 };
    const elector = new LeaderElector(election, {
      namespace: "default",
      name: prefix,
      identity: name,
      leaseDurationSeconds: LEASE_SECONDS,
      retryPeriodMs: 250,
      onStartedLeading: () => {
        events.push(`${name} started`);
        state.leading = true;
        reconciler.setLeading(true);
      },
      onStoppedLeading: () => {
        events.push(`${name} stopped`);
        state.leading = false;
        reconciler.setLeading(false);
        state.writesWhenStopped = totalWrites(reconciler);
      },
    });
    return { nodes, reconciler, elector, state };
  };
  const totalWrites = (reconciler: TemplateReconciler) => {
    const { applies, deletes, statusWrites } = reconciler.writes;
    return applies + deletes + statusWrites;
  };
  const poolCidrs = async () => {
    const list = await objects.list("cilium.io/v2", "CiliumLoadBalancerIPPool", "");
    return list.items
      .filter((pool) => pool.metadata.name.startsWith(`${prefix}-`))
      .map((pool) => (pool as { spec?: { blocks?: { cidr: string }[] } }).spec?.blocks?.[0]?.cidr);
  };

  const a = await replica(
    "replica-a",
    viaServer(admin, `https://${proxy.address}`),
    "2001:db8:5100::",
  );
  let b: Awaited<ReturnType<typeof replica>> | undefined;
  let churning = true;
  let churn: Promise<void> = Promise.resolve();
  try {
    await waitFor("replica-a to lead", () => a.state.leading);
    await custom.createClusterCustomObject({
      ...TEMPLATES,
      body: {
        apiVersion: "k8s.lukasdietrich.com/v1alpha1",
        kind: "DHCPTemplate",
        metadata: { name: prefix },
        spec: { template: poolsTemplate(prefix) },
      },
    });
    await waitFor(
      `replica-a to apply ${POOLS} pools`,
      async () =>
        (await poolCidrs()).filter((cidr) => cidr === "2001:db8:5100::/64").length === POOLS,
      120_000,
    );
    // replica-a keeps rewriting all pools: its node's prefix flips after every reconcile.
    churn = (async () => {
      for (let round = 0; churning; round++) {
        a.nodes.nodes = [
          nodeWithPrefix(`${prefix}-n`, round % 2 ? "2001:db8:5100::" : "2001:db8:5200::"),
        ];
        a.reconciler.nodesChanged();
        await a.reconciler.idle();
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    })();
    await waitFor(
      "replica-a to be rewriting its pools",
      () => totalWrites(a.reconciler) > 2 * POOLS,
      120_000,
    );

    b = await replica("replica-b", admin, "2001:db8:5f00::");
    proxy.partition(true);
    await waitFor("replica-b to take over", () => b!.state.leading, 60_000);
    await waitFor(
      "replica-b's data in every pool",
      async () =>
        (await poolCidrs()).filter((cidr) => cidr === "2001:db8:5f00::/64").length === POOLS,
      120_000,
    );
    assert.deepEqual(events, [
      "replica-a started",
      "replica-a stopped",
      "replica-b started",
    ], "replica-a stopped leading before replica-b started");
    assert.equal(
      totalWrites(a.reconciler),
      a.state.writesWhenStopped,
      "replica-a sent no write after it stopped leading",
    );
    assert.deepEqual(
      new Set(await poolCidrs()),
      new Set(["2001:db8:5f00::/64"]),
      "no pool carries replica-a's data",
    );
  } finally {
    churning = false;
    await churn;
    proxy.partition(false);
    await b?.elector.stop();
    await a.elector.stop();
    await b?.reconciler.stop();
    await a.reconciler.stop();
    await proxy.stop();
    await renderer.close();
    await custom.deleteClusterCustomObject({ ...TEMPLATES, name: prefix }).catch(() => {});
  }
});
