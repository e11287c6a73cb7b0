import assert from "node:assert/strict";
import { type KubernetesObject, refKey, refOf } from "../../shared/kube_object.ts";
import {
  APPLIED_HASH_ANNOTATION,
  decorate,
  hashObject,
  isUpToDate,
  OWN_OWNERS_REFUSED,
  PATCH_ANNOTATION,
  PATCH_OPT_IN_ANNOTATION,
  planTemplate,
  TEMPLATE_LABEL,
} from "./plan.ts";

const template = { name: "pools", uid: "uid-template" };

function pool(name: string, cidr: string): KubernetesObject {
  return {
    apiVersion: "cilium.io/v2",
    kind: "CiliumLoadBalancerIPPool",
    metadata: { name },
    spec: { blocks: [{ cidr }], disabled: false },
  };
}

/** What the apiserver would hold after applying `object`: server fields added. */
function stored(object: KubernetesObject, uid: string): KubernetesObject {
  return {
    ...structuredClone(object),
    metadata: { ...structuredClone(object.metadata), uid, resourceVersion: "7", generation: 1 },
    spec: { ...(object.spec as Record<string, unknown>), allowFirstLastIPs: "No" },
    status: { conditions: [] },
  };
}

function liveMap(...objects: KubernetesObject[]): Map<string, KubernetesObject> {
  return new Map(objects.map((object) => [refKey(refOf(object)), object]));
}

Deno.test("a new object is applied with label, controller owner reference and hash", () => {
  const plan = planTemplate({
    template,
    desired: [pool("a", "2001:db8:1::/64")],
    inventory: [],
    live: new Map(),
  });
  assert.equal(plan.apply.length, 1);
  const applied = plan.apply[0];
  assert.equal(applied.metadata.labels?.[TEMPLATE_LABEL], "pools");
  assert.deepEqual(applied.metadata.ownerReferences, [{
    apiVersion: "k8s.lukasdietrich.com/v1alpha1",
    kind: "DHCPTemplate",
    name: "pools",
    uid: "uid-template",
    controller: true,
    blockOwnerDeletion: true,
  }]);
  assert.match(applied.metadata.annotations?.[APPLIED_HASH_ANNOTATION] ?? "", /^[0-9a-f]{32}$/);
  assert.deepEqual(plan.unchanged, []);
  assert.deepEqual(plan.delete, []);
  assert.deepEqual(plan.conflicts, []);
});

Deno.test("an object the cluster already holds unchanged needs no request", () => {
  const desired = pool("a", "2001:db8:1::/64");
  const live = stored(decorate(desired, template), "uid-a");
  const plan = planTemplate({
    template,
    desired: [desired],
    inventory: [refOf(desired)],
    live: liveMap(live),
  });
  assert.deepEqual(plan.apply, []);
  assert.deepEqual(plan.unchanged, [refOf(desired)]);
});

Deno.test("a changed prefix is re-applied", () => {
  const live = stored(decorate(pool("a", "2001:db8:1::/64"), template), "uid-a");
  const plan = planTemplate({
    template,
    desired: [pool("a", "2001:db8:2::/64")],
    inventory: [refOf(live)],
    live: liveMap(live),
  });
  assert.equal(plan.apply.length, 1);
  assert.deepEqual(plan.apply[0].spec, { blocks: [{ cidr: "2001:db8:2::/64" }], disabled: false });
});

Deno.test("drift: a manual edit of an owned field is reverted", () => {
  const desired = pool("a", "2001:db8:1::/64");
  const live = stored(decorate(desired, template), "uid-a");
  (live.spec as Record<string, unknown>).disabled = true;
  const plan = planTemplate({ template, desired: [desired], inventory: [], live: liveMap(live) });
  assert.equal(plan.apply.length, 1);
});

Deno.test("drift: a removed label or owner reference is restored", () => {
  const desired = pool("a", "2001:db8:1::/64");
  const withoutLabel = stored(decorate(desired, template), "uid-a");
  withoutLabel.metadata.labels = {};
  assert.equal(isUpToDate(decorate(desired, template), withoutLabel), false);
});

Deno.test("a field removed from the template changes the hash and is re-applied", () => {
  const before = pool("a", "2001:db8:1::/64");
  const live = stored(decorate(before, template), "uid-a");
  const after = pool("a", "2001:db8:1::/64");
  delete (after.spec as Record<string, unknown>).disabled;
  const plan = planTemplate({ template, desired: [after], inventory: [], live: liveMap(live) });
  assert.equal(plan.apply.length, 1);
});

Deno.test("an object that is no longer rendered is deleted with its UID as precondition", () => {
  const old = stored(decorate(pool("gone", "2001:db8:9::/64"), template), "uid-gone");
  const plan = planTemplate({
    template,
    desired: [],
    inventory: [refOf(old)],
    live: liveMap(old),
  });
  assert.deepEqual(plan.delete, [{ ref: refOf(old), uid: "uid-gone" }]);
});

Deno.test("an inventory object that is already gone is not deleted again", () => {
  const plan = planTemplate({
    template,
    desired: [],
    inventory: [refOf(pool("gone", "2001:db8:9::/64"))],
    live: new Map(),
  });
  assert.deepEqual(plan.delete, []);
});

Deno.test("an object owned by someone else is neither applied nor deleted, but reported", () => {
  const foreign = stored(pool("a", "2001:db8:1::/64"), "uid-foreign");
  // Same label as ours (copied by another controller), but no owner reference with our UID.
  foreign.metadata.labels = { [TEMPLATE_LABEL]: "pools" };
  foreign.metadata.ownerReferences = [{
    apiVersion: "v1",
    kind: "ConfigMap",
    name: "other",
    uid: "uid-other",
    controller: true,
  }];
  const plan = planTemplate({
    template,
    desired: [pool("a", "2001:db8:5::/64")],
    inventory: [refOf(foreign)],
    live: liveMap(foreign),
  });
  assert.deepEqual(plan.apply, []);
  assert.deepEqual(plan.delete, []);
  assert.equal(plan.conflicts.length, 1);
  assert.match(plan.conflicts[0].reason, /exists and is controlled by ConfigMap other/);
});

Deno.test("a rendered object naming its own owners is refused, not applied", () => {
  const claimed = pool("a", "2001:db8:1::/64");
  claimed.metadata.ownerReferences = [{
    apiVersion: "k8s.lukasdietrich.com/v1alpha1",
    kind: "DHCPTemplate",
    name: "other-template",
    uid: "uid-other-template",
  }];
  const owned = stored(decorate(pool("a", "2001:db8:1::/64"), template), "uid-a");
  const plan = planTemplate({
    template,
    desired: [claimed, pool("b", "2001:db8:2::/64")],
    inventory: [refOf(owned)],
    live: liveMap(owned),
  });
  assert.deepEqual(plan.apply.map((object) => object.metadata.name), ["b"]);
  assert.deepEqual(plan.delete, [], "the refused object is still rendered: not pruned");
  assert.deepEqual(plan.conflicts, [{
    ref: refOf(claimed),
    reason: `CiliumLoadBalancerIPPool a ${OWN_OWNERS_REFUSED}`,
  }]);
  assert.deepEqual(
    plan.apply[0].metadata.ownerReferences?.map((owner) => owner.uid),
    [template.uid],
    "the template is the only owner",
  );
});

Deno.test("an inventory object now owned by someone else is not deleted", () => {
  const foreign = stored(pool("b", "2001:db8:1::/64"), "uid-foreign");
  const plan = planTemplate({
    template,
    desired: [],
    inventory: [refOf(foreign)],
    live: liveMap(foreign),
  });
  assert.deepEqual(plan.delete, []);
});

Deno.test("an object rendered twice is applied once and reported", () => {
  const plan = planTemplate({
    template,
    desired: [pool("a", "2001:db8:1::/64"), pool("a", "2001:db8:2::/64")],
    inventory: [],
    live: new Map(),
  });
  assert.equal(plan.apply.length, 1);
  assert.equal(plan.conflicts.length, 1);
  assert.match(plan.conflicts[0].reason, /rendered more than once/);
});

Deno.test("the hash does not depend on key order", () => {
  assert.equal(
    hashObject({ a: 1, b: [1, { c: 2, d: 3 }] }),
    hashObject({ b: [1, { d: 3, c: 2 }], a: 1 }),
  );
  assert.notEqual(hashObject({ a: 1 }), hashObject({ a: "1" }));
});

function service(annotations: Record<string, string>, uid = "uid-web"): KubernetesObject {
  return {
    apiVersion: "v1",
    kind: "Service",
    metadata: { name: "web", namespace: "default", uid, annotations },
    spec: { ports: [{ port: 80 }] },
  };
}

const patchOf = (ips: string): KubernetesObject => ({
  apiVersion: "v1",
  kind: "Service",
  metadata: {
    name: "web",
    namespace: "default",
    annotations: { [PATCH_ANNOTATION]: "true", "lbipam.cilium.io/ips": ips },
  },
});

Deno.test("a patch of an opted-in object is applied without owner reference or patch mark", () => {
  const live = service({ [PATCH_OPT_IN_ANNOTATION]: "pools" });
  const plan = planTemplate({
    template,
    desired: [patchOf("2001:db8::80")],
    inventory: [],
    live: liveMap(live),
  });
  assert.deepEqual(plan.conflicts, []);
  assert.equal(plan.apply.length, 0);
  const [patch] = plan.patch;
  assert.equal(patch.metadata.ownerReferences, undefined);
  assert.equal(patch.metadata.annotations?.[PATCH_ANNOTATION], undefined);
  assert.equal(patch.metadata.annotations?.["lbipam.cilium.io/ips"], "2001:db8::80");
  assert.equal(patch.metadata.labels?.[TEMPLATE_LABEL], "pools");
  // Applied, it is up to date; an edit of our field is drift.
  const patched = { ...live, metadata: { ...live.metadata, ...mergeMeta(live, patch) } };
  const again = planTemplate({
    template,
    desired: [patchOf("2001:db8::80")],
    inventory: [],
    patched: [refOf(live)],
    live: liveMap(patched),
  });
  assert.deepEqual(again.unchangedPatches, [refOf(live)]);
  assert.deepEqual([again.patch, again.release], [[], []]);
  const edited = structuredClone(patched);
  edited.metadata.annotations!["lbipam.cilium.io/ips"] = "2001:db8::1";
  assert.equal(
    planTemplate({
      template,
      desired: [patchOf("2001:db8::80")],
      inventory: [],
      patched: [refOf(live)],
      live: liveMap(edited),
    }).patch.length,
    1,
  );
});

function mergeMeta(live: KubernetesObject, patch: KubernetesObject) {
  return {
    labels: { ...live.metadata.labels, ...patch.metadata.labels },
    annotations: { ...live.metadata.annotations, ...patch.metadata.annotations },
  };
}

Deno.test("a patch is refused without the opt-in, for another template, or for a missing object", () => {
  const reasons = (live: KubernetesObject[]) =>
    planTemplate({
      template,
      desired: [patchOf("2001:db8::80")],
      inventory: [],
      live: liveMap(...live),
    })
      .conflicts.map((conflict) => conflict.reason);
  assert.match(reasons([service({})])[0], /has not opted in .* must be "pools"\)/);
  assert.match(
    reasons([service({ [PATCH_OPT_IN_ANNOTATION]: "other" })])[0],
    /must be "pools", not "other"/,
  );
  assert.match(reasons([])[0], /does not exist: a patch never creates an object/);
  const handOver = patchOf("2001:db8::80");
  handOver.metadata.annotations![PATCH_OPT_IN_ANNOTATION] = "other";
  assert.match(
    planTemplate({
      template,
      desired: [handOver],
      inventory: [],
      live: liveMap(service({ [PATCH_OPT_IN_ANNOTATION]: "pools" })),
    }).conflicts[0].reason,
    /sets k8s.lukasdietrich.com\/patched-by: only the object's owner opts in/,
  );
  const generated = service({ [PATCH_OPT_IN_ANNOTATION]: "pools" });
  generated.metadata.ownerReferences = [
    { apiVersion: "k8s.lukasdietrich.com/v1alpha1", kind: "DHCPTemplate", name: "x", uid: "u" },
  ];
  assert.match(reasons([generated])[0], /is generated by a template/);
});

Deno.test("a patch no longer rendered, or no longer opted in, is released; never deleted", () => {
  const live = service({ [PATCH_OPT_IN_ANNOTATION]: "pools" });
  const gone = planTemplate({
    template,
    desired: [],
    inventory: [],
    patched: [refOf(live)],
    live: liveMap(live),
  });
  assert.deepEqual(gone.release, [{ ref: refOf(live), uid: "uid-web" }]);
  assert.deepEqual(gone.delete, []);
  const optedOut = planTemplate({
    template,
    desired: [patchOf("2001:db8::80")],
    inventory: [],
    patched: [refOf(live)],
    live: liveMap(service({})),
  });
  assert.deepEqual(optedOut.release, [{ ref: refOf(live), uid: "uid-web" }]);
  assert.equal(optedOut.conflicts.length, 1);
});
