/**
 * The DHCPTemplate reconciler against the real control plane, with the real sandboxed renderer,
 * the real Cilium CRD and the product example: apply, update, prune, drift, conflicts, zero
 * writes when nothing changed, no pruning on render errors, garbage collection.
 */
import assert from "node:assert/strict";
import { CustomObjectsApi } from "@kubernetes/client-node";
import { parse } from "yaml";
import type { NodeSource } from "../src/operator/controller.ts";
import { ClusterObjects } from "../src/operator/kube/objects.ts";
import { SandboxedRenderer } from "../src/operator/render/sandbox.ts";
import { TemplateReconciler } from "../src/operator/template_reconciler.ts";
import type { KubernetesObject } from "../src/shared/kube_object.ts";
import { installCrds, testKubeConfig, uniqueName, waitFor } from "./support/cluster.ts";
import { nodeWithPrefix, TestNodes } from "./support/nodes.ts";
import { CILIUM_LB_IP_POOL_CRD } from "../tools/crds.ts";
import { isTransient } from "../src/operator/kube/transient.ts";

const TEMPLATE_CRD = new URL("../charts/dhcp-template/crds/dhcptemplates.yaml", import.meta.url);
const EXAMPLE = new URL("../examples/cilium-pool-template.yaml", import.meta.url);

type Pool = KubernetesObject & { spec: { blocks: { cidr: string }[]; disabled?: boolean } };
type TemplateObject = KubernetesObject & {
  spec: { template: string };
  status?: {
    conditions?: { type: string; status: string; reason: string }[];
    objectCount?: number;
    conflicts?: { name: string }[];
  };
};

Deno.test("the reconciler keeps Cilium pools equal to what the product example renders", async (t) => {
  const config = testKubeConfig();
  await installCrds(config, CILIUM_LB_IP_POOL_CRD);
  await installCrds(config, TEMPLATE_CRD);
  const objects = new ClusterObjects(config);
  const custom = config.makeApiClient(CustomObjectsApi);
  const prefix = uniqueName("n");
  const [a, b, c, d] = ["a", "b", "c", "d"].map((suffix) => `${prefix}-${suffix}`);
  const poolRef = (node: string) => ({
    apiVersion: "cilium.io/v2",
    kind: "CiliumLoadBalancerIPPool",
    name: `dhcp-pool-${node}`,
  });
  const pool = async (node: string) => await objects.get(poolRef(node)) as Pool | undefined;
  const cidrOf = async (node: string) => (await pool(node))?.spec.blocks.map((block) => block.cidr);

  const nodes = new TestNodes();
  nodes.nodes = [
    nodeWithPrefix(a, "2001:db8:1100::"),
    nodeWithPrefix(b, "2001:db8:1200::"),
    nodeWithPrefix(c, "2001:db8:1300::"),
  ];
  const renderer = new SandboxedRenderer();
  const errors: string[] = [];
  const startReconciler = async (source: NodeSource = nodes) => {
    const started = await TemplateReconciler.start({
      kubeConfig: config,
      nodes: source,
      renderer,
      retryMs: 200,
      // Transient apiserver answers (a CRD's storage initialising) are retried, as the operator does.
      onError: (context, error) => {
        if (!isTransient(error)) errors.push(`${context}: ${error}`);
      },
    });
    started.setLeading(true);
    return started;
  };
  let reconciler = await startReconciler();
  const example = parse(await Deno.readTextFile(EXAMPLE)) as TemplateObject;
  const templateName = uniqueName("dhcp-pool-template");
  const readTemplate = async () =>
    await objects.get({
      apiVersion: "k8s.lukasdietrich.com/v1alpha1",
      kind: "DHCPTemplate",
      name: templateName,
    }) as TemplateObject | undefined;
  const deleteTemplate = () =>
    custom.deleteClusterCustomObject({
      group: "k8s.lukasdietrich.com",
      version: "v1alpha1",
      plural: "dhcptemplates",
      name: templateName,
    });
  const ready = (template?: TemplateObject) =>
    template?.status?.conditions?.find((condition) => condition.type === "Ready");

  try {
    await t.step("the product example for 3 nodes gives 3 pools and a Ready status", async () => {
      await custom.createClusterCustomObject({
        group: "k8s.lukasdietrich.com",
        version: "v1alpha1",
        plural: "dhcptemplates",
        body: { ...example, metadata: { name: templateName } },
      });
      await waitFor("3 pools", async () => (await cidrOf(c))?.[0] === "2001:db8:1300::/56")
        .catch((error) => {
          throw new Error(`${error.message}; reconciler errors: ${errors.join("; ")}`);
        });
      assert.deepEqual(await cidrOf(a), ["2001:db8:1100::/56"]);
      assert.deepEqual(await cidrOf(b), ["2001:db8:1200::/56"]);
      const applied = await pool(a);
      assert.equal(applied?.metadata.ownerReferences?.[0]?.kind, "DHCPTemplate");
      assert.equal(applied?.metadata.ownerReferences?.[0]?.controller, true);
      await waitFor(
        "the Ready condition",
        async () => ready(await readTemplate())?.status === "True",
      );
      assert.equal((await readTemplate())?.status?.objectCount, 3);
    });

    await t.step("a reconcile with nothing to change makes zero write requests", async () => {
      await reconciler.idle();
      const before = reconciler.writes;
      const reconciled = reconciler.reconciles;
      reconciler.nodesChanged();
      await waitFor("the reconcile to finish", () => reconciler.reconciles > reconciled);
      await reconciler.idle();
      assert.deepEqual(reconciler.writes, before);
    });

    await t.step("a prefix change updates that node's pool", async () => {
      nodes.nodes[1] = nodeWithPrefix(b, "2001:db8:1234::");
      reconciler.nodesChanged();
      await waitFor("the new prefix", async () => (await cidrOf(b))?.[0] === "2001:db8:1234::/56");
      assert.deepEqual(await cidrOf(a), ["2001:db8:1100::/56"]);
    });

    await t.step("a node whose state is removed loses its pool", async () => {
      nodes.nodes = nodes.nodes.filter((node) => node.name !== c);
      reconciler.nodesChanged();
      await waitFor("the pool to be deleted", async () => (await pool(c)) === undefined);
      assert.ok(await pool(a));
    });

    await t.step("drift: an edited or deleted pool is restored", async () => {
      const edited = await pool(a);
      await custom.patchClusterCustomObject({
        group: "cilium.io",
        version: "v2",
        plural: "ciliumloadbalancerippools",
        name: edited!.metadata.name,
        body: [{ op: "replace", path: "/spec/blocks/0/cidr", value: "2001:db8:9999::/56" }],
      });
      await waitFor(
        "the edit to be reverted",
        async () => (await cidrOf(a))?.[0] === "2001:db8:1100::/56",
      );
      await objects.delete(poolRef(a), edited!.metadata.uid!);
      await waitFor(
        "the pool to be recreated",
        async () => (await cidrOf(a))?.[0] === "2001:db8:1100::/56",
      );
    });

    await t.step("an object the template did not create is left alone and reported", async () => {
      const foreign = await objects.apply({
        apiVersion: "cilium.io/v2",
        kind: "CiliumLoadBalancerIPPool",
        metadata: {
          name: `dhcp-pool-${d}`,
          labels: { "k8s.lukasdietrich.com/template": templateName },
        },
        spec: { blocks: [{ cidr: "2001:db8:7700::/56" }] },
      });
      nodes.nodes = [...nodes.nodes, nodeWithPrefix(d, "2001:db8:4400::")];
      reconciler.nodesChanged();
      await waitFor(
        "the conflict in the status",
        async () =>
          (await readTemplate())?.status?.conditions?.some((cond) => cond.reason === "Conflict") ??
            false,
      );
      const after = await pool(d);
      assert.deepEqual(after?.spec.blocks, [{ cidr: "2001:db8:7700::/56" }]);
      assert.equal(after?.metadata.ownerReferences, undefined);
      assert.ok(
        (await readTemplate())?.status?.conflicts?.some((entry) => entry.name === `dhcp-pool-${d}`),
      );
      await objects.delete(poolRef(d), foreign.metadata.uid!);
      nodes.nodes = nodes.nodes.filter((node) => node.name !== d);
      reconciler.nodesChanged();
    });

    await t.step("a restarted operator makes no write at all (no delete, no create)", async () => {
      await reconciler.idle();
      const uids = await Promise.all([a, b].map(async (node) => (await pool(node))?.metadata.uid));
      await reconciler.stop();
      reconciler = await startReconciler();
      await waitFor("the first reconcile after the restart", async () => {
        await reconciler.idle();
        return reconciler.reconciles > 0;
      });
      await reconciler.idle();
      assert.deepEqual(reconciler.writes, {
        applies: 0,
        deletes: 0,
        statusWrites: 0,
        patches: 0,
        finalizerWrites: 0,
      });
      assert.deepEqual(
        await Promise.all([a, b].map(async (node) => (await pool(node))?.metadata.uid)),
        uids,
      );
    });

    await t.step("before node data has loaded, a restarted operator deletes nothing", async () => {
      await reconciler.stop();
      let loadedChecks = 0;
      let snapshots = 0;
      const notLoaded: NodeSource = {
        get loaded() {
          loadedChecks++;
          return false;
        },
        snapshot: () => {
          snapshots++;
          return [];
        },
        nextExpiry: () => undefined,
      };
      reconciler = await startReconciler(notLoaded);
      await waitFor("three reconciles to find node data not loaded", () => loadedChecks >= 3);
      await reconciler.idle();
      assert.equal(snapshots, 0, "no template was rendered without node data");
      assert.deepEqual(reconciler.writes, {
        applies: 0,
        deletes: 0,
        statusWrites: 0,
        patches: 0,
        finalizerWrites: 0,
      });
      assert.ok(await pool(a));
      await reconciler.stop();
      reconciler = await startReconciler();
    });

    await t.step("a render error keeps the last good objects", async () => {
      await custom.patchClusterCustomObject({
        group: "k8s.lukasdietrich.com",
        version: "v1alpha1",
        plural: "dhcptemplates",
        name: templateName,
        body: [{
          op: "replace",
          path: "/spec/template",
          value: "{% for node in nodes %}\n{{ node.name | ipsubnet(64, 0) }}{% endfor %}",
        }],
      });
      await waitFor(
        "RenderFailed",
        async () => ready(await readTemplate())?.reason === "RenderFailed",
      );
      assert.deepEqual(await cidrOf(a), ["2001:db8:1100::/56"]);
      assert.deepEqual(await cidrOf(b), ["2001:db8:1234::/56"]);
    });

    await t.step("deleting the template garbage-collects its objects", async () => {
      await deleteTemplate();
      await waitFor(
        "the pools to be collected",
        async () => (await pool(a)) === undefined && (await pool(b)) === undefined,
        60_000,
      );
    });
  } finally {
    await reconciler.stop();
    await renderer.close();
    await deleteTemplate().catch(() => {});
  }
  // Only the deliberately broken template may have failed (it is retried); nothing else.
  assert.deepEqual(
    errors.filter((error) => !error.startsWith("event") && !error.includes("RenderFailed")),
    [],
  );
});
