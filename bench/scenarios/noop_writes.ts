/**
 * Write requests made by a reconcile with nothing to change: the reconciler's own count and the
 * apiserver's (`apiserver_request_total` for every writing verb), after a template with 100 nodes
 * has converged and every template is reconciled again. The run proves itself: the reconcile
 * counter must advance (a reconcile ran), and the apiserver's counter must count one known write
 * exactly (it reads real data).
 *
 * @module
 */
import { parse } from "yaml";
import type { NodeSource } from "../../src/operator/controller.ts";
import { ClusterObjects } from "../../src/operator/kube/objects.ts";
import { SandboxedRenderer } from "../../src/operator/render/sandbox.ts";
import { TemplateReconciler } from "../../src/operator/template_reconciler.ts";
import type { KubernetesObject } from "../../src/shared/kube_object.ts";
import { apiserverRequestCount } from "../../tests/support/channel.ts";
import { installProductCrds, waitFor } from "../../tests/support/cluster.ts";
import { nodeWithPrefix } from "../../tests/support/nodes.ts";
import { loadKubeConfig } from "../../tools/testcluster/control_plane.ts";

const ROOT = new URL("../../", import.meta.url);
const WRITE_VERBS = ["CREATE", "UPDATE", "PATCH", "APPLY", "DELETE"];
const RESOURCES = ["ciliumloadbalancerippools", "dhcptemplates", "events"];

/** The write requests counted. */
export interface NoOpWrites {
  /** Writes the reconciler made (applies, deletes, status writes). */
  reconcilerWrites: number;
  /** Writes the apiserver served on the resources a reconcile touches. */
  apiserverWrites: number;
  /** Reconciles that finished during the measurement (at least 1, or the run fails). */
  reconciles: number;
  /** What the apiserver's counter counted for one known write (1, or the run fails). */
  calibrationWrites: number;
}

/** Converges 100 pools, reconciles again, and counts the writes of the second reconcile. */
export async function runNoOpWrites(kubeconfigPath: string): Promise<NoOpWrites> {
  const config = loadKubeConfig(kubeconfigPath);
  await installProductCrds(config);
  const nodes: NodeSource = {
    loaded: true,
    snapshot: () =>
      Array.from(
        { length: 100 },
        (_, index) =>
          nodeWithPrefix(
            `noop-${String(index).padStart(3, "0")}`,
            `2001:db8:${index.toString(16)}00::`,
          ),
      ),
    nextExpiry: () => undefined,
  };
  const renderer = new SandboxedRenderer();
  const reconciler = await TemplateReconciler.start({ kubeConfig: config, nodes, renderer });
  const objects = new ClusterObjects(config);
  const template = parse(
    await Deno.readTextFile(new URL("examples/cilium-pool-template.yaml", ROOT)),
  ) as KubernetesObject;
  template.metadata.name = "bench-noop";
  try {
    reconciler.setLeading(true);
    await objects.apply(template);
    await waitFor("100 pools", async () => {
      const applied = await objects.get({
        apiVersion: template.apiVersion,
        kind: template.kind,
        name: template.metadata.name,
      }) as { status?: { objectCount?: number } } | undefined;
      return applied?.status?.objectCount === 100;
    }, 120_000);
    await reconciler.idle();
    // One known write (re-applying the unchanged template) must count exactly once.
    const calibrationBefore = await countWrites();
    await objects.apply(template);
    const calibrationWrites = (await countWrites()) - calibrationBefore;
    if (calibrationWrites !== 1) {
      throw new Error(
        `the apiserver counted ${calibrationWrites} write requests for one apply: its counter ` +
          `(apiserver_request_total on ${RESOURCES.join(", ")}) does not read real data`,
      );
    }
    await reconciler.idle();
    const before = { ...reconciler.writes };
    const reconcilesBefore = reconciler.reconciles;
    const apiserverBefore = await countWrites();
    reconciler.nodesChanged();
    await waitFor("the reconcile", () => reconciler.reconciles > reconcilesBefore, 60_000);
    await reconciler.idle();
    const after = reconciler.writes;
    return {
      reconcilerWrites: after.applies - before.applies + after.deletes - before.deletes +
        after.statusWrites - before.statusWrites,
      apiserverWrites: (await countWrites()) - apiserverBefore,
      reconciles: reconciler.reconciles - reconcilesBefore,
      calibrationWrites,
    };
  } finally {
    await reconciler.stop();
    renderer.close();
    const ref = {
      apiVersion: template.apiVersion,
      kind: template.kind,
      name: template.metadata.name,
    };
    const applied = await objects.get(ref).catch(() => undefined);
    if (applied) await objects.delete(ref, applied.metadata.uid!).catch(() => {});
  }

  async function countWrites(): Promise<number> {
    let total = 0;
    for (const resource of RESOURCES) {
      total += await apiserverRequestCount(config, resource, WRITE_VERBS);
    }
    return total;
  }
}
