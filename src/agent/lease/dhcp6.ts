/**
 * Decodes dhcpcd's DHCPv6 lease file (`<interface>.lease6`): the raw DHCPv6 REPLY message
 * (RFC 8415) written by dhcpcd's `dhcp6_writelease`. Lifetimes are relative to when the lease was
 * obtained, which is the file's modification time. Addresses and prefixes with a valid lifetime
 * of 0 (the server withdrawing them) are left out.
 *
 * @module
 */
import type { Lease6, LeasedAddress } from "../../shared/model.ts";
import type { Decoded, LeaseSource } from "./decoded.ts";
import { domainNames } from "./names.ts";
import { after, toRfc3339 } from "./time.ts";
import { Bytes, formatAddress, readDomainNames, readOptions } from "./wire.ts";

const REPLY = 7;

const OPTION = {
  serverId: 2,
  iaNa: 3,
  iaAddr: 5,
  statusCode: 13,
  dns: 23,
  domainSearch: 24,
  iaPd: 25,
  iaPrefix: 26,
  sntp: 31,
  ntp: 56,
} as const;

/** NTP server sub-options (RFC 5908). */
const NTP_SUBOPTION = { address: 1, multicast: 2 } as const;
/** The longest DUID (RFC 8415, section 11.1). */
const MAX_DUID_BYTES = 130;

/** Decodes the bytes of a `.lease6` file. Throws {@link LeaseDecodeError} on bad input. */
export function decodeLease6(data: Uint8Array, source: LeaseSource): Decoded<Lease6> {
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
    dns: [],
    search: [],
    ntp: [],
    t1: 0,
    t2: 0,
    obtained_at: toRfc3339(source.obtainedAt),
  };
  let firstIa = true;
  const sntp: string[] = [];
  for (const { code, value } of readOptions(message.slice(4, message.length - 4, "options"), 2)) {
    switch (code) {
      case OPTION.serverId:
        // A DUID is 2–130 bytes (RFC 8415, section 11.1); anything else is not one.
        if (value.length >= 2 && value.length <= MAX_DUID_BYTES) lease.server_id = value.hex();
        else warnings.push(`option 2 (server identifier) of ${value.length} bytes: dropped`);
        break;
      case OPTION.iaNa:
      case OPTION.iaPd: {
        const ia = readIa(value, code, source, warnings);
        if (firstIa) {
          lease.t1 = ia.t1;
          lease.t2 = ia.t2;
          firstIa = false;
        }
        (code === OPTION.iaNa ? lease.address6 : lease.prefix6).push(...ia.entries);
        break;
      }
      case OPTION.dns:
        lease.dns.push(...value.addresses(16, "option 23 (DNS servers)"));
        break;
      case OPTION.domainSearch:
        lease.search.push(
          ...domainNames(
            readDomainNames(value, false, "option 24 (domain search)"),
            "option 24",
            warnings,
          ),
        );
        break;
      case OPTION.sntp:
        sntp.push(...value.addresses(16, "option 31 (SNTP servers)"));
        break;
      case OPTION.ntp:
        lease.ntp.push(...readNtp(value));
        break;
    }
  }
  for (const server of sntp) if (!lease.ntp.includes(server)) lease.ntp.push(server);
  return { lease, warnings };
}

interface Ia {
  t1: number;
  t2: number;
  entries: LeasedAddress[];
}

/** An IA_NA (addresses) or IA_PD (prefixes) with its T1/T2. */
function readIa(value: Bytes, code: number, source: LeaseSource, warnings: string[]): Ia {
  const what = code === OPTION.iaNa ? "IA_NA" : "IA_PD";
  const ia: Ia = { t1: value.u32(4, `${what} T1`), t2: value.u32(8, `${what} T2`), entries: [] };
  const body = value.slice(12, value.length - 12, `${what} options`);
  for (const option of readOptions(body, 2)) {
    if (option.code === OPTION.statusCode) {
      const status = option.value.u16(0, "status code");
      if (status !== 0) {
        const message = option.value.slice(2, option.value.length - 2, "status message").text();
        warnings.push(`${what} status ${status}${message ? `: ${message}` : ""}`);
      }
    } else if (code === OPTION.iaNa && option.code === OPTION.iaAddr) {
      const v = option.value;
      const entry = leased(
        v.address(0, 16, "IAADDR address"),
        128,
        v.u32(16, "IAADDR preferred lifetime"),
        v.u32(20, "IAADDR valid lifetime"),
        source,
      );
      if (entry) ia.entries.push(entry);
    } else if (code === OPTION.iaPd && option.code === OPTION.iaPrefix) {
      const v = option.value;
      const len = v.u8(8, "IAPREFIX prefix length");
      if (len === 0 || len > 128) {
        throw v.error(8, `IAPREFIX prefix length ${len} is not between 1 and 128`);
      }
      const bytes = v.bytes(9, 16, "IAPREFIX prefix");
      const network = maskHostBits(bytes, len);
      const ip = formatAddress(network);
      if (network.some((byte, index) => byte !== bytes[index])) {
        warnings.push(
          `prefix ${formatAddress(bytes)}/${len} has host bits set: masked to ${ip}/${len}`,
        );
      }
      const entry = leased(
        ip,
        len,
        v.u32(0, "IAPREFIX preferred lifetime"),
        v.u32(4, "IAPREFIX valid lifetime"),
        source,
      );
      if (entry) ia.entries.push(entry);
    }
  }
  return ia;
}

function leased(
  ip: string,
  len: number,
  preferred: number,
  valid: number,
  source: LeaseSource,
): LeasedAddress | undefined {
  if (valid === 0) return undefined;
  const preferredLifetime = Math.min(preferred, valid);
  return {
    ip,
    len,
    preferred_lifetime: preferredLifetime,
    valid_lifetime: valid,
    preferred_until: after(source.obtainedAt, preferredLifetime),
    valid_until: after(source.obtainedAt, valid),
  };
}

/** `bytes` with every bit after the first `len` cleared. */
function maskHostBits(bytes: Uint8Array, len: number): Uint8Array {
  const network = new Uint8Array(bytes);
  for (let bit = len; bit < 128; bit++) network[bit >> 3] &= ~(0x80 >> (bit & 7));
  return network;
}

/** NTP server option (RFC 5908): server and multicast addresses (server names are skipped). */
function readNtp(value: Bytes): string[] {
  const servers: string[] = [];
  for (const option of readOptions(value, 2)) {
    if (option.code === NTP_SUBOPTION.address || option.code === NTP_SUBOPTION.multicast) {
      servers.push(option.value.address(0, 16, "NTP server address"));
    }
  }
  return servers;
}
