/** One reconcile with an in-memory cluster: a kind that fails on its own holds up nothing else. */
import assert from "node:assert/strict";
import type { KubernetesObject, ObjectRef } from "../shared/kube_object.ts";
import { refKey, refOf } from "../shared/kube_object.ts";
import { fenceWrites, NotLeadingError } from "./controller.ts";
import type { ServiceAccountRef } from "./kube/impersonation.ts";
import {
  type DhcpTemplate,
  OwnershipConflictError,
  type ReconcileCluster,
  reconcileTemplate,
  type Renderer,
} from "./reconcile.ts";
import type { TemplateStatus } from "./status.ts";

const NOW = new Date("2026-12-01T12:00:00Z");

/** A cluster in memory; kinds in `unserved` are unknown, kinds in `forbidden` cannot be watched. */
class MemoryCluster implements ReconcileCluster {
  readonly objects = new Map<string, KubernetesObject>();
  readonly unserved = new Set<string>();
  readonly forbidden = new Set<string>();
  status: TemplateStatus | undefined;
  writes = 0;
  /** Who each write was made as (`operator` or `namespace/name` of the impersonated account). */
  readonly writers: string[] = [];
  isNamespaced(_apiVersion: string, kind: string): Promise<boolean> {
    if (this.unserved.has(kind)) {
      return Promise.reject(new Error(`the cluster serves no kind ${kind}`));
    }
    return Promise.resolve(kind === "ConfigMap");
  }
  watch(_apiVersion: string, kind: string): Promise<void> {
    if (this.forbidden.has(kind)) return Promise.reject(new Error(`${kind} is forbidden`));
    return Promise.resolve();
  }
  get(ref: ObjectRef): Promise<KubernetesObject | undefined> {
    return Promise.resolve(this.objects.get(refKey(ref)));
  }
  apply(object: KubernetesObject, as?: ServiceAccountRef): Promise<KubernetesObject> {
    this.writes++;
    this.writers.push(as ? `${as.namespace}/${as.name}` : "operator");
    const applied = {
      ...object,
      metadata: { ...object.metadata, uid: `uid-${object.metadata.name}` },
    };
    this.objects.set(refKey(refOf(object)), applied);
    return Promise.resolve(applied);
  }
  delete(ref: ObjectRef, _uid: string, as?: ServiceAccountRef): Promise<boolean> {
    this.writes++;
    this.writers.push(as ? `${as.namespace}/${as.name}` : "operator");
    return Promise.resolve(this.objects.delete(refKey(ref)));
  }
  /** Why patches fail, when they should. */
  patchError: Error | undefined;
  /** Why finalizer changes fail, when they should. */
  finalizerError: Error | undefined;
  readonly patched: string[] = [];
  patch(object: KubernetesObject): Promise<KubernetesObject> {
    this.writes++;
    if (this.patchError) return Promise.reject(this.patchError);
    this.patched.push(object.metadata.name);
    return Promise.resolve(object);
  }
  release(): Promise<boolean> {
    this.writes++;
    return Promise.resolve(true);
  }
  setFinalizer(): Promise<void> {
    this.writes++;
    return this.finalizerError ? Promise.reject(this.finalizerError) : Promise.resolve();
  }
  writeStatus(_template: DhcpTemplate, status: TemplateStatus): Promise<void> {
    this.writes++;
    this.status = status;
    return Promise.resolve();
  }
  event(): void {}
}

const object = (kind: string, name: string): KubernetesObject => ({
  apiVersion: kind === "ConfigMap" ? "v1" : "example.test/v1",
  kind,
  metadata: { name },
});

const rendering = (objects: KubernetesObject[]): Renderer => ({
  render: () => Promise.resolve({ ok: true, objects }),
});

const template = (status?: TemplateStatus): DhcpTemplate => ({
  metadata: { name: "t", uid: "template-uid", generation: 1 },
  spec: { template: "" },
  status,
});

Deno.test("a kind the cluster does not serve or lets us read fails alone; the rest is applied", async () => {
  const cluster = new MemoryCluster();
  cluster.unserved.add("Gone");
  cluster.forbidden.add("ConfigMap");
  const objects = [object("Pool", "a"), object("Gone", "b"), object("ConfigMap", "c")];
  const report = await reconcileTemplate(template(), [], rendering(objects), cluster, NOW);
  assert.equal(report.result, "ApplyFailed");
  assert.equal(report.applied, 1);
  assert.deepEqual([...cluster.objects.keys()].length, 1);
  assert.deepEqual(cluster.status?.inventory?.map((ref) => ref.name), ["a"]);
  const ready = cluster.status?.conditions?.find((condition) => condition.type === "Ready");
  assert.equal(ready?.reason, "ApplyFailed");
  assert.match(ready!.message, /serves no kind Gone/);
  assert.match(ready!.message, /ConfigMap is forbidden/);
});

Deno.test("objects of a kind that fails are kept in the inventory, never deleted", async () => {
  const cluster = new MemoryCluster();
  const objects = [object("Pool", "a"), object("Blob", "b")];
  await reconcileTemplate(template(), [], rendering(objects), cluster, NOW);
  const applied = cluster.status!;
  assert.deepEqual(applied.inventory?.map((ref) => ref.name).sort(), ["a", "b"]);

  // The Blob CRD is deleted and the template stops rendering the pool.
  cluster.unserved.add("Blob");
  const writes = cluster.writes;
  const report = await reconcileTemplate(
    template(applied),
    [],
    rendering([object("Blob", "b")]),
    cluster,
    NOW,
  );
  assert.equal(report.deleted, 1, "the pool, no longer rendered, is deleted");
  assert.deepEqual(cluster.status?.inventory?.map((ref) => ref.name), ["b"]);
  assert.equal(cluster.writes, writes + 2, "one deletion and the status");
});

const optedIn = (name: string): KubernetesObject => ({
  apiVersion: "v1",
  kind: "ConfigMap",
  metadata: {
    name,
    namespace: "default",
    uid: `uid-${name}`,
    annotations: { "k8s.lukasdietrich.com/patched-by": "t" },
  },
});

const patchOf = (name: string): KubernetesObject => ({
  apiVersion: "v1",
  kind: "ConfigMap",
  metadata: { name, annotations: { "k8s.lukasdietrich.com/patch": "true" } },
  data: { prefix: "2001:db8::" },
});

Deno.test("without the finalizer nothing is patched, and the template says why", async () => {
  const cluster = new MemoryCluster();
  cluster.objects.set(refKey(refOf(optedIn("web"))), optedIn("web"));
  cluster.finalizerError = new Error("dhcptemplates is forbidden");
  const report = await reconcileTemplate(template(), [], rendering([patchOf("web")]), cluster, NOW);
  assert.equal(report.result, "ApplyFailed");
  assert.deepEqual(cluster.patched, []);
  assert.equal(cluster.status?.patched, undefined);
  const ready = cluster.status?.conditions?.find((condition) => condition.type === "Ready");
  assert.match(ready!.message, /Cannot add the finalizer .*nothing is patched: dhcptemplates is/);
});

Deno.test("a failed patch of an object never patched is not listed as patched", async () => {
  const cluster = new MemoryCluster();
  cluster.objects.set(refKey(refOf(optedIn("web"))), optedIn("web"));
  cluster.patchError = new Error("services is forbidden");
  const report = await reconcileTemplate(template(), [], rendering([patchOf("web")]), cluster, NOW);
  assert.equal(report.result, "ApplyFailed");
  assert.equal(cluster.status?.patched, undefined);
  cluster.patchError = undefined;
  await reconcileTemplate(template(), [], rendering([patchOf("web")]), cluster, NOW);
  assert.deepEqual(cluster.patched, ["web"]);
  const status: TemplateStatus | undefined = cluster.status;
  assert.deepEqual(status?.patched?.map((ref) => ref.name), ["web"]);
});

Deno.test("fenced writes: nothing is sent once leadership is lost", async () => {
  const cluster = new MemoryCluster();
  let leading = true;
  const fenced = fenceWrites(cluster, () => leading);
  await fenced.apply(object("Pool", "a"));
  leading = false;
  await assert.rejects(() => fenced.apply(object("Pool", "b")), NotLeadingError);
  await assert.rejects(() => fenced.delete(refOf(object("Pool", "a")), "uid-a"), NotLeadingError);
  await assert.rejects(() => fenced.writeStatus(template(), {}), NotLeadingError);
  assert.equal(cluster.writes, 1);
  assert.deepEqual([...cluster.objects.keys()].length, 1);
});

Deno.test("an apply refused because another template took the object is a conflict, not a failure", async () => {
  const cluster = new MemoryCluster();
  cluster.apply = (object) =>
    object.metadata.name === "taken"
      ? Promise.reject(new OwnershipConflictError("Pool taken is controlled by DHCPTemplate other"))
      : MemoryCluster.prototype.apply.call(cluster, object);
  const objects = [object("Pool", "a"), object("Pool", "taken")];
  const report = await reconcileTemplate(template(), [], rendering(objects), cluster, NOW);
  assert.equal(report.result, "Applied");
  assert.deepEqual(cluster.status?.inventory?.map((ref) => ref.name), ["a"]);
  assert.deepEqual(cluster.status?.conflicts?.map((conflict) => conflict.reason), [
    "Pool taken is controlled by DHCPTemplate other",
  ]);
  const ready = cluster.status?.conditions?.find((condition) => condition.type === "Ready");
  assert.equal(ready?.reason, "Conflict");
});

Deno.test("a template's service account makes every apply and delete, through the fence too", async () => {
  const cluster = new MemoryCluster();
  const fenced = fenceWrites(cluster, () => true);
  const asWriter: DhcpTemplate = {
    ...template(),
    spec: { template: "", serviceAccount: { namespace: "team-a", name: "writer" } },
  };
  await reconcileTemplate(asWriter, [], rendering([object("Pool", "a")]), fenced, NOW);
  await reconcileTemplate(
    { ...asWriter, status: cluster.status },
    [],
    rendering([object("Pool", "b")]),
    fenced,
    NOW,
  );
  await reconcileTemplate(template(cluster.status), [], rendering([]), fenced, NOW);
  assert.deepEqual(cluster.writers, [
    "team-a/writer",
    "team-a/writer",
    "team-a/writer",
    "operator",
  ]);
});
