/**
 * Decodes dhcpcd's DHCPv6 lease file (`<interface>.lease6`): the raw DHCPv6 REPLY message
 * (RFC 8415) written by dhcpcd's `dhcp6_writelease`. Lifetimes are relative to when the lease was
 * obtained, which is the file's modification time.
 *
 * The header and the option framing are required: when they are malformed the lease is refused.
 * Any other option that is malformed is dropped on its own, with a warning naming the option and
 * its byte offset. The discard rules of RFC 8415 apply: an IA whose T1 is greater than its T2
 * (both non-zero) is discarded (§21.4, §21.21), an address or prefix whose preferred lifetime is
 * greater than its valid lifetime is discarded (§21.6, §21.22), an IA or message with a status
 * other than Success yields no addresses (§18.2.10.1), and entries with a valid lifetime of 0
 * (the server withdrawing them) are left out. An address or prefix carried twice is listed once.
 *
 * @module
 */
import type { IaKind, IdentityAssociation, Lease6, LeasedAddress } from "../../shared/model.ts";
import type { Decoded, LeaseSource } from "./decoded.ts";
import { LeaseDecodeError } from "./errors.ts";
import { domainNames, statusMessage } from "./names.ts";
import { after, toRfc3339 } from "./time.ts";
import {
  boundWarnings,
  Bytes,
  checkSize,
  formatAddress,
  keepFirst,
  MAX_LIST_ENTRIES,
  readDomainNames,
  readOptions,
  tooMany,
} from "./wire.ts";

const REPLY = 7;
const SUCCESS = 0;

const OPTION = {
  serverId: 2,
  iaNa: 3,
  iaTa: 4,
  iaAddr: 5,
  statusCode: 13,
  dns: 23,
  domainSearch: 24,
  iaPd: 25,
  iaPrefix: 26,
  sntp: 31,
  ntp: 56,
} as const;

const IA_NAMES: Record<IaKind, string> = { na: "IA_NA", ta: "IA_TA", pd: "IA_PD" };
const IA_KINDS: Partial<Record<number, IaKind>> = {
  [OPTION.iaNa]: "na",
  [OPTION.iaTa]: "ta",
  [OPTION.iaPd]: "pd",
};

/** NTP server sub-options (RFC 5908). */
const NTP_SUBOPTION = { address: 1, multicast: 2 } as const;
/** The longest DUID (RFC 8415, section 11.1). */
const MAX_DUID_BYTES = 130;

/** Decodes the bytes of a `.lease6` file. Throws {@link LeaseDecodeError} on bad input. */
export function decodeLease6(data: Uint8Array, source: LeaseSource): Decoded<Lease6> {
  checkSize(data, source.file);
  const message = new Bytes(source.file, data);
  const warnings: string[] = [];
  if (message.length < 4) {
    throw message.error(
      message.length,
      `the file holds ${message.length} bytes, less than a DHCPv6 header (4)`,
    );
  }
  const type = message.u8(0, "message type");
  if (type !== REPLY) throw message.error(0, `message type is ${type}, not a REPLY (7)`);

  const lease: Lease6 = {
    address6: [],
    prefix6: [],
    temporary6: [],
    ia: [],
    dns: [],
    search: [],
    ntp: [],
    t1: 0,
    t2: 0,
    obtained_at: toRfc3339(source.obtainedAt),
  };
  /** Reads an optional option; a malformed one is dropped with a warning. */
  const optional = <T>(code: number, value: Bytes, read: (value: Bytes) => T): T | undefined => {
    try {
      return read(value);
    } catch (error) {
      if (!(error instanceof LeaseDecodeError)) throw error;
      warnings.push(
        `option ${code} (${OPTION_NAMES[code]}) at byte ${error.offset} dropped: ${error.detail}`,
      );
      return undefined;
    }
  };
  const zoned = (ip: string) => zone(ip, source.interface);
  const ias: Ia[] = [];
  const sntp: string[] = [];
  /** The lists options add to: once one is full, further options for it are not decoded. */
  const lists: Partial<Record<number, unknown[]>> = {
    [OPTION.iaNa]: ias,
    [OPTION.iaTa]: ias,
    [OPTION.iaPd]: ias,
    [OPTION.dns]: lease.dns,
    [OPTION.domainSearch]: lease.search,
    [OPTION.sntp]: sntp,
    [OPTION.ntp]: lease.ntp,
  };
  const full = new Set<string>();
  /** Addresses or prefixes read so far per IA kind (what the lists can still take). */
  const entries: Record<IaKind, number> = { na: 0, ta: 0, pd: 0 };
  for (const { code, value } of readOptions(message.slice(4, message.length - 4, "options"), 2)) {
    if ((lists[code]?.length ?? 0) >= MAX_LIST_ENTRIES) {
      const what = `option ${code} (${OPTION_NAMES[code]})`;
      if (!full.has(what)) warnings.push(tooMany(what));
      full.add(what);
      continue;
    }
    switch (code) {
      case OPTION.serverId:
        // A DUID is 2–130 bytes (RFC 8415, section 11.1); anything else is not one.
        if (value.length >= 2 && value.length <= MAX_DUID_BYTES) lease.server_id = value.hex();
        else warnings.push(`option 2 (server identifier) of ${value.length} bytes: dropped`);
        break;
      case OPTION.statusCode: {
        const status = optional(code, value, (v) => readStatus(v, warnings));
        if (status) {
          lease.status_code = status.code;
          if (status.message) lease.status_message = status.message;
        }
        break;
      }
      case OPTION.iaNa:
      case OPTION.iaTa:
      case OPTION.iaPd: {
        const kind = IA_KINDS[code]!;
        const room = MAX_LIST_ENTRIES - entries[kind];
        const ia = optional(code, value, (v) => readIa(v, kind, room, source, warnings));
        if (ia) {
          ias.push(ia);
          entries[kind] += ia.entries.length;
        }
        break;
      }
      case OPTION.dns:
        lease.dns.push(
          ...(optional(code, value, (v) => v.addresses(16, "DNS servers", warnings)) ?? [])
            .map(zoned),
        );
        break;
      case OPTION.domainSearch:
        lease.search.push(
          ...domainNames(
            optional(
              code,
              value,
              (v) => readDomainNames(v, false, "option 24 (domain search)", warnings),
            ) ?? [],
            "option 24",
            warnings,
          ),
        );
        break;
      case OPTION.sntp:
        sntp.push(
          ...(optional(code, value, (v) => v.addresses(16, "SNTP servers", warnings)) ?? []),
        );
        break;
      case OPTION.ntp:
        lease.ntp.push(...(optional(code, value, (v) => readNtp(v, warnings)) ?? []).map(zoned));
        break;
    }
  }
  const ntp = new Set(lease.ntp);
  for (const server of sntp.map(zoned)) {
    if (!ntp.has(server)) lease.ntp.push(server);
    ntp.add(server);
  }
  addIas(lease, keepFirst(ias, "identity associations", warnings), warnings);
  lease.dns = keepFirst(lease.dns, "DNS servers", warnings);
  lease.search = keepFirst(lease.search, "domain search", warnings);
  lease.ntp = keepFirst(lease.ntp, "NTP servers", warnings);
  for (const list of ["address6", "temporary6", "prefix6"] as const) {
    lease[list] = keepFirst(lease[list], list, warnings);
  }
  return { lease, warnings: boundWarnings(warnings) };
}

const OPTION_NAMES: Record<number, string> = {
  [OPTION.statusCode]: "status code",
  [OPTION.iaNa]: "IA_NA",
  [OPTION.iaTa]: "IA_TA",
  [OPTION.iaPd]: "IA_PD",
  [OPTION.dns]: "DNS servers",
  [OPTION.domainSearch]: "domain search",
  [OPTION.sntp]: "SNTP servers",
  [OPTION.ntp]: "NTP servers",
};

/** One decoded IA and its entries. */
interface Ia {
  info: IdentityAssociation;
  entries: LeasedAddress[];
}

/**
 * Lists the IAs and their entries in the lease: a non-success status of the message or of the IA
 * yields no entries; an entry already listed is not listed again.
 */
function addIas(lease: Lease6, ias: readonly Ia[], warnings: string[]): void {
  const messageFailed = lease.status_code !== undefined && lease.status_code !== SUCCESS;
  if (messageFailed) {
    warnings.push(`the message's status is ${lease.status_code}: its IAs yield no addresses`);
  }
  const listed = new Set<string>();
  const firstTimed = ias.find(({ info }) => info.kind !== "ta");
  if (firstTimed) {
    lease.t1 = firstTimed.info.t1;
    lease.t2 = firstTimed.info.t2;
  }
  for (const { info, entries } of ias) {
    lease.ia.push(info);
    const name = IA_NAMES[info.kind];
    if (info.status_code !== SUCCESS) {
      warnings.push(`${name} ${info.iaid} has status ${info.status_code}: it yields no addresses`);
    }
    if (messageFailed || info.status_code !== SUCCESS) continue;
    const list = info.kind === "na"
      ? lease.address6
      : info.kind === "ta"
      ? lease.temporary6
      : lease.prefix6;
    for (const entry of entries) {
      const key = `${info.kind === "pd" ? "prefix" : "address"} ${entry.ip}/${entry.len}`;
      if (listed.has(key)) {
        warnings.push(`${key} is carried twice (${name} ${info.iaid}): listed once`);
        continue;
      }
      listed.add(key);
      list.push(entry);
    }
  }
}

/**
 * An IA_NA or IA_PD (IAID, T1, T2, options; RFC 8415 §21.4, §21.21) or IA_TA (IAID, options),
 * with at most `room` addresses or prefixes.
 */
function readIa(
  value: Bytes,
  kind: IaKind,
  room: number,
  source: LeaseSource,
  warnings: string[],
): Ia {
  const name = IA_NAMES[kind];
  const iaid = value.slice(0, 4, `${name} IAID`).hex().replaceAll(":", "");
  const headerBytes = kind === "ta" ? 4 : 12;
  const t1 = kind === "ta" ? 0 : value.u32(4, `${name} T1`);
  const t2 = kind === "ta" ? 0 : value.u32(8, `${name} T2`);
  if (t1 > t2 && t2 > 0) throw value.error(4, `T1 ${t1} is greater than T2 ${t2}`);
  const info: IdentityAssociation = { kind, iaid, t1, t2, status_code: SUCCESS };
  const entries: LeasedAddress[] = [];
  const body = value.slice(headerBytes, value.length - headerBytes, `${name} options`);
  for (const option of readOptions(body, 2)) {
    if (entries.length >= room) {
      warnings.push(tooMany(`${name} ${iaid}`));
      break;
    }
    try {
      if (option.code === OPTION.statusCode) {
        const status = readStatus(option.value, warnings);
        info.status_code = status.code;
        if (status.message) info.status_message = status.message;
      } else if (kind !== "pd" && option.code === OPTION.iaAddr) {
        const entry = readIaAddress(option.value, source, warnings);
        if (entry) entries.push({ ...entry, iaid });
      } else if (kind === "pd" && option.code === OPTION.iaPrefix) {
        const entry = readIaPrefix(option.value, source, warnings);
        if (entry) entries.push({ ...entry, iaid });
      }
    } catch (error) {
      if (!(error instanceof LeaseDecodeError)) throw error;
      warnings.push(
        `${name} ${iaid}: option ${option.code} at byte ${error.offset} dropped: ${error.detail}`,
      );
    }
  }
  return { info, entries };
}

/** An IAADDR (RFC 8415 §21.6). */
function readIaAddress(
  v: Bytes,
  source: LeaseSource,
  warnings: string[],
): LeasedAddress | undefined {
  return leased(
    v.address(0, 16, "IAADDR address"),
    128,
    v.u32(16, "IAADDR preferred lifetime"),
    v.u32(20, "IAADDR valid lifetime"),
    source,
    warnings,
  );
}

/** An IAPREFIX (RFC 8415 §21.22); host bits of the prefix are cleared with a warning. */
function readIaPrefix(
  v: Bytes,
  source: LeaseSource,
  warnings: string[],
): LeasedAddress | undefined {
  const preferred = v.u32(0, "IAPREFIX preferred lifetime");
  const valid = v.u32(4, "IAPREFIX valid lifetime");
  const len = v.u8(8, "IAPREFIX prefix length");
  const bytes = v.bytes(9, 16, "IAPREFIX prefix");
  if (len === 0 || len > 128) {
    throw v.error(8, `IAPREFIX prefix length ${len} is not between 1 and 128`);
  }
  const network = maskHostBits(bytes, len);
  const ip = formatAddress(network);
  const entry = leased(ip, len, preferred, valid, source, warnings);
  if (entry && network.some((byte, index) => byte !== bytes[index])) {
    warnings.push(
      `prefix ${formatAddress(bytes)}/${len} has host bits set: masked to ${ip}/${len}`,
    );
  }
  return entry;
}

/** The entry, or undefined when withdrawn (valid 0); throws when preferred > valid. */
function leased(
  ip: string,
  len: number,
  preferred: number,
  valid: number,
  source: LeaseSource,
  warnings: string[],
): LeasedAddress | undefined {
  if (valid === 0) return undefined;
  if (preferred > valid) {
    warnings.push(
      `${ip}/${len} discarded: preferred lifetime ${preferred} is greater than valid lifetime ${valid}`,
    );
    return undefined;
  }
  return {
    ip,
    len,
    preferred_lifetime: preferred,
    valid_lifetime: valid,
    preferred_until: after(source.obtainedAt, preferred),
    valid_until: after(source.obtainedAt, valid),
  };
}

/** A status code option (RFC 8415 §21.13): the code and the UTF-8 message. */
function readStatus(value: Bytes, warnings: string[]): { code: number; message: string } {
  const code = value.u16(0, "status code");
  const text = value.slice(2, value.length - 2, "status message").text();
  return { code, message: text ? statusMessage(text, warnings) : "" };
}

/** `bytes` with every bit after the first `len` cleared. */
function maskHostBits(bytes: Uint8Array, len: number): Uint8Array {
  const network = new Uint8Array(bytes);
  for (let bit = len; bit < 128; bit++) network[bit >> 3] &= ~(0x80 >> (bit & 7));
  return network;
}

/** A link-local address (fe80::/10) with the interface as its zone. */
function zone(ip: string, iface: string | undefined): string {
  return iface !== undefined && /^fe[89ab]/i.test(ip) ? `${ip}%${iface}` : ip;
}

/** NTP server option (RFC 5908): server and multicast addresses (server names are skipped). */
function readNtp(value: Bytes, warnings: string[]): string[] {
  const servers: string[] = [];
  for (const option of readOptions(value, 2)) {
    if (servers.length === MAX_LIST_ENTRIES) {
      warnings.push(tooMany("option 56 (NTP servers)"));
      break;
    }
    if (option.code === NTP_SUBOPTION.address || option.code === NTP_SUBOPTION.multicast) {
      servers.push(option.value.exactly(16, "NTP server address").address(0, 16, "NTP server"));
    }
  }
  return servers;
}
