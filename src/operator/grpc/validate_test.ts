import assert from "node:assert/strict";
import type { Node } from "../../shared/model.ts";
import { reportProblems } from "./validate.ts";

function goodNode(): Node {
  return {
    name: "node-a",
    interfaces: [{
      name: "eth0",
      lease4: {
        ip: "198.51.100.23",
        len: 24,
        routers: ["198.51.100.1"],
        classless_routes: [],
        static_routes: [],
        dns: ["198.51.100.53"],
        search: [],
        ntp: [],
        lease_time: 3600,
        t1: 1800,
        t2: 3150,
        obtained_at: "2026-11-24T14:00:00Z",
        valid_until: "2026-11-24T15:00:00Z",
      },
      lease6: {
        temporary6: [],
        ia: [],
        address6: [{
          ip: "2001:db8::23",
          len: 128,
          preferred_lifetime: 1800,
          valid_lifetime: 3600,
          preferred_until: "2026-11-24T14:30:00Z",
          valid_until: "2026-11-24T15:00:00Z",
        }],
        prefix6: [{
          ip: "2001:db8:1200::",
          len: 56,
          preferred_lifetime: 1800,
          valid_lifetime: 3600,
          preferred_until: "2026-11-24T14:30:00.123Z",
          valid_until: "2026-11-24T15:00:00+00:00",
        }],
        dns: ["2001:db8::53"],
        search: [],
        ntp: [],
        t1: 900,
        t2: 1440,
        obtained_at: "2026-11-24T14:00:00Z",
      },
    }],
  };
}

Deno.test("a well-formed report has no problems", () => {
  assert.deepEqual(reportProblems(goodNode()), []);
  assert.deepEqual(reportProblems({ name: "node-b", interfaces: [] }), []);
});

Deno.test("every malformed field is named with its path", () => {
  const node = goodNode();
  node.name = "Node_A";
  const iface = node.interfaces[0];
  iface.lease4!.ip = "2001:db8::1";
  iface.lease4!.len = 33;
  iface.lease4!.dns = ["dns.example"];
  iface.lease6!.prefix6[0].ip = "2001:db8:1200::1";
  iface.lease6!.address6[0].valid_until = "tomorrow";
  node.interfaces.push({ name: "eth0" });
  assert.deepEqual(reportProblems(node), [
    'name: "Node_A" is not a node name',
    'interfaces[0].lease4.ip: "2001:db8::1" is not an IPv4 address',
    "interfaces[0].lease4.len: 33 is not a prefix length (0–32)",
    'interfaces[0].lease4.dns[0]: "dns.example" is not an IPv4 address',
    'interfaces[0].lease6.address6[0].valid_until: "tomorrow" is not an RFC 3339 time',
    'interfaces[0].lease6.prefix6[0].ip: "2001:db8:1200::1/56" has host bits set',
    'interfaces[1]: interface "eth0" is reported twice',
  ]);
});

Deno.test("text crafted to break a template's YAML is refused", () => {
  const node = goodNode();
  node.interfaces[0].name = "eth0\nkind: Secret";
  node.interfaces[0].lease4!.domain = "evil.test\n---\napiVersion: v1";
  node.interfaces[0].lease6!.search = ["ok.test", "{{ nodes }}"];
  assert.deepEqual(reportProblems(node), [
    'interfaces[0].name: "eth0\\nkind: Secret" is not an interface name',
    'interfaces[0].lease4.domain: "evil.test\\n---\\napiVersion: v1" is not a domain name',
    'interfaces[0].lease6.search[1]: "{{ nodes }}" is not a domain name',
  ]);
});

Deno.test("every string of a report is held to its grammar: SSID, server ids, zones, state", () => {
  const node = goodNode();
  const iface = node.interfaces[0];
  iface.name = "wlan0";
  iface.ssid = "Bob's \u2028{{ x }}";
  iface.lease4!.server_id = "198.51.100.1: x";
  iface.lease6!.server_id = "00:01 #";
  iface.lease6!.dns = ["fe80::1%eth0\u00a0x"];
  iface.lease6!.prefix6[0].state = "x: y" as "active";
  node.interfaces.push({ name: "wlan1", ssid: "Caf\u00e9\u00a0Net" });
  assert.deepEqual(reportProblems(node), [
    'interfaces[0].ssid: "Bob\'s \u2028{{ x }}" is not an SSID',
    'interfaces[0].lease4.server_id: "198.51.100.1: x" is not an IPv4 address',
    'interfaces[0].lease6.prefix6[0].state: "x: y" is not active or draining',
    'interfaces[0].lease6.dns[0]: "fe80::1%eth0\u00a0x" is not an IPv6 address',
    'interfaces[0].lease6.server_id: "00:01 #" is not a DUID',
    'interfaces[1].ssid: "Caf\u00e9\u00a0Net" is not an SSID',
  ]);
  const fine = goodNode();
  fine.interfaces[0].ssid = "Café Net";
  fine.interfaces[0].lease4!.server_id = "198.51.100.1";
  fine.interfaces[0].lease6!.server_id = "00:01:00:01:2c:4f:1a:2b";
  fine.interfaces[0].lease6!.prefix6[0].state = "draining";
  fine.interfaces[0].lease6!.dns = ["fe80::1%eth0"];
  fine.interfaces[0].lease6!.status_message = "No addresses available (pool 2, try later).";
  assert.deepEqual(reportProblems(fine), []);
  const message = goodNode();
  message.interfaces[0].lease6!.status_message = 'NoAddrsAvail: "none" #1';
  assert.deepEqual(reportProblems(message), [
    'interfaces[0].lease6.status_message: "NoAddrsAvail: \\"none\\" #1" is not a status ' +
    "message (too long, or characters other than letters, digits, spaces and .,;()-_)",
  ]);
});

Deno.test("routes, MTU, host name, IAs and status messages are checked", () => {
  const node = goodNode();
  const lease4 = node.interfaces[0].lease4!;
  lease4.classless_routes = [{ destination: "10.0.0.0", len: 40, router: "gw" }];
  lease4.static_routes = [{ destination: "10.0.0.0", len: 8, router: "198.51.100.1" }];
  lease4.mtu = 12;
  lease4.host_name = "a b";
  const lease6 = node.interfaces[0].lease6!;
  lease6.temporary6 = [{ ...lease6.address6[0], ip: "198.51.100.1", iaid: "1" }];
  lease6.ia = [{ kind: "ta", iaid: "xyz", t1: 0, t2: 0, status_code: 0, status_message: "a\nb" }];
  lease6.status_message = "{{ ok }}\u0007";
  assert.deepEqual(reportProblems(node), [
    "interfaces[0].lease4.classless_routes[0].len: 40 is not a prefix length (0–32)",
    'interfaces[0].lease4.classless_routes[0].router: "gw" is not an IPv4 address',
    "interfaces[0].lease4.mtu: 12 is not an MTU (68–65535)",
    'interfaces[0].lease4.host_name: "a b" is not a domain name',
    'interfaces[0].lease6.temporary6[0].ip: "198.51.100.1" is not an IPv6 address',
    'interfaces[0].lease6.temporary6[0].iaid: "1" is not an IAID',
    'interfaces[0].lease6.ia[0].iaid: "xyz" is not an IAID',
    'interfaces[0].lease6.ia[0].status_message: "a\\nb" is not a status message (too ' +
    "long, or characters other than letters, digits, spaces and .,;()-_)",
    'interfaces[0].lease6.status_message: "{{ ok }}\\u0007" is not a status message (too long, ' +
    "or characters other than letters, digits, spaces and .,;()-_)",
  ]);
  // Without an address (a DHCPINFORM reply) a DHCPv4 lease is still well-formed.
  const inform = goodNode();
  delete inform.interfaces[0].lease4!.ip;
  delete inform.interfaces[0].lease4!.len;
  assert.deepEqual(reportProblems(inform), []);
});
