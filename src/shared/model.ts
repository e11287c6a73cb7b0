/**
 * The data model shared by the agent and the operator: one node's DHCP lease data, exactly as
 * templates see it (`nodes[]`). Field names are snake_case because they are template variable
 * names (Jinja2 convention) and match the protobuf schema in `proto/dhcp-template.proto`.
 *
 * Conventions, identical for DHCPv4 and DHCPv6:
 * - addresses are strings in canonical form (IPv6 per RFC 5952);
 * - `*_lifetime` and `t1` / `t2` are durations in whole seconds as received from the server;
 * - `*_at` / `*_until` are absolute times as RFC 3339 UTC strings (`2026-11-24T14:00:00Z`);
 * - optional values are omitted (not null) when the lease does not carry them; lists are empty.
 *
 * @module
 */

/** Whether an address or prefix is current or only kept while its valid lifetime runs out. */
export type LeaseEntryState = "active" | "draining";

/** One leased IPv6 address (IA_NA) or delegated prefix (IA_PD), or the IPv4 address. */
export interface LeasedAddress {
  /** The address, or the prefix's network address (host bits cleared). */
  ip: string;
  /** Prefix length: 128 for an IA_NA address, the delegated length for a prefix, the IPv4 mask length. */
  len: number;
  /** Preferred lifetime in seconds (for IPv4: the lease time). */
  preferred_lifetime: number;
  /** Valid lifetime in seconds (for IPv4: the lease time). */
  valid_lifetime: number;
  /** Absolute time the entry stops being preferred. */
  preferred_until: string;
  /** Absolute time the entry stops being valid (expires). */
  valid_until: string;
  /**
   * Set by the operator: `active` in `address6` / `prefix6` (the current lease carries it),
   * `draining` in `address6_draining` / `prefix6_draining` (only an older lease did).
   */
  state?: LeaseEntryState;
  /** DHCPv6: the IAID (8 hex digits) of the IA_NA, IA_TA or IA_PD that carried it. */
  iaid?: string;
}

/** A route from a DHCPv4 lease (options 121/249: classless; option 33: classful). */
export interface Route {
  /** The destination network address (host bits cleared). */
  destination: string;
  /** The destination's prefix length (0 for the default route). */
  len: number;
  /** The router to send through; `0.0.0.0` means the destination is on the link. */
  router: string;
}

/** The kind of a DHCPv6 identity association: IA_NA (addresses), IA_TA (temporary), IA_PD (prefixes). */
export type IaKind = "na" | "ta" | "pd";

/** One DHCPv6 identity association of the lease (RFC 8415 §21.4, §21.5, §21.21). */
export interface IdentityAssociation {
  /** `na`, `ta` or `pd`. */
  kind: IaKind;
  /** The IAID as 8 lowercase hex digits (as dhcpcd prints it). */
  iaid: string;
  /** Renewal time T1 in seconds (0: the client chooses; always 0 for IA_TA). */
  t1: number;
  /** Rebinding time T2 in seconds (0: the client chooses; always 0 for IA_TA). */
  t2: number;
  /** The IA's status code (RFC 8415 §21.13): 0 (Success) when it carries none. */
  status_code: number;
  /** The IA's status message, when the server sent one. */
  status_message?: string;
}

/** A DHCPv4 lease (`<interface>.lease`). */
export interface Lease4 {
  /** The leased address (yiaddr, or ciaddr when yiaddr is 0.0.0.0); absent when neither is set. */
  ip?: string;
  /** Prefix length from the subnet mask (option 1, else the address class); absent without `ip`. */
  len?: number;
  /** Routers (option 3); empty when option 121 or 249 is present (RFC 3442: ignored then). */
  routers: string[];
  /** Classless static routes (option 121, else Microsoft's option 249; RFC 3442). */
  classless_routes: Route[];
  /** Static routes (option 33); empty when option 121 or 249 is present (RFC 3442). */
  static_routes: Route[];
  /** Interface MTU (option 26, at least 68). */
  mtu?: number;
  /** Host name (option 12). */
  host_name?: string;
  /** DNS servers (option 6). */
  dns: string[];
  /** Domain name (option 15). */
  domain?: string;
  /** Domain search list (option 119). */
  search: string[];
  /** NTP servers (option 42). */
  ntp: string[];
  /** Server identifier (option 54). */
  server_id?: string;
  /** Lease time in seconds (option 51). */
  lease_time: number;
  /** Renewal time T1 in seconds (option 58; defaults to half the lease time). */
  t1: number;
  /** Rebinding time T2 in seconds (option 59; defaults to 7/8 of the lease time). */
  t2: number;
  /** When the lease was obtained (the lease file's modification time). */
  obtained_at: string;
  /** When the lease expires (`obtained_at` + `lease_time`). */
  valid_until: string;
}

/** A DHCPv6 lease (`<interface>.lease6`). */
export interface Lease6 {
  /** IA_NA addresses of the current lease, each with its lifetimes. */
  address6: LeasedAddress[];
  /** IA_PD delegated prefixes of the current lease, each with its lifetimes. */
  prefix6: LeasedAddress[];
  /**
   * Set by the operator (templates always see a list): IA_NA addresses an older lease carried
   * and the current one does not, kept while their valid lifetime runs. Agents never send it.
   */
  address6_draining?: LeasedAddress[];
  /**
   * Set by the operator (templates always see a list): delegated prefixes an older lease
   * carried and the current one does not, kept while their valid lifetime runs, so that a
   * template can keep serving them. Agents never send it.
   */
  prefix6_draining?: LeasedAddress[];
  /** IA_TA temporary addresses, each with its lifetimes. */
  temporary6: LeasedAddress[];
  /** The identity associations (IA_NA, IA_TA, IA_PD) in the order of the lease, with T1/T2 and status. */
  ia: IdentityAssociation[];
  /** The message's status code (option 13; RFC 8415 §21.13), when the server sent one. */
  status_code?: number;
  /** The message's status message, when the server sent one. */
  status_message?: string;
  /** DNS recursive name servers (option 23). */
  dns: string[];
  /** Domain search list (option 24). */
  search: string[];
  /** NTP servers (option 56, server address and multicast sub-options) and SNTP servers (option 31). */
  ntp: string[];
  /** Server DUID (option 2) as lowercase colon-separated hex. */
  server_id?: string;
  /** Renewal time T1 in seconds of the first IA_NA or IA_PD (0: the client chooses). */
  t1: number;
  /** Rebinding time T2 in seconds of the first IA_NA or IA_PD (0: the client chooses). */
  t2: number;
  /** When the lease was obtained (the lease file's modification time). */
  obtained_at: string;
}

/** One network interface of a node and its leases. */
export interface Interface {
  /** Interface name as dhcpcd names it (`eth0`, `eth0.100`). */
  name: string;
  /** Wireless SSID when dhcpcd keeps a per-SSID lease. */
  ssid?: string;
  /** The DHCPv4 lease, when there is one. */
  lease4?: Lease4;
  /** The DHCPv6 lease, when there is one. */
  lease6?: Lease6;
}

/** One node and its interfaces, sorted by interface name. */
export interface Node {
  /** The Kubernetes node name. */
  name: string;
  /** The node's interfaces that hold a lease. */
  interfaces: Interface[];
}
