/**
 * Previews a template against the live cluster without writing anything: renders it with the
 * node data of the cluster's `DHCPNode`s, plans it with the operator's own planning code against
 * the live objects (and the inventory of the cluster's `DHCPTemplate` of the same name), and asks
 * the apiserver for a server-side dry-run apply of every object the operator would apply.
 *
 * @module
 */
import type { KubeConfig } from "@kubernetes/client-node";
import { DhcpTemplateError } from "../shared/errors.ts";
import type { KubernetesObject, ObjectRef } from "../shared/kube_object.ts";
import { refKey, refOf } from "../shared/kube_object.ts";
import type { Node } from "../shared/model.ts";
import { ClusterObjects, PATCH_FIELD_MANAGER } from "../operator/kube/objects.ts";
import {
  DHCP_NODE_API_VERSION,
  DHCP_NODE_KIND,
  fromDhcpNode,
} from "../operator/nodes/dhcp_node.ts";
import { snapshotNodes } from "../operator/nodes/state.ts";
import { TEMPLATE_API_VERSION, TEMPLATE_KIND } from "../operator/plan/plan.ts";
import {
  type ClusterReader,
  type DhcpTemplate,
  kindOf,
  planAgainstCluster,
  type Renderer,
} from "../operator/reconcile.ts";
import type { PreviewEntry } from "./preview.ts";

/**
 * The owner UID objects are previewed with when no `DHCPTemplate` of that name exists yet (the
 * apiserver requires one in an owner reference; a dry run never reaches the garbage collector).
 */
export const NEW_TEMPLATE_UID = "00000000-0000-0000-0000-000000000000";

/** The template did not render: the operator would change nothing. */
export class PreviewRenderError extends DhcpTemplateError {
  /** Creates the error with the render error's message (line and column included). */
  constructor(templateName: string, message: string) {
    super(`Template ${templateName} does not render: ${message}`, { template: templateName });
  }
}

/** What a live preview found. */
export interface LivePreview {
  /** Whether a `DHCPTemplate` of this name exists (its inventory was used). */
  templateExists: boolean;
  /** Nodes rendered with. */
  nodeCount: number;
  /** One entry per object, in the plan's order: applies, deletes, refusals. */
  entries: PreviewEntry[];
}

/** Every node as the operator sees it now, from the cluster's `DHCPNode`s. */
export async function liveNodes(objects: ClusterObjects, now: Date): Promise<Node[]> {
  const list = await objects.list(DHCP_NODE_API_VERSION, DHCP_NODE_KIND, "");
  return snapshotNodes(list.items.map(fromDhcpNode), now);
}

/** Previews the template `source` (named `templateName`) against the cluster of `kubeConfig`. */
export async function previewLive(
  kubeConfig: KubeConfig,
  templateName: string,
  source: string,
  renderer: Renderer,
  now: Date,
): Promise<LivePreview> {
  const objects = new ClusterObjects(kubeConfig);
  const nodes = await liveNodes(objects, now);
  const existing = await objects.get({
    apiVersion: TEMPLATE_API_VERSION,
    kind: TEMPLATE_KIND,
    name: templateName,
  }) as DhcpTemplate | undefined;
  const rendered = await renderer.render(templateName, source, nodes);
  if (!rendered.ok) throw new PreviewRenderError(templateName, rendered.error.message);

  const reader: ClusterReader = {
    isNamespaced: (apiVersion, kind) => objects.isNamespaced(apiVersion, kind),
    watch: () => Promise.resolve(),
    get: (ref) => objects.get(ref),
  };
  const { plan, live, failedKinds } = await planAgainstCluster(
    { name: templateName, uid: existing?.metadata.uid ?? NEW_TEMPLATE_UID },
    rendered.objects,
    existing?.status?.inventory ?? [],
    reader,
    existing?.status?.patched ?? [],
  );
  const liveOf = (ref: ObjectRef) => live.get(refKey(ref));
  const entries: PreviewEntry[] = [];
  for (const object of plan.apply) {
    entries.push(
      await dryRun(
        "apply",
        refOf(object),
        liveOf,
        () => objects.applyWith(object, { dryRun: true }),
      ),
    );
  }
  for (const object of plan.patch) {
    entries.push(
      await dryRun(
        "patch",
        refOf(object),
        liveOf,
        () => objects.applyWith(object, { fieldManager: PATCH_FIELD_MANAGER, dryRun: true }),
      ),
    );
  }
  for (const { ref, uid } of plan.release) {
    entries.push(
      await dryRun(
        "release",
        ref,
        liveOf,
        // Gone or replaced since it was read: nothing of ours is left to release.
        async () => await objects.releasePatch(ref, uid, { dryRun: true }) ?? liveOf(ref)!,
      ),
    );
  }
  for (const ref of [...plan.unchanged, ...plan.unchangedPatches]) {
    entries.push({ action: "unchanged", ref });
  }
  for (const { ref } of plan.delete) {
    entries.push({ action: "delete", ref, before: liveOf(ref)! });
  }
  for (const { ref, reason } of plan.conflicts) entries.push({ action: "refuse", ref, reason });
  for (const ref of rendered.objects.map(refOf)) {
    const failure = failedKinds.get(kindOf(ref));
    if (failure) entries.push({ action: "fail", ref, reason: failure });
  }
  return { templateExists: existing !== undefined, nodeCount: nodes.length, entries };
}

/** One apply as a dry run: `apply` becomes `create` or `update`; a rejection becomes `fail`. */
async function dryRun(
  kind: "apply" | "patch" | "release",
  ref: ObjectRef,
  liveOf: (ref: ObjectRef) => KubernetesObject | undefined,
  request: () => Promise<KubernetesObject>,
): Promise<PreviewEntry> {
  const before = liveOf(ref);
  try {
    const after = await request();
    const action = kind === "apply" ? (before ? "update" : "create") : kind;
    return { action, ref, before, after };
  } catch (error) {
    return { action: "fail", ref, reason: error instanceof Error ? error.message : String(error) };
  }
}
