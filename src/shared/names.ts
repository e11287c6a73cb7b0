/**
 * What names in lease data may look like. Anything else (control characters, spaces, quotes) is
 * refused where data enters: the decoder drops it with a warning, the operator refuses a report
 * carrying it. Templates therefore never see a value crafted to break the YAML they render.
 *
 * @module
 */

const DOMAIN_NAME =
  /^(?=.{1,253}$)[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?(?:\.[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?)*\.?$/;
/** Linux interface names: 1–15 characters, no whitespace, `/` or `:` (dhcpcd adds nothing). */
const INTERFACE_NAME = /^[A-Za-z0-9_.@-]{1,15}$/;
/** SSIDs: 1–32 bytes of printable text without control characters. */
const SSID = /^[^\p{Cc}]{1,32}$/u;

/** Whether `name` is a DNS domain name (letters, digits, `-`, `_`, dots; ≤ 253 characters). */
export function isDomainName(name: string): boolean {
  return DOMAIN_NAME.test(name);
}

/** Whether `name` can be a Linux network interface name. */
export function isInterfaceName(name: string): boolean {
  return INTERFACE_NAME.test(name);
}

/** Whether `ssid` is a printable wireless network name. */
export function isSsid(ssid: string): boolean {
  return SSID.test(ssid);
}
