import assert from "node:assert/strict";
import type { KubernetesObject } from "../../shared/kube_object.ts";
import { DhcpNodeError, fromDhcpNode, ownerUid, toDhcpNode } from "./dhcp_node.ts";
import type { NodeState } from "./state.ts";

const STATE: NodeState = {
  name: "node-a",
  digest: "ab".repeat(32),
  reportedAt: "2026-11-24T14:00:00.000Z",
  interfaces: [{
    name: "eth0",
    lease6: {
      temporary6: [],
      ia: [],
      address6: [],
      prefix6: [{
        ip: "2001:db8:1200::",
        len: 56,
        preferred_lifetime: 1800,
        valid_lifetime: 3600,
        preferred_until: "2026-11-24T14:30:00Z",
        valid_until: "2026-11-24T15:00:00Z",
        state: "draining",
      }],
      dns: [],
      search: [],
      ntp: [],
      t1: 0,
      t2: 0,
      obtained_at: "2026-11-24T14:00:00Z",
    },
  }],
};

Deno.test("a DHCPNode round-trips the state, with the Node as owner when known", () => {
  const object = toDhcpNode(STATE, { name: "node-a", uid: "1234" });
  assert.equal(ownerUid(object), "1234");
  assert.deepEqual((object.spec as { summary: unknown }).summary, {
    interfaces: 1,
    addresses: 0,
    prefixes: 1,
  });
  // What the apiserver returns has its keys sorted: the data must still be the same.
  const stored = JSON.parse(JSON.stringify(object)) as KubernetesObject;
  assert.deepEqual(fromDhcpNode(stored), STATE);
  assert.equal(toDhcpNode(STATE).metadata.ownerReferences, undefined);
});

Deno.test("a DHCPNode without usable spec is a DhcpNodeError naming the node", () => {
  const broken = { apiVersion: "x", kind: "DHCPNode", metadata: { name: "node-b" } };
  assert.throws(() => fromDhcpNode(broken), DhcpNodeError);
  assert.throws(
    () => fromDhcpNode({ ...broken, spec: { interfaces: "no" } }),
    /Cannot read "DHCPNode node-b": spec.interfaces is not a list/,
  );
});

Deno.test("a DHCPNode keeps when the agent saw the change it stores", () => {
  const seen = { ...STATE, changeSeenAt: "2026-11-24T13:59:59.750Z" };
  const object = toDhcpNode(seen);
  assert.equal(
    (object.spec as { leaseChangeSeenAt?: string }).leaseChangeSeenAt,
    "2026-11-24T13:59:59.750Z",
  );
  assert.deepEqual(fromDhcpNode(object), seen);
  assert.equal(fromDhcpNode(toDhcpNode(STATE)).changeSeenAt, undefined);
});
