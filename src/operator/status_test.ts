import assert from "node:assert/strict";
import { nextStatus } from "./status.ts";

const t0 = new Date("2026-11-24T12:00:00.123Z");
const t1 = new Date("2026-11-24T12:05:00Z");
const pool = { apiVersion: "cilium.io/v2", kind: "CiliumLoadBalancerIPPool", name: "dhcp-pool-a" };

Deno.test("an applied render is Ready with inventory and counts", () => {
  const status = nextStatus(
    undefined,
    { result: "Applied", inventory: [pool], conflicts: [], nodeCount: 3 },
    4,
    t0,
  );
  assert.deepEqual(status, {
    observedGeneration: 4,
    nodeCount: 3,
    objectCount: 1,
    inventory: [pool],
    conflicts: [],
    conditions: [{
      type: "Ready",
      status: "True",
      reason: "Applied",
      message: "1 objects applied",
      observedGeneration: 4,
      lastTransitionTime: "2026-11-24T12:00:00Z",
    }],
  });
});

Deno.test("a render error keeps the inventory and reports line and column", () => {
  const applied = nextStatus(
    undefined,
    { result: "Applied", inventory: [pool], conflicts: [], nodeCount: 1 },
    1,
    t0,
  );
  const failed = nextStatus(
    applied,
    {
      result: "RenderFailed",
      error: { message: "unexpected end of template", line: 3, column: 7 },
      nodeCount: 1,
    },
    2,
    t1,
  );
  assert.deepEqual(failed.inventory, [pool]);
  assert.deepEqual(failed.renderError, {
    message: "unexpected end of template",
    line: 3,
    column: 7,
  });
  const ready = failed.conditions?.find((condition) => condition.type === "Ready");
  assert.equal(ready?.status, "False");
  assert.equal(ready?.reason, "RenderFailed");
  assert.match(ready?.message ?? "", /line 3, column 7/);
  assert.equal(ready?.lastTransitionTime, "2026-11-24T12:05:00Z");
});

Deno.test("the transition time stays when the condition status does not change", () => {
  const first = nextStatus(
    undefined,
    { result: "Applied", inventory: [pool], conflicts: [], nodeCount: 1 },
    1,
    t0,
  );
  const second = nextStatus(
    first,
    { result: "Applied", inventory: [], conflicts: [], nodeCount: 0 },
    1,
    t1,
  );
  assert.equal(second.conditions?.[0].lastTransitionTime, "2026-11-24T12:00:00Z");
  assert.equal(second.conditions?.[0].message, "0 objects applied");
});

Deno.test("a successful render clears the previous render error", () => {
  const failed = nextStatus(
    undefined,
    { result: "RenderFailed", error: { message: "boom" }, nodeCount: 0 },
    1,
    t0,
  );
  const fixed = nextStatus(
    failed,
    { result: "Applied", inventory: [], conflicts: [], nodeCount: 0 },
    2,
    t1,
  );
  assert.equal(fixed.renderError, undefined);
  assert.equal(fixed.conditions?.[0].status, "True");
});

Deno.test("conflicts make the template not Ready and are listed", () => {
  const status = nextStatus(
    undefined,
    {
      result: "Applied",
      inventory: [],
      conflicts: [{
        ...pool,
        reason: "CiliumLoadBalancerIPPool dhcp-pool-a exists and was not created by this template",
      }],
      nodeCount: 1,
    },
    1,
    t0,
  );
  assert.equal(status.conditions?.[0].reason, "Conflict");
  assert.match(status.conditions?.[0].message ?? "", /was not created by this template/);
  assert.equal(status.conflicts?.length, 1);
});

Deno.test("a suspended template says so", () => {
  const status = nextStatus(undefined, { result: "Suspended" }, 3, t0);
  assert.equal(status.conditions?.[0].reason, "Suspended");
  assert.equal(status.observedGeneration, 3);
});

Deno.test("patched objects are listed and counted, and dropped once none is left", () => {
  const service = { apiVersion: "v1", kind: "Service", namespace: "default", name: "web" };
  const patched = nextStatus(
    undefined,
    { result: "Applied", inventory: [pool], patched: [service], conflicts: [], nodeCount: 1 },
    1,
    t0,
  );
  assert.deepEqual(patched.patched, [service]);
  assert.equal(patched.conditions?.[0].message, "1 objects applied, 1 patched");
  const released = nextStatus(
    patched,
    { result: "Applied", inventory: [pool], patched: [], conflicts: [], nodeCount: 1 },
    1,
    t1,
  );
  assert.equal("patched" in released, false);
  assert.equal(released.conditions?.[0].message, "1 objects applied");
});
