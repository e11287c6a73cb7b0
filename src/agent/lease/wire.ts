/**
 * Reading DHCP wire data with bounds checks: big-endian integers, addresses, option lists
 * (type-length-value) and DNS names (RFC 1035 encoding, as options 119 and 24 carry them).
 * Every read past the end throws a {@link LeaseDecodeError} with the offset.
 *
 * Bounds: a lease file holds one DHCP message, which travels in one UDP datagram, so anything
 * above {@link MAX_LEASE_BYTES} is refused before decoding; every loop below is linear in the
 * bytes it reads.
 *
 * @module
 */
import ipaddr from "ipaddr.js";
import { LeaseDecodeError } from "./errors.ts";

/** The largest lease file decoded: a DHCP message fits one UDP datagram (64 KiB). */
export const MAX_LEASE_BYTES = 65536;

/** UTF-8 text, invalid sequences replaced (one decoder for all: creating one costs more). */
const UTF8 = new TextDecoder();

/** Throws a {@link LeaseDecodeError} when `data` is larger than {@link MAX_LEASE_BYTES}. */
export function checkSize(data: Uint8Array, file: string): void {
  if (data.length > MAX_LEASE_BYTES) {
    throw new LeaseDecodeError(
      file,
      MAX_LEASE_BYTES,
      `the file holds more than ${MAX_LEASE_BYTES} bytes, more than a DHCP message can`,
    );
  }
}

/** A slice of a lease file, remembering where in the file it starts. */
export class Bytes {
  /** Wraps `data[start, end)` of `file`; `base` is the file offset of `data[0]`. */
  constructor(
    readonly file: string,
    readonly data: Uint8Array,
    readonly start = 0,
    readonly end = data.length,
    readonly base = 0,
  ) {}

  /** Number of bytes in the slice. */
  get length(): number {
    return this.end - this.start;
  }

  /** The file offset of slice position `at`. */
  offset(at: number): number {
    return this.base + this.start + at;
  }

  /** An error at slice position `at`. */
  error(at: number, detail: string): LeaseDecodeError {
    return new LeaseDecodeError(this.file, this.offset(at), detail);
  }

  /** The sub-slice `[at, at + length)`; throws when it runs past the end. */
  slice(at: number, length: number, what: string): Bytes {
    this.#need(at, length, what);
    return new Bytes(this.file, this.data, this.start + at, this.start + at + length, this.base);
  }

  /** An unsigned byte. */
  u8(at: number, what: string): number {
    this.#need(at, 1, what);
    return this.data[this.start + at];
  }

  /** An unsigned 16-bit big-endian integer. */
  u16(at: number, what: string): number {
    this.#need(at, 2, what);
    const i = this.start + at;
    return (this.data[i] << 8) | this.data[i + 1];
  }

  /** An unsigned 32-bit big-endian integer. */
  u32(at: number, what: string): number {
    this.#need(at, 4, what);
    const i = this.start + at;
    return ((this.data[i] << 24) >>> 0) + (this.data[i + 1] << 16) + (this.data[i + 2] << 8) +
      this.data[i + 3];
  }

  /** The raw bytes `[at, at + length)`. */
  bytes(at: number, length: number, what: string): Uint8Array {
    this.#need(at, length, what);
    return this.data.subarray(this.start + at, this.start + at + length);
  }

  /** An IPv4 (4 bytes) or IPv6 (16 bytes) address in canonical (RFC 5952) form. */
  address(at: number, length: 4 | 16, what: string): string {
    return formatAddress(this.bytes(at, length, what));
  }

  /** Throws unless the slice is exactly `length` bytes (a fixed-size option). */
  exactly(length: number, what: string): this {
    if (this.length !== length) {
      throw this.error(0, `${what}: length ${this.length} is not ${length}`);
    }
    return this;
  }

  /**
   * A list of addresses filling the whole slice; at most {@link MAX_LIST_ENTRIES} are read (a
   * warning says when more were there).
   */
  addresses(length: 4 | 16, what: string, warnings: string[]): string[] {
    if (this.length % length !== 0) {
      throw this.error(0, `${what}: length ${this.length} is not a multiple of ${length}`);
    }
    const count = this.length / length;
    const list: string[] = [];
    for (let index = 0; index < Math.min(count, MAX_LIST_ENTRIES); index++) {
      list.push(this.address(index * length, length, what));
    }
    if (count > MAX_LIST_ENTRIES) warnings.push(tooMany(what));
    return list;
  }

  /** Text (UTF-8, invalid sequences replaced) filling the whole slice, without trailing NULs. */
  text(): string {
    return UTF8.decode(this.bytes(0, this.length, "text")).replace(/\0+$/, "");
  }

  /** Lowercase colon-separated hex of the whole slice. */
  hex(): string {
    return [...this.bytes(0, this.length, "hex")].map((byte) => byte.toString(16).padStart(2, "0"))
      .join(":");
  }

  #need(at: number, length: number, what: string) {
    if (at < 0 || length < 0 || at + length > this.length) {
      throw this.error(
        Math.min(at, this.length),
        `${what} needs ${length} byte(s) at ${this.offset(at)} but the data ends at ${
          this.offset(this.length)
        }`,
      );
    }
  }
}

/** Most entries of one list (addresses, routes, prefixes, IAs) a lease holds; more are cut. */
export const MAX_LIST_ENTRIES = 256;

/** The warning for a list cut at {@link MAX_LIST_ENTRIES}. */
export function tooMany(what: string): string {
  return `${what}: more than ${MAX_LIST_ENTRIES} entries; the rest dropped`;
}

/** `list` cut at {@link MAX_LIST_ENTRIES}, with a warning when it was longer. */
export function keepFirst<T>(list: T[], what: string, warnings: string[]): T[] {
  if (list.length <= MAX_LIST_ENTRIES) return list;
  warnings.push(tooMany(what));
  return list.slice(0, MAX_LIST_ENTRIES);
}

/** Most warnings kept for one lease. */
const MAX_WARNINGS = 64;

/** `warnings` cut at {@link MAX_WARNINGS}, the last one saying how many more there were. */
export function boundWarnings(warnings: string[]): string[] {
  if (warnings.length <= MAX_WARNINGS) return warnings;
  return [
    ...warnings.slice(0, MAX_WARNINGS - 1),
    `and ${warnings.length - MAX_WARNINGS + 1} more warnings`,
  ];
}

/** Canonical text of a 4- or 16-byte address. */
export function formatAddress(bytes: Uint8Array): string {
  // Dotted decimal is the canonical IPv4 text; the library is for IPv6 (RFC 5952).
  if (bytes.length === 4) return `${bytes[0]}.${bytes[1]}.${bytes[2]}.${bytes[3]}`;
  const parsed = ipaddr.fromByteArray([...bytes]);
  return parsed.kind() === "ipv6" ? (parsed as ipaddr.IPv6).toRFC5952String() : parsed.toString();
}

/** One option of a type-length-value list. */
export interface WireOption {
  /** Option code. */
  code: number;
  /** The option's value. */
  value: Bytes;
}

/**
 * Splits `bytes` into options. DHCPv4 (`codeBytes` 1): pad (0) is skipped and end (255) stops.
 * DHCPv6 (`codeBytes` 2): 2-byte code and length.
 */
export function readOptions(bytes: Bytes, codeBytes: 1 | 2): WireOption[] {
  const options: WireOption[] = [];
  let at = 0;
  while (at < bytes.length) {
    if (codeBytes === 1) {
      const code = bytes.u8(at, "option code");
      if (code === 0) {
        at++;
        continue;
      }
      if (code === 255) break;
      const length = bytes.u8(at + 1, `length of option ${code}`);
      options.push({ code, value: bytes.slice(at + 2, length, `option ${code}`) });
      at += 2 + length;
    } else {
      const code = bytes.u16(at, "option code");
      const length = bytes.u16(at + 2, `length of option ${code}`);
      options.push({ code, value: bytes.slice(at + 4, length, `option ${code}`) });
      at += 4 + length;
    }
  }
  return options;
}

/** Longest DNS name (RFC 1035) in text form. */
const MAX_NAME_LENGTH = 253;
/** Most labels a DNS name can have (255 wire bytes, 2 per label at least). */
const MAX_LABELS = 127;
/** Most compression pointers followed for one name (one per label at most). */
const MAX_POINTER_JUMPS = MAX_LABELS;
/** Most names read from one list (a search list longer than this is cut, with a warning). */
const MAX_NAMES = 256;

/**
 * Decodes a list of DNS names (RFC 1035 wire format) filling the slice; `compression` allows
 * RFC 1035 pointers within the slice (DHCPv4 option 119, RFC 3397; DHCPv6 forbids them). At most
 * {@link MAX_NAMES} names are read (a warning says when more were there); each name is bounded
 * in labels, length and pointer jumps, so the work is linear in the slice's length.
 */
export function readDomainNames(
  bytes: Bytes,
  compression: boolean,
  what: string,
  warnings: string[],
): string[] {
  const names: string[] = [];
  let at = 0;
  while (at < bytes.length) {
    if (names.length === MAX_NAMES) {
      warnings.push(`${what}: more than ${MAX_NAMES} names; the rest dropped`);
      break;
    }
    const { name, next } = readName(bytes, at, compression, what);
    if (name !== "") names.push(name);
    at = next;
  }
  return names;
}

function readName(
  bytes: Bytes,
  start: number,
  compression: boolean,
  what: string,
): { name: string; next: number } {
  const labels: string[] = [];
  let textLength = -1;
  let jumps = 0;
  let at = start;
  let next: number | undefined;
  for (;;) {
    const length = bytes.u8(at, `${what} label length`);
    if (length === 0) {
      next ??= at + 1;
      break;
    }
    if ((length & 0xc0) === 0xc0) {
      if (!compression) throw bytes.error(at, `${what}: compression pointer not allowed here`);
      const target = ((length & 0x3f) << 8) | bytes.u8(at + 1, `${what} pointer`);
      if (target >= at) {
        throw bytes.error(at, `${what}: compression pointer ${target} does not point backwards`);
      }
      if (++jumps > MAX_POINTER_JUMPS) {
        throw bytes.error(at, `${what}: more than ${MAX_POINTER_JUMPS} compression pointers`);
      }
      next ??= at + 2;
      at = target;
      continue;
    }
    if (length > 63) throw bytes.error(at, `${what}: label length ${length} is above 63`);
    textLength += 1 + length;
    if (textLength > MAX_NAME_LENGTH || labels.length === MAX_LABELS) {
      throw bytes.error(start, `${what}: name is longer than ${MAX_NAME_LENGTH} characters`);
    }
    labels.push(UTF8.decode(bytes.bytes(at + 1, length, `${what} label`)));
    at += 1 + length;
  }
  return { name: labels.join("."), next };
}

/** Joins the values of options with the same code, in order (RFC 3396 long options). */
export function joinOptions(options: readonly WireOption[]): Map<number, Bytes> {
  const parts = new Map<number, Bytes[]>();
  for (const { code, value } of options) {
    const list = parts.get(code);
    if (list) list.push(value);
    else parts.set(code, [value]);
  }
  const joined = new Map<number, Bytes>();
  for (const [code, list] of parts) {
    if (list.length === 1) {
      joined.set(code, list[0]);
      continue;
    }
    const bytes = new Uint8Array(list.reduce((sum, part) => sum + part.length, 0));
    let at = 0;
    for (const part of list) {
      bytes.set(part.bytes(0, part.length, `option ${code}`), at);
      at += part.length;
    }
    // Offsets in a joined option count from its first part.
    joined.set(code, new Bytes(list[0].file, bytes, 0, bytes.length, list[0].offset(0)));
  }
  return joined;
}
