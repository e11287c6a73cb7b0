/** The operator's Kubernetes I/O modules against the real control plane. */
import assert from "node:assert/strict";
import { CoordinationV1Api } from "@kubernetes/client-node";
import { ClusterObjects, FIELD_MANAGER, KubeObjectError } from "../src/operator/kube/objects.ts";
import { LeaderElector } from "../src/operator/leader/elector.ts";
import { refOf } from "../src/shared/kube_object.ts";
import { installCrds, testKubeConfig, uniqueName, waitFor } from "./support/cluster.ts";
import { CILIUM_LB_IP_POOL_CRD } from "../tools/crds.ts";

Deno.test("ClusterObjects applies with our field manager and deletes only the same object", async () => {
  const config = testKubeConfig();
  await installCrds(config, CILIUM_LB_IP_POOL_CRD);
  const objects = new ClusterObjects(config);
  assert.equal(await objects.isNamespaced("cilium.io/v2", "CiliumLoadBalancerIPPool"), false);
  assert.equal(await objects.isNamespaced("v1", "ConfigMap"), true);
  await assert.rejects(() => objects.isNamespaced("example.com/v1", "Nothing"), KubeObjectError);

  const pool = {
    apiVersion: "cilium.io/v2",
    kind: "CiliumLoadBalancerIPPool",
    metadata: { name: uniqueName("pool") },
    spec: { blocks: [{ cidr: "2001:db8:1200::/64" }] },
  };
  const applied = await objects.apply(pool);
  const managers = (applied.metadata.managedFields as { manager: string }[]).map((f) => f.manager);
  assert.deepEqual(managers, [FIELD_MANAGER]);
  const ref = refOf(pool);
  const stored = await objects.get(ref);
  assert.equal(stored?.metadata.uid, applied.metadata.uid);

  assert.equal(await objects.delete(ref, "00000000-0000-0000-0000-000000000000"), false);
  assert.ok(await objects.get(ref), "a uid mismatch must leave the object alone");
  assert.equal(await objects.delete(ref, applied.metadata.uid!), true);
  await waitFor("the pool to be gone", async () => (await objects.get(ref)) === undefined);
  assert.equal(await objects.delete(ref, applied.metadata.uid!), false);
});

Deno.test("leader election: one of two replicas leads, the other takes over on release", async () => {
  const config = testKubeConfig();
  const name = uniqueName("leader");
  const leading = new Set<string>();
  const elect = (identity: string) =>
    new LeaderElector(config, {
      namespace: "default",
      name,
      identity,
      leaseDurationSeconds: 5,
      retryPeriodMs: 200,
      onStartedLeading: () => leading.add(identity),
      onStoppedLeading: () => leading.delete(identity),
    });
  const first = elect("replica-1");
  await waitFor("replica-1 to lead", () => leading.has("replica-1"));
  const coordination = config.makeApiClient(CoordinationV1Api);
  const renewals = new Set<string>();
  const second = elect("replica-2");
  try {
    // replica-2 tries every 200 ms from its start; replica-1 renews as often: three renewals
    // later, replica-2 has had several tries.
    await waitFor("replica-1 to renew its claim three times", async () => {
      const lease = await coordination.readNamespacedLease({ name, namespace: "default" });
      assert.equal(lease.spec?.holderIdentity, "replica-1");
      renewals.add(String(lease.spec?.renewTime));
      return renewals.size > 3;
    });
    assert.deepEqual([...leading], ["replica-1"]);
    await first.stop();
    await waitFor("replica-2 to take over", () => leading.has("replica-2"), 10_000);
    assert.deepEqual([...leading], ["replica-2"]);
  } finally {
    await first.stop();
    await second.stop();
  }
});
