/**
 * Every example in examples/: it renders (in the real sandbox) to the expected objects on
 * examples/nodes.yaml, and the real control plane accepts the DHCPTemplate and every rendered
 * object, validated by the real Cilium and MetalLB CRDs (server-side apply with dryRun).
 */
import assert from "node:assert/strict";
import { KubernetesObjectApi, PatchStrategy } from "@kubernetes/client-node";
import { parse } from "yaml";
import { nodesFrom, templateSource } from "../src/cli/render.ts";
import { ClusterObjects, FIELD_MANAGER } from "../src/operator/kube/objects.ts";
import { SandboxedRenderer } from "../src/operator/render/sandbox.ts";
import { isPatch, PATCH_ANNOTATION, PATCH_OPT_IN_ANNOTATION } from "../src/operator/plan/plan.ts";
import { type KubernetesObject, refOf } from "../src/shared/kube_object.ts";
import type { Node } from "../src/shared/model.ts";
import { installCrds, testKubeConfig } from "./support/cluster.ts";
import { CILIUM_LB_IP_POOL_CRD, METALLB_IP_ADDRESS_POOL_CRD } from "../tools/crds.ts";

const EXAMPLES = new URL("../examples/", import.meta.url);
const TEMPLATE_CRD = new URL("../charts/dhcp-template/crds/dhcptemplates.yaml", import.meta.url);

/** What an example must render: kind, name, namespace and the CIDRs of each object. */
interface Expected {
  kind: string;
  name: string;
  namespace?: string;
  cidrs?: string[];
  disabled?: boolean;
}

const EXPECTED: Record<string, Expected[]> = {
  "cilium-pool-template.yaml": [
    {
      kind: "CiliumLoadBalancerIPPool",
      name: "dhcp-pool-node-a",
      // The current prefix only: the draining 2001:db8:1100::/56 is in prefix6_draining.
      cidrs: ["2001:db8:1200::/56"],
      disabled: false,
    },
    {
      kind: "CiliumLoadBalancerIPPool",
      name: "dhcp-pool-node-b",
      cidrs: ["2001:db8:2200::/60", "fd9a:1:2::/56"],
      disabled: false,
    },
  ],
  "cilium-pool-subnets.yaml": [
    {
      kind: "CiliumLoadBalancerIPPool",
      name: "dhcp-subnet-node-a",
      cidrs: ["2001:db8:1200:1::/64"],
    },
    {
      kind: "CiliumLoadBalancerIPPool",
      name: "dhcp-subnet-node-b",
      cidrs: ["2001:db8:2200:1::/64"],
    },
  ],
  "cilium-pool-fixed-suffix.yaml": [
    { kind: "CiliumLoadBalancerIPPool", name: "dns-node-a-eth0", cidrs: ["2001:db8:1200::53/128"] },
    {
      kind: "CiliumLoadBalancerIPPool",
      name: "dns-node-b-eth0-100",
      cidrs: ["2001:db8:2200::53/128"],
    },
  ],
  "cilium-pool-draining.yaml": [
    {
      kind: "CiliumLoadBalancerIPPool",
      name: "dhcp-pool-node-a",
      cidrs: ["2001:db8:1200::/56"],
      disabled: false,
    },
    {
      kind: "CiliumLoadBalancerIPPool",
      name: "dhcp-pool-node-a-draining",
      cidrs: ["2001:db8:1100::/56"],
      disabled: true,
    },
    {
      kind: "CiliumLoadBalancerIPPool",
      name: "dhcp-pool-node-b",
      cidrs: ["2001:db8:2200::/60"],
      disabled: false,
    },
  ],
  "lease-configmap.yaml": [{ kind: "ConfigMap", name: "dhcp-leases", namespace: "default" }],
  "service-patch-fixed-suffix.yaml": [{ kind: "Service", name: "web", namespace: "default" }],
  "metallb-pool.yaml": [
    {
      kind: "IPAddressPool",
      name: "dhcp-node-a",
      namespace: "metallb-system",
      cidrs: ["2001:db8:1200::/56"],
    },
    {
      kind: "IPAddressPool",
      name: "dhcp-node-b",
      namespace: "metallb-system",
      cidrs: ["2001:db8:2200::/60"],
    },
  ],
};

interface Example {
  file: string;
  manifest: KubernetesObject & { spec: { template: string } };
}

async function readExamples(): Promise<Example[]> {
  const examples: Example[] = [];
  for await (const entry of Deno.readDir(EXAMPLES)) {
    if (!entry.isFile || !entry.name.endsWith(".yaml")) continue;
    const manifest = parse(await Deno.readTextFile(new URL(entry.name, EXAMPLES)));
    if (manifest?.kind === "DHCPTemplate") examples.push({ file: entry.name, manifest });
  }
  return examples.sort((a, b) => a.file.localeCompare(b.file));
}

async function exampleNodes(): Promise<Node[]> {
  return nodesFrom(await Deno.readTextFile(new URL("nodes.yaml", EXAMPLES)), "nodes.yaml");
}

/** Renders every example as the operator would; fails on a render error. */
async function renderAll(): Promise<Map<string, KubernetesObject[]>> {
  const nodes = await exampleNodes();
  const renderer = new SandboxedRenderer();
  const rendered = new Map<string, KubernetesObject[]>();
  try {
    for (const { file, manifest } of await readExamples()) {
      const { name, source } = templateSource(await Deno.readTextFile(new URL(file, EXAMPLES)));
      assert.equal(name, manifest.metadata.name);
      const result = await renderer.render(name, source, nodes);
      assert.ok(result.ok, `${file}: ${!result.ok && result.error.message}`);
      rendered.set(file, result.objects);
    }
  } finally {
    await renderer.close();
  }
  return rendered;
}

function summary(object: KubernetesObject): Expected {
  const spec = object.spec as {
    blocks?: { cidr: string }[];
    addresses?: string[];
    disabled?: boolean;
  } | undefined;
  const cidrs = spec?.blocks?.map((block) => block.cidr) ?? spec?.addresses;
  return {
    kind: object.kind,
    name: object.metadata.name,
    ...(object.metadata.namespace ? { namespace: object.metadata.namespace } : {}),
    ...(cidrs ? { cidrs } : {}),
    ...(spec?.disabled !== undefined ? { disabled: spec.disabled } : {}),
  };
}

Deno.test("every example renders the expected objects on examples/nodes.yaml", async () => {
  const rendered = await renderAll();
  assert.deepEqual([...rendered.keys()].sort(), Object.keys(EXPECTED).sort());
  for (const [file, objects] of rendered) {
    assert.deepEqual(objects.map(summary), EXPECTED[file], file);
  }
});

Deno.test("the lease ConfigMap holds all lease data, as JSON and as YAML per node", async () => {
  const nodes = await exampleNodes();
  const [configMap] = (await renderAll()).get("lease-configmap.yaml")!;
  const data = configMap.data as Record<string, string>;
  assert.deepEqual(Object.keys(data), ["nodes.json", "node-a.yaml", "node-b.yaml"]);
  assert.deepEqual(JSON.parse(data["nodes.json"]), nodes);
  assert.deepEqual(parse(data["node-a.yaml"]), nodes[0]);
  assert.deepEqual(parse(data["node-b.yaml"]), nodes[1]);
});

Deno.test("the patch example sets only the LB-IPAM annotation, marked as a patch", async () => {
  const [service] = (await renderAll()).get("service-patch-fixed-suffix.yaml")!;
  assert.deepEqual(service.metadata.annotations, {
    [PATCH_ANNOTATION]: "true",
    "lbipam.cilium.io/ips": "2001:db8:1200::80",
  });
  assert.deepEqual(Object.keys(service), ["apiVersion", "kind", "metadata"]);
});

Deno.test("the control plane accepts every example and the objects it renders (dry run)", async () => {
  const config = testKubeConfig();
  await installCrds(config, TEMPLATE_CRD);
  await installCrds(config, CILIUM_LB_IP_POOL_CRD);
  await installCrds(config, METALLB_IP_ADDRESS_POOL_CRD);
  // MetalLB's pools live in its namespace; the dry run needs the namespace to exist.
  await new ClusterObjects(config).apply({
    apiVersion: "v1",
    kind: "Namespace",
    metadata: { name: "metallb-system" },
  });
  const api = KubernetesObjectApi.makeApiClient(config);
  const dryRunApply = (object: KubernetesObject) =>
    api.patch(object, undefined, "All", FIELD_MANAGER, true, PatchStrategy.ServerSideApply);

  for (const { file, manifest } of await readExamples()) {
    const accepted = await dryRunApply(manifest) as typeof manifest;
    assert.equal(accepted.spec.template, manifest.spec.template, file);
    assert.equal((accepted.spec as { suspend?: boolean }).suspend, false, `${file}: defaulted`);
  }
  // The dry run validates for real: a template that is not a string is refused.
  await assert.rejects(
    dryRunApply({
      apiVersion: "k8s.lukasdietrich.com/v1alpha1",
      kind: "DHCPTemplate",
      metadata: { name: "invalid-example" },
      spec: { template: 42 },
    }),
    /spec\.template/,
  );

  let validated = 0;
  for (const [file, objects] of await renderAll()) {
    for (const object of objects) {
      // A patch needs the object it patches, opted in to the example's template.
      const target = isPatch(object) ? await optedInTarget(config, object, file) : undefined;
      const accepted = await dryRunApply(object);
      if (target) await new ClusterObjects(config).delete(refOf(target), target.metadata.uid!);
      assert.equal(accepted.metadata?.name, object.metadata.name, file);
      validated++;
    }
  }
  assert.equal(validated, 13);
});

/** Creates the object a patch example patches (a user's Service), opted in to the example. */
async function optedInTarget(
  config: ReturnType<typeof testKubeConfig>,
  patch: KubernetesObject,
  file: string,
): Promise<KubernetesObject> {
  const { manifest } = (await readExamples()).find((example) => example.file === file)!;
  assert.equal(patch.kind, "Service", file);
  return await new ClusterObjects(config).applyWith({
    apiVersion: "v1",
    kind: "Service",
    metadata: {
      name: patch.metadata.name,
      namespace: patch.metadata.namespace,
      annotations: { [PATCH_OPT_IN_ANNOTATION]: manifest.metadata.name },
    },
    spec: { ports: [{ port: 80 }] },
  }, { fieldManager: "user" });
}
