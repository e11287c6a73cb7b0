/**
 * Fuzzes both decoders with 100,000 seeded inputs: random bytes, valid headers followed by random
 * options, and valid messages with bytes flipped, cut off or inserted. The only thing a decoder may
 * throw is a LeaseDecodeError; what it decodes has prefix lengths in range and every string in
 * its grammar (lease text stays data: src/shared/names.ts).
 */
import assert from "node:assert/strict";
import { decodeLease4 } from "./dhcp4.ts";
import { decodeLease6 } from "./dhcp6.ts";
import { LeaseDecodeError } from "./errors.ts";
import type { Lease4, Lease6 } from "../../shared/model.ts";
import { isDomainName, isDuid, matchesNodeText, NODE_TEXT_PATTERNS } from "../../shared/names.ts";
import {
  addressBytes,
  dnsName,
  ia,
  iaAddress,
  iaPrefix,
  message4,
  message6,
  option4,
  option6,
  uint,
} from "./test_messages.ts";
import { seededRandom } from "../../../tests/support/seeded_random.ts";

type NodeTextKind = keyof typeof NODE_TEXT_PATTERNS;

/** The strings of a decoded lease that break their grammar, as `field: value`. */
function textOutOfGrammar(lease: Lease4 | Lease6): string[] {
  const checks: [string, string | undefined, (text: string) => boolean][] = [];
  const grammar = (field: string, values: (string | undefined)[], kind: NodeTextKind) =>
    values.forEach((value) => checks.push([field, value, (t) => matchesNodeText(kind, t)]));
  const names = (field: string, values: (string | undefined)[]) =>
    values.forEach((value) => checks.push([field, value, isDomainName]));
  names("search", lease.search);
  grammar("obtained_at", [lease.obtained_at], "time");
  if ("lease_time" in lease) {
    const routes = [...lease.classless_routes, ...lease.static_routes];
    grammar("ip", [lease.ip, ...lease.routers, ...lease.dns, ...lease.ntp], "ipv4");
    grammar("route", routes.flatMap((route) => [route.destination, route.router]), "ipv4");
    grammar("server_id", [lease.server_id], "ipv4");
    names("domain", [lease.domain, lease.host_name]);
    grammar("valid_until", [lease.valid_until], "time");
  } else {
    const entries = [...lease.address6, ...lease.temporary6, ...lease.prefix6];
    grammar("ip", [...entries.map((entry) => entry.ip), ...lease.dns, ...lease.ntp], "ipv6");
    grammar("iaid", [...entries, ...lease.ia].map((entry) => entry.iaid), "iaid");
    grammar("until", entries.flatMap((e) => [e.preferred_until, e.valid_until]), "time");
    grammar(
      "status_message",
      [lease.status_message, ...lease.ia.map((ia) => ia.status_message)],
      "statusMessage",
    );
    checks.push(["server_id", lease.server_id, isDuid]);
  }
  return checks.filter(([, value, valid]) => value !== undefined && !valid(value))
    .map(([field, value]) => `${field}: ${JSON.stringify(value)}`);
}

const VALID_4 = message4("198.51.100.23", [
  option4(1, addressBytes("255.255.255.0")),
  option4(3, addressBytes("198.51.100.1")),
  option4(6, addressBytes("198.51.100.2")),
  option4(15, [...new TextEncoder().encode("example.test")]),
  option4(119, [...dnsName("a.example.test"), 1, 0x62, 0xc0, 2]),
  option4(51, uint(3600, 4)),
]);
const VALID_6 = message6([
  option6(2, [0, 1, 0, 1, 1, 2, 3, 4]),
  ia(3, 900, 1440, [iaAddress("2001:db8::17", 1800, 3600)]),
  ia(25, 900, 1440, [iaPrefix("2001:db8:1200::", 56, 1800, 3600)]),
  option6(23, addressBytes("2001:db8::53")),
  option6(24, dnsName("example.test")),
  option6(56, option6(1, addressBytes("2001:db8::123"))),
]);

function mutate(valid: Uint8Array, next: () => number): Uint8Array {
  const bytes = [...valid];
  const edits = 1 + Math.floor(next() * 4);
  for (let edit = 0; edit < edits; edit++) {
    const at = Math.floor(next() * bytes.length);
    const kind = next();
    if (kind < 0.5) bytes[at] = Math.floor(next() * 256);
    else if (kind < 0.7) bytes.splice(at);
    else if (kind < 0.85) bytes.splice(at, 0, Math.floor(next() * 256));
    else bytes.splice(at, 1);
  }
  return new Uint8Array(bytes);
}

Deno.test("fuzz: 100,000 seeded inputs give a lease or a LeaseDecodeError, nothing else", () => {
  const next = seededRandom(20261124);
  const source = { file: "fuzz.lease", obtainedAt: new Date("2026-11-24T12:00:00Z") };
  const outcomes = { decoded: 0, rejected: 0 };
  const randomBytes = (length: number) => Array.from({ length }, () => next() * 256);
  for (let round = 0; round < 100_000; round++) {
    const kind = round % 6;
    const input = kind === 0
      ? mutate(VALID_4, next)
      : kind === 1
      ? mutate(VALID_6, next)
      : kind === 2 || kind === 3
      ? new Uint8Array(randomBytes(Math.floor(next() * 400)))
      : kind === 4
      // A valid header, then random options: the option walk gets the garbage.
      ? new Uint8Array([...VALID_4.subarray(0, 240), ...randomBytes(Math.floor(next() * 120))])
      : new Uint8Array([...VALID_6.subarray(0, 4), ...randomBytes(Math.floor(next() * 120))]);
    const decode = kind % 2 === 0 ? decodeLease4 : decodeLease6;
    try {
      const { lease } = decode(input, source);
      assert.deepEqual(textOutOfGrammar(lease), [], `round ${round}`);
      if ("lease_time" in lease) {
        assert.ok((lease.len ?? 0) >= 0 && (lease.len ?? 0) <= 32, `round ${round}`);
      } else {
        for (const prefix of lease.prefix6) {
          assert.ok(prefix.len >= 1 && prefix.len <= 128, `round ${round}`);
        }
      }
      outcomes.decoded++;
    } catch (error) {
      if (error instanceof assert.AssertionError) throw error;
      if (!(error instanceof LeaseDecodeError)) {
        throw new Error(`round ${round}: ${error} for input [${input.join(",")}]`);
      }
      assert.ok(error.offset >= 0 && error.offset <= input.length, error.message);
      outcomes.rejected++;
    }
  }
  assert.equal(outcomes.decoded + outcomes.rejected, 100_000);
  // Both paths were exercised: mutated messages often still decode, random bytes rarely do.
  assert.ok(outcomes.decoded > 1000, `decoded ${outcomes.decoded}`);
  assert.ok(outcomes.rejected > 1000, `rejected ${outcomes.rejected}`);
});
