/**
 * Decodes dhcpcd's DHCPv4 lease file (`<interface>.lease`): the raw BOOTP/DHCP message of the
 * server's last ACK (RFC 2131), written by dhcpcd's `write_lease`. Lease times are relative to
 * when the lease was obtained, which is the file's modification time.
 *
 * The header, the option framing and the lease time (option 51) are required: when they are
 * malformed the lease is refused. Any other option that is malformed is dropped on its own, with
 * a warning naming the option and its byte offset (as dhcpcd drops it).
 *
 * @module
 */
import type { Lease4 } from "../../shared/model.ts";
import type { Decoded, LeaseSource } from "./decoded.ts";
import { LeaseDecodeError } from "./errors.ts";
import { after, INFINITE_LIFETIME, toRfc3339 } from "./time.ts";
import { domainName, domainNames, hostName } from "./names.ts";
import {
  boundWarnings,
  Bytes,
  checkSize,
  joinOptions,
  readDomainNames,
  readOptions,
} from "./wire.ts";
import { classfulLength, readClasslessRoutes, readStaticRoutes } from "./routes4.ts";

/** Size of the fixed BOOTP header. */
const HEADER_BYTES = 236;
/** The magic cookie that starts the options (99.130.83.99). */
const MAGIC_COOKIE = 0x63825363;
const BOOTREPLY = 2;
/** The smallest MTU an IPv4 host must accept (RFC 791; RFC 2132 §5.1). */
const MIN_MTU = 68;

const OPTION = {
  subnetMask: 1,
  routers: 3,
  dns: 6,
  hostName: 12,
  domainName: 15,
  mtu: 26,
  staticRoutes: 33,
  ntp: 42,
  leaseTime: 51,
  overload: 52,
  serverId: 54,
  renewalTime: 58,
  rebindingTime: 59,
  domainSearch: 119,
  classlessRoutes: 121,
  msClasslessRoutes: 249,
} as const;

/** Decodes the bytes of a `.lease` file. Throws {@link LeaseDecodeError} on bad input. */
export function decodeLease4(data: Uint8Array, source: LeaseSource): Decoded<Lease4> {
  checkSize(data, source.file);
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
  const options = readAllOptions(message, warnings);
  /** An optional option read by `read`; dropped with a warning when it is malformed. */
  const optional = <T>(code: number, what: string, read: (value: Bytes) => T): T | undefined => {
    const value = options.get(code);
    if (value === undefined) return undefined;
    try {
      return read(value);
    } catch (error) {
      if (!(error instanceof LeaseDecodeError)) throw error;
      warnings.push(`option ${code} (${what}) at byte ${error.offset} dropped: ${error.detail}`);
      return undefined;
    }
  };

  const leaseTime = options.get(OPTION.leaseTime)?.exactly(4, "option 51 (lease time)")
    .u32(0, "option 51 (lease time)");
  if (leaseTime === undefined) {
    throw message.error(HEADER_BYTES + 4, "the lease has no lease time (option 51)");
  }
  const address = leasedAddress(
    message,
    warnings,
    () => optional(OPTION.subnetMask, "subnet mask", prefixLength),
  );
  const t1 = optional(OPTION.renewalTime, "renewal time", (v) => v.exactly(4, "T1").u32(0, "T1"));
  const t2 = optional(
    OPTION.rebindingTime,
    "rebinding time",
    (v) => v.exactly(4, "T2").u32(0, "T2"),
  );
  // RFC 3442: with classless routes (121, else Microsoft's 249) options 3 and 33 are ignored.
  // Both are read, so a malformed 249 is warned about even when 121 wins.
  const classless121 = optional(
    OPTION.classlessRoutes,
    "classless static routes",
    (v) => readClasslessRoutes(v, "option 121", warnings),
  );
  const classless249 = optional(
    OPTION.msClasslessRoutes,
    "classless static routes",
    (v) => readClasslessRoutes(v, "option 249", warnings),
  );
  const classless = classless121 ?? classless249;
  const domain = domainName(optional(OPTION.domainName, "domain name", (v) => v.text()), warnings);
  const host = hostName(optional(OPTION.hostName, "host name", (v) => v.text()), warnings);
  const mtu = optional(OPTION.mtu, "interface MTU", (v) => {
    const value = v.exactly(2, "MTU").u16(0, "MTU");
    if (value < MIN_MTU) throw v.error(0, `MTU ${value} is below ${MIN_MTU}`);
    return value;
  });
  const serverId = optional(
    OPTION.serverId,
    "server identifier",
    (v) => v.exactly(4, "server identifier").address(0, 4, "server identifier"),
  );
  const lease: Lease4 = {
    ...address,
    routers: classless
      ? []
      : optional(OPTION.routers, "routers", (v) => v.addresses(4, "routers", warnings)) ?? [],
    classless_routes: classless ?? [],
    static_routes: classless
      ? []
      : optional(OPTION.staticRoutes, "static routes", (v) => readStaticRoutes(v, warnings)) ?? [],
    dns: optional(OPTION.dns, "DNS servers", (v) => v.addresses(4, "DNS servers", warnings)) ?? [],
    ...(domain ? { domain } : {}),
    search: domainNames(
      optional(
        OPTION.domainSearch,
        "domain search",
        (v) => readDomainNames(v, true, "option 119 (domain search)", warnings),
      ) ?? [],
      "option 119",
      warnings,
    ),
    ntp: optional(OPTION.ntp, "NTP servers", (v) => v.addresses(4, "NTP servers", warnings)) ?? [],
    ...(serverId ? { server_id: serverId } : {}),
    ...(mtu !== undefined ? { mtu } : {}),
    ...(host ? { host_name: host } : {}),
    lease_time: leaseTime,
    t1: t1 ?? defaultTime(leaseTime, 0.5),
    t2: t2 ?? defaultTime(leaseTime, 0.875),
    obtained_at: toRfc3339(source.obtainedAt),
    valid_until: after(source.obtainedAt, leaseTime),
  };
  return { lease, warnings: boundWarnings(warnings) };
}

/**
 * The options of the message, each option's parts joined (RFC 3396): the options field first,
 * then, when option 52 says so, the `file` field, then the `sname` field (RFC 3396 §7).
 */
function readAllOptions(message: Bytes, warnings: string[]): Map<number, Bytes> {
  const main = readOptions(
    message.slice(HEADER_BYTES + 4, message.length - HEADER_BYTES - 4, "options"),
    1,
  );
  const overloadOption = main.find((option) => option.code === OPTION.overload)?.value;
  let overload = 0;
  if (overloadOption?.length === 1 && overloadOption.u8(0, "overload") <= 3) {
    overload = overloadOption.u8(0, "overload");
  } else if (overloadOption) {
    warnings.push(
      `option 52 (overload) at byte ${overloadOption.offset(0)} dropped: it is not 1, 2 or 3`,
    );
  }
  const all = [...main];
  if (overload & 1) all.push(...readOptions(message.slice(108, 128, "file field"), 1));
  if (overload & 2) all.push(...readOptions(message.slice(44, 64, "sname field"), 1));
  return joinOptions(all);
}

/**
 * The leased address and its prefix length: yiaddr, or ciaddr when yiaddr is 0.0.0.0 (a reply
 * to DHCPINFORM); none when both are 0.0.0.0. A class D or E address is no host address
 * (RFC 1122 §3.2.1.3) and refuses the lease.
 */
function leasedAddress(
  message: Bytes,
  warnings: string[],
  maskLength: () => number | undefined,
): { ip?: string; len?: number } {
  const yiaddr = message.u32(16, "yiaddr");
  const at = yiaddr !== 0 ? 16 : 12;
  const first = message.u8(at, "address");
  if (message.u32(at, "address") === 0) return {};
  const ip = message.address(at, 4, at === 16 ? "yiaddr" : "ciaddr");
  if (first >= 224) {
    throw message.error(at, `${ip} is a class D or E address, not a host's address`);
  }
  let len = maskLength();
  if (len === undefined) {
    len = classfulLength(first);
    warnings.push(`no usable subnet mask (option 1): assumed /${len} from the address class`);
  }
  return { ip, len };
}

/** The prefix length of a contiguous subnet mask. */
function prefixLength(mask: Bytes): number {
  const value = mask.exactly(4, "subnet mask").u32(0, "subnet mask");
  const len = Math.clz32(~value >>> 0);
  const contiguous = len === 0 ? 0 : (0xffffffff << (32 - len)) >>> 0;
  if (contiguous !== value) {
    throw mask.error(0, `subnet mask ${mask.address(0, 4, "mask")} is not contiguous`);
  }
  return len;
}

function defaultTime(leaseTime: number, fraction: number): number {
  return leaseTime === INFINITE_LIFETIME ? INFINITE_LIFETIME : Math.floor(leaseTime * fraction);
}
