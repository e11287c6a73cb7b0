/**
 * Zero writes after a restart, for every example in examples/: the real node store (DHCPNode
 * objects) and reconciler against the real control plane apply each example on the data of
 * examples/nodes.yaml; a restarted store and reconciler then write nothing at all.
 */
import assert from "node:assert/strict";
import { CoreV1Api, CustomObjectsApi } from "@kubernetes/client-node";
import { parse } from "yaml";
import { nodesFrom } from "../src/cli/render.ts";
import type { NodeSource } from "../src/operator/controller.ts";
import { ClusterObjects } from "../src/operator/kube/objects.ts";
import { DHCP_NODE_PLURAL } from "../src/operator/nodes/dhcp_node.ts";
import { NodeStore } from "../src/operator/nodes/store.ts";
import { SandboxedRenderer } from "../src/operator/render/sandbox.ts";
import { TemplateReconciler } from "../src/operator/template_reconciler.ts";
import { type KubernetesObject, refOf } from "../src/shared/kube_object.ts";
import { isPatch, PATCH_OPT_IN_ANNOTATION } from "../src/operator/plan/plan.ts";
import type { Node } from "../src/shared/model.ts";
import {
  installCrds,
  installProductCrds,
  testKubeConfig,
  uniqueName,
  waitFor,
} from "./support/cluster.ts";
import { METALLB_IP_ADDRESS_POOL_CRD } from "../tools/crds.ts";
import { isTransient } from "../src/operator/kube/transient.ts";

const EXAMPLES = new URL("../examples/", import.meta.url);
const TIME = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/;

type TemplateObject = KubernetesObject & {
  status?: {
    conditions?: { type: string; status: string }[];
    inventory?: { apiVersion: string; kind: string; name: string; namespace?: string }[];
    patched?: { apiVersion: string; kind: string; name: string; namespace?: string }[];
  };
};

/** examples/nodes.yaml with node names made unique and every time moved by `shiftMs`. */
async function exampleNodes(prefix: string, shiftMs: number): Promise<Node[]> {
  const file = new URL("nodes.yaml", EXAMPLES);
  const nodes = nodesFrom(await Deno.readTextFile(file), file.pathname);
  const shifted = JSON.parse(
    JSON.stringify(nodes),
    (_, value) =>
      typeof value === "string" && TIME.test(value)
        ? new Date(Date.parse(value) + shiftMs).toISOString().replace(".000Z", "Z")
        : value,
  ) as Node[];
  for (const lease6 of shifted.flatMap((node) => node.interfaces.map((iface) => iface.lease6))) {
    // The example file leaves out the lists it does not use; an agent always sends them.
    if (lease6) {
      lease6.temporary6 ??= [];
      lease6.ia ??= [];
    }
  }
  return shifted.map((node) => ({ ...node, name: `${prefix}-${node.name}` }));
}

Deno.test("a restarted operator writes nothing for any example in examples/", async (t) => {
  const config = testKubeConfig();
  await installProductCrds(config);
  await installCrds(config, METALLB_IP_ADDRESS_POOL_CRD);
  const core = config.makeApiClient(CoreV1Api);
  await core.createNamespace({ body: { metadata: { name: "metallb-system" } } }).catch(() => {});
  const objects = new ClusterObjects(config);
  const custom = config.makeApiClient(CustomObjectsApi);
  const prefix = uniqueName("restart");
  // The example data was captured at 2026-11-24T18:00Z; move it to now.
  const nodes = await exampleNodes(prefix, Date.now() - Date.parse("2026-11-24T18:05:00Z"));
  const files = [...Deno.readDirSync(EXAMPLES)]
    .map((entry) => entry.name)
    .filter((name) => name.endsWith(".yaml") && name !== "nodes.yaml")
    .sort();

  const renderer = new SandboxedRenderer();
  const errors: string[] = [];
  /** The real store and reconciler; templates see only this test's nodes (the cluster is shared). */
  const start = async () => {
    const store = await NodeStore.start({ kubeConfig: config });
    const ours: NodeSource = {
      get loaded() {
        return store.loaded;
      },
      snapshot: (now) => store.snapshot(now).filter((node) => node.name.startsWith(prefix)),
      nextExpiry: (now) => store.nextExpiry(now),
    };
    const reconciler = await TemplateReconciler.start({
      kubeConfig: config,
      nodes: ours,
      renderer,
      retryMs: 200,
      // Transient apiserver answers (a CRD's storage initialising) are retried, as the operator does.
      onError: (context, error) => {
        if (!isTransient(error)) errors.push(`${context}: ${error}`);
      },
    });
    store.onChange(() => reconciler.nodesChanged());
    reconciler.setLeading(true);
    return { store, reconciler };
  };
  const stop = async (running: Awaited<ReturnType<typeof start>>) => {
    await running.reconciler.stop();
    await running.store.stop();
  };
  const readTemplate = async (name: string) =>
    await objects.get({
      apiVersion: "k8s.lukasdietrich.com/v1alpha1",
      kind: "DHCPTemplate",
      name,
    }) as TemplateObject | undefined;
  const generated = async (name: string) => {
    const versions: Record<string, string | undefined> = {};
    const status = (await readTemplate(name))?.status;
    for (const ref of [...status?.inventory ?? [], ...status?.patched ?? []]) {
      versions[`${ref.kind} ${ref.namespace ?? ""}/${ref.name}`] = (await objects.get(ref))
        ?.metadata.resourceVersion;
    }
    return versions;
  };
  const deleteTemplate = (name: string) =>
    custom.deleteClusterCustomObject({
      group: "k8s.lukasdietrich.com",
      version: "v1alpha1",
      plural: "dhcptemplates",
      name,
    }).catch(() => {});

  /**
   * The objects a patch example patches, created opted in to it (a user's objects, which patch
   * mode never creates); only Services occur in the examples.
   */
  const patchTargets = async (template: TemplateObject, name: string) => {
    const rendered = await renderer.render(
      name,
      (template.spec as { template: string }).template,
      nodes,
    );
    assert.ok(rendered.ok);
    const targets: KubernetesObject[] = [];
    for (const patch of rendered.objects.filter(isPatch)) {
      assert.equal(patch.kind, "Service");
      targets.push(
        await objects.applyWith({
          apiVersion: "v1",
          kind: "Service",
          metadata: {
            name: patch.metadata.name,
            namespace: patch.metadata.namespace,
            annotations: { [PATCH_OPT_IN_ANNOTATION]: name },
          },
          spec: { ports: [{ port: 80 }] },
        }, { fieldManager: "user" }),
      );
    }
    return targets;
  };

  const first = await start();
  try {
    for (const node of nodes) await first.store.accept(node.name, node.interfaces, new Date());
  } finally {
    await stop(first);
  }
  try {
    for (const file of files) {
      await t.step(file, async () => {
        errors.length = 0; // each example answers for its own errors
        const template = parse(await Deno.readTextFile(new URL(file, EXAMPLES))) as TemplateObject;
        const name = `${prefix}-${file.replace(".yaml", "")}`;
        template.metadata.name = name;
        const targets = await patchTargets(template, name);
        let running = await start();
        try {
          await objects.apply(template);
          await waitFor(
            `${name} Ready`,
            async () =>
              (await readTemplate(name))?.status?.conditions?.some((condition) =>
                condition.type === "Ready" && condition.status === "True"
              ) ?? false,
          ).catch((error) => {
            throw new Error(`${error.message}; reconciler errors: ${errors.join("; ")}`);
          });
          await running.reconciler.idle();
          const before = await generated(name);
          assert.ok(Object.keys(before).length > 0, "the example applied objects");

          await stop(running);
          running = await start();
          await waitFor("the first reconcile after the restart", async () => {
            await running.reconciler.idle();
            return running.reconciler.reconciles > 0;
          });
          await running.reconciler.idle();
          assert.deepEqual(running.reconciler.writes, {
            applies: 0,
            deletes: 0,
            statusWrites: 0,
            patches: 0,
            finalizerWrites: 0,
          });
          assert.equal(running.store.counts.writes, 0);
          assert.deepEqual(await generated(name), before);
          assert.deepEqual(errors, []);
          const inventory = (await readTemplate(name))?.status?.inventory ?? [];
          await deleteTemplate(name);
          // Its objects go with it (garbage collection), so the next example starts clean.
          await waitFor("the objects to be collected", async () => {
            const left = await Promise.all(inventory.map((ref) => objects.get(ref)));
            return left.every((object) => object === undefined);
          }, 60_000);
        } finally {
          await stop(running);
          await deleteTemplate(name);
          for (const target of targets) {
            await objects.delete(refOf(target), target.metadata.uid!).catch(() => {});
          }
        }
      });
    }
  } finally {
    renderer.close();
    for (const node of nodes) {
      await custom.deleteClusterCustomObject({
        group: "k8s.lukasdietrich.com",
        version: "v1alpha1",
        plural: DHCP_NODE_PLURAL,
        name: node.name,
      }).catch(() => {});
    }
  }
});
