import assert from "node:assert/strict";
import { ApiException } from "@kubernetes/client-node";
import { KubeObjectError } from "./objects.ts";
import { isTransient } from "./transient.ts";

const ref = { apiVersion: "v1", kind: "ConfigMap", name: "a", namespace: "default" };

Deno.test("an apiserver that is starting or overloaded is transient", () => {
  const initializing = new ApiException(
    429,
    "Unsuccessful HTTP Request",
    { kind: "Status", message: "storage is (re)initializing", code: 429 },
    {},
  );
  assert.equal(isTransient(initializing), true);
  assert.equal(isTransient(new KubeObjectError("list", ref, "unavailable", 503)), true);
  // A watch that could not start (DenoWatch's error carries `statusCode`).
  assert.equal(isTransient(Object.assign(new Error("x"), { statusCode: 429 })), true);
});

Deno.test("a connection refused, reset or timed out is transient, also as a cause", () => {
  const refused = Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:6443"), {
    code: "ECONNREFUSED",
  });
  assert.equal(isTransient(new TypeError("fetch failed", { cause: refused })), true);
  assert.equal(
    isTransient(new KubeObjectError("apply", ref, "fetch failed", undefined, refused)),
    true,
  );
  assert.equal(
    isTransient(new TypeError("client error (Connect): tcp connect error: Connection refused")),
    true,
  );
  assert.equal(isTransient(new DOMException("request timed out", "TimeoutError")), true);
});

Deno.test("what needs a person is not transient", () => {
  assert.equal(isTransient(new KubeObjectError("apply", ref, "forbidden", 403)), false);
  assert.equal(isTransient(new KubeObjectError("apply", ref, "invalid", 422)), false);
  assert.equal(isTransient(new Error("the cluster serves no kind Foo")), false);
  assert.equal(isTransient("text"), false);
  const cyclic: Error & { cause?: unknown } = new Error("a");
  cyclic.cause = cyclic;
  assert.equal(isTransient(cyclic), false);
});
