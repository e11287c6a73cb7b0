/**
 * Helm for the chart tests: the binary built from its Go module (`tools/helm.ts`), the chart, and
 * the values the tests render it with.
 *
 * @module
 */
import { parseAllDocuments } from "yaml";
import type { KubernetesObject } from "../../src/shared/kube_object.ts";
import { ensureHelmBinary } from "../../tools/helm.ts";
import { testKubeconfigPath } from "./cluster.ts";

/** The chart's directory. */
export const CHART = new URL("../../charts/dhcp-template", import.meta.url).pathname;

/** The tests' values: the image repository, which the chart cannot default. */
export const TEST_VALUES = new URL("../fixtures/chart-values.yaml", import.meta.url).pathname;

/** Runs helm against the test control plane; returns its standard output, throws on failure. */
export async function helm(...args: string[]): Promise<string> {
  const output = await new Deno.Command(await ensureHelmBinary(), {
    args,
    env: { KUBECONFIG: testKubeconfigPath(), HELM_CACHE_HOME: "/tmp/dhcpt-helm-cache" },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder().decode(output.stdout);
  if (!output.success) {
    throw new Error(`helm ${args.join(" ")} failed:\n${new TextDecoder().decode(output.stderr)}`);
  }
  return text;
}

/** `helm COMMAND RELEASE` of the chart in `namespace` with the test values and `args`. */
export async function helmChart(
  command: "template" | "install" | "upgrade",
  release: string,
  namespace: string,
  ...args: string[]
): Promise<string> {
  return await helm(
    command,
    release,
    CHART,
    "--namespace",
    namespace,
    "--values",
    TEST_VALUES,
    ...args,
  );
}

/** `helm template RELEASE` of the chart with the test values and `args`, as objects. */
export async function renderChart(
  release: string,
  namespace: string,
  ...args: string[]
): Promise<KubernetesObject[]> {
  const output = await helmChart("template", release, namespace, ...args);
  return parseAllDocuments(output).map((doc) => doc.toJS() as KubernetesObject).filter(Boolean);
}
