/**
 * Text from leases that templates will print: only well-formed domain names pass; anything else
 * (control characters, YAML or template syntax) is dropped with a warning.
 *
 * @module
 */
import { isDomainName } from "../../shared/names.ts";

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

/** Longest status message kept; longer ones are cut. */
const MAX_STATUS_MESSAGE = 255;

/**
 * A DHCPv6 status message as templates may print it: control characters replaced by U+FFFD and
 * cut at {@link MAX_STATUS_MESSAGE} characters (with a warning when it was changed).
 */
export function statusMessage(text: string, warnings: string[]): string {
  // deno-lint-ignore no-control-regex
  const clean = text.replace(/[\u0000-\u001f\u007f-\u009f]/g, "\ufffd");
  const cut = [...clean].slice(0, MAX_STATUS_MESSAGE).join("");
  if (cut !== text) {
    warnings.push(
      `status message ${JSON.stringify(text.slice(0, 64))}: control characters replaced, ` +
        `cut to ${MAX_STATUS_MESSAGE} characters`,
    );
  }
  return cut;
}
