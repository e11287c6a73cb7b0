/**
 * Proves the test control plane is a real Kubernetes: CRD validation, server-side apply, the
 * garbage collector, and pod-bound service account tokens with a node claim.
 */
import assert from "node:assert/strict";
import {
  AuthenticationV1Api,
  CoreV1Api,
  KubernetesObjectApi,
  PatchStrategy,
} from "@kubernetes/client-node";
import { FIELD_MANAGER } from "../src/operator/kube/objects.ts";
import { installCrds, testKubeConfig, uniqueName, waitFor } from "./support/cluster.ts";

const CILIUM_POOL_CRD = new URL(
  "../../shared/testdata/crds/cilium.io_ciliumloadbalancerippools.yaml",
  import.meta.url,
);

function pool(name: string, allowFirstLastIPs: string) {
  return {
    apiVersion: "cilium.io/v2",
    kind: "CiliumLoadBalancerIPPool",
    metadata: { name },
    spec: { allowFirstLastIPs, blocks: [{ cidr: "2001:db8:1200::/64" }] },
  };
}

Deno.test("a real CRD is served and validated, and server-side apply records our field manager", async () => {
  const config = testKubeConfig();
  await installCrds(config, CILIUM_POOL_CRD);
  const objects = KubernetesObjectApi.makeApiClient(config);
  const name = uniqueName("pool");
  await objects.patch(
    pool(name, "No"),
    undefined,
    undefined,
    FIELD_MANAGER,
    true,
    PatchStrategy.ServerSideApply,
  );
  const stored = await objects.read({
    apiVersion: "cilium.io/v2",
    kind: "CiliumLoadBalancerIPPool",
    metadata: { name },
  });
  assert.deepEqual((stored as ReturnType<typeof pool>).spec.blocks, [{
    cidr: "2001:db8:1200::/64",
  }]);
  assert.deepEqual(stored.metadata?.managedFields?.map((field) => field.manager), [
    FIELD_MANAGER,
  ]);
  await assert.rejects(
    () =>
      objects.patch(
        pool(uniqueName("invalid"), "Maybe"),
        undefined,
        undefined,
        FIELD_MANAGER,
        true,
        PatchStrategy.ServerSideApply,
      ),
    /allowFirstLastIPs/,
  );
  await objects.delete(stored);
});

Deno.test("the garbage collector removes a dependent after its owner is deleted", async () => {
  const config = testKubeConfig();
  const core = config.makeApiClient(CoreV1Api);
  const owner = await core.createNamespacedConfigMap({
    namespace: "default",
    body: { metadata: { name: uniqueName("owner") } },
  });
  const dependentName = uniqueName("dependent");
  await core.createNamespacedConfigMap({
    namespace: "default",
    body: {
      metadata: {
        name: dependentName,
        ownerReferences: [{
          apiVersion: "v1",
          kind: "ConfigMap",
          name: owner.metadata!.name!,
          uid: owner.metadata!.uid!,
        }],
      },
    },
  });
  const before = await core.readNamespacedConfigMap({ namespace: "default", name: dependentName });
  assert.equal(before.metadata?.ownerReferences?.[0]?.uid, owner.metadata!.uid);
  await core.deleteNamespacedConfigMap({ namespace: "default", name: owner.metadata!.name! });
  await waitFor("the dependent ConfigMap to be garbage-collected", async () => {
    const list = await core.listNamespacedConfigMap({
      namespace: "default",
      fieldSelector: `metadata.name=${dependentName}`,
    });
    return list.items.length === 0;
  }, 60_000);
});

Deno.test("a pod-bound token carries the pod's node, as TokenReview reports", async () => {
  const config = testKubeConfig();
  const core = config.makeApiClient(CoreV1Api);
  const namespace = uniqueName("tokens");
  await core.createNamespace({ body: { metadata: { name: namespace } } });
  try {
    await core.createNode({ body: { metadata: { name: `${namespace}-node-a` } } });
    await core.createNamespacedServiceAccount({
      namespace,
      body: { metadata: { name: "agent" } },
    });
    const pod = await core.createNamespacedPod({
      namespace,
      body: {
        metadata: { name: "agent" },
        spec: {
          nodeName: `${namespace}-node-a`,
          serviceAccountName: "agent",
          containers: [{ name: "agent", image: "example.invalid/agent:1" }],
        },
      },
    });
    const token = await core.createNamespacedServiceAccountToken({
      namespace,
      name: "agent",
      body: {
        spec: {
          audiences: ["dhcp-template"],
          expirationSeconds: 600,
          boundObjectRef: { apiVersion: "v1", kind: "Pod", name: "agent", uid: pod.metadata!.uid },
        },
      },
    });
    const review = await config.makeApiClient(AuthenticationV1Api).createTokenReview({
      body: { spec: { token: token.status!.token!, audiences: ["dhcp-template"] } },
    });
    assert.deepEqual(review.status?.authenticated, true);
    assert.deepEqual(review.status?.user?.username, `system:serviceaccount:${namespace}:agent`);
    assert.deepEqual(review.status?.user?.extra?.["authentication.kubernetes.io/node-name"], [
      `${namespace}-node-a`,
    ]);
    const wrongAudience = await config.makeApiClient(AuthenticationV1Api).createTokenReview({
      body: { spec: { token: token.status!.token!, audiences: ["someone-else"] } },
    });
    assert.notEqual(wrongAudience.status?.authenticated, true);
  } finally {
    await core.deleteNamespacedPod({ namespace, name: "agent", gracePeriodSeconds: 0 })
      .catch(() => {});
    await core.deleteNode({ name: `${namespace}-node-a` }).catch(() => {});
    await core.deleteNamespace({ name: namespace });
  }
});
