import assert from "node:assert/strict";
import { parse } from "yaml";
import type { Node } from "../model.ts";
import {
  decodeAgentReport,
  decodeHeartbeat,
  decodeReply,
  decodeReport,
  encodeAgentReport,
  encodeHeartbeat,
  encodeReply,
  encodeReport,
  reportDigest,
  WireDecodeError,
} from "./codec.ts";

const FULL_NODE: Node = {
  name: "node-a",
  interfaces: [
    {
      name: "eth0",
      lease4: {
        ip: "198.51.100.23",
        len: 24,
        routers: [],
        classless_routes: [
          { destination: "0.0.0.0", len: 0, router: "198.51.100.1" },
          { destination: "10.0.0.0", len: 8, router: "198.51.100.2" },
        ],
        static_routes: [{ destination: "172.16.0.0", len: 16, router: "198.51.100.3" }],
        mtu: 9000,
        host_name: "node-a",
        dns: ["198.51.100.53", "198.51.100.54"],
        domain: "example.net",
        search: ["example.net"],
        ntp: [],
        server_id: "198.51.100.1",
        lease_time: 3600,
        t1: 1800,
        t2: 3150,
        obtained_at: "2026-11-24T14:00:00Z",
        valid_until: "2026-11-24T15:00:00Z",
      },
      lease6: {
        temporary6: [{
          ip: "2001:db8::77",
          len: 128,
          preferred_lifetime: 600,
          valid_lifetime: 1200,
          preferred_until: "2026-11-24T14:10:00Z",
          valid_until: "2026-11-24T14:20:00Z",
          iaid: "00000003",
        }],
        ia: [
          { kind: "na", iaid: "00000001", t1: 900, t2: 1440, status_code: 0 },
          { kind: "ta", iaid: "00000003", t1: 0, t2: 0, status_code: 0, status_message: "ok" },
          { kind: "pd", iaid: "00000002", t1: 900, t2: 1440, status_code: 0 },
        ],
        status_code: 0,
        status_message: "all addresses were assigned",
        address6: [{
          ip: "2001:db8::23",
          len: 128,
          preferred_lifetime: 1800,
          valid_lifetime: 3600,
          preferred_until: "2026-11-24T14:30:00Z",
          valid_until: "2026-11-24T15:00:00Z",
          iaid: "00000001",
        }],
        prefix6: [{
          ip: "2001:db8:1200::",
          len: 56,
          preferred_lifetime: 1800,
          valid_lifetime: 3600,
          preferred_until: "2026-11-24T14:30:00Z",
          valid_until: "2026-11-24T15:00:00Z",
          state: "active",
        }, {
          ip: "2001:db8:1100::",
          len: 56,
          preferred_lifetime: 0,
          valid_lifetime: 600,
          preferred_until: "2026-11-24T14:00:00Z",
          valid_until: "2026-11-24T14:10:00Z",
          state: "draining",
        }],
        dns: ["2001:db8::53"],
        search: [],
        ntp: ["2001:db8::123"],
        server_id: "00:01:00:01:2a:3b:4c:5d:02:00:00:00:00:01",
        t1: 900,
        t2: 1440,
        obtained_at: "2026-11-24T14:00:00Z",
      },
    },
    { name: "wlan0", ssid: "home" },
    {
      name: "eth1",
      // A reply to DHCPINFORM: no address.
      lease4: {
        routers: [],
        classless_routes: [],
        static_routes: [],
        dns: [],
        search: [],
        ntp: [],
        lease_time: 60,
        t1: 30,
        t2: 52,
        obtained_at: "2026-11-24T14:00:00Z",
        valid_until: "2026-11-24T14:01:00Z",
      },
    },
  ],
};

Deno.test("a report round-trips every model field, optional fields stay absent", () => {
  assert.deepEqual(decodeReport(encodeReport(FULL_NODE)), FULL_NODE);
  const bare: Node = { name: "node-b", interfaces: [{ name: "eth1" }] };
  const decoded = decodeReport(encodeReport(bare));
  assert.deepEqual(decoded, bare);
  assert.equal("ssid" in decoded.interfaces[0], false);
  assert.equal("lease4" in decoded.interfaces[0], false);
});

Deno.test("the DHCPNode CRD has every model field (the API server would prune the others)", async () => {
  const crd = parse(
    await Deno.readTextFile(
      new URL("../../../charts/dhcp-template/crds/dhcpnodes.yaml", import.meta.url),
    ),
  );
  const iface = crd.spec.versions[0].schema.openAPIV3Schema.properties.spec.properties.interfaces
    .items;
  const missing: string[] = [];
  const walk = (value: unknown, schema: Schema | undefined, path: string) => {
    if (!schema) return void missing.push(path);
    if (Array.isArray(value)) value.forEach((item) => walk(item, schema.items, `${path}[]`));
    else if (value !== null && typeof value === "object") {
      for (const [key, child] of Object.entries(value)) {
        walk(child, schema.properties?.[key], `${path}.${key}`);
      }
    }
  };
  for (const node of FULL_NODE.interfaces) walk(node, iface, "interfaces[]");
  assert.deepEqual(missing, []);
});

interface Schema {
  properties?: Record<string, Schema>;
  items?: Schema;
}

Deno.test("the digest survives a round trip and changes with the data", () => {
  assert.equal(reportDigest(decodeReport(encodeReport(FULL_NODE))), reportDigest(FULL_NODE));
  assert.match(reportDigest(FULL_NODE), /^[0-9a-f]{64}$/);
  const changed = structuredClone(FULL_NODE);
  changed.interfaces[0].lease4!.dns.pop();
  assert.notEqual(reportDigest(changed), reportDigest(FULL_NODE));
});

Deno.test("heartbeats and replies round-trip", () => {
  const heartbeat = { node_name: "node-a", digest: "ab".repeat(32) };
  assert.deepEqual(decodeHeartbeat(encodeHeartbeat(heartbeat)), heartbeat);
  for (
    const reply of [{ resend: true, heartbeat_seconds: 30 }, {
      resend: false,
      heartbeat_seconds: 5,
    }]
  ) {
    assert.deepEqual(decodeReply(encodeReply(reply)), reply);
  }
});

Deno.test("garbage bytes are a WireDecodeError naming the message", () => {
  assert.throws(
    () => decodeReport(new Uint8Array([0x0a, 0xff, 0xff])),
    (error) =>
      error instanceof WireDecodeError && /^Cannot decode "NodeReport"/.test(error.message),
  );
});

Deno.test("a report carries when the agent saw the change, outside the digest", () => {
  const seenAt = "2026-11-24T14:00:00.123Z";
  const bytes = encodeAgentReport({ node: FULL_NODE, seenAt });
  assert.deepEqual(decodeAgentReport(bytes), { node: FULL_NODE, seenAt });
  assert.deepEqual(decodeAgentReport(encodeReport(FULL_NODE)), { node: FULL_NODE });
  assert.deepEqual(decodeReport(bytes), FULL_NODE);
  // The digest heartbeats carry depends on the data only.
  assert.equal(
    reportDigest(decodeAgentReport(bytes).node),
    reportDigest(FULL_NODE),
  );
});
