import assert from "node:assert/strict";
import { decodeLease6 } from "./dhcp6.ts";
import { LeaseDecodeError } from "./errors.ts";
import {
  addressBytes,
  dnsName,
  ia,
  iaAddress,
  iaPrefix,
  iaTa,
  message6,
  option6,
  status6,
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
      iaid: "00000001",
    }],
    prefix6: [{
      ip: "2001:db8:1200::",
      len: 56,
      preferred_lifetime: 1800,
      valid_lifetime: 3600,
      preferred_until: "2026-11-24T12:30:00Z",
      valid_until: "2026-11-24T13:00:00Z",
      iaid: "00000001",
    }],
    temporary6: [],
    ia: [
      { kind: "na", iaid: "00000001", t1: 900, t2: 1440, status_code: 0 },
      { kind: "pd", iaid: "00000001", t1: 1000, t2: 1600, status_code: 0 },
    ],
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
  assert.deepEqual(warnings, ["IA_NA 00000001 has status 3: it yields no addresses"]);
  assert.equal(lease.prefix6[0].valid_until, "9999-12-31T23:59:59Z");
  assert.equal(lease.address6.length, 0);
  assert.deepEqual(lease.ia[0], {
    kind: "na",
    iaid: "00000001",
    t1: 0,
    t2: 0,
    status_code: 3,
    status_message: "no binding",
  });
});

Deno.test("DHCPv6: a malformed header or option framing is a LeaseDecodeError naming file and offset", () => {
  const cases: [Uint8Array, RegExp][] = [
    [new Uint8Array(), /"eth0.lease6" at byte 0: the file holds 0 bytes/],
    [new Uint8Array([1, 0, 0, 0]), /at byte 0: message type is 1, not a REPLY/],
    [message6([[0, 23, 0, 32, 1, 2]]), /option 23 needs 32 byte\(s\) at 8 but the data ends at 10/],
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

const prefixes = (list: { ip: string; len: number }[]) => list.map((p) => `${p.ip}/${p.len}`);

Deno.test("DHCPv6 (RFC 8415 §21.6, §21.22): preferred lifetime above valid discards the entry", () => {
  const { lease, warnings } = decodeLease6(
    message6([
      ia(3, 0, 0, [iaAddress("2001:db8::1", 3601, 3600), iaAddress("2001:db8::2", 3600, 3600)]),
      ia(25, 0, 0, [iaPrefix("2001:db8:1::", 56, 7200, 3600), iaPrefix("2001:db8:2::", 56, 1, 2)]),
    ]),
    source,
  );
  assert.deepEqual(prefixes(lease.address6), ["2001:db8::2/128"]);
  assert.deepEqual(prefixes(lease.prefix6), ["2001:db8:2::/56"]);
  assert.deepEqual(warnings, [
    "2001:db8::1/128 discarded: preferred lifetime 3601 is greater than valid lifetime 3600",
    "2001:db8:1::/56 discarded: preferred lifetime 7200 is greater than valid lifetime 3600",
  ]);
});

Deno.test("DHCPv6 (RFC 8415 §21.4, §21.21): an IA with T1 > T2 (both non-zero) is discarded", () => {
  const { lease, warnings } = decodeLease6(
    message6([
      ia(3, 2000, 1000, [iaAddress("2001:db8::1", 1800, 3600)], 7),
      ia(25, 1000, 0, [iaPrefix("2001:db8:1::", 56, 1800, 3600)], 8),
    ]),
    source,
  );
  assert.deepEqual(lease.address6, []);
  assert.deepEqual(prefixes(lease.prefix6), ["2001:db8:1::/56"]);
  assert.deepEqual(lease.ia.map((ia) => ia.iaid), ["00000008"]);
  assert.deepEqual([lease.t1, lease.t2], [1000, 0]);
  assert.deepEqual(warnings, [
    "option 3 (IA_NA) at byte 12 dropped: T1 2000 is greater than T2 1000",
  ]);
});

Deno.test("DHCPv6 (RFC 8415 §18.2.10.1): a non-success status yields no addresses", () => {
  const { lease, warnings } = decodeLease6(
    message6([
      ia(25, 0, 0, [iaPrefix("2001:db8:1::", 56, 1, 2), status6(6, "NoPrefixAvail")]),
    ]),
    source,
  );
  assert.deepEqual(lease.prefix6, []);
  assert.equal(lease.ia[0].status_code, 6);
  assert.equal(lease.ia[0].status_message, "NoPrefixAvail");
  assert.deepEqual(warnings, ["IA_PD 00000001 has status 6: it yields no addresses"]);
  const failed = decodeLease6(
    message6([status6(1, "UnspecFail"), ia(3, 0, 0, [iaAddress("2001:db8::1", 1, 2)])]),
    source,
  );
  assert.deepEqual(failed.lease.address6, []);
  assert.equal(failed.lease.status_code, 1);
  assert.equal(failed.lease.status_message, "UnspecFail");
});

Deno.test("DHCPv6: the same prefix in two IA_PDs is listed once", () => {
  const { lease, warnings } = decodeLease6(
    message6([
      ia(25, 0, 0, [iaPrefix("2001:db8:1::", 56, 1, 2)], 1),
      ia(25, 0, 0, [iaPrefix("2001:db8:1::", 56, 1, 2), iaPrefix("2001:db8:2::", 56, 1, 2)], 2),
    ]),
    source,
  );
  assert.deepEqual(prefixes(lease.prefix6), ["2001:db8:1::/56", "2001:db8:2::/56"]);
  assert.deepEqual(lease.prefix6.map((p) => p.iaid), ["00000001", "00000002"]);
  assert.deepEqual(warnings, [
    "prefix 2001:db8:1::/56 is carried twice (IA_PD 00000002): listed once",
  ]);
});

Deno.test("DHCPv6: one malformed optional option is dropped alone, with its offset", () => {
  const { lease, warnings } = decodeLease6(
    message6([
      option6(23, new Array(17).fill(1)),
      option6(23, addressBytes("2001:db8::53")),
      option6(24, [3, 0x61, 0x62]),
      option6(24, dnsName("example.test")),
      ia(25, 0, 0, [
        iaPrefix("2001:db8::", 0, 1, 1),
        iaPrefix("2001:db8::", 129, 1, 1),
        iaPrefix("2001:db8:3::", 48, 1, 2),
      ]),
      option6(25, [0, 0, 0, 1]),
    ]),
    source,
  );
  assert.deepEqual(lease.dns, ["2001:db8::53"]);
  assert.deepEqual(lease.search, ["example.test"]);
  assert.deepEqual(prefixes(lease.prefix6), ["2001:db8:3::/48"]);
  assert.deepEqual(warnings, [
    "option 23 (DNS servers) at byte 8 dropped: DNS servers: length 17 is not a multiple of 16",
    "option 24 (domain search) at byte 50 dropped: option 24 (domain search) label needs 3 byte(s) at 50 but the data ends at 52",
    "IA_PD 00000001: option 26 at byte 98 dropped: IAPREFIX prefix length 0 is not between 1 and 128",
    "IA_PD 00000001: option 26 at byte 127 dropped: IAPREFIX prefix length 129 is not between 1 and 128",
    "option 25 (IA_PD) at byte 181 dropped: IA_PD T1 needs 4 byte(s) at 181 but the data ends at 181",
  ]);
});

Deno.test("DHCPv6: IA_TA addresses, IAIDs, per-IA T1/T2 and status messages", () => {
  const { lease, warnings } = decodeLease6(
    message6([
      status6(0, "all fine"),
      ia(3, 100, 200, [iaAddress("2001:db8::1", 1, 2)], 0x0a0b0c0d),
      iaTa([iaAddress("2001:db8::7", 10, 20), status6(0, "temporary")], 3),
      ia(25, 300, 400, [iaPrefix("2001:db8:1::", 56, 1, 2)], 4),
    ]),
    source,
  );
  assert.deepEqual(warnings, []);
  assert.equal(lease.status_code, 0);
  assert.equal(lease.status_message, "all fine");
  assert.deepEqual(lease.ia, [
    { kind: "na", iaid: "0a0b0c0d", t1: 100, t2: 200, status_code: 0 },
    { kind: "ta", iaid: "00000003", t1: 0, t2: 0, status_code: 0, status_message: "temporary" },
    { kind: "pd", iaid: "00000004", t1: 300, t2: 400, status_code: 0 },
  ]);
  assert.deepEqual(prefixes(lease.temporary6), ["2001:db8::7/128"]);
  assert.equal(lease.temporary6[0].iaid, "00000003");
  assert.equal(lease.address6[0].iaid, "0a0b0c0d");
  assert.deepEqual([lease.t1, lease.t2], [100, 200]);
});

Deno.test("DHCPv6: a status message with characters outside its grammar is cleaned, with a warning", () => {
  const { lease, warnings } = decodeLease6(
    message6([status6(0, 'a\nkind: Secret "{{ x }}" #\u2028')]),
    source,
  );
  assert.equal(
    lease.status_message,
    "a\ufffdkind\ufffd Secret \ufffd\ufffd\ufffd x \ufffd\ufffd\ufffd \ufffd\ufffd",
  );
  assert.equal(warnings.length, 1);
  const fine = decodeLease6(message6([status6(0, "All fine (pool 2), thanks.")]), source);
  assert.equal(fine.lease.status_message, "All fine (pool 2), thanks.");
  assert.deepEqual(fine.warnings, []);
});

Deno.test("DHCPv6: link-local DNS and NTP servers carry the interface as their zone", () => {
  const { lease } = decodeLease6(
    message6([
      option6(23, [...addressBytes("fe80::53"), ...addressBytes("2001:db8::53")]),
      option6(31, addressBytes("fe80::123")),
    ]),
    { ...source, interface: "eth0" },
  );
  assert.deepEqual(lease.dns, ["fe80::53%eth0", "2001:db8::53"]);
  assert.deepEqual(lease.ntp, ["fe80::123%eth0"]);
});

Deno.test("DHCPv6: a file larger than a DHCP message (64 KiB) is refused", () => {
  const big = new Uint8Array(65537);
  big.set(message6([]));
  assert.throws(() => decodeLease6(big, source), /more than 65536 bytes/);
});

Deno.test("DHCPv6: lists are cut at 256 entries, with one warning each", () => {
  const dns = Array.from({ length: 300 }, () => option6(23, addressBytes("2001:db8::53")));
  const prefixes = Array.from(
    { length: 300 },
    (_, index) => iaPrefix(`2001:db8:${index.toString(16)}::`, 48, 1, 2),
  );
  const { lease, warnings } = decodeLease6(message6([...dns, ia(25, 0, 0, prefixes)]), source);
  assert.equal(lease.dns.length, 256);
  assert.equal(lease.prefix6.length, 256);
  assert.deepEqual(warnings, [
    "option 23 (DNS servers): more than 256 entries; the rest dropped",
    "IA_PD 00000001: more than 256 entries; the rest dropped",
  ]);
});
