/**
 * `deno task compile [--target TARGET]`: compiles the agent and the operator into self-contained
 * executables, `dist/dhcp-template-agent` and `dist/dhcp-template-operator`. TARGET is a Deno
 * target triple or a container architecture (`amd64`, `arm64`, as in the Containerfile's
 * `TARGETARCH`); without it, the executables are for this machine.
 *
 * @module
 */
import { parseArgs } from "node:util";

/** Deno targets by container architecture. */
const TARGETS_BY_ARCH: Readonly<Record<string, string>> = {
  amd64: "x86_64-unknown-linux-gnu",
  arm64: "aarch64-unknown-linux-gnu",
};

/** An executable of the images: its entry point, its path and what it embeds besides imports. */
export interface Executable {
  /** The entry module, relative to the repository. */
  readonly entry: string;
  /** The compiled file, relative to the repository (its name is the image's command). */
  readonly output: string;
  /** Further modules to embed. */
  readonly include: readonly string[];
}

/** The agent and the operator executables (the Containerfile's two images run one each). */
export const EXECUTABLES: readonly Executable[] = [
  { entry: "src/agent/main.ts", output: "dist/dhcp-template-agent", include: [] },
  {
    entry: "src/operator/executable.ts",
    output: "dist/dhcp-template-operator",
    // Loaded by dynamic import (the operator or its render process) or started by URL (the worker).
    include: [
      "src/operator/main.ts",
      "src/operator/render/host.ts",
      "src/operator/render/worker.ts",
    ],
  },
];

if (import.meta.main) await compileAll(Deno.args);

async function compileAll(argv: string[]) {
  const { values } = parseArgs({ args: argv, options: { target: { type: "string" } } });
  const target = values.target ? (TARGETS_BY_ARCH[values.target] ?? values.target) : undefined;
  const root = new URL("..", import.meta.url).pathname;
  for (const { entry, output, include } of EXECUTABLES) {
    const args = [
      "compile",
      "--allow-all",
      ...(target ? ["--target", target] : []),
      ...include.flatMap((file) => ["--include", file]),
      "--output",
      output,
      entry,
    ];
    console.error(`compile: deno ${args.join(" ")}`);
    const status = await new Deno.Command(Deno.execPath(), { args, cwd: root }).spawn().status;
    if (!status.success) {
      console.error(`compile: ${entry} failed (exit code ${status.code})`);
      Deno.exit(status.code || 1);
    }
  }
}
