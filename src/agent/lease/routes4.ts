/**
 * The routes of a DHCPv4 lease: classless static routes (option 121, RFC 3442, and Microsoft's
 * option 249 with the same format) and static routes (option 33, RFC 2132 §5.8).
 *
 * @module
 */
import type { Route } from "../../shared/model.ts";
import { type Bytes, formatAddress, MAX_LIST_ENTRIES, tooMany } from "./wire.ts";

/**
 * Classless static routes (RFC 3442 §3): each a width (0–32), the significant octets of the
 * destination, and the router. A malformed entry makes the whole option malformed (throws), as
 * RFC 3442 gives no way to find the next entry; destination bits beyond the width are cleared
 * with a warning.
 */
export function readClasslessRoutes(value: Bytes, what: string, warnings: string[]): Route[] {
  const routes: Route[] = [];
  let at = 0;
  while (at < value.length) {
    if (routes.length === MAX_LIST_ENTRIES) {
      warnings.push(tooMany(`${what} (classless static routes)`));
      break;
    }
    const len = value.u8(at, `${what} route width`);
    if (len > 32) throw value.error(at, `${what}: route width ${len} is above 32`);
    const significant = Math.ceil(len / 8);
    const given = new Uint8Array(4);
    given.set(value.bytes(at + 1, significant, `${what} route destination`));
    const destination = maskHostBits(given, len);
    const router = value.address(at + 1 + significant, 4, `${what} router`);
    if (destination.some((byte, index) => byte !== given[index])) {
      warnings.push(
        `${what}: route ${formatAddress(given)}/${len} has host bits set: masked to ${
          formatAddress(destination)
        }/${len}`,
      );
    }
    routes.push({ destination: formatAddress(destination), len, router });
    at += 1 + significant + 4;
  }
  return routes;
}

/**
 * Static routes (RFC 2132 §5.8): destination and router pairs. The destination 0.0.0.0 is
 * illegal there and skipped with a warning. The prefix length is the destination's classful one
 * (as dhcpcd installs it), or 32 when the destination has host bits under that mask (a host
 * route); a class D or E destination is skipped with a warning.
 */
export function readStaticRoutes(value: Bytes, warnings: string[]): Route[] {
  if (value.length % 8 !== 0) {
    throw value.error(0, `length ${value.length} is not a multiple of 8`);
  }
  const routes: Route[] = [];
  for (let at = 0; at < value.length; at += 8) {
    if (routes.length === MAX_LIST_ENTRIES) {
      warnings.push(tooMany("option 33 (static routes)"));
      break;
    }
    const bytes = value.bytes(at, 4, "static route destination");
    const destination = formatAddress(bytes);
    if (bytes.every((byte) => byte === 0) || bytes[0] >= 224) {
      warnings.push(
        `option 33 (static routes) at byte ${value.offset(at)}: destination ${destination} ${
          bytes[0] >= 224 ? "is class D or E" : "is illegal (RFC 2132 §5.8)"
        }: route dropped`,
      );
      continue;
    }
    const classful = classfulLength(bytes[0]);
    const hostBits = maskHostBits(bytes, classful).some((byte, index) => byte !== bytes[index]);
    routes.push({
      destination,
      len: hostBits ? 32 : classful,
      router: value.address(at + 4, 4, "static route router"),
    });
  }
  return routes;
}

/** The classful prefix length of a class A, B or C address (its first octet below 224). */
export function classfulLength(firstOctet: number): number {
  if (firstOctet < 128) return 8;
  if (firstOctet < 192) return 16;
  return 24;
}

/** `bytes` (4) with every bit after the first `len` cleared. */
function maskHostBits(bytes: Uint8Array, len: number): Uint8Array {
  const network = new Uint8Array(bytes);
  for (let bit = len; bit < 32; bit++) network[bit >> 3] &= ~(0x80 >> (bit & 7));
  return network;
}
