/**
 * `dhcp-template-agent leases`: prints what the agent sees in the lease directory — the node's
 * interfaces exactly as templates will see them, and the files it cannot read — as JSON or YAML,
 * once or on every change (`--watch`, until SIGINT or SIGTERM: one JSON document per line, or YAML
 * documents separated by `---`). Exit status 0, 1 when the directory cannot be read, 2 for bad
 * flags.
 *
 * @module
 */
import { parseArgs } from "node:util";
import { stringify } from "yaml";
import { FlagError, parseChoice } from "../shared/flags.ts";
import { type LeaseDirectoryState, readLeaseDirectory, watchLeaseDirectory } from "./lease_dir.ts";

const USAGE = "usage: dhcp-template-agent leases [--lease-dir DIR] [--format json|yaml] " +
  "[--wireless IFACE]... [--watch]";

/** Formats the directory's state for people. */
export function formatLeases(state: LeaseDirectoryState, format: "json" | "yaml"): string {
  return format === "json" ? JSON.stringify(state, null, 2) : stringify(state).trimEnd();
}

/**
 * Formats one state of a `--watch` stream so programs can split it: one JSON document per line,
 * or YAML documents each starting with `---`.
 */
export function formatLeasesStreamed(state: LeaseDirectoryState, format: "json" | "yaml"): string {
  return format === "json" ? JSON.stringify(state) : `---\n${stringify(state).trimEnd()}`;
}

/** Runs the command; resolves to the exit code. */
export async function runLeasesCommand(args: string[]): Promise<number> {
  let options;
  try {
    const { values } = parseArgs({
      args,
      options: {
        "lease-dir": { type: "string", default: "/var/lib/dhcpcd" },
        "format": { type: "string", default: "json" },
        "wireless": { type: "string", multiple: true },
        "watch": { type: "boolean", default: false },
        "help": { type: "boolean", default: false },
      },
      strict: true,
    });
    options = {
      dir: values["lease-dir"],
      format: parseChoice("format", values.format, ["json", "yaml"] as const),
      wireless: values.wireless ?? [],
      watch: values.watch,
      help: values.help,
    };
  } catch (error) {
    console.error(error instanceof FlagError ? error.message : `${(error as Error).message}`);
    console.error(USAGE);
    return 2;
  }
  if (options.help) {
    console.log(USAGE);
    return 0;
  }
  if (!options.watch) {
    try {
      const state = await readLeaseDirectory(options.dir, { wireless: options.wireless });
      console.log(formatLeases(state, options.format));
      return 0;
    } catch (error) {
      console.error((error as Error).message);
      return 1;
    }
  }
  const watcher = watchLeaseDirectory(
    options.dir,
    (state) => console.log(formatLeasesStreamed(state, options.format)),
    { wireless: options.wireless, onError: (error) => console.error(error.message) },
  );
  let stop = () => {};
  const stopped = new Promise<void>((resolve) => stop = resolve);
  Deno.addSignalListener("SIGINT", stop);
  Deno.addSignalListener("SIGTERM", stop);
  await stopped;
  Deno.removeSignalListener("SIGINT", stop);
  Deno.removeSignalListener("SIGTERM", stop);
  await watcher.stop();
  return 0;
}
