/**
 * How the executables end: when they cannot start, a configuration or environment problem is
 * printed as its message (it says what to fix), anything else with its stack (a bug); on SIGTERM
 * or SIGINT they stop gracefully.
 *
 * @module
 */
import { DhcpTemplateError } from "./errors.ts";
import type { Logger } from "./log.ts";

/** Prints why the process cannot start and exits with status 1. */
export function exitOnSetupError(error: unknown): never {
  if (error instanceof DhcpTemplateError) {
    console.error(`error: ${error.message}`);
  } else {
    console.error(error);
  }
  Deno.exit(1);
}

/** Stops gracefully on SIGTERM or SIGINT: logs, runs `stop`, exits with status 0. */
export function stopOnSignals(log: Logger, stop: () => Promise<void>): void {
  const shutdown = async (signal: string) => {
    log.info("shutting down", { signal });
    await stop();
    Deno.exit(0);
  };
  Deno.addSignalListener("SIGTERM", () => shutdown("SIGTERM"));
  Deno.addSignalListener("SIGINT", () => shutdown("SIGINT"));
}
