/**
 * Builds Helm from its Go module (`helm.sh/helm/v3`, served by the Go module proxy) once and
 * caches it next to the control plane binary; used by the chart tests.
 *
 * @module
 */
import { join } from "node:path";
import { cacheDirectory, exists, goBuild, goOutput } from "./testcluster/build.ts";

/** The Helm version the chart is tested with. */
export const HELM_VERSION = "v3.22.0";

/** Returns the path of the cached `helm` binary, building it first when needed. */
export async function ensureHelmBinary(
  progress: (line: string) => void = (line) => console.error(line),
): Promise<string> {
  const goVersion = (await goOutput(["env", "GOVERSION"])).trim();
  const binary = join(cacheDirectory(), `helm-${HELM_VERSION}-${goVersion}`);
  if (await exists(binary)) return binary;
  progress(`helm: building ${HELM_VERSION} from its Go module (a few minutes the first time)`);
  const gobin = await Deno.makeTempDir({ prefix: "dhcpt-helm-" });
  try {
    await goBuild({
      label: "helm",
      args: ["install", "-v", "-trimpath", `helm.sh/helm/v3/cmd/helm@${HELM_VERSION}`],
      cwd: gobin,
      env: { GOBIN: gobin },
      produced: join(gobin, "helm"),
      output: binary,
      progress,
    });
  } finally {
    await Deno.remove(gobin, { recursive: true });
  }
  return binary;
}
