/**
 * Patch mode against the real control plane, the operator restricted to the chart's RBAC with
 * Services in `patchedResources` (get, list, watch, patch): a template sets one annotation on a user's Service
 * that opted in, without owning the Service. The annotation follows a prefix change, kubectl
 * edits of it are reverted, other managers' fields survive, a Service without the opt-in (or one
 * that does not exist) is refused, and deleting the template removes only our annotation.
 */
import assert from "node:assert/strict";
import {
  CoreV1Api,
  CustomObjectsApi,
  PatchStrategy,
  setHeaderOptions,
} from "@kubernetes/client-node";
import { ClusterObjects } from "../src/operator/kube/objects.ts";
import { SandboxedRenderer } from "../src/operator/render/sandbox.ts";
import { TemplateReconciler } from "../src/operator/template_reconciler.ts";
import type { KubernetesObject, ObjectRef } from "../src/shared/kube_object.ts";
import { installCrds, testKubeConfig, uniqueName, waitFor } from "./support/cluster.ts";
import { nodeWithPrefix, TestNodes } from "./support/nodes.ts";
import { createOperatorIdentity } from "./support/operator_identity.ts";

const TEMPLATE_CRD = new URL("../charts/dhcp-template/crds/dhcptemplates.yaml", import.meta.url);
const LB_IPS = "lbipam.cilium.io/ips";

type TemplateObject = KubernetesObject & {
  metadata: { finalizers?: string[] };
  status?: {
    conditions?: { type: string; status: string; reason: string; message: string }[];
    patched?: ObjectRef[];
    conflicts?: { name: string; reason: string }[];
  };
};

Deno.test("patch mode sets fields of opted-in objects it does not own, and releases them", async (t) => {
  const config = testKubeConfig();
  await installCrds(config, TEMPLATE_CRD);
  const objects = new ClusterObjects(config);
  const custom = config.makeApiClient(CustomObjectsApi);
  const core = config.makeApiClient(CoreV1Api);
  const templateName = uniqueName("web-address");
  const [web, other, missing] = ["web", "other", "missing"].map(uniqueName);
  const serviceRef = (name: string): ObjectRef => ({
    apiVersion: "v1",
    kind: "Service",
    namespace: "default",
    name,
  });
  const service = async (name: string) => await objects.get(serviceRef(name));
  const annotation = async (name: string) => (await service(name))?.metadata.annotations?.[LB_IPS];
  /** A user's Service, applied by the user's own field manager. */
  const createService = (name: string, annotations: Record<string, string>) =>
    objects.applyWith({
      apiVersion: "v1",
      kind: "Service",
      metadata: { name, namespace: "default", annotations },
      spec: { ports: [{ port: 80, targetPort: 8080 }], selector: { app: name } },
    }, { fieldManager: "user" });
  const patchDoc = (name: string) => `
---
apiVersion: v1
kind: Service
metadata:
  name: ${name}
  namespace: default
  annotations:
    k8s.lukasdietrich.com/patch: "true"
    {%- set prefix = nodes[0].interfaces[0].lease6.prefix6[0] %}
    ${LB_IPS}: "{{ (prefix.ip ~ "/" ~ prefix.len) | ipsuffix("::80") }}"`;
  const templateBody = (services: string[]) => ({
    apiVersion: "k8s.lukasdietrich.com/v1alpha1",
    kind: "DHCPTemplate",
    metadata: { name: templateName },
    spec: { template: services.map(patchDoc).join("\n") + "\n" },
  });
  const readTemplate = async () =>
    await objects.get({
      apiVersion: "k8s.lukasdietrich.com/v1alpha1",
      kind: "DHCPTemplate",
      name: templateName,
    }) as TemplateObject | undefined;

  const nodes = new TestNodes();
  nodes.nodes = [nodeWithPrefix(uniqueName("node"), "2001:db8:1100::")];
  const renderer = new SandboxedRenderer();
  const errors: string[] = [];
  const identity = await createOperatorIdentity(config, uniqueName("patch-operator"), [], [
    { apiGroups: [""], resources: ["services"] },
  ]);
  const reconciler = await TemplateReconciler.start({
    kubeConfig: identity.kubeConfig,
    nodes,
    renderer,
    retryMs: 200,
    // Events are fire and forget and watches restart by themselves: only reconcile errors count.
    onError: (context, error) => {
      if (context !== "event" && context !== "watch") errors.push(`${context}: ${error}`);
    },
  });
  reconciler.setLeading(true);

  try {
    await t.step("an opted-in Service gets the annotation; others are refused", async () => {
      await createService(web, {
        "k8s.lukasdietrich.com/patched-by": templateName,
        "team": "web",
      });
      await createService(other, { "team": "other" });
      await custom.createClusterCustomObject({
        group: "k8s.lukasdietrich.com",
        version: "v1alpha1",
        plural: "dhcptemplates",
        body: templateBody([web, other, missing]),
      });
      await waitFor("the annotation", async () => await annotation(web) === "2001:db8:1100::80")
        .catch((error) => {
          throw new Error(`${error.message}; reconciler errors: ${errors.join("; ")}`);
        });
      const patched = (await service(web))!;
      assert.equal(patched.metadata.ownerReferences, undefined, "the Service was taken over");
      assert.equal(patched.metadata.annotations?.["k8s.lukasdietrich.com/patch"], undefined);
      assert.equal(patched.metadata.annotations?.team, "web");
      await waitFor(
        "the status",
        async () => (await readTemplate())?.status?.patched?.length === 1,
      );
      const status = (await readTemplate())!.status!;
      assert.deepEqual(status.patched, [serviceRef(web)]);
      const refused = Object.fromEntries(
        (status.conflicts ?? []).map((conflict) => [conflict.name, conflict.reason]),
      );
      assert.match(refused[other], /has not opted in/);
      assert.match(refused[missing], /does not exist: a patch never creates/);
      assert.equal(await annotation(other), undefined);
      assert.equal(await service(missing), undefined);
      assert.ok(
        (await readTemplate())!.metadata.finalizers?.includes(
          "k8s.lukasdietrich.com/release-patches",
        ),
      );
    });

    await t.step("the annotation follows a prefix change", async () => {
      nodes.nodes = [nodeWithPrefix(nodes.nodes[0].name, "2001:db8:2200::")];
      reconciler.nodesChanged();
      await waitFor("the new address", async () => await annotation(web) === "2001:db8:2200::80");
    });

    await t.step("a kubectl edit of our annotation is reverted", async () => {
      // What `kubectl edit` sends: a merge patch under its own field manager.
      const edited = await core.patchNamespacedService(
        {
          name: web,
          namespace: "default",
          body: { metadata: { annotations: { [LB_IPS]: "2001:db8::1" } } },
          fieldManager: "kubectl-edit",
        },
        setHeaderOptions("Content-Type", PatchStrategy.MergePatch),
      );
      assert.equal(edited.metadata?.annotations?.[LB_IPS], "2001:db8::1");
      await waitFor("the edit reverted", async () => await annotation(web) === "2001:db8:2200::80");
    });

    await t.step("another manager's fields survive our patches", async () => {
      await createService(web, {
        "k8s.lukasdietrich.com/patched-by": templateName,
        "team": "platform",
      });
      await reconciler.idle();
      const current = (await service(web))!;
      assert.equal(current.metadata.annotations?.team, "platform");
      assert.equal(current.metadata.annotations?.[LB_IPS], "2001:db8:2200::80");
      assert.deepEqual((current.spec as { selector: unknown }).selector, { app: web });
    });

    await t.step(
      "a patch no longer rendered is released, and rendered again comes back",
      async () => {
        const renderOnly = (services: string[]) =>
          custom.patchClusterCustomObject(
            {
              group: "k8s.lukasdietrich.com",
              version: "v1alpha1",
              plural: "dhcptemplates",
              name: templateName,
              body: { spec: templateBody(services).spec },
            },
            setHeaderOptions("Content-Type", PatchStrategy.MergePatch),
          );
        await renderOnly([other]);
        await waitFor("the annotation released", async () => await annotation(web) === undefined);
        const released = (await service(web))!;
        assert.equal(released.metadata.annotations?.team, "platform");
        assert.equal(released.metadata.labels?.["k8s.lukasdietrich.com/template"], undefined);
        await waitFor("the finalizer removed", async () => {
          const current = await readTemplate();
          return current?.status?.patched === undefined &&
            !current?.metadata.finalizers?.includes("k8s.lukasdietrich.com/release-patches");
        });
        await renderOnly([web]);
        await waitFor(
          "the annotation back",
          async () => await annotation(web) === "2001:db8:2200::80",
        );
      },
    );

    await t.step("deleting the template removes only our annotation", async () => {
      await custom.deleteClusterCustomObject({
        group: "k8s.lukasdietrich.com",
        version: "v1alpha1",
        plural: "dhcptemplates",
        name: templateName,
      });
      await waitFor("the template gone", async () => await readTemplate() === undefined);
      const released = (await service(web))!;
      assert.equal(released.metadata.annotations?.[LB_IPS], undefined);
      assert.equal(released.metadata.labels?.["k8s.lukasdietrich.com/template"], undefined);
      assert.equal(released.metadata.annotations?.team, "platform");
      assert.equal(
        released.metadata.annotations?.["k8s.lukasdietrich.com/patched-by"],
        templateName,
      );
      assert.deepEqual((released.spec as { ports: { port: number }[] }).ports[0].port, 80);
      assert.deepEqual(errors, []);
    });
  } finally {
    await reconciler.stop();
    await renderer.close();
    await identity.remove();
    for (const name of [web, other]) {
      const object = await service(name);
      if (object) await objects.delete(serviceRef(name), object.metadata.uid!);
    }
  }
});
