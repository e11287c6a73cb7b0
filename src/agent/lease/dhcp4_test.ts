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
    [
      message4("198.51.100.9", [option4(51, uint(60, 4)), option4(1, addressBytes("255.0.255.0"))]),
      /subnet mask\) 255.0.255.0 is not contiguous/,
    ],
    [
      message4("198.51.100.9", [option4(51, uint(60, 4)), option4(6, [1, 2, 3])]),
      /option 6 \(DNS servers\): length 3 is not a multiple of 4/,
    ],
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
  assert.match(warnings[0], /no subnet mask/);
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
