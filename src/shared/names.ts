/**
 * What text in lease data may look like. Lease text comes from the network (DHCP options, SSIDs
 * in lease file names) and templates print it into YAML, so every string is held to a strict
 * grammar: no quotes, `:`, `{`, `#`, `/`, line or paragraph separators, non-breaking or other
 * unusual spaces, control or format characters. Anything else is refused where data enters: the
 * agent drops it with a warning, the operator refuses a report carrying it, and the `DHCPNode`
 * CRD's schema carries the same patterns ({@link NODE_TEXT_PATTERNS}), so the apiserver refuses
 * it too.
 *
 * @module
 */

/** The characters of a status message (regular expression classes, JavaScript and RE2). */
const MESSAGE_CHARACTERS = "\\p{L}\\p{M}\\p{N}_ .,;()\ufffd-";
/** …those it may start with (not a sign, a mark or a space)… */
const MESSAGE_FIRST_CHARACTERS = "\\p{L}\\p{N}_(\ufffd";
/** …and end with (not a space). */
const MESSAGE_LAST_CHARACTERS = "\\p{L}\\p{M}\\p{N}_.,;()\ufffd-";
/** The longest status message. */
const MAX_MESSAGE = 255;

/**
 * The grammars of lease text as regular expressions that mean the same in JavaScript (with the
 * `u` flag) and in RE2, the syntax of the CRD's OpenAPI `pattern`s. Lengths the patterns do not
 * bound are in {@link NODE_TEXT_MAX_LENGTHS}.
 */
export const NODE_TEXT_PATTERNS = {
  /** DNS names: labels of letters, digits, `-`, `_` (≤ 63 each), separated by dots. */
  domainName:
    "^[A-Za-z0-9_]([A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?(\\.[A-Za-z0-9_]([A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?)*\\.?$",
  /** Linux interface names: 1–15 of letters, digits, `_`, `.`, `@`, `-`, not starting with a sign. */
  interfaceName: "^[A-Za-z0-9_][A-Za-z0-9_.@-]{0,14}$",
  /**
   * SSIDs: words of letters (with their combining marks), digits and `_`, joined by spaces,
   * dots and dashes; no space or sign at either end.
   */
  ssid: "^[\\p{L}\\p{N}_]([\\p{L}\\p{M}\\p{N}_. -]{0,30}[\\p{L}\\p{M}\\p{N}_])?$",
  /** Dotted-quad IPv4 addresses. */
  ipv4: "^[0-9]{1,3}(\\.[0-9]{1,3}){3}$",
  /**
   * The characters of IPv6 addresses (hex digits, colons, dots of an embedded IPv4 address), with
   * an interface name as the zone of a link-local address (`fe80::1%eth0`).
   */
  ipv6: "^[0-9A-Fa-f:.]{2,45}(%[A-Za-z0-9_][A-Za-z0-9_.@-]{0,14})?$",
  /** A DHCPv6 server DUID: 2–130 lowercase hex bytes joined by colons. */
  duid: "^[0-9a-f]{2}(:[0-9a-f]{2}){1,129}$",
  /** A DHCPv6 IAID: 8 lowercase hex digits. */
  iaid: "^[0-9a-f]{8}$",
  /**
   * DHCPv6 status messages: at most 255 letters (with their marks), digits, `_`, spaces and
   * `.,;()-`, and U+FFFD where the agent replaced anything else; no space at either end, no sign
   * first.
   */
  statusMessage: `^([${MESSAGE_FIRST_CHARACTERS}]([${MESSAGE_CHARACTERS}]{0,${
    MAX_MESSAGE - 2
  }}[${MESSAGE_LAST_CHARACTERS}])?)?$`,
  /** RFC 3339 times. */
  time:
    "^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\\.[0-9]+)?(Z|[+-][0-9]{2}:[0-9]{2})$",
  /** A SHA-256 digest in lowercase hex (the digest of a report). */
  digest: "^[0-9a-f]{64}$",
} as const;

/** Length limits the patterns leave open (characters; an SSID is also ≤ 32 UTF-8 bytes). */
export const NODE_TEXT_MAX_LENGTHS = { domainName: 253, ssid: 32 } as const;

const MATCHERS = Object.fromEntries(
  Object.entries(NODE_TEXT_PATTERNS).map(([kind, pattern]) => [kind, new RegExp(pattern, "u")]),
) as Record<keyof typeof NODE_TEXT_PATTERNS, RegExp>;

/** Whether `text` matches the grammar `kind` (patterns only; see the functions for lengths). */
export function matchesNodeText(kind: keyof typeof NODE_TEXT_PATTERNS, text: string): boolean {
  return MATCHERS[kind].test(text);
}

/** Whether `name` is a DNS domain name (letters, digits, `-`, `_`, dots; ≤ 253 characters). */
export function isDomainName(name: string): boolean {
  return name.length <= NODE_TEXT_MAX_LENGTHS.domainName && MATCHERS.domainName.test(name);
}

/** Whether `name` can be a Linux network interface name. */
export function isInterfaceName(name: string): boolean {
  return MATCHERS.interfaceName.test(name);
}

/** Whether `ssid` is a wireless network name that is safe to print as data (≤ 32 UTF-8 bytes). */
export function isSsid(ssid: string): boolean {
  return MATCHERS.ssid.test(ssid) &&
    new TextEncoder().encode(ssid).length <= NODE_TEXT_MAX_LENGTHS.ssid;
}

const MESSAGE_CHARACTER = new RegExp(`[${MESSAGE_CHARACTERS}]`, "u");
const MESSAGE_FIRST_CHARACTER = new RegExp(`[${MESSAGE_FIRST_CHARACTERS}]`, "u");

/**
 * `text` as a status message in its grammar: every character outside it (quotes, `:`, `{`, `#`,
 * line separators, control characters, …) replaced by U+FFFD, as is a sign or mark at the start;
 * cut at 255 characters; spaces at either end removed.
 */
export function asMessageText(text: string): string {
  const characters = [...text]
    .map((character) => MESSAGE_CHARACTER.test(character) ? character : "\ufffd")
    .join("").trim();
  const first = [...characters][0];
  const started = first === undefined || MESSAGE_FIRST_CHARACTER.test(first)
    ? characters
    : `\ufffd${characters.slice(first.length)}`;
  return [...started].slice(0, MAX_MESSAGE).join("").trimEnd();
}

/** Whether `id` is a DHCPv6 server DUID as the agent writes it (colon-separated lowercase hex). */
export function isDuid(id: string): boolean {
  return MATCHERS.duid.test(id);
}
