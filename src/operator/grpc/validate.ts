/**
 * Checks a node's report before it is stored (pure): an agent may only report for its own node,
 * but what it reports must still be well-formed lease data, since templates turn it into
 * cluster objects. Every string is held to its grammar in `src/shared/names.ts` (the same
 * patterns as the DHCPNode CRD's schema).
 *
 * @module
 */
import ipaddr from "ipaddr.js";
import type { LeasedAddress, Node } from "../../shared/model.ts";
import {
  isDomainName,
  isDuid,
  isInterfaceName,
  isSsid,
  matchesNodeText,
} from "../../shared/names.ts";

const NODE_NAME = /^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/;

/** Everything wrong with a report, as `path: problem` lines; empty when it is fine. */
export function reportProblems(node: Node): string[] {
  const problems: string[] = [];
  const problem = (path: string, detail: string) => problems.push(`${path}: ${detail}`);
  if (!NODE_NAME.test(node.name)) {
    problem("name", `${JSON.stringify(node.name)} is not a node name`);
  }
  const seen = new Set<string>();
  node.interfaces.forEach((iface, i) => {
    const at = `interfaces[${i}]`;
    if (!isInterfaceName(iface.name)) {
      problem(`${at}.name`, `${JSON.stringify(iface.name)} is not an interface name`);
    }
    if (iface.ssid !== undefined && !isSsid(iface.ssid)) {
      problem(`${at}.ssid`, `${JSON.stringify(iface.ssid)} is not an SSID`);
    }
    const key = `${iface.name}\u0000${iface.ssid ?? ""}`;
    if (seen.has(key)) problem(at, `interface "${iface.name}" is reported twice`);
    seen.add(key);
    const lease4 = iface.lease4;
    if (lease4) {
      if (lease4.ip !== undefined) address(problem, `${at}.lease4.ip`, lease4.ip, "ipv4");
      if (lease4.len !== undefined) length(problem, `${at}.lease4.len`, lease4.len, 32);
      for (const field of ["classless_routes", "static_routes"] as const) {
        lease4[field].forEach((route, j) => {
          const path = `${at}.lease4.${field}[${j}]`;
          address(problem, `${path}.destination`, route.destination, "ipv4");
          length(problem, `${path}.len`, route.len, 32);
          address(problem, `${path}.router`, route.router, "ipv4");
        });
      }
      if (lease4.mtu !== undefined && !(lease4.mtu >= 68 && lease4.mtu <= 65535)) {
        problem(`${at}.lease4.mtu`, `${lease4.mtu} is not an MTU (68–65535)`);
      }
      if (lease4.host_name !== undefined) {
        domain(problem, `${at}.lease4.host_name`, lease4.host_name);
      }
      for (const field of ["routers", "dns", "ntp"] as const) {
        lease4[field].forEach((ip, j) =>
          address(problem, `${at}.lease4.${field}[${j}]`, ip, "ipv4")
        );
      }
      if (lease4.domain !== undefined) domain(problem, `${at}.lease4.domain`, lease4.domain);
      lease4.search.forEach((name, j) => domain(problem, `${at}.lease4.search[${j}]`, name));
      if (lease4.server_id !== undefined) {
        address(problem, `${at}.lease4.server_id`, lease4.server_id, "ipv4");
      }
      time(problem, `${at}.lease4.obtained_at`, lease4.obtained_at);
      time(problem, `${at}.lease4.valid_until`, lease4.valid_until);
    }
    const lease6 = iface.lease6;
    if (lease6) {
      for (const field of ["address6", "temporary6"] as const) {
        lease6[field].forEach((entry, j) => leased(problem, `${at}.lease6.${field}[${j}]`, entry));
      }
      lease6.ia.forEach((ia, j) => {
        if (!matchesNodeText("iaid", ia.iaid)) {
          problem(`${at}.lease6.ia[${j}].iaid`, `${JSON.stringify(ia.iaid)} is not an IAID`);
        }
        if (ia.status_message !== undefined) {
          text(problem, `${at}.lease6.ia[${j}].status_message`, ia.status_message);
        }
      });
      if (lease6.status_message !== undefined) {
        text(problem, `${at}.lease6.status_message`, lease6.status_message);
      }
      lease6.prefix6.forEach((entry, j) => {
        const path = `${at}.lease6.prefix6[${j}]`;
        leased(problem, path, entry);
        if (ipaddr.IPv6.isValid(entry.ip) && entry.len >= 0 && entry.len <= 128) {
          const network = ipaddr.IPv6.networkAddressFromCIDR(`${entry.ip}/${entry.len}`);
          if (network.toString() !== ipaddr.parse(entry.ip).toString()) {
            problem(`${path}.ip`, `"${entry.ip}/${entry.len}" has host bits set`);
          }
        }
      });
      for (const field of ["dns", "ntp"] as const) {
        lease6[field].forEach((ip, j) =>
          address(problem, `${at}.lease6.${field}[${j}]`, ip, "ipv6")
        );
      }
      lease6.search.forEach((name, j) => domain(problem, `${at}.lease6.search[${j}]`, name));
      if (lease6.server_id !== undefined && !isDuid(lease6.server_id)) {
        problem(`${at}.lease6.server_id`, `${JSON.stringify(lease6.server_id)} is not a DUID`);
      }
      time(problem, `${at}.lease6.obtained_at`, lease6.obtained_at);
    }
  });
  return problems;
}

type Problem = (path: string, detail: string) => void;

function domain(problem: Problem, path: string, name: string): void {
  if (!isDomainName(name)) problem(path, `${JSON.stringify(name)} is not a domain name`);
}

function text(problem: Problem, path: string, value: string): void {
  if (!matchesNodeText("statusMessage", value)) {
    problem(
      path,
      `${JSON.stringify(value.slice(0, 64))} is not a status message (too long, or characters ` +
        "other than letters, digits, spaces and .,;()-_)",
    );
  }
}

function leased(problem: Problem, path: string, entry: LeasedAddress): void {
  address(problem, `${path}.ip`, entry.ip, "ipv6");
  if (entry.iaid !== undefined && !matchesNodeText("iaid", entry.iaid)) {
    problem(`${path}.iaid`, `${JSON.stringify(entry.iaid)} is not an IAID`);
  }
  length(problem, `${path}.len`, entry.len, 128);
  time(problem, `${path}.preferred_until`, entry.preferred_until);
  time(problem, `${path}.valid_until`, entry.valid_until);
  if (entry.state !== undefined && entry.state !== "active" && entry.state !== "draining") {
    problem(`${path}.state`, `${JSON.stringify(entry.state)} is not active or draining`);
  }
}

function address(problem: Problem, path: string, ip: string, kind: "ipv4" | "ipv6"): void {
  // The pattern keeps out what the parser would also take (an IPv6 zone: `fe80::1%anything`).
  const valid = matchesNodeText(kind, ip) &&
    (kind === "ipv4" ? ipaddr.IPv4.isValidFourPartDecimal(ip) : ipaddr.IPv6.isValid(ip));
  if (!valid) {
    problem(path, `${JSON.stringify(ip)} is not an ${kind === "ipv4" ? "IPv4" : "IPv6"} address`);
  }
}

function length(problem: Problem, path: string, len: number, max: number): void {
  if (!Number.isInteger(len) || len < 0 || len > max) {
    problem(path, `${len} is not a prefix length (0–${max})`);
  }
}

function time(problem: Problem, path: string, value: string): void {
  if (!matchesNodeText("time", value) || Number.isNaN(Date.parse(value))) {
    problem(path, `${JSON.stringify(value)} is not an RFC 3339 time`);
  }
}
