/**
 * Command-line flag helpers shared by the agent and the operator: listen addresses, numbers and
 * the error that tells the user which flag to fix.
 *
 * @module
 */
import { DhcpTemplateError } from "./errors.ts";

/** A flag is missing or has a value that cannot be used. */
export class FlagError extends DhcpTemplateError {
  /** Creates the error for `flag` (without dashes). */
  constructor(flag: string, detail: string) {
    super(`Cannot use --${flag}: ${detail}`, { flag });
  }
}

/** A host and port to listen on or connect to. */
export interface HostPort {
  /** Host name or address, without brackets (`::`, `0.0.0.0`, `operator.ns.svc`). */
  hostname: string;
  /** TCP port, 0 for any free port. */
  port: number;
}

/** Parses `host:port` or `[ipv6]:port` (the value of `flag`). */
export function parseHostPort(flag: string, value: string): HostPort {
  const match = /^\[([^\]]+)\]:(\d+)$/.exec(value) ?? /^([^:\[\]]+):(\d+)$/.exec(value);
  if (!match) {
    throw new FlagError(flag, `"${value}" is not host:port or [ipv6]:port`);
  }
  const port = Number(match[2]);
  if (port > 65535) throw new FlagError(flag, `port ${port} is above 65535`);
  return { hostname: match[1], port };
}

/** Formats a host and port as `host:port`, bracketing IPv6 addresses. */
export function formatHostPort({ hostname, port }: HostPort): string {
  return hostname.includes(":") ? `[${hostname}]:${port}` : `${hostname}:${port}`;
}

/** Parses a whole number of at least `min` (the value of `flag`). */
export function parseWholeNumber(flag: string, value: string, min = 0): number {
  const number = Number(value);
  if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(number) || number < min) {
    throw new FlagError(flag, `"${value}" is not a whole number of at least ${min}`);
  }
  return number;
}

/** Parses `true`/`false` (and a bare flag, which parseArgs gives as `""`). */
export function parseBoolean(flag: string, value: string): boolean {
  if (value === "" || value === "true") return true;
  if (value === "false") return false;
  throw new FlagError(flag, `"${value}" is neither true nor false`);
}

/** One of `choices` (the value of `flag`). */
export function parseChoice<T extends string>(
  flag: string,
  value: string,
  choices: readonly T[],
): T {
  if ((choices as readonly string[]).includes(value)) return value as T;
  throw new FlagError(flag, `"${value}" is not one of ${choices.join(", ")}`);
}

/** Log levels, most verbose first. */
export const LOG_LEVELS = ["debug", "info", "warn", "error"] as const;
/** Log output formats. */
export const LOG_FORMATS = ["text", "json"] as const;
