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
