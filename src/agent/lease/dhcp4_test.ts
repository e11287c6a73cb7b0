import assert from "node:assert/strict";
import { decodeLease4 } from "./dhcp4.ts";
import { LeaseDecodeError } from "./errors.ts";
import { addressBytes, dnsName, message4, option4, uint } from "./test_messages.ts";

const source = { file: "eth0.lease", obtainedAt: new Date("2026-11-24T12:00:00.750Z") };

Deno.test("DHCPv4: every field a network engineer looks for", () => {
  const { lease, warnings } = decodeLease4(
    message4("198.51.100.23", [
      option4(53, [5]),
      option4(1, addressBytes("255.255.255.0")),
      option4(3, addressBytes("198.51.100.1")),
      option4(6, [...addressBytes("198.51.100.2"), ...addressBytes("198.51.100.3")]),
      option4(15, [...new TextEncoder().encode("example.test")]),
      option4(119, [...dnsName("lab.example.test")]),
      option4(42, addressBytes("198.51.100.4")),
      option4(51, uint(3600, 4)),
      option4(54, addressBytes("198.51.100.1")),
      option4(58, uint(1200, 4)),
      option4(59, uint(2400, 4)),
    ]),
    source,
  );
  assert.deepEqual(warnings, []);
  assert.deepEqual(lease, {
    ip: "198.51.100.23",
    len: 24,
    routers: ["198.51.100.1"],
    classless_routes: [],
    static_routes: [],
    dns: ["198.51.100.2", "198.51.100.3"],
    domain: "example.test",
    search: ["lab.example.test"],
    ntp: ["198.51.100.4"],
    server_id: "198.51.100.1",
    lease_time: 3600,
    t1: 1200,
    t2: 2400,
    obtained_at: "2026-11-24T12:00:00Z",
    valid_until: "2026-11-24T13:00:00Z",
  });
});

Deno.test("DHCPv4: defaults for T1/T2, compressed search list, RFC 3396 split options", () => {
  const search = [...dnsName("a.example.test"), 1, 0x62, 0xc0, 2]; // "b" + pointer to "example.test"
  const { lease } = decodeLease4(
    message4("198.51.100.9", [
      option4(1, addressBytes("255.255.255.128")),
      option4(51, uint(1000, 4)),
      option4(6, addressBytes("198.51.100.2")),
      option4(6, addressBytes("198.51.100.3")),
      option4(119, search),
    ]),
    source,
  );
  assert.equal(lease.len, 25);
  assert.equal(lease.t1, 500);
  assert.equal(lease.t2, 875);
  assert.deepEqual(lease.dns, ["198.51.100.2", "198.51.100.3"]);
  assert.deepEqual(lease.search, ["a.example.test", "b.example.test"]);
  assert.equal(lease.domain, undefined);
  assert.equal(lease.server_id, undefined);
});

Deno.test("DHCPv4: bad input is a LeaseDecodeError naming file and offset", () => {
  const good = message4("198.51.100.9", [option4(51, uint(60, 4))]);
  const cases: [Uint8Array, RegExp][] = [
    [new Uint8Array(), /"eth0.lease" at byte 0: the file holds 0 bytes/],
    [good.subarray(0, 100), /at byte 100: the file holds 100 bytes/],
    [new Uint8Array([1, ...good.subarray(1)]), /at byte 0: op is 1/],
    [message4("198.51.100.9", [[51, 10, 0, 0]]), /option 51 needs 10 byte\(s\) at 242/],
    [message4("198.51.100.9", []), /has no lease time \(option 51\)/],
    [message4("198.51.100.9", [option4(51, uint(60, 2))]), /option 51 \(lease time\): length 2/],
  ];
  for (const [bytes, message] of cases) {
    assert.throws(() => decodeLease4(bytes, source), (error: unknown) => {
      assert.ok(error instanceof LeaseDecodeError, String(error));
      assert.equal(error.file, "eth0.lease");
      assert.match(error.message, message);
      return true;
    });
  }
});

Deno.test("DHCPv4: no subnet mask falls back to the address class, with a warning", () => {
  const { lease, warnings } = decodeLease4(
    message4("198.51.100.9", [option4(51, uint(0xffffffff, 4))]),
    source,
  );
  assert.equal(lease.len, 24);
  assert.equal(lease.valid_until, "9999-12-31T23:59:59Z");
  assert.equal(lease.t1, 0xffffffff);
  assert.match(warnings[0], /no usable subnet mask/);
});

Deno.test("DHCPv4: a domain or search entry crafted to break YAML is dropped, with a warning", () => {
  const hostile = "evil.test\n---\nkind: Secret";
  const { lease, warnings } = decodeLease4(
    message4("198.51.100.9", [
      option4(51, uint(60, 4)),
      option4(15, [...new TextEncoder().encode(hostile)]),
      option4(119, [...dnsName("ok.test"), 5, ...new TextEncoder().encode("a\nb: "), 0]),
    ]),
    source,
  );
  assert.equal(lease.domain, undefined);
  assert.deepEqual(lease.search, ["ok.test"]);
  const dropped = warnings.filter((warning) => warning.includes("is not a domain name"));
  assert.equal(dropped.length, 2);
  assert.match(dropped[0], /option 15 \(domain name\) "evil.test\\n---\\nkind: Secret" is not/);
});

Deno.test("DHCPv4: as older dhcpcd wrote it (no END option) and padded to the BOOTP size", () => {
  const full = message4("198.51.100.9", [
    option4(1, addressBytes("255.255.255.0")),
    option4(51, uint(600, 4)),
  ]);
  // dhcpcd before 8 wrote "only as much as we need": the message up to, not including, END.
  const withoutEnd = full.subarray(0, full.length - 1);
  // Padded with PAD (0) after END up to 300 bytes, as a BOOTP message.
  const padded = new Uint8Array(300);
  padded.set(full);
  for (const bytes of [withoutEnd, padded]) {
    const { lease, warnings } = decodeLease4(bytes, source);
    assert.deepEqual(warnings, []);
    assert.deepEqual([lease.ip, lease.len, lease.lease_time], ["198.51.100.9", 24, 600]);
  }
});

Deno.test("DHCPv4: option overload (52) carries options in the file and sname fields", () => {
  const bytes = message4("198.51.100.9", [option4(52, [3]), option4(51, uint(600, 4))]);
  bytes.set([3, 4, ...addressBytes("198.51.100.1"), 255], 108); // file: routers
  bytes.set([6, 4, ...addressBytes("198.51.100.53"), 255], 44); // sname: DNS servers
  const { lease } = decodeLease4(bytes, source);
  assert.deepEqual(lease.routers, ["198.51.100.1"]);
  assert.deepEqual(lease.dns, ["198.51.100.53"]);
});

/** A minimal valid lease plus `options`: lease time 3600, mask /24. */
function minimal(options: number[][], yiaddr = "198.51.100.9", fields = {}) {
  return decodeLease4(
    message4(yiaddr, [
      option4(51, uint(3600, 4)),
      option4(1, addressBytes("255.255.255.0")),
      ...options,
    ], fields),
    source,
  );
}

Deno.test("DHCPv4 (RFC 3442): with option 121 options 3 and 33 are ignored; 121 is exposed", () => {
  const { lease, warnings } = minimal([
    option4(3, addressBytes("198.51.100.1")),
    option4(33, [...addressBytes("10.0.0.0"), ...addressBytes("198.51.100.2")]),
    // 0.0.0.0/0 via .1; 10.17.0.0/16 via .3; 192.0.2.128/25 via .4
    option4(121, [
      0,
      198,
      51,
      100,
      1,
      16,
      10,
      17,
      198,
      51,
      100,
      3,
      25,
      192,
      0,
      2,
      128,
      198,
      51,
      100,
      4,
    ]),
  ]);
  assert.deepEqual(warnings, []);
  assert.deepEqual(lease.routers, []);
  assert.deepEqual(lease.static_routes, []);
  assert.deepEqual(lease.classless_routes, [
    { destination: "0.0.0.0", len: 0, router: "198.51.100.1" },
    { destination: "10.17.0.0", len: 16, router: "198.51.100.3" },
    { destination: "192.0.2.128", len: 25, router: "198.51.100.4" },
  ]);
});

Deno.test("DHCPv4 (RFC 3442): option 249 counts when 121 is absent; host bits are cleared", () => {
  const { lease, warnings } = minimal([
    option4(3, addressBytes("198.51.100.1")),
    option4(249, [8, 10, 198, 51, 100, 5, 12, 172, 31, 198, 51, 100, 6]),
  ]);
  assert.deepEqual(lease.routers, []);
  assert.deepEqual(lease.classless_routes, [
    { destination: "10.0.0.0", len: 8, router: "198.51.100.5" },
    { destination: "172.16.0.0", len: 12, router: "198.51.100.6" },
  ]);
  assert.deepEqual(warnings, [
    "option 249: route 172.31.0.0/12 has host bits set: masked to 172.16.0.0/12",
  ]);
});

Deno.test("DHCPv4 (RFC 3442): a malformed option 121 is dropped and option 3 counts again", () => {
  const { lease, warnings } = minimal([
    option4(3, addressBytes("198.51.100.1")),
    option4(121, [33, 10, 0, 0, 0, 0, 198, 51, 100, 1]),
  ]);
  assert.deepEqual(lease.routers, ["198.51.100.1"]);
  assert.deepEqual(lease.classless_routes, []);
  assert.deepEqual(warnings, [
    "option 121 (classless static routes) at byte 260 dropped: option 121: route width 33 is above 32",
  ]);
});

Deno.test("DHCPv4: static routes (option 33) with their classful or host length", () => {
  const { lease, warnings } = minimal([
    option4(33, [
      ...addressBytes("10.0.0.0"),
      ...addressBytes("198.51.100.2"),
      ...addressBytes("172.20.0.0"),
      ...addressBytes("198.51.100.3"),
      ...addressBytes("192.0.2.7"),
      ...addressBytes("198.51.100.4"),
      ...addressBytes("0.0.0.0"),
      ...addressBytes("198.51.100.5"),
    ]),
  ]);
  assert.deepEqual(lease.static_routes, [
    { destination: "10.0.0.0", len: 8, router: "198.51.100.2" },
    { destination: "172.20.0.0", len: 16, router: "198.51.100.3" },
    { destination: "192.0.2.7", len: 32, router: "198.51.100.4" },
  ]);
  assert.deepEqual(warnings, [
    "option 33 (static routes) at byte 278: destination 0.0.0.0 is illegal (RFC 2132 §5.8): route dropped",
  ]);
});

Deno.test("DHCPv4: one malformed optional option is dropped alone, with its offset", () => {
  const search = [...dnsName("a.example.test"), 70, 0x61]; // a label longer than 63
  const { lease, warnings } = minimal([
    option4(3, addressBytes("198.51.100.1")),
    option4(6, [198, 51, 100, 2, 7]),
    option4(15, [...new TextEncoder().encode("example.test")]),
    option4(119, search),
    option4(42, addressBytes("198.51.100.4")),
  ]);
  assert.equal(lease.ip, "198.51.100.9");
  assert.deepEqual(lease.routers, ["198.51.100.1"]);
  assert.deepEqual(lease.dns, []);
  assert.equal(lease.domain, "example.test");
  assert.deepEqual(lease.search, []);
  assert.deepEqual(lease.ntp, ["198.51.100.4"]);
  assert.deepEqual(warnings, [
    "option 6 (DNS servers) at byte 260 dropped: DNS servers: length 5 is not a multiple of 4",
    "option 119 (domain search) at byte 297 dropped: option 119 (domain search): label length 70 is above 63",
  ]);
});

Deno.test("DHCPv4: a non-contiguous subnet mask is dropped; the class gives the length", () => {
  const { lease, warnings } = decodeLease4(
    message4("10.1.2.3", [option4(51, uint(60, 4)), option4(1, addressBytes("255.0.255.0"))]),
    source,
  );
  assert.equal(lease.len, 8);
  assert.deepEqual(warnings, [
    "option 1 (subnet mask) at byte 248 dropped: subnet mask 255.0.255.0 is not contiguous",
    "no usable subnet mask (option 1): assumed /8 from the address class",
  ]);
});

Deno.test("DHCPv4 (RFC 3396): an option split over options, file and sname fields is joined", () => {
  const { lease, warnings } = minimal(
    [option4(52, [3]), option4(6, addressBytes("198.51.100.2"))],
    "198.51.100.9",
    {
      file: [...option4(6, addressBytes("198.51.100.3")), 255],
      sname: [...option4(6, addressBytes("198.51.100.4")), 255],
    },
  );
  assert.deepEqual(warnings, []);
  assert.deepEqual(lease.dns, ["198.51.100.2", "198.51.100.3", "198.51.100.4"]);
});

Deno.test("DHCPv4 (RFC 3396): a search list split between options and file decodes whole", () => {
  const name = dnsName("lab.example.test");
  const { lease } = minimal(
    [option4(52, [1]), option4(119, name.slice(0, 5))],
    "198.51.100.9",
    { file: [...option4(119, name.slice(5)), 255] },
  );
  assert.deepEqual(lease.search, ["lab.example.test"]);
});

Deno.test("DHCPv4: yiaddr 0.0.0.0 is no address; ciaddr is the address of a DHCPINFORM reply", () => {
  const none = minimal([], "0.0.0.0");
  assert.equal(none.lease.ip, undefined);
  assert.equal(none.lease.len, undefined);
  assert.equal("ip" in none.lease, false);
  const inform = minimal([], "0.0.0.0", { ciaddr: "198.51.100.77" });
  assert.equal(inform.lease.ip, "198.51.100.77");
  assert.equal(inform.lease.len, 24);
});

Deno.test("DHCPv4: a class D or E address refuses the lease; no class is assumed for it", () => {
  for (const ip of ["224.0.0.5", "240.1.2.3"]) {
    assert.throws(
      () => decodeLease4(message4(ip, [option4(51, uint(60, 4))]), source),
      /at byte 16: .* is a class D or E address/,
    );
  }
});

Deno.test("DHCPv4: MTU (26) and host name (12); an MTU below 68 is dropped", () => {
  const { lease } = minimal([
    option4(26, uint(9000, 2)),
    option4(12, [...new TextEncoder().encode("node-1")]),
  ]);
  assert.equal(lease.mtu, 9000);
  assert.equal(lease.host_name, "node-1");
  const small = minimal([option4(26, uint(67, 2)), option4(12, [0x61, 0x20, 0x62])]);
  assert.equal(small.lease.mtu, undefined);
  assert.equal(small.lease.host_name, undefined);
  assert.deepEqual(small.warnings, [
    'option 12 (host name) "a b" is not a host name: dropped',
    "option 26 (interface MTU) at byte 254 dropped: MTU 67 is below 68",
  ]);
});

Deno.test("DHCPv4: a file larger than a DHCP message (64 KiB) is refused", () => {
  const big = new Uint8Array(65537);
  big.set(message4("198.51.100.9", [option4(51, uint(60, 4))]));
  assert.throws(() => decodeLease4(big, source), /more than 65536 bytes/);
  // Exactly 64 KiB is a message (padded with PAD options).
  const padded = new Uint8Array(65536);
  padded.set(message4("198.51.100.9", [option4(51, uint(60, 4))]));
  assert.equal(decodeLease4(padded, source).lease.ip, "198.51.100.9");
});

Deno.test("DHCPv4: compression pointer chains are bounded per name", () => {
  // "a", then 200 pointers each to the one before: a chain of 200 jumps for the last name.
  const search = [1, 0x61, 0];
  for (let index = 0; index < 200; index++) {
    const target = index === 0 ? 0 : 3 + (index - 1) * 2;
    search.push(0xc0 | (target >> 8), target & 0xff);
  }
  const parts: number[][] = [];
  for (let at = 0; at < search.length; at += 255) {
    parts.push(option4(119, search.slice(at, at + 255)));
  }
  const { lease, warnings } = minimal(parts);
  assert.deepEqual(lease.search, []);
  assert.match(warnings[0], /option 119 .* more than 127 compression pointers/);
});

Deno.test("DHCPv4: a search list is cut at 256 names, with a warning", () => {
  // "a", then 300 names that are each one pointer to it.
  const search = [1, 0x61, 0];
  for (let index = 0; index < 300; index++) search.push(0xc0, 0);
  const parts: number[][] = [];
  for (let at = 0; at < search.length; at += 255) {
    parts.push(option4(119, search.slice(at, at + 255)));
  }
  const { lease, warnings } = minimal(parts);
  assert.equal(lease.search.length, 256);
  assert.deepEqual(warnings, ["option 119 (domain search): more than 256 names; the rest dropped"]);
});

Deno.test("DHCPv4: an address list is cut at 256 entries, with a warning", () => {
  // 300 DNS servers in parts of 60 (RFC 3396 joins them).
  const parts = Array.from({ length: 5 }, (_, part) =>
    option4(
      6,
      Array.from({ length: 60 }, (_, index) => [10, 0, part, index]).flat(),
    ));
  const { lease, warnings } = minimal(parts);
  assert.equal(lease.dns.length, 256);
  assert.equal(lease.dns[255], "10.0.4.15");
  assert.deepEqual(warnings, ["DNS servers: more than 256 entries; the rest dropped"]);
});
