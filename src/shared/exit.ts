/**
 * How the executables end when they cannot start: a configuration or environment problem is
 * printed as its message (it says what to fix), anything else with its stack (a bug).
 *
 * @module
 */
import { DhcpTemplateError } from "./errors.ts";

/** Prints why the process cannot start and exits with status 1. */
export function exitOnSetupError(error: unknown): never {
  if (error instanceof DhcpTemplateError) {
    console.error(`error: ${error.message}`);
  } else {
    console.error(error);
  }
  Deno.exit(1);
}
