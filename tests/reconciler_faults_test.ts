/**
 * Faults around templates, against the real control plane: 100 broken templates next to a good
 * one. Every broken one reports Ready=False with its error; the good one's pools are applied and
 * follow a node change without waiting for the broken ones.
 */
import assert from "node:assert/strict";
import { CustomObjectsApi } from "@kubernetes/client-node";
import { parse } from "yaml";
import type { NodeSource } from "../src/operator/controller.ts";
import { ClusterObjects } from "../src/operator/kube/objects.ts";
import { SandboxedRenderer } from "../src/operator/render/sandbox.ts";
import { TemplateReconciler } from "../src/operator/template_reconciler.ts";
import type { KubernetesObject } from "../src/shared/kube_object.ts";
import type { Node } from "../src/shared/model.ts";
import { installProductCrds, testKubeConfig, uniqueName, waitFor } from "./support/cluster.ts";
import { nodeWithPrefix } from "./support/nodes.ts";

const EXAMPLE = new URL("../examples/cilium-pool-template.yaml", import.meta.url);
const GROUP = { group: "k8s.lukasdietrich.com", version: "v1alpha1", plural: "dhcptemplates" };

/** Five ways to break a template; each must end in Ready=False with this message. */
const BROKEN: [string, RegExp][] = [
  ["{% for node in nodes %}\nkind: x", /line|end of file|endfor/i],
  ["{{ nodes | nosuchfilter }}", /nosuchfilter/],
  ["kind: [unclosed\n", /line 1/],
  ["apiVersion: v1\nkind: ConfigMap\nmetadata: {}\n", /metadata\.name/],
  ["{{ 'not-an-address' | ipsubnet(64, 0) }}", /ipsubnet/],
];

type Template = KubernetesObject & {
  status?: { conditions?: { type: string; status: string; message?: string }[] };
};

Deno.test("100 broken templates report their errors and do not hold up a good one", async () => {
  const config = testKubeConfig();
  await installProductCrds(config);
  const custom = config.makeApiClient(CustomObjectsApi);
  const objects = new ClusterObjects(config);
  const prefix = uniqueName("faults");
  let nodes: Node[] = [nodeWithPrefix(`${prefix}-n`, "2001:db8:3100::")];
  const source: NodeSource = {
    loaded: true,
    snapshot: () => nodes,
    nextExpiry: () => undefined,
  };
  const renderer = new SandboxedRenderer();
  const reconciler = await TemplateReconciler.start({
    kubeConfig: config,
    nodes: source,
    renderer,
    retryMs: 1000,
  });
  reconciler.setLeading(true);
  const names = Array.from({ length: 100 }, (_, index) => `${prefix}-broken-${index}`);
  // The product example, with pool names of its own (other templates may render the example).
  const good = parse(
    (await Deno.readTextFile(EXAMPLE)).replace("name: dhcp-pool-{{", "name: good-pool-{{"),
  ) as KubernetesObject;
  good.metadata.name = `${prefix}-good`;
  const poolCidrs = async () =>
    ((await objects.get({
      apiVersion: "cilium.io/v2",
      kind: "CiliumLoadBalancerIPPool",
      name: `good-pool-${prefix}-n`,
    })) as { spec?: { blocks?: { cidr: string }[] } } | undefined)?.spec?.blocks?.map((block) =>
      block.cidr
    );
  const ready = async (name: string) =>
    ((await objects.get({ ...GROUP_REF, name })) as Template | undefined)?.status?.conditions
      ?.find((condition) => condition.type === "Ready");
  try {
    for (let start = 0; start < names.length; start += 20) {
      await Promise.all(
        names.slice(start, start + 20).map((name, offset) =>
          custom.createClusterCustomObject({
            ...GROUP,
            body: {
              apiVersion: "k8s.lukasdietrich.com/v1alpha1",
              kind: "DHCPTemplate",
              metadata: { name },
              spec: { template: BROKEN[(start + offset) % BROKEN.length][0] },
            },
          })
        ),
      );
    }
    await objects.apply(good);
    await waitFor(
      "the good template's pool",
      async () => (await poolCidrs())?.[0] === "2001:db8:3100::/56",
      120_000,
    );

    await waitFor("every broken template to be Ready=False", async () => {
      const conditions = await Promise.all(names.map(ready));
      return conditions.every((condition) => condition?.status === "False");
    }, 120_000);
    for (const [index, name] of names.entries()) {
      const message = (await ready(name))?.message ?? "";
      assert.match(message, BROKEN[index % BROKEN.length][1], `${name}: ${message}`);
    }

    const started = performance.now();
    nodes = [nodeWithPrefix(`${prefix}-n`, "2001:db8:3200::")];
    reconciler.nodesChanged();
    await waitFor(
      "the good pool to follow the node",
      async () => (await poolCidrs())?.[0] === "2001:db8:3200::/56",
      60_000,
    );
    console.log(
      `node change → good pool applied, next to 100 broken templates: ` +
        `${Math.round(performance.now() - started)} ms`,
    );
    const goodReady = await ready(good.metadata.name);
    assert.equal(goodReady?.status, "True", goodReady?.message ?? "no message");
  } finally {
    await reconciler.stop();
    await renderer.close();
    await Promise.all(
      [...names, good.metadata.name].map((name) =>
        custom.deleteClusterCustomObject({ ...GROUP, name }).catch(() => {})
      ),
    );
  }
});

const GROUP_REF = { apiVersion: "k8s.lukasdietrich.com/v1alpha1", kind: "DHCPTemplate" };
