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
import { createAgentIdentities } from "./support/agent_identities.ts";
import { installCrds, testKubeConfig, uniqueName, waitFor } from "./support/cluster.ts";
import { CILIUM_LB_IP_POOL_CRD } from "../tools/crds.ts";

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
  await installCrds(config, CILIUM_LB_IP_POOL_CRD);
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
  const namespace = uniqueName("tokens");
  const node = `${namespace}-node-a`;
  const identities = await createAgentIdentities(config, {
    namespace,
    serviceAccount: "agent",
    nodes: [node],
    audience: "dhcp-template",
  });
  try {
    const token = await Deno.readTextFile(identities.tokenFile(node));
    assert.equal(token, identities.token(node));
    const reviews = config.makeApiClient(AuthenticationV1Api);
    const review = await reviews.createTokenReview({
      body: { spec: { token, audiences: ["dhcp-template"] } },
    });
    assert.deepEqual(review.status?.authenticated, true);
    assert.deepEqual(review.status?.user?.username, `system:serviceaccount:${namespace}:agent`);
    assert.deepEqual(review.status?.user?.extra?.["authentication.kubernetes.io/node-name"], [
      node,
    ]);
    const wrongAudience = await reviews.createTokenReview({
      body: { spec: { token, audiences: ["someone-else"] } },
    });
    assert.notEqual(wrongAudience.status?.authenticated, true);
  } finally {
    await identities.remove();
    const core = config.makeApiClient(CoreV1Api);
    await core.deleteNode({ name: node }).catch(() => {});
    await core.deleteNamespace({ name: namespace });
  }
});
