/**
 * Seeded, varied and malformed dhcpcd lease files for the differential test against dhcpcd:
 * DHCPv4 ACKs and DHCPv6 REPLYs built option by option, each option well-formed most of the time
 * and broken in one of the ways real servers and damaged files break them the rest.
 *
 * @module
 */
import {
  addressBytes,
  dnsName,
  type Header4,
  ia,
  iaAddress,
  iaPrefix,
  iaTa,
  message4,
  message6,
  option4,
  option6,
  status6,
  uint,
} from "../../src/agent/lease/test_messages.ts";
import { seededRandom } from "./seeded_random.ts";

/** One generated lease file. */
export interface GeneratedLease {
  /** A name for messages (`v4-0017`). */
  name: string;
  /** 4 for a `.lease`, 6 for a `.lease6`. */
  family: 4 | 6;
  /** The file's bytes (never empty: dhcpcd -U with empty input asks a running daemon). */
  bytes: Uint8Array;
}

type Next = () => number;

/** `count` leases from `seed`: about 60 % DHCPv4, 40 % DHCPv6. */
export function generateLeases(seed: number, count: number): GeneratedLease[] {
  const next = seededRandom(seed);
  const leases: GeneratedLease[] = [];
  for (let index = 0; index < count; index++) {
    const family = next() < 0.6 ? 4 : 6;
    const bytes = family === 4 ? lease4(next) : lease6(next);
    leases.push({ name: `v${family}-${String(index).padStart(4, "0")}`, family, bytes });
  }
  return leases;
}

const pick = <T>(next: Next, list: readonly T[]): T => list[Math.floor(next() * list.length)];
const chance = (next: Next, p: number) => next() < p;
const int = (next: Next, max: number) => Math.floor(next() * (max + 1));

function ipv4(next: Next): number[] {
  return pick(next, [
    [198, 51, 100, int(next, 255)],
    [10, int(next, 255), int(next, 255), int(next, 255)],
    [172, 16 + int(next, 15), int(next, 255), 1 + int(next, 254)],
    [192, 0, 2, int(next, 255)],
  ]);
}

function ipv6(next: Next): number[] {
  const bytes = addressBytes(pick(next, ["2001:db8::", "2001:db8:1::", "fd00::", "fe80::"]));
  for (let at = 8; at < 16; at++) if (chance(next, 0.4)) bytes[at] = int(next, 255);
  return bytes;
}

const LABELS = ["example", "test", "lab", "corp", "a", "b-1", "x_y", "node", "svc"];

function name(next: Next): string {
  return Array.from({ length: 1 + int(next, 3) }, () => pick(next, LABELS)).join(".");
}

/** A list of names in wire format; sometimes compressed, sometimes broken. */
function names(next: Next, compression: boolean): number[] {
  const list = Array.from({ length: 1 + int(next, 3) }, () => name(next));
  const bytes = list.flatMap(dnsName);
  const broken = next();
  if (broken < 0.08) return [...bytes, 70, 0x61]; // a label longer than 63
  if (broken < 0.14) return [...bytes, 5, 0x61]; // a label cut off
  if (broken < 0.18) return [...bytes, 2, 0x61, 0x0a, 0]; // a control character
  if (compression && broken < 0.35) return [...bytes, 1, 0x62, 0xc0, 0]; // "b" + pointer to 0
  if (compression && broken < 0.4) return [...bytes, 0xc0, bytes.length + 5]; // forward pointer
  if (!compression && broken < 0.25) return [...bytes, 0xc0, 0]; // no compression in DHCPv6
  return bytes;
}

/** A list of `size`-byte addresses; sometimes with a stray byte or two. */
function addressList(next: Next, address: (next: Next) => number[]): number[] {
  const bytes = Array.from({ length: 1 + int(next, 2) }, () => address(next)).flat();
  return chance(next, 0.1)
    ? [...bytes, ...Array.from({ length: 1 + int(next, 2) }, () => 1)]
    : bytes;
}

function classlessRoutes(next: Next): number[] {
  const bytes: number[] = [];
  for (let route = 0; route < 1 + int(next, 3); route++) {
    const width = chance(next, 0.05) ? 33 + int(next, 10) : pick(next, [0, 8, 12, 16, 24, 25, 32]);
    const significant = Math.ceil(Math.min(width, 32) / 8);
    bytes.push(width, ...ipv4(next).slice(0, significant), ...ipv4(next));
  }
  return chance(next, 0.05) ? bytes.slice(0, bytes.length - 1) : bytes;
}

function staticRoutes(next: Next): number[] {
  const bytes: number[] = [];
  for (let route = 0; route < 1 + int(next, 2); route++) {
    const destination = chance(next, 0.15) ? [0, 0, 0, 0] : ipv4(next);
    bytes.push(...destination, ...ipv4(next));
  }
  return chance(next, 0.05) ? [...bytes, 1, 2] : bytes;
}

/** A DHCPv4 ACK with a random choice of options, some malformed. */
function lease4(next: Next): Uint8Array {
  const options: number[][] = [];
  const leaseTime = pick(next, [60, 600, 3600, 86400, 0xffffffff]);
  const timing = next();
  if (timing < 0.9) options.push(option4(51, uint(leaseTime, 4)));
  else if (timing < 0.95) options.push(option4(51, [...uint(leaseTime, 4), 0]));
  const mask = next();
  if (mask < 0.75) {
    const len = pick(next, [8, 16, 20, 24, 25, 30]);
    options.push(option4(1, uint(len === 0 ? 0 : (0xffffffff << (32 - len)) >>> 0, 4)));
  } else if (mask < 0.82) options.push(option4(1, [255, 0, 255, 0]));
  else if (mask < 0.86) options.push(option4(1, [255, 255, 255]));
  if (chance(next, 0.7)) options.push(option4(3, addressList(next, ipv4)));
  if (chance(next, 0.8)) options.push(option4(6, addressList(next, ipv4)));
  if (chance(next, 0.5)) options.push(option4(15, [...new TextEncoder().encode(name(next))]));
  if (chance(next, 0.5)) options.push(option4(119, names(next, true)));
  if (chance(next, 0.3)) options.push(option4(42, addressList(next, ipv4)));
  if (chance(next, 0.3)) options.push(option4(121, classlessRoutes(next)));
  if (chance(next, 0.15)) options.push(option4(249, classlessRoutes(next)));
  if (chance(next, 0.25)) options.push(option4(33, staticRoutes(next)));
  if (chance(next, 0.3)) options.push(option4(58, uint(Math.floor(leaseTime / 2), 4)));
  if (chance(next, 0.3)) options.push(option4(59, uint(Math.floor(leaseTime * 0.875), 4)));
  if (chance(next, 0.05)) options.push(option4(58, [0, 0, 1]));
  // Options repeated (RFC 3396): their parts are joined.
  if (chance(next, 0.1)) options.push(option4(6, addressList(next, ipv4)));
  const address = next();
  const yiaddr = address < 0.85
    ? ipv4(next)
    : address < 0.9
    ? [0, 0, 0, 0]
    : address < 0.95
    ? [224 + int(next, 31), 1, 2, 3]
    : ipv4(next);
  const fields: Header4 = {};
  if (address >= 0.87 && address < 0.9) fields.ciaddr = ipv4(next).join(".");
  if (chance(next, 0.08)) {
    // RFC 3396: a DNS list continued in the file and sname fields.
    options.push(option4(52, [3]), option4(6, ipv4(next)));
    fields.file = [...option4(6, ipv4(next)), 255];
    fields.sname = [...option4(6, ipv4(next)), 255];
  }
  shuffle(next, options);
  const bytes = message4(yiaddr.join("."), options, fields);
  // A damaged file: the option list cut off inside an option.
  if (chance(next, 0.04) && bytes.length > 246) return bytes.subarray(0, 246 + int(next, 20));
  return bytes;
}

/** An IA_NA, IA_TA or IA_PD with random entries, some of them breaking RFC 8415's rules. */
function identityAssociation(next: Next, kind: 3 | 4 | 25, iaid: number): number[] {
  const entries: number[][] = [];
  for (let index = 0; index < int(next, 2) + (kind === 25 ? 0 : 1); index++) {
    const valid = chance(next, 0.06) ? 0 : pick(next, [600, 3600, 86400, 0xffffffff]);
    const preferred = chance(next, 0.1) ? valid + 1 + int(next, 100) : Math.floor(valid / 2);
    if (kind === 25) {
      const len = chance(next, 0.06) ? pick(next, [0, 129, 200]) : pick(next, [48, 56, 60, 64]);
      // Mostly a clean network address; sometimes with host bits set.
      const prefix = ipv6(next);
      if (chance(next, 0.85)) prefix.fill(0, 6);
      entries.push(iaPrefix(formatV6(prefix), len, preferred >>> 0, valid));
    } else {
      entries.push(iaAddress(formatV6(ipv6(next)), preferred >>> 0, valid));
    }
  }
  if (kind === 25 && chance(next, 0.1)) entries.push(iaPrefix("2001:db8:ff00::", 56, 600, 1200));
  if (chance(next, 0.08)) entries.push(status6(pick(next, [2, 6]), "none available"));
  if (chance(next, 0.05)) entries.push(option6(kind === 25 ? 26 : 5, [1, 2, 3]));
  if (kind === 4) return iaTa(entries, iaid);
  const t1 = pick(next, [0, 300, 900, 1800]);
  const t2 = chance(next, 0.1) ? Math.max(1, t1 - 100) : t1 * 2;
  return ia(kind, t1, t1 > 0 && t2 === 0 ? t1 * 2 : t2, entries, iaid);
}

/** A DHCPv6 REPLY with a random choice of options, some malformed. */
function lease6(next: Next): Uint8Array {
  const options: number[][] = [];
  if (chance(next, 0.9)) options.push(option6(2, [0, 1, 0, 1, ...ipv6(next).slice(8)]));
  if (chance(next, 0.08)) options.push(status6(pick(next, [0, 1]), "message status"));
  let iaid = 1;
  if (chance(next, 0.8)) options.push(identityAssociation(next, 3, iaid++));
  if (chance(next, 0.15)) options.push(identityAssociation(next, 4, iaid++));
  if (chance(next, 0.7)) options.push(identityAssociation(next, 25, iaid++));
  // The same prefix delegated twice, in a second IA_PD.
  if (chance(next, 0.1)) {
    options.push(ia(25, 0, 0, [iaPrefix("2001:db8:ff00::", 56, 600, 1200)], iaid++));
  }
  if (chance(next, 0.05)) options.push(option6(25, [0, 0, 0, iaid++]));
  if (chance(next, 0.8)) options.push(option6(23, addressList(next, ipv6)));
  if (chance(next, 0.5)) options.push(option6(24, names(next, false)));
  if (chance(next, 0.2)) options.push(option6(31, addressList(next, ipv6)));
  shuffle(next, options);
  const bytes = message6(options);
  if (chance(next, 0.03)) return new Uint8Array([pick(next, [2, 5]), ...bytes.subarray(1)]);
  if (chance(next, 0.04) && bytes.length > 8) {
    return bytes.subarray(0, 5 + int(next, bytes.length - 6));
  }
  return bytes;
}

function formatV6(bytes: number[]): string {
  const groups: string[] = [];
  for (let at = 0; at < 16; at += 2) groups.push(((bytes[at] << 8) | bytes[at + 1]).toString(16));
  return groups.join(":");
}

function shuffle<T>(next: Next, list: T[]): void {
  for (let index = list.length - 1; index > 0; index--) {
    const other = int(next, index);
    [list[index], list[other]] = [list[other], list[index]];
  }
}
