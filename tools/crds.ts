/**
 * Third-party CustomResourceDefinitions (Cilium, MetalLB) exactly as their projects publish them:
 * fetched from the projects' Go modules with the ordinary Go tool (`go mod download`, pinned
 * versions, verified against the Go checksum database) and cached next to the control plane
 * binary, so tests and the demo run against the real schemas and nothing is read from outside
 * the repository.
 *
 * @module
 */
import { basename, join } from "node:path";
import { cacheDirectory, exists } from "./testcluster/build.ts";

/** A CRD could not be fetched from its Go module. */
export class CrdFetchError extends Error {
  /** Creates the error; `detail` is what the Go tool or the file system said. */
  constructor(message: string, readonly detail: string) {
    super(`${message}: ${detail}`);
    this.name = "CrdFetchError";
  }
}

/** A CRD file inside a Go module. */
export interface ModuleCrd {
  /** The Go module path, e.g. `github.com/cilium/cilium`. */
  readonly module: string;
  /** The pinned module version. */
  readonly version: string;
  /** The file's path inside the module. */
  readonly path: string;
}

/** Cilium's `CiliumLoadBalancerIPPool` (cilium.io/v2), the kind the product example renders. */
export const CILIUM_LB_IP_POOL_CRD: ModuleCrd = {
  module: "github.com/cilium/cilium",
  version: "v1.20.2",
  path: "pkg/k8s/apis/cilium.io/client/crds/v2/ciliumloadbalancerippools.yaml",
};

/** MetalLB's `IPAddressPool` (metallb.io/v1beta1), rendered by `examples/metallb-pool.yaml`. */
export const METALLB_IP_ADDRESS_POOL_CRD: ModuleCrd = {
  module: "go.universe.tf/metallb",
  version: "v0.16.2",
  path: "config/crd/bases/metallb.io_ipaddresspools.yaml",
};

/**
 * Returns the path of a cached copy of `crd`, downloading its module first when the cache does
 * not have it yet. `progress` hears about downloads.
 */
export async function ensureModuleCrd(
  crd: ModuleCrd,
  progress: (line: string) => void = (line) => console.error(line),
): Promise<string> {
  const cached = join(cacheDirectory(), "crds", cacheName(crd));
  if (await exists(cached)) return cached;
  progress(`crds: downloading ${crd.module}@${crd.version} for ${basename(crd.path)}`);
  await Deno.mkdir(join(cacheDirectory(), "crds"), { recursive: true });
  const source = join(await downloadModule(crd.module, crd.version), crd.path);
  const text = await Deno.readTextFile(source).catch((error) => {
    throw new CrdFetchError(`${crd.module}@${crd.version} has no ${crd.path}`, String(error));
  });
  // Concurrent test processes may fetch the same CRD: each writes its own file, then renames.
  const partial = `${cached}.partial-${Deno.pid}`;
  await Deno.writeTextFile(partial, text);
  await Deno.rename(partial, cached);
  return cached;
}

/** Downloads a module into Go's module cache (`go mod download`) and returns its directory. */
async function downloadModule(module: string, version: string): Promise<string> {
  const output = await new Deno.Command("go", {
    args: ["mod", "download", "-json", `${module}@${version}`],
    // Outside any Go module, so no go.mod decides what may be downloaded.
    cwd: cacheDirectory(),
    stdout: "piped",
    stderr: "piped",
  }).output().catch((error) => {
    throw new CrdFetchError("Cannot run go: is Go installed and on PATH?", String(error));
  });
  let result: { Dir?: string; Error?: string } = {};
  try {
    result = JSON.parse(new TextDecoder().decode(output.stdout));
  } catch {
    // No JSON: the Go tool's standard error says why.
  }
  if (!output.success || !result.Dir) {
    throw new CrdFetchError(
      `Cannot download ${module}@${version}`,
      result.Error ?? new TextDecoder().decode(output.stderr),
    );
  }
  return result.Dir;
}

function cacheName(crd: ModuleCrd): string {
  return `${crd.module.replaceAll("/", "_")}@${crd.version}_${basename(crd.path)}`;
}
