import assert from "node:assert/strict";
import { decodeLease6 } from "./dhcp6.ts";
import { LeaseDecodeError } from "./errors.ts";
import {
  addressBytes,
  dnsName,
  ia,
  iaAddress,
  iaPrefix,
  message6,
  option6,
} from "./test_messages.ts";

const source = { file: "eth0.lease6", obtainedAt: new Date("2026-11-24T12:00:00Z") };
const serverDuid = option6(2, [0, 1, 0, 1, 0x2e, 0x8f, 0x10, 0x01, 0x02, 0x42, 0xac, 0x11, 0, 2]);

Deno.test("DHCPv6: addresses, delegated prefixes, lifetimes, servers", () => {
  const { lease, warnings } = decodeLease6(
    message6([
      option6(1, [0, 3, 0, 1, 2, 0, 0, 0, 0, 1]),
      serverDuid,
      ia(3, 900, 1440, [iaAddress("2001:db8::1:0:0:17", 1800, 3600)]),
      ia(25, 1000, 1600, [
        iaPrefix("2001:db8:1200::", 56, 1800, 3600),
        iaPrefix("2001:db8:1100::", 56, 0, 0), // withdrawn by the server
      ]),
      option6(23, [...addressBytes("2001:db8::53"), ...addressBytes("2001:db8::54")]),
      option6(24, [...dnsName("lab.example.test"), ...dnsName("example.test")]),
      option6(31, addressBytes("2001:db8::123")),
      option6(56, [
        ...option6(1, addressBytes("2001:db8::124")),
        ...option6(3, dnsName("ntp.example.test")),
      ]),
    ]),
    source,
  );
  assert.deepEqual(warnings, []);
  assert.deepEqual(lease, {
    address6: [{
      ip: "2001:db8::1:0:0:17",
      len: 128,
      preferred_lifetime: 1800,
      valid_lifetime: 3600,
      preferred_until: "2026-11-24T12:30:00Z",
      valid_until: "2026-11-24T13:00:00Z",
    }],
    prefix6: [{
      ip: "2001:db8:1200::",
      len: 56,
      preferred_lifetime: 1800,
      valid_lifetime: 3600,
      preferred_until: "2026-11-24T12:30:00Z",
      valid_until: "2026-11-24T13:00:00Z",
    }],
    dns: ["2001:db8::53", "2001:db8::54"],
    search: ["lab.example.test", "example.test"],
    ntp: ["2001:db8::124", "2001:db8::123"],
    server_id: "00:01:00:01:2e:8f:10:01:02:42:ac:11:00:02",
    t1: 900,
    t2: 1440,
    obtained_at: "2026-11-24T12:00:00Z",
  });
});

Deno.test("DHCPv6: host bits in a delegated prefix are masked, with a warning", () => {
  const { lease, warnings } = decodeLease6(
    message6([ia(25, 0, 0, [iaPrefix("2001:db8:1200:ff::1", 56, 100, 200)])]),
    source,
  );
  assert.equal(lease.prefix6[0].ip, "2001:db8:1200::");
  assert.match(
    warnings[0],
    /2001:db8:1200:ff::1\/56 has host bits set: masked to 2001:db8:1200::\/56/,
  );
});

Deno.test("DHCPv6: a non-success status and an infinite lifetime", () => {
  const { lease, warnings } = decodeLease6(
    message6([
      ia(3, 0, 0, [option6(13, [0, 3, ...new TextEncoder().encode("no binding")])]),
      ia(25, 0, 0, [iaPrefix("2001:db8:1300::", 48, 0xffffffff, 0xffffffff)]),
    ]),
    source,
  );
  assert.deepEqual(warnings, ["IA_NA status 3: no binding"]);
  assert.equal(lease.prefix6[0].valid_until, "9999-12-31T23:59:59Z");
  assert.equal(lease.address6.length, 0);
});

Deno.test("DHCPv6: bad input is a LeaseDecodeError naming file and offset", () => {
  const cases: [Uint8Array, RegExp][] = [
    [new Uint8Array(), /"eth0.lease6" at byte 0: the file holds 0 bytes/],
    [new Uint8Array([1, 0, 0, 0]), /at byte 0: message type is 1, not a REPLY/],
    [message6([[0, 23, 0, 32, 1, 2]]), /option 23 needs 32 byte\(s\) at 8 but the data ends at 10/],
    [message6([ia(25, 0, 0, [iaPrefix("2001:db8::", 0, 1, 1)])]), /prefix length 0 is not between/],
    [message6([ia(25, 0, 0, [iaPrefix("2001:db8::", 129, 1, 1)])]), /prefix length 129/],
    [message6([option6(25, [0, 0, 0, 1])]), /IA_PD T1 needs 4 byte\(s\)/],
    [message6([option6(24, [3, 0x61, 0x62])]), /option 24 \(domain search\) label/],
    [message6([option6(24, [0xc0, 0])]), /compression pointer not allowed/],
  ];
  for (const [bytes, message] of cases) {
    assert.throws(() => decodeLease6(bytes, source), (error: unknown) => {
      assert.ok(error instanceof LeaseDecodeError, String(error));
      assert.match(error.message, message);
      return true;
    });
  }
});

Deno.test("DHCPv6: unknown options are ignored", () => {
  const { lease } = decodeLease6(
    message6([option6(9999, [1, 2, 3]), ia(25, 5, 8, [iaPrefix("2001:db8:1400::", 60, 1, 2)])]),
    source,
  );
  assert.deepEqual(lease.prefix6.map((prefix) => `${prefix.ip}/${prefix.len}`), [
    "2001:db8:1400::/60",
  ]);
  assert.deepEqual([lease.t1, lease.t2], [5, 8]);
});
