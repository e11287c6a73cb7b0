/**
 * `deno task render --live` against the real control plane: it renders a template with the
 * cluster's DHCPNodes, shows what the operator would create, update, delete and refuse as diffs
 * against the live objects, and writes nothing.
 */
import assert from "node:assert/strict";
import { CustomObjectsApi } from "@kubernetes/client-node";
import { stringify } from "yaml";
import { ClusterObjects } from "../src/operator/kube/objects.ts";
import { toDhcpNode } from "../src/operator/nodes/dhcp_node.ts";
import { SandboxedRenderer } from "../src/operator/render/sandbox.ts";
import { TemplateReconciler } from "../src/operator/template_reconciler.ts";
import type { KubernetesObject, ObjectRef } from "../src/shared/kube_object.ts";
import type { Node } from "../src/shared/model.ts";
import {
  installProductCrds,
  testKubeConfig,
  testKubeconfigPath,
  uniqueName,
  waitFor,
} from "./support/cluster.ts";
import { nodeWithPrefix, TestNodes } from "./support/nodes.ts";

const RENDER_CLI = new URL("../src/cli/render.ts", import.meta.url).pathname;

/** A node whose delegated prefix is valid long after the test. */
function currentNode(name: string, prefix: string): Node {
  const node = nodeWithPrefix(name, prefix);
  for (const entry of node.interfaces[0].lease6!.prefix6) {
    entry.preferred_until = "2099-01-01T00:00:00Z";
    entry.valid_until = "2099-01-01T00:00:00Z";
  }
  return node;
}

/** Runs the preview CLI; its exit code and output. */
async function preview(templateFile: string): Promise<{ code: number; out: string }> {
  const output = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--allow-all",
      RENDER_CLI,
      "--template",
      templateFile,
      "--live",
      "--kubeconfig",
      testKubeconfigPath(),
    ],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const decoder = new TextDecoder();
  return {
    code: output.code,
    out: decoder.decode(output.stdout) + decoder.decode(output.stderr),
  };
}

Deno.test("render --live previews a template against the cluster without writing", async (t) => {
  const config = testKubeConfig();
  await installProductCrds(config);
  const objects = new ClusterObjects(config);
  const custom = config.makeApiClient(CustomObjectsApi);
  const prefix = uniqueName("live");
  const [a, b, c] = ["a", "b", "c"].map((suffix) => `${prefix}-${suffix}`);
  const poolRef = (node: string): ObjectRef => ({
    apiVersion: "cilium.io/v2",
    kind: "CiliumLoadBalancerIPPool",
    name: `pool-${node}`,
  });
  const cidrOf = async (node: string) =>
    ((await objects.get(poolRef(node)))?.spec as { blocks: { cidr: string }[] } | undefined)
      ?.blocks.map((block) => block.cidr);
  const templateName = uniqueName("live-preview");
  const template: KubernetesObject = {
    apiVersion: "k8s.lukasdietrich.com/v1alpha1",
    kind: "DHCPTemplate",
    metadata: { name: templateName },
    spec: {
      template: `{% for node in nodes if node.name.startswith("${prefix}") %}
---
apiVersion: cilium.io/v2
kind: CiliumLoadBalancerIPPool
metadata:
  name: pool-{{ node.name }}
spec:
  blocks:
{% for p in node.interfaces[0].lease6.prefix6 %}
    - cidr: "{{ p.ip }}/{{ p.len }}"
{% endfor %}
{% endfor %}
`,
    },
  };
  const dir = await Deno.makeTempDir();
  const templateFile = `${dir}/template.yaml`;
  await Deno.writeTextFile(templateFile, stringify(template));
  const storeNodes = async (nodes: Node[]) => {
    for (const node of nodes) {
      await objects.apply(
        toDhcpNode({ ...node, digest: "0".repeat(64), reportedAt: "2026-12-01T00:00:00Z" }),
      );
    }
  };
  const deleteDhcpNode = (name: string) =>
    custom.deleteClusterCustomObject({
      group: "k8s.lukasdietrich.com",
      version: "v1alpha1",
      plural: "dhcpnodes",
      name,
    });
  const renderer = new SandboxedRenderer();
  const applyForReal = async (nodes: Node[]) => {
    const testNodes = new TestNodes();
    testNodes.nodes = nodes;
    const reconciler = await TemplateReconciler.start({
      kubeConfig: config,
      nodes: testNodes,
      renderer,
    });
    reconciler.setLeading(true);
    try {
      await reconciler.idle();
    } finally {
      await reconciler.stop();
    }
  };

  try {
    await storeNodes([currentNode(a, "2001:db8:a100::"), currentNode(b, "2001:db8:b100::")]);

    await t.step("a new template: creates shown as diffs, an existing object refused", async () => {
      await objects.apply({
        apiVersion: "cilium.io/v2",
        kind: "CiliumLoadBalancerIPPool",
        metadata: { name: poolRef(a).name },
        spec: { blocks: [{ cidr: "2001:db8:ffff::/64" }] },
      });
      const { code, out } = await preview(templateFile);
      assert.equal(code, 1, out);
      assert.match(out, /no DHCPTemplate .* in the cluster yet/);
      assert.match(out, new RegExp(`create CiliumLoadBalancerIPPool pool-${b}\\n`));
      assert.match(out, /\+\s+- cidr: 2001:db8:b100::\/56/);
      assert.match(out, new RegExp(`refuse CiliumLoadBalancerIPPool pool-${a}: .*exists`));
      assert.equal(await cidrOf(b), undefined, "the preview created an object");
      assert.deepEqual(await cidrOf(a), ["2001:db8:ffff::/64"]);
      await objects.delete(poolRef(a), (await objects.get(poolRef(a)))!.metadata.uid!);
    });

    await t.step(
      "an applied template: updates and deletions as diffs; nothing written",
      async () => {
        await custom.createClusterCustomObject({
          group: "k8s.lukasdietrich.com",
          version: "v1alpha1",
          plural: "dhcptemplates",
          body: template,
        });
        await applyForReal([
          currentNode(a, "2001:db8:a100::"),
          currentNode(b, "2001:db8:b000::"),
          currentNode(c, "2001:db8:c100::"),
        ]);
        assert.deepEqual(await cidrOf(c), ["2001:db8:c100::/56"]);
        assert.deepEqual(await cidrOf(b), ["2001:db8:b000::/56"]);

        const { code, out } = await preview(templateFile);
        assert.equal(code, 1, out);
        assert.match(out, new RegExp(`unchanged CiliumLoadBalancerIPPool pool-${a}\\n`));
        assert.match(out, new RegExp(`update CiliumLoadBalancerIPPool pool-${b}\\n`));
        assert.match(out, /-\s+- cidr: 2001:db8:b000::\/56\n\+\s+- cidr: 2001:db8:b100::\/56/);
        assert.match(out, new RegExp(`delete CiliumLoadBalancerIPPool pool-${c}\\n`));
        assert.match(out, /-\s+- cidr: 2001:db8:c100::\/56/);
        assert.doesNotMatch(out, /managedFields|resourceVersion/);
        assert.deepEqual(await cidrOf(b), ["2001:db8:b000::/56"], "the preview changed an object");
        assert.deepEqual(await cidrOf(c), ["2001:db8:c100::/56"], "the preview deleted an object");
      },
    );

    await t.step("nothing to change: exit code 0", async () => {
      await applyForReal([currentNode(a, "2001:db8:a100::"), currentNode(b, "2001:db8:b100::")]);
      await waitFor("pool c pruned", async () => await cidrOf(c) === undefined);
      const { code, out } = await preview(templateFile);
      assert.equal(code, 0, out);
      assert.match(out, /2 unchanged/);
    });
    await t.step("a patch of an opted-in object: shown as a patch, nothing written", async () => {
      const service = uniqueName("web");
      const patchTemplate = {
        ...template,
        metadata: { name: uniqueName("live-patch") },
        spec: {
          template: `---
apiVersion: v1
kind: ConfigMap
metadata:
  name: ${service}
  namespace: default
  annotations:
    k8s.lukasdietrich.com/patch: "true"
data:
  prefix: "{{ (nodes | selectattr("name", "equalto", "${a}") | first).interfaces[0].lease6.prefix6[0].ip }}"
`,
        },
      };
      const patchFile = `${dir}/patch.yaml`;
      await Deno.writeTextFile(patchFile, stringify(patchTemplate));
      const ref = { apiVersion: "v1", kind: "ConfigMap", namespace: "default", name: service };
      await objects.applyWith({
        apiVersion: "v1",
        kind: "ConfigMap",
        metadata: {
          name: service,
          namespace: "default",
          annotations: { "k8s.lukasdietrich.com/patched-by": patchTemplate.metadata.name },
        },
        data: { owner: "user" },
      }, { fieldManager: "user" });
      try {
        const { code, out } = await preview(patchFile);
        assert.equal(code, 1, out);
        assert.match(out, new RegExp(`patch ConfigMap default/${service}\n`));
        assert.match(out, /\+ {2}prefix: "2001:db8:a100::"/);
        assert.doesNotMatch(out, /-\s+owner: user/);
        assert.deepEqual((await objects.get(ref))?.data, { owner: "user" });
      } finally {
        await objects.delete(ref, (await objects.get(ref))!.metadata.uid!);
      }
    });
  } finally {
    await renderer.close();
    await Deno.remove(dir, { recursive: true });
    await custom.deleteClusterCustomObject({
      group: "k8s.lukasdietrich.com",
      version: "v1alpha1",
      plural: "dhcptemplates",
      name: templateName,
    }).catch(() => {});
    for (const name of [a, b]) await deleteDhcpNode(name).catch(() => {});
  }
});
