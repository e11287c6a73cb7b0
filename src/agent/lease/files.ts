/**
 * dhcpcd's lease file names and how leases become a node's interfaces.
 *
 * dhcpcd names lease files `<interface>.lease` (DHCPv4) and `<interface>.lease6` (DHCPv6); for a
 * wireless interface it adds the SSID: `<interface>-<ssid>.lease`. Interface names may contain
 * dots (`eth0.100` is a VLAN interface of its own, not `eth0`) and dashes, so the SSID is split off
 * only for interfaces known to be wireless. dhcpcd escapes the SSID in the name (space is `\040`);
 * the parsed SSID is the real one.
 *
 * @module
 */
import type { Interface, Lease4, Lease6 } from "../../shared/model.ts";

/** What a lease file's name says. */
export interface LeaseFileName {
  /** The interface. */
  interface: string;
  /** 4 for `.lease`, 6 for `.lease6`. */
  family: 4 | 6;
  /** The SSID of a wireless interface's lease. */
  ssid?: string;
}

/** Parses a lease file name; undefined for other files (`duid`, `secret`, temporary files). */
export function parseLeaseFileName(
  fileName: string,
  wireless: readonly string[] = [],
): LeaseFileName | undefined {
  const match = /^(.+)\.lease(6?)$/.exec(fileName);
  if (!match) return undefined;
  const family = match[2] ? 6 : 4;
  const stem = match[1];
  const radio = wireless
    .filter((name) => stem.startsWith(`${name}-`) && stem.length > name.length + 1)
    .sort((a, b) => b.length - a.length)[0];
  if (radio) return { interface: radio, family, ssid: unescapeSsid(stem.slice(radio.length + 1)) };
  return { interface: stem, family };
}

/**
 * The SSID as dhcpcd escaped it for a file name (`print_string` with `OT_ESCFILE` in its
 * dhcp-common.c): a backslash is doubled; `/`, space, and bytes that are not printable ASCII
 * become `\ooo` (octal). The bytes are read as UTF-8.
 */
function unescapeSsid(escaped: string): string {
  const bytes: number[] = [];
  const encoder = new TextEncoder();
  for (let at = 0; at < escaped.length; at++) {
    const octal = /^\\([0-3][0-7]{2})/.exec(escaped.slice(at, at + 4));
    if (octal) {
      bytes.push(parseInt(octal[1], 8));
      at += 3;
    } else if (escaped.startsWith("\\\\", at)) {
      bytes.push(0x5c);
      at += 1;
    } else {
      bytes.push(...encoder.encode(escaped[at]));
    }
  }
  return new TextDecoder().decode(new Uint8Array(bytes));
}

/** One decoded lease file. */
export type LeaseOfFile =
  | { name: LeaseFileName; family: 4; lease: Lease4 }
  | { name: LeaseFileName; family: 6; lease: Lease6 };

/**
 * The interfaces holding the given leases, sorted by name. Of a wireless interface's leases per
 * SSID, those of the most recently obtained SSID count.
 */
export function toInterfaces(leases: readonly LeaseOfFile[]): Interface[] {
  const byKey = new Map<string, Interface & { obtained: string }>();
  for (const entry of leases) {
    const key = `${entry.name.interface}\u0000${entry.name.ssid ?? ""}`;
    const current = byKey.get(key) ?? {
      name: entry.name.interface,
      ...(entry.name.ssid !== undefined ? { ssid: entry.name.ssid } : {}),
      obtained: "",
    };
    if (entry.family === 4) current.lease4 = entry.lease;
    else current.lease6 = entry.lease;
    if (entry.lease.obtained_at > current.obtained) current.obtained = entry.lease.obtained_at;
    byKey.set(key, current);
  }
  const byName = new Map<string, Interface & { obtained: string }>();
  for (const candidate of byKey.values()) {
    const chosen = byName.get(candidate.name);
    if (!chosen || candidate.obtained > chosen.obtained) byName.set(candidate.name, candidate);
  }
  return [...byName.values()]
    .map(({ obtained: _obtained, ...iface }) => iface)
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}
