import assert from "node:assert/strict";
import type { Interface, LeasedAddress } from "../../shared/model.ts";
import {
  isCurrent,
  mergeReport,
  nextExpiry,
  type NodeState,
  sameInterfaces,
  snapshotNode,
  summarize,
} from "./state.ts";

const NOW = new Date("2026-11-24T14:00:00Z");

function prefix(ip: string, validUntil: string, state?: "active" | "draining"): LeasedAddress {
  const entry: LeasedAddress = {
    ip,
    len: 56,
    preferred_lifetime: 1800,
    valid_lifetime: 3600,
    preferred_until: validUntil,
    valid_until: validUntil,
  };
  if (state) entry.state = state;
  return entry;
}

function eth0(prefixes: LeasedAddress[], dns = ["2001:db8::53"]): Interface {
  return {
    name: "eth0",
    lease6: {
      temporary6: [],
      ia: [],
      address6: [],
      prefix6: prefixes,
      dns,
      search: [],
      ntp: [],
      t1: 900,
      t2: 1440,
      obtained_at: "2026-11-24T13:00:00Z",
    },
  };
}

function state(interfaces: Interface[]): NodeState {
  return { name: "node-a", interfaces, digest: "d", reportedAt: NOW.toISOString() };
}

Deno.test("a reported prefix is active; one the new lease lacks drains while still valid", () => {
  const first = mergeReport(
    undefined,
    [eth0([prefix("2001:db8:1100::", "2026-11-24T14:30:00Z")])],
    NOW,
  );
  assert.equal(first[0].lease6?.prefix6[0].state, "active");
  const second = mergeReport(
    first,
    [eth0([prefix("2001:db8:1200::", "2026-11-24T15:00:00Z")])],
    NOW,
  );
  // `prefix6` is what the newest lease carries; the withdrawn prefix drains apart.
  assert.deepEqual(second[0].lease6?.prefix6.map((p) => [p.ip, p.state]), [
    ["2001:db8:1200::", "active"],
  ]);
  assert.deepEqual(second[0].lease6?.prefix6_draining?.map((p) => [p.ip, p.state]), [
    ["2001:db8:1100::", "draining"],
  ]);
  // Once its valid lifetime has ended, the next merge forgets it.
  const later = new Date("2026-11-24T14:31:00Z");
  const third = mergeReport(
    second,
    [eth0([prefix("2001:db8:1200::", "2026-11-24T15:00:00Z")])],
    later,
  );
  assert.deepEqual(third[0].lease6?.prefix6.map((p) => p.ip), ["2001:db8:1200::"]);
  assert.equal(third[0].lease6?.prefix6_draining, undefined);
});

Deno.test("after ten prefix changes prefix6 holds one prefix; the ten withdrawn ones drain apart", () => {
  let interfaces = mergeReport(undefined, [
    eth0([prefix("2001:db8:100::", "2026-11-24T16:00:00Z")]),
  ], NOW);
  for (let change = 1; change <= 10; change++) {
    const next = prefix(`2001:db8:${(change + 1).toString(16)}00::`, "2026-11-24T16:00:00Z");
    interfaces = mergeReport(interfaces, [eth0([next])], NOW);
  }
  const node = snapshotNode(state(interfaces), NOW)!;
  assert.deepEqual(node.interfaces[0].lease6?.prefix6.map((p) => p.ip), ["2001:db8:b00::"]);
  assert.equal(node.interfaces[0].lease6?.prefix6_draining?.length, 10);
  assert.ok(node.interfaces[0].lease6?.prefix6_draining?.every((p) => p.state === "draining"));
});

Deno.test("stored data with draining entries inside prefix6 (older versions) is read apart", () => {
  const stored = eth0([
    prefix("2001:db8:1200::", "2026-11-24T15:00:00Z", "active"),
    prefix("2001:db8:1100::", "2026-11-24T14:30:00Z", "draining"),
  ]);
  const lease6 = snapshotNode(state([stored]), NOW)!.interfaces[0].lease6!;
  assert.deepEqual(lease6.prefix6.map((p) => p.ip), ["2001:db8:1200::"]);
  assert.deepEqual(lease6.prefix6_draining?.map((p) => p.ip), ["2001:db8:1100::"]);
  assert.deepEqual(lease6.address6_draining, []);
  // The next report stores it in the new form.
  const merged = mergeReport(
    [stored],
    [eth0([prefix("2001:db8:1200::", "2026-11-24T15:00:00Z")])],
    NOW,
  );
  assert.deepEqual(merged[0].lease6?.prefix6.map((p) => p.ip), ["2001:db8:1200::"]);
  assert.deepEqual(merged[0].lease6?.prefix6_draining?.map((p) => p.ip), ["2001:db8:1100::"]);
});

Deno.test("a prefix that comes back is active again with its new lifetimes", () => {
  const old = mergeReport(
    undefined,
    [eth0([prefix("2001:db8:1100::", "2026-11-24T14:30:00Z")])],
    NOW,
  );
  const drainingState = mergeReport(old, [eth0([])], NOW);
  assert.equal(drainingState[0].lease6?.prefix6_draining?.[0].state, "draining");
  const back = mergeReport(drainingState, [
    eth0([prefix("2001:db8:1100::", "2026-11-24T16:00:00Z")]),
  ], NOW);
  assert.deepEqual(back[0].lease6?.prefix6, [
    prefix("2001:db8:1100::", "2026-11-24T16:00:00Z", "active"),
  ]);
  assert.equal(back[0].lease6?.prefix6_draining, undefined);
});

Deno.test("an interface gone from the report keeps its valid prefixes draining, with its old lease data", () => {
  const old = mergeReport(undefined, [
    eth0([prefix("2001:db8:1100::", "2026-11-24T14:30:00Z")]),
    {
      name: "eth1",
      ssid: "x",
      lease6: { ...eth0([prefix("2001:db8:2200::", "2026-11-24T13:00:00Z")]).lease6! },
    },
  ], NOW);
  const merged = mergeReport(old, [], NOW);
  assert.equal(merged.length, 1, "the expired eth1 prefix is not kept");
  assert.equal(merged[0].name, "eth0");
  assert.deepEqual(merged[0].lease6?.dns, ["2001:db8::53"]);
  assert.deepEqual(merged[0].lease6?.prefix6, []);
  assert.equal(merged[0].lease6?.prefix6_draining?.[0].state, "draining");
});

Deno.test("interfaces are sorted by name and SSID", () => {
  const merged = mergeReport(undefined, [{ name: "wlan0", ssid: "b" }, { name: "eth0" }, {
    name: "wlan0",
    ssid: "a",
  }], NOW);
  assert.deepEqual(merged.map((i) => `${i.name}/${i.ssid ?? ""}`), ["eth0/", "wlan0/a", "wlan0/b"]);
});

Deno.test("a snapshot leaves out expired entries, emptied leases, interfaces and nodes", () => {
  const lease4 = {
    ip: "198.51.100.7",
    len: 24,
    routers: [],
    classless_routes: [],
    static_routes: [],
    dns: [],
    search: [],
    ntp: [],
    lease_time: 600,
    t1: 300,
    t2: 525,
    obtained_at: "2026-11-24T13:55:00Z",
    valid_until: "2026-11-24T14:05:00Z",
  };
  const node = state([
    {
      ...eth0([
        prefix("2001:db8:1100::", "2026-11-24T14:10:00Z"),
        prefix("2001:db8:1200::", "2026-11-24T14:20:00Z"),
      ]),
      lease4,
    },
  ]);
  assert.equal(snapshotNode(node, NOW)?.interfaces[0].lease6?.prefix6.length, 2);
  assert.equal(nextExpiry(node.interfaces, NOW)?.toISOString(), "2026-11-24T14:05:00.000Z");

  const at = (time: string) => snapshotNode(node, new Date(time));
  assert.equal(
    at("2026-11-24T14:05:00Z")?.interfaces[0].lease4,
    undefined,
    "lease4 expires at valid_until",
  );
  assert.deepEqual(at("2026-11-24T14:10:00Z")?.interfaces[0].lease6?.prefix6.map((p) => p.ip), [
    "2001:db8:1200::",
  ]);
  assert.equal(
    nextExpiry(node.interfaces, new Date("2026-11-24T14:10:00Z"))?.toISOString(),
    "2026-11-24T14:20:00.000Z",
  );
  assert.equal(at("2026-11-24T14:20:00Z"), undefined, "nothing valid is left of the node");
  assert.equal(isCurrent(node, new Date("2026-11-24T14:19:59Z")), true);
  assert.equal(isCurrent(node, new Date("2026-11-24T14:20:00Z")), false);
  assert.equal(nextExpiry(node.interfaces, new Date("2026-11-24T14:20:00Z")), undefined);
});

Deno.test("a DHCPv6 lease without addresses or prefixes (stateless) stays", () => {
  const node = state([eth0([])]);
  assert.deepEqual(snapshotNode(node, NOW)?.interfaces[0].lease6?.dns, ["2001:db8::53"]);
});

Deno.test("sameInterfaces ignores key order; summarize counts", () => {
  const a = [eth0([prefix("2001:db8:1100::", "2026-11-24T14:30:00Z")])];
  const shuffled: Interface[] = [{ lease6: a[0].lease6, name: "eth0" }];
  assert.ok(sameInterfaces(a, shuffled));
  assert.ok(!sameInterfaces(a, [eth0([])]));
  assert.deepEqual(summarize(a), { interfaces: 1, addresses: 0, prefixes: 1 });
});

Deno.test("a snapshot is a copy: changing it leaves the state alone", () => {
  const node = state([eth0([prefix("2001:db8:1100::", "2026-11-24T14:30:00Z")])]);
  const before = structuredClone(node);
  const snapshot = snapshotNode(node, NOW)!;
  snapshot.interfaces[0].lease6!.prefix6[0].ip = "changed";
  snapshot.interfaces[0].lease6!.dns.push("changed");
  snapshot.interfaces[0].name = "changed";
  assert.deepEqual(node, before);
});
