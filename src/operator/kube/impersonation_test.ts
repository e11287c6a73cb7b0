import assert from "node:assert/strict";
import { impersonationHeaders, serviceAccountUser } from "./impersonation.ts";

Deno.test("a template's service account becomes the Impersonate-User header, nothing else", () => {
  const account = { namespace: "team-a", name: "pool-writer" };
  assert.equal(serviceAccountUser(account), "system:serviceaccount:team-a:pool-writer");
  // No Impersonate-Group: the apiserver adds a service account's groups itself, so the operator
  // needs no right to impersonate groups.
  assert.deepEqual(impersonationHeaders(account), {
    "Impersonate-User": "system:serviceaccount:team-a:pool-writer",
  });
  assert.deepEqual(impersonationHeaders(undefined), {});
});
