/**
 * Two templates render the same object at the same time, against the real control plane: exactly
 * one owns it, the other reports the conflict, and nothing flaps — further reconciles leave the
 * object, its owner and both templates' status as they are (resourceVersions unchanged).
 */
import assert from "node:assert/strict";
import { CustomObjectsApi } from "@kubernetes/client-node";
import { ClusterObjects } from "../src/operator/kube/objects.ts";
import { SandboxedRenderer } from "../src/operator/render/sandbox.ts";
import { TemplateReconciler } from "../src/operator/template_reconciler.ts";
import type { KubernetesObject, ObjectRef } from "../src/shared/kube_object.ts";
import { installProductCrds, testKubeConfig, uniqueName, waitFor } from "./support/cluster.ts";
import { nodeWithPrefix, TestNodes } from "./support/nodes.ts";

const TEMPLATES = { group: "k8s.lukasdietrich.com", version: "v1alpha1", plural: "dhcptemplates" };
const TEMPLATE_REF = { apiVersion: "k8s.lukasdietrich.com/v1alpha1", kind: "DHCPTemplate" };

type Condition = { type: string; status: string; reason: string; message: string };
type TemplateObject = KubernetesObject & {
  status?: { conditions?: Condition[]; inventory?: ObjectRef[]; conflicts?: ObjectRef[] };
};

/** The pool `name` with a block of `length` on the first node's prefix. */
function poolSource(name: string, length: number): string {
  return `apiVersion: cilium.io/v2
kind: CiliumLoadBalancerIPPool
metadata:
  name: ${name}
spec:
  blocks:
    - cidr: "{{ nodes[0].interfaces[0].lease6.prefix6[0].ip }}/${length}"
`;
}

Deno.test("two templates render the same object: one owns it, the other reports a conflict, no flapping", async () => {
  const admin = testKubeConfig();
  await installProductCrds(admin);
  const prefix = uniqueName("twice");
  const objects = new ClusterObjects(admin);
  const custom = admin.makeApiClient(CustomObjectsApi);
  const nodes = new TestNodes();
  nodes.nodes = [nodeWithPrefix(`${prefix}-n`, "2001:db8:6100::")];
  const renderer = new SandboxedRenderer();
  const reconciler = await TemplateReconciler.start({ kubeConfig: admin, nodes, renderer });
  reconciler.setLeading(true);
  const names = [`${prefix}-first`, `${prefix}-second`];
  const pool = `${prefix}-pool`;
  const poolRef = { apiVersion: "cilium.io/v2", kind: "CiliumLoadBalancerIPPool", name: pool };
  const template = async (name: string) =>
    await objects.get({ ...TEMPLATE_REF, name }) as TemplateObject | undefined;
  const ready = async (name: string) =>
    (await template(name))?.status?.conditions?.find((condition) => condition.type === "Ready");
  try {
    // Both at once: they land in the same reconcile round.
    await Promise.all(names.map((name, index) =>
      custom.createClusterCustomObject({
        ...TEMPLATES,
        body: {
          ...TEMPLATE_REF,
          metadata: { name },
          spec: { template: poolSource(pool, 64 + index * 8) },
        },
      })
    ));
    await waitFor(
      "one template to own the pool and the other to report the conflict",
      async () => {
        const reasons = (await Promise.all(names.map(ready))).map((condition) => condition?.reason);
        return reasons.includes("Applied") && reasons.includes("Conflict");
      },
      60_000,
    );
    const reasons = (await Promise.all(names.map(ready))).map((condition) => condition?.reason);
    const owner = names[reasons.indexOf("Applied")];
    const loser = names[reasons.indexOf("Conflict")];
    const live = (await objects.get(poolRef))!;
    const owners = live.metadata.ownerReferences ?? [];
    assert.deepEqual(owners.map((reference) => reference.name), [owner], "exactly one owner");
    assert.equal(owners[0].uid, (await template(owner))!.metadata.uid);
    assert.deepEqual((await template(owner))!.status!.inventory!.map((ref) => ref.name), [pool]);
    assert.deepEqual((await template(loser))!.status!.inventory, []);
    assert.deepEqual((await template(loser))!.status!.conflicts!.map((ref) => ref.name), [pool]);
    assert.match(
      (await ready(loser))!.message,
      new RegExp(`is controlled by DHCPTemplate ${owner}`),
    );

    // No flapping: several more reconciles of both change nothing.
    const versions = async () => [
      (await objects.get(poolRef))!.metadata.resourceVersion,
      ...await Promise.all(
        names.map(async (name) => (await template(name))!.metadata.resourceVersion),
      ),
    ];
    const before = await versions();
    for (let round = 1; round <= 5; round++) {
      const reconciles = reconciler.reconciles;
      reconciler.nodesChanged();
      await waitFor(
        `reconcile round ${round} of both templates`,
        () => reconciler.reconciles >= reconciles + 2,
      );
    }
    await reconciler.idle();
    assert.deepEqual(
      await versions(),
      before,
      "the pool and both templates were not written again",
    );
  } finally {
    await reconciler.stop();
    await renderer.close();
    await Promise.all(
      names.map((name) => custom.deleteClusterCustomObject({ ...TEMPLATES, name }).catch(() => {})),
    );
  }
});
