import assert from "node:assert/strict";
import type { KubernetesObject } from "../shared/kube_object.ts";
import { comparable, formatPreview, hasDifferences, summarize } from "./preview.ts";

const ref = { apiVersion: "v1", kind: "ConfigMap", namespace: "default", name: "lease" };
const live: KubernetesObject = {
  apiVersion: "v1",
  kind: "ConfigMap",
  metadata: {
    name: "lease",
    namespace: "default",
    uid: "u",
    resourceVersion: "7",
    generation: 2,
    creationTimestamp: "2026-12-01T00:00:00Z",
    managedFields: [{ manager: "dhcp-template" }],
  },
  data: { prefix: "2001:db8:1::/56" },
};

Deno.test("comparable leaves out the metadata the apiserver maintains", () => {
  assert.deepEqual(comparable(live).metadata, { name: "lease", namespace: "default" });
});

Deno.test("formatPreview shows an update as a diff of the changed lines", () => {
  const after = { ...live, data: { prefix: "2001:db8:2::/56" } };
  const text = formatPreview("t", [{ action: "update", ref, before: live, after }]);
  assert.match(text, /^# DHCPTemplate t: 1 to update\nupdate ConfigMap default\/lease\n/);
  assert.match(
    text,
    /--- ConfigMap default\/lease \(live\)\n\+\+\+ ConfigMap default\/lease \(after\)/,
  );
  assert.match(text, /\n- {2}prefix: 2001:db8:1::\/56\n\+ {2}prefix: 2001:db8:2::\/56/);
  assert.doesNotMatch(text, /managedFields|resourceVersion/);
});

Deno.test("formatPreview shows a deletion as removed lines and a refusal with its reason", () => {
  const text = formatPreview("t", [
    { action: "delete", ref, before: live },
    { action: "refuse", ref, reason: "exists and was not created by this template" },
  ]);
  assert.match(text, /\n- {2}prefix: 2001:db8:1::\/56/);
  assert.doesNotMatch(text, /\n\+ /);
  assert.match(text, /refuse ConfigMap default\/lease: exists and was not created/);
});

Deno.test("only unchanged objects are no difference", () => {
  assert.equal(hasDifferences([{ action: "unchanged", ref }]), false);
  assert.equal(hasDifferences([{ action: "refuse", ref, reason: "r" }]), true);
  assert.equal(summarize([]), "nothing rendered");
  assert.equal(
    summarize([{ action: "unchanged", ref }, { action: "refuse", ref, reason: "r" }]),
    "1 refused, 1 unchanged",
  );
});
