/**
 * Applies the cluster refuses, against the real control plane, with the reconciler running under
 * the operator's real RBAC (the chart's ClusterRole, a service account token): an object that
 * fails its kind's schema (422), a kind outside `managedResources` (403), a CRD deleted while a
 * template renders its kind, and an object over etcd's request size limit. Each time the
 * template's other objects and the other templates stay applied and follow node changes, and the
 * template's `Ready` condition says what failed.
 */
import assert from "node:assert/strict";
import {
  ApiException,
  ApiextensionsV1Api,
  CustomObjectsApi,
  type KubeConfig,
} from "@kubernetes/client-node";
import { ClusterObjects } from "../src/operator/kube/objects.ts";
import { SandboxedRenderer } from "../src/operator/render/sandbox.ts";
import { TemplateReconciler } from "../src/operator/template_reconciler.ts";
import type { KubernetesObject, ObjectRef } from "../src/shared/kube_object.ts";
import { installProductCrds, testKubeConfig, uniqueName, waitFor } from "./support/cluster.ts";
import { nodeWithPrefix, TestNodes } from "./support/nodes.ts";
import { createOperatorIdentity, DEFAULT_MANAGED_RESOURCES } from "./support/operator_identity.ts";

const TEMPLATES = { group: "k8s.lukasdietrich.com", version: "v1alpha1", plural: "dhcptemplates" };
const TEMPLATE_REF = { apiVersion: "k8s.lukasdietrich.com/v1alpha1", kind: "DHCPTemplate" };

type Condition = { type: string; status: string; reason: string; message: string };
type TemplateObject = KubernetesObject & {
  status?: { conditions?: Condition[]; inventory?: ObjectRef[] };
};

/** A Cilium pool named `name` on the first node's delegated prefix, as template source. */
function poolSource(name: string): string {
  return `apiVersion: cilium.io/v2
kind: CiliumLoadBalancerIPPool
metadata:
  name: ${name}
spec:
  blocks:
    - cidr: "{{ nodes[0].interfaces[0].lease6.prefix6[0].ip }}/64"
`;
}

/** A test kind `Blob` (namespaced) in a group of its own: `spec.size` integer, `spec.data` string. */
function blobCrd(group: string): KubernetesObject {
  return {
    apiVersion: "apiextensions.k8s.io/v1",
    kind: "CustomResourceDefinition",
    metadata: { name: `blobs.${group}` },
    spec: {
      group,
      scope: "Namespaced",
      names: { plural: "blobs", singular: "blob", kind: "Blob", listKind: "BlobList" },
      versions: [{
        name: "v1",
        served: true,
        storage: true,
        schema: {
          openAPIV3Schema: {
            type: "object",
            properties: {
              spec: {
                type: "object",
                properties: { size: { type: "integer" }, data: { type: "string" } },
              },
            },
          },
        },
      }],
    },
  };
}

/** Installs the Blob CRD and waits until it is served. */
async function installBlobCrd(objects: ClusterObjects, admin: KubeConfig, group: string) {
  await objects.apply(blobCrd(group));
  const extensions = admin.makeApiClient(ApiextensionsV1Api);
  await waitFor("the Blob CRD to be Established", async () => {
    const crd = await extensions.readCustomResourceDefinition({ name: `blobs.${group}` });
    return crd.status?.conditions?.some((c) => c.type === "Established" && c.status === "True") ??
      false;
  });
}

/** A Blob object as template source. */
function blobSource(group: string, name: string, spec: string): string {
  return `apiVersion: ${group}/v1
kind: Blob
metadata:
  name: ${name}
  namespace: default
spec: ${spec}
`;
}

/** A running reconciler under the operator's identity, and what the tests look at. */
interface Rig {
  admin: KubeConfig;
  objects: ClusterObjects;
  nodes: TestNodes;
  reconciler: TemplateReconciler;
  prefix: string;
  blobGroup: string;
  createTemplate(name: string, source: string): Promise<void>;
  ready(template: string): Promise<Condition | undefined>;
  inventory(template: string): Promise<string[]>;
  poolCidr(name: string): Promise<string | undefined>;
}

async function withRig(test: (rig: Rig) => Promise<void>): Promise<void> {
  const admin = testKubeConfig();
  await installProductCrds(admin);
  const prefix = uniqueName("rejected");
  const blobGroup = `${prefix}.dhcp-template.test`;
  const objects = new ClusterObjects(admin);
  await installBlobCrd(objects, admin, blobGroup);
  const extensions = admin.makeApiClient(ApiextensionsV1Api);
  // The operator may manage Cilium pools and Blobs — and nothing else (no ConfigMaps).
  const identity = await createOperatorIdentity(admin, prefix, [
    ...DEFAULT_MANAGED_RESOURCES,
    { apiGroups: [blobGroup], resources: ["blobs"] },
  ]);
  const custom = admin.makeApiClient(CustomObjectsApi);
  const nodes = new TestNodes();
  nodes.nodes = [nodeWithPrefix(`${prefix}-n`, "2001:db8:4100::")];
  const renderer = new SandboxedRenderer();
  const reconciler = await TemplateReconciler.start({
    kubeConfig: identity.kubeConfig,
    nodes,
    renderer,
    retryMs: 1000,
  });
  const templates: string[] = [];
  const rig: Rig = {
    admin,
    objects,
    nodes,
    reconciler,
    prefix,
    blobGroup,
    async createTemplate(name, source) {
      templates.push(name);
      await custom.createClusterCustomObject({
        ...TEMPLATES,
        body: { ...TEMPLATE_REF, metadata: { name }, spec: { template: source } },
      });
    },
    async ready(template) {
      const object = await objects.get({ ...TEMPLATE_REF, name: template }) as
        | TemplateObject
        | undefined;
      return object?.status?.conditions?.find((condition) => condition.type === "Ready");
    },
    async inventory(template) {
      const object = await objects.get({ ...TEMPLATE_REF, name: template }) as
        | TemplateObject
        | undefined;
      return (object?.status?.inventory ?? []).map((ref) => `${ref.kind}/${ref.name}`).sort();
    },
    async poolCidr(name) {
      const pool = await objects.get({
        apiVersion: "cilium.io/v2",
        kind: "CiliumLoadBalancerIPPool",
        name,
      }) as { spec?: { blocks?: { cidr: string }[] } } | undefined;
      return pool?.spec?.blocks?.[0]?.cidr;
    },
  };
  reconciler.setLeading(true);
  try {
    await test(rig);
  } finally {
    await reconciler.stop();
    await renderer.close();
    await Promise.all(
      templates.map((name) =>
        custom.deleteClusterCustomObject({ ...TEMPLATES, name }).catch(() => {})
      ),
    );
    await extensions.deleteCustomResourceDefinition({ name: `blobs.${blobGroup}` })
      .catch(() => {});
    await identity.remove();
  }
}

/** Waits until the pool of each template (`<template>-pool`) has the block `cidr`. */
async function waitForPools(rig: Rig, templates: string[], cidr: string, what: string) {
  await waitFor(what, async () => {
    const cidrs = await Promise.all(templates.map((name) => rig.poolCidr(`${name}-pool`)));
    return cidrs.every((actual) => actual === cidr);
  }, 60_000);
}

/** Moves the node's prefix to 2001:db8:4200:: and waits until the templates' pools follow. */
async function moveNodeAndWaitForPools(rig: Rig, templates: string[]): Promise<void> {
  rig.nodes.nodes = [nodeWithPrefix(`${rig.prefix}-n`, "2001:db8:4200::")];
  rig.reconciler.nodesChanged();
  await waitForPools(rig, templates, "2001:db8:4200::/64", "both pools to follow the node change");
}

/**
 * The common check: template `broken` renders a good pool next to the refused object, template
 * `other` renders a pool of its own. Both pools are applied, `broken` is Ready=False ApplyFailed
 * with a message matching `expected`, `other` is Ready=True; after a node change both pools
 * follow it (the refused object does not hold up the rest).
 */
async function assertOthersApplied(rig: Rig, refused: string, expected: RegExp): Promise<void> {
  const broken = `${rig.prefix}-broken`;
  const other = `${rig.prefix}-other`;
  await rig.createTemplate(broken, `${poolSource(`${broken}-pool`)}---\n${refused}`);
  await rig.createTemplate(other, poolSource(`${other}-pool`));
  await waitForPools(
    rig,
    [broken, other],
    "2001:db8:4100::/64",
    "both templates' pools to be applied",
  );
  await waitFor(
    "the broken template to report ApplyFailed",
    async () => (await rig.ready(broken))?.reason === "ApplyFailed",
    60_000,
  );
  const condition = await rig.ready(broken);
  assert.equal(condition?.status, "False");
  assert.match(condition!.message, expected);
  assert.deepEqual(await rig.inventory(broken), [`CiliumLoadBalancerIPPool/${broken}-pool`]);

  await moveNodeAndWaitForPools(rig, [broken, other]);
  assert.equal((await rig.ready(other))?.status, "True", (await rig.ready(other))?.message ?? "");
  assert.equal((await rig.ready(broken))?.reason, "ApplyFailed");
}

Deno.test("apply rejected: an object failing its kind's schema (422)", async () => {
  await withRig(async (rig) => {
    const invalid = blobSource(rig.blobGroup, `${rig.prefix}-invalid`, `{ size: "big" }`);
    await assertOthersApplied(rig, invalid, /-invalid.*spec\.size/);
  });
});

Deno.test("apply rejected: a kind outside the operator's RBAC (403)", async () => {
  await withRig(async (rig) => {
    const configMap = `apiVersion: v1
kind: ConfigMap
metadata:
  name: ${rig.prefix}-forbidden
  namespace: default
data: { a: b }
`;
    await assertOthersApplied(rig, configMap, /configmaps.*forbidden|forbidden.*configmaps/i);
    const core = await rig.objects.get({
      apiVersion: "v1",
      kind: "ConfigMap",
      name: `${rig.prefix}-forbidden`,
      namespace: "default",
    });
    assert.equal(core, undefined, "the forbidden ConfigMap was not created");
  });
});

Deno.test("apply rejected: an object over etcd's request size limit", async () => {
  await withRig(async (rig) => {
    // 2 MB of data: under the apiserver's 3 MiB body limit, over etcd's 1.5 MiB request limit.
    const huge = blobSource(rig.blobGroup, `${rig.prefix}-huge`, `{ data: "{{ 'x' * 2000000 }}" }`);
    await assertOthersApplied(rig, huge, /-huge.*too large/i);
  });
});

Deno.test("apply rejected: the CRD of a rendered kind is deleted", async () => {
  await withRig(async (rig) => {
    const broken = `${rig.prefix}-broken`;
    const other = `${rig.prefix}-other`;
    const blob = blobSource(rig.blobGroup, `${rig.prefix}-blob`, `{ size: 1 }`);
    await rig.createTemplate(broken, `${poolSource(`${broken}-pool`)}---\n${blob}`);
    await rig.createTemplate(other, poolSource(`${other}-pool`));
    await waitFor(
      "both templates to apply",
      async () =>
        (await rig.ready(broken))?.status === "True" && (await rig.ready(other))?.status === "True",
      60_000,
    );
    const both = [`Blob/${rig.prefix}-blob`, `CiliumLoadBalancerIPPool/${broken}-pool`];
    assert.deepEqual(await rig.inventory(broken), both);

    const extensions = rig.admin.makeApiClient(ApiextensionsV1Api);
    await extensions.deleteCustomResourceDefinition({ name: `blobs.${rig.blobGroup}` });
    await waitFor("the Blob CRD to be gone", async () => {
      try {
        await extensions.readCustomResourceDefinition({ name: `blobs.${rig.blobGroup}` });
        return false;
      } catch (error) {
        if (error instanceof ApiException && error.code === 404) return true;
        throw error;
      }
    });
    await moveNodeAndWaitForPools(rig, [broken, other]);
    await waitFor(
      "the template to report the missing kind",
      async () => (await rig.ready(broken))?.reason === "ApplyFailed",
      60_000,
    );
    assert.match((await rig.ready(broken))!.message, /the cluster serves no kind Blob/);
    // The Blob is neither deleted nor forgotten: it returns to the plan with its CRD.
    assert.deepEqual(await rig.inventory(broken), both);
    assert.equal((await rig.ready(other))?.status, "True", (await rig.ready(other))?.message ?? "");

    // The CRD is installed again: the Blob is applied again and the template recovers.
    await installBlobCrd(rig.objects, rig.admin, rig.blobGroup);
    rig.reconciler.nodesChanged();
    await waitFor(
      "the template to apply its Blob again",
      async () => (await rig.ready(broken))?.status === "True",
      60_000,
    );
    const restored = await rig.objects.get({
      apiVersion: `${rig.blobGroup}/v1`,
      kind: "Blob",
      name: `${rig.prefix}-blob`,
      namespace: "default",
    });
    assert.equal((restored?.spec as { size?: number } | undefined)?.size, 1);
  });
});
