/**
 * Decodes dhcpcd's DHCPv4 lease file (`<interface>.lease`): the raw BOOTP/DHCP message of the
 * server's last ACK (RFC 2131), written by dhcpcd's `write_lease`. Lease times are relative to
 * when the lease was obtained, which is the file's modification time.
 *
 * @module
 */
import type { Lease4 } from "../../shared/model.ts";
import type { Decoded, LeaseSource } from "./decoded.ts";
import { after, INFINITE_LIFETIME, toRfc3339 } from "./time.ts";
import { domainName, domainNames } from "./names.ts";
import { Bytes, readDomainNames, readOptions, type WireOption } from "./wire.ts";

/** Size of the fixed BOOTP header. */
const HEADER_BYTES = 236;
/** The magic cookie that starts the options (99.130.83.99). */
const MAGIC_COOKIE = 0x63825363;
const BOOTREPLY = 2;

const OPTION = {
  subnetMask: 1,
  routers: 3,
  dns: 6,
  domainName: 15,
  ntp: 42,
  leaseTime: 51,
  overload: 52,
  serverId: 54,
  renewalTime: 58,
  rebindingTime: 59,
  domainSearch: 119,
} as const;

/** Decodes the bytes of a `.lease` file. Throws {@link LeaseDecodeError} on bad input. */
export function decodeLease4(data: Uint8Array, source: LeaseSource): Decoded<Lease4> {
  const message = new Bytes(source.file, data);
  const warnings: string[] = [];
  if (message.length < HEADER_BYTES + 4) {
    throw message.error(
      message.length,
      `the file holds ${message.length} bytes, less than a DHCP message (${HEADER_BYTES + 4})`,
    );
  }
  const op = message.u8(0, "op");
  if (op !== BOOTREPLY) throw message.error(0, `op is ${op}, not a BOOTREPLY (2)`);
  if (message.u32(HEADER_BYTES, "magic cookie") !== MAGIC_COOKIE) {
    throw message.error(HEADER_BYTES, "the DHCP magic cookie is missing");
  }
  const options = collect(
    readOptions(message.slice(HEADER_BYTES + 4, message.length - HEADER_BYTES - 4, "options"), 1),
  );
  const overload = options.get(OPTION.overload)?.u8(0, "option 52 (overload)") ?? 0;
  // RFC 2131: with option 52 the `file` (then `sname`) fields carry more options.
  const more: WireOption[] = [];
  if (overload & 1) more.push(...readOptions(message.slice(108, 128, "file field"), 1));
  if (overload & 2) more.push(...readOptions(message.slice(44, 64, "sname field"), 1));
  for (const [code, value] of collect(more)) if (!options.has(code)) options.set(code, value);

  const ip = message.address(16, 4, "yiaddr");
  const leaseTime = options.get(OPTION.leaseTime)?.u32(0, "option 51 (lease time)");
  if (leaseTime === undefined) {
    throw message.error(HEADER_BYTES + 4, "the lease has no lease time (option 51)");
  }
  const mask = options.get(OPTION.subnetMask);
  let len: number;
  if (mask) {
    len = prefixLength(mask);
  } else {
    len = classfulLength(message.u8(16, "yiaddr"));
    warnings.push(`no subnet mask (option 1): assumed /${len} from the address class`);
  }
  const t1 = options.get(OPTION.renewalTime)?.u32(0, "option 58 (renewal time)") ??
    defaultTime(leaseTime, 0.5);
  const t2 = options.get(OPTION.rebindingTime)?.u32(0, "option 59 (rebinding time)") ??
    defaultTime(leaseTime, 0.875);
  const domain = domainName(options.get(OPTION.domainName)?.text(), warnings);
  const serverId = options.get(OPTION.serverId);
  const lease: Lease4 = {
    ip,
    len,
    routers: options.get(OPTION.routers)?.addresses(4, "option 3 (routers)") ?? [],
    dns: options.get(OPTION.dns)?.addresses(4, "option 6 (DNS servers)") ?? [],
    ...(domain ? { domain } : {}),
    search: domainNames(optionNames(options.get(OPTION.domainSearch)), "option 119", warnings),
    ntp: options.get(OPTION.ntp)?.addresses(4, "option 42 (NTP servers)") ?? [],
    ...(serverId ? { server_id: serverId.address(0, 4, "option 54 (server identifier)") } : {}),
    lease_time: leaseTime,
    t1,
    t2,
    obtained_at: toRfc3339(source.obtainedAt),
    valid_until: after(source.obtainedAt, leaseTime),
  };
  return { lease, warnings };
}

/** Options by code; repeated options are concatenated (RFC 3396). */
function collect(options: WireOption[]): Map<number, Bytes> {
  const byCode = new Map<number, Bytes>();
  for (const { code, value } of options) {
    const earlier = byCode.get(code);
    if (!earlier) {
      byCode.set(code, value);
      continue;
    }
    const joined = new Uint8Array(earlier.length + value.length);
    joined.set(earlier.bytes(0, earlier.length, "option"));
    joined.set(value.bytes(0, value.length, "option"), earlier.length);
    byCode.set(code, new Bytes(earlier.file, joined, 0, joined.length, earlier.offset(0)));
  }
  return byCode;
}

function optionNames(value: Bytes | undefined): string[] {
  return value ? readDomainNames(value, true, "option 119 (domain search)") : [];
}

/** The prefix length of a contiguous subnet mask. */
function prefixLength(mask: Bytes): number {
  const value = mask.u32(0, "option 1 (subnet mask)");
  const len = Math.clz32(~value >>> 0);
  const contiguous = len === 0 ? 0 : (0xffffffff << (32 - len)) >>> 0;
  if (contiguous !== value) {
    throw mask.error(0, `option 1 (subnet mask) ${mask.address(0, 4, "mask")} is not contiguous`);
  }
  return len;
}

function classfulLength(firstOctet: number): number {
  if (firstOctet < 128) return 8;
  if (firstOctet < 192) return 16;
  return 24;
}

function defaultTime(leaseTime: number, fraction: number): number {
  return leaseTime === INFINITE_LIFETIME ? INFINITE_LIFETIME : Math.floor(leaseTime * fraction);
}
