/**
 * Builds DHCP messages byte by byte for the decoder's unit tests and its fuzz test (the real
 * lease files captured from dhcpcd are in tests/fixtures/leases/).
 *
 * @module
 */
import ipaddr from "ipaddr.js";

/** Bytes of an IPv4 or IPv6 address. */
export function addressBytes(address: string): number[] {
  return ipaddr.parse(address).toByteArray();
}

/** A big-endian unsigned integer of `size` bytes. */
export function uint(value: number, size: 1 | 2 | 4): number[] {
  const bytes: number[] = [];
  for (let index = size - 1; index >= 0; index--) {
    bytes.push(Math.floor(value / 256 ** index) % 256);
  }
  return bytes;
}

/** A DNS name in wire format (no compression). */
export function dnsName(name: string): number[] {
  const bytes: number[] = [];
  for (const label of name.split(".").filter(Boolean)) {
    const encoded = new TextEncoder().encode(label);
    bytes.push(encoded.length, ...encoded);
  }
  bytes.push(0);
  return bytes;
}

/** A DHCPv4 option. */
export function option4(code: number, value: number[]): number[] {
  return [code, value.length, ...value];
}

/** Header fields of a DHCPv4 message besides yiaddr. */
export interface Header4 {
  /** The client's address (ciaddr). */
  ciaddr?: string;
  /** The `sname` field's 64 bytes (options when option 52 says so); zero-padded. */
  sname?: number[];
  /** The `file` field's 128 bytes (options when option 52 says so); zero-padded. */
  file?: number[];
}

/** A DHCPv4 BOOTREPLY (ACK) for `yiaddr` with the given options (END appended). */
export function message4(yiaddr: string, options: number[][], fields: Header4 = {}): Uint8Array {
  const header = new Array(236).fill(0);
  header[0] = 2;
  header[1] = 1;
  header[2] = 6;
  if (fields.ciaddr) header.splice(12, 4, ...addressBytes(fields.ciaddr));
  header.splice(16, 4, ...addressBytes(yiaddr));
  if (fields.sname) header.splice(44, fields.sname.length, ...fields.sname);
  if (fields.file) header.splice(108, fields.file.length, ...fields.file);
  return new Uint8Array([...header, 99, 130, 83, 99, ...options.flat(), 255]);
}

/** A DHCPv6 option. */
export function option6(code: number, value: number[]): number[] {
  return [...uint(code, 2), ...uint(value.length, 2), ...value];
}

/** An IAADDR option. */
export function iaAddress(address: string, preferred: number, valid: number): number[] {
  return option6(5, [...addressBytes(address), ...uint(preferred, 4), ...uint(valid, 4)]);
}

/** An IAPREFIX option. */
export function iaPrefix(prefix: string, len: number, preferred: number, valid: number): number[] {
  return option6(26, [...uint(preferred, 4), ...uint(valid, 4), len, ...addressBytes(prefix)]);
}

/** An IA_NA (code 3) or IA_PD (code 25) holding `options`. */
export function ia(
  code: 3 | 25,
  t1: number,
  t2: number,
  options: number[][],
  iaid = 1,
): number[] {
  return option6(code, [...uint(iaid, 4), ...uint(t1, 4), ...uint(t2, 4), ...options.flat()]);
}

/** An IA_TA (code 4, no T1/T2) holding `options`. */
export function iaTa(options: number[][], iaid = 1): number[] {
  return option6(4, [...uint(iaid, 4), ...options.flat()]);
}

/** A status code option (13) with its message. */
export function status6(code: number, message: string): number[] {
  return option6(13, [...uint(code, 2), ...new TextEncoder().encode(message)]);
}

/** A DHCPv6 REPLY with the given options. */
export function message6(options: number[][]): Uint8Array {
  return new Uint8Array([7, 0x12, 0x34, 0x56, ...options.flat()]);
}
