/**
 * Text from leases that templates will print: only well-formed domain names pass; anything else
 * (control characters, YAML or template syntax) is dropped with a warning.
 *
 * @module
 */
import { asMessageText, isDomainName } from "../../shared/names.ts";

/** `name` when it is a domain name; otherwise undefined and a warning. */
export function domainName(name: string | undefined, warnings: string[]): string | undefined {
  if (name === undefined || name === "") return undefined;
  if (isDomainName(name)) return name;
  warnings.push(`option 15 (domain name) ${JSON.stringify(name)} is not a domain name: dropped`);
  return undefined;
}

/** The domain names among `names`; a warning for each one dropped. */
export function domainNames(names: string[], option: string, warnings: string[]): string[] {
  return names.filter((name) => {
    if (isDomainName(name)) return true;
    warnings.push(
      `${option} (domain search) ${JSON.stringify(name)} is not a domain name: dropped`,
    );
    return false;
  });
}

/** `name` when it is a host name (a domain name); otherwise undefined and a warning. */
export function hostName(name: string | undefined, warnings: string[]): string | undefined {
  if (name === undefined || name === "") return undefined;
  if (isDomainName(name)) return name;
  warnings.push(`option 12 (host name) ${JSON.stringify(name)} is not a host name: dropped`);
  return undefined;
}

/**
 * A DHCPv6 status message as templates may print it (lease text stays data): every character
 * outside the status message grammar (quotes, `:`, `{`, `#`, line separators, control
 * characters, …) replaced by U+FFFD, cut at 255 characters, spaces at the ends removed (with a
 * warning when it was changed).
 */
export function statusMessage(text: string, warnings: string[]): string {
  const clean = asMessageText(text);
  if (clean !== text) {
    warnings.push(
      `status message ${JSON.stringify(text.slice(0, 64))}: characters other than letters, ` +
        "digits, spaces and .,;()-_ replaced, cut to 255 characters",
    );
  }
  return clean;
}
