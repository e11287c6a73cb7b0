/**
 * Builds the `testcluster` Go binary once per source version and caches it.
 *
 * The binary lands in `$XDG_CACHE_HOME/dhcp-template` (default `~/.cache/dhcp-template`), named
 * by a hash of the Go sources, the Go version and the build flags, so a fresh clone of unchanged
 * sources reuses it and any change rebuilds it. Go's own module and build caches stay where Go
 * keeps them (`go env GOMODCACHE GOCACHE`), which makes a rebuild after a small change quick.
 *
 * @module
 */
import { createHash } from "node:crypto";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/** The Kubernetes version the control plane is built from (must match `go.mod`). */
export const KUBERNETES_VERSION = "v1.37.2";

const SOURCE_DIR = dirname(fileURLToPath(import.meta.url));
const SOURCE_FILES = ["go.mod", "go.sum", "main.go"];
const LDFLAGS = [
  "-s",
  "-w",
  `-X k8s.io/component-base/version.gitVersion=${KUBERNETES_VERSION}`,
  `-X k8s.io/component-base/version.gitMajor=${KUBERNETES_VERSION.split(".")[0].slice(1)}`,
  `-X k8s.io/component-base/version.gitMinor=${KUBERNETES_VERSION.split(".")[1]}`,
].join(" ");

/** A failed Go build. */
export class GoBuildError extends Error {
  /** Creates the error; `output` is the tail of the Go tool's output. */
  constructor(message: string, readonly output: string) {
    super(`${message}\n${output}`);
    this.name = "GoBuildError";
  }
}

/** Where built binaries are cached. */
export function cacheDirectory(): string {
  const base = Deno.env.get("XDG_CACHE_HOME") ?? join(Deno.env.get("HOME") ?? "/tmp", ".cache");
  return join(base, "dhcp-template");
}

/**
 * Returns the path of an up-to-date `testcluster` binary, building it first when needed.
 * `progress` receives human-readable progress lines (a cold build takes many minutes).
 */
export async function ensureTestclusterBinary(
  progress: (line: string) => void = (line) => console.error(line),
): Promise<string> {
  const goVersion = await goOutput(["version"]);
  const hash = createHash("sha256");
  hash.update(goVersion).update(LDFLAGS);
  for (const file of SOURCE_FILES) {
    hash.update(file).update(await Deno.readFile(join(SOURCE_DIR, file)));
  }
  const binary = join(cacheDirectory(), `testcluster-${hash.digest("hex").slice(0, 16)}`);
  if (await exists(binary)) return binary;

  progress(
    `testcluster: building the control plane (Kubernetes ${KUBERNETES_VERSION}) into ${binary}`,
  );
  progress("testcluster: a cold build takes several minutes; later runs reuse the binary");
  const partial = `${binary}.partial-${Deno.pid}`;
  await goBuild({
    label: "testcluster",
    args: ["build", "-v", "-trimpath", "-ldflags", LDFLAGS, "-o", partial, "."],
    cwd: SOURCE_DIR,
    produced: partial,
    output: binary,
    progress,
  });
  await removeOtherBuilds(binary);
  return binary;
}

/** What {@link goBuild} runs. */
export interface GoBuildOptions {
  /** Prefix of progress lines. */
  label: string;
  /** Arguments of `go` (include `-v`: its lines are the progress). */
  args: string[];
  /** Working directory. */
  cwd: string;
  /** Extra environment (`CGO_ENABLED=0` is always set). */
  env?: Record<string, string>;
  /** The file the command produces. */
  produced: string;
  /** Where the finished binary goes (renamed into place only on success). */
  output: string;
  /** Receives progress lines. */
  progress: (line: string) => void;
}

/** Runs a Go build, reporting progress every 15 s, and moves the result into place. */
export async function goBuild(options: GoBuildOptions): Promise<void> {
  const { label, progress } = options;
  await Deno.mkdir(dirname(options.output), { recursive: true });
  const started = performance.now();
  const child = new Deno.Command("go", {
    args: options.args,
    cwd: options.cwd,
    env: { CGO_ENABLED: "0", ...options.env },
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const tail: string[] = [];
  let packages = 0;
  let lastReport = performance.now();
  const stdout = new Response(child.stdout).text();
  for await (const line of lines(child.stderr)) {
    tail.push(line);
    if (tail.length > 40) tail.shift();
    packages++;
    if (performance.now() - lastReport > 15_000) {
      lastReport = performance.now();
      progress(`${label}: ${packages} packages compiled (${seconds(started)} s)`);
    }
  }
  const status = await child.status;
  await stdout;
  if (!status.success) {
    await Deno.remove(options.produced).catch(() => {});
    throw new GoBuildError(
      `Cannot build ${label} in ${options.cwd}: go exited with ${status.code}`,
      tail.join("\n"),
    );
  }
  await Deno.rename(options.produced, options.output);
  progress(`${label}: built in ${seconds(started)} s`);
}

/** Removes cached binaries of other source versions (each is over 100 MB). */
async function removeOtherBuilds(keep: string): Promise<void> {
  for await (const entry of Deno.readDir(cacheDirectory())) {
    const path = join(cacheDirectory(), entry.name);
    if (
      entry.name.startsWith("testcluster-") && path !== keep && !entry.name.includes(".partial")
    ) {
      await Deno.remove(path).catch(() => {});
    }
  }
}

/** Runs `go` with `args` and returns its standard output. */
export async function goOutput(args: string[]): Promise<string> {
  const output = await new Deno.Command("go", { args, stdout: "piped", stderr: "piped" }).output()
    .catch((error) => {
      throw new GoBuildError("Cannot run go: is Go installed and on PATH?", String(error));
    });
  if (!output.success) {
    throw new GoBuildError(`Cannot run go ${args.join(" ")}`, decode(output.stderr));
  }
  return decode(output.stdout).trim();
}

/** Splits a byte stream into lines. */
export async function* lines(stream: ReadableStream<Uint8Array>): AsyncGenerator<string> {
  let buffered = "";
  for await (const chunk of stream.pipeThrough(new TextDecoderStream())) {
    buffered += chunk;
    let newline: number;
    while ((newline = buffered.indexOf("\n")) >= 0) {
      yield buffered.slice(0, newline);
      buffered = buffered.slice(newline + 1);
    }
  }
  if (buffered) yield buffered;
}

/** Whether a file exists. */
export async function exists(path: string): Promise<boolean> {
  try {
    await Deno.stat(path);
    return true;
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return false;
    throw error;
  }
}

function decode(bytes: Uint8Array): string {
  return new TextDecoder().decode(bytes);
}

function seconds(since: number): string {
  return ((performance.now() - since) / 1000).toFixed(0);
}
