/**
 * Access to the test run's shared real control plane (started by `tests/run.ts`), and small
 * helpers every integration test needs.
 *
 * @module
 */
import { ApiextensionsV1Api, KubeConfig } from "@kubernetes/client-node";
import { parseAllDocuments } from "yaml";
import { useHttp1 } from "../../src/operator/kube/http1.ts";
import { ClusterObjects } from "../../src/operator/kube/objects.ts";
import type { KubernetesObject } from "../../src/shared/kube_object.ts";
import { CILIUM_LB_IP_POOL_CRD, ensureModuleCrd, type ModuleCrd } from "../../tools/crds.ts";
import { loadKubeConfig } from "../../tools/testcluster/control_plane.ts";

/** The admin `KubeConfig` of the shared control plane (HTTP/1.1, as the operator should use). */
export function testKubeConfig(): KubeConfig {
  return useHttp1(loadKubeConfig(testKubeconfigPath()));
}

/** The admin kubeconfig file of the shared control plane. */
export function testKubeconfigPath(): string {
  const path = Deno.env.get("DHCPT_TEST_KUBECONFIG");
  if (!path) {
    throw new Error(
      "No test control plane: run tests through `deno task test [files...]`, which starts one, " +
        "or set DHCPT_TEST_KUBECONFIG to the kubeconfig printed by `deno task cluster`.",
    );
  }
  return path;
}

/** Stops kube-apiserver (etcd keeps its data) until {@link startApiserver}. */
export async function stopApiserver(): Promise<void> {
  await control("stop-apiserver");
}

/** Starts kube-apiserver again and waits until it is ready. */
export async function startApiserver(): Promise<void> {
  await control("start-apiserver");
}

async function control(action: string): Promise<void> {
  const base = Deno.env.get("DHCPT_TEST_CLUSTER_CONTROL");
  if (!base) throw new Error("DHCPT_TEST_CLUSTER_CONTROL is not set: run through `deno task test`");
  const response = await fetch(`${base}/${action}`, { method: "POST" });
  const body = await response.text();
  if (!response.ok) throw new Error(`Cannot ${action}: ${body}`);
}

/** A name unique to this test process, safe as a Kubernetes object name. */
export function uniqueName(prefix: string): string {
  return `${prefix}-${crypto.randomUUID().slice(0, 8)}`;
}

/**
 * Server-side applies (field manager `dhcp-template`) every CustomResourceDefinition in a YAML
 * file, or in a third-party CRD fetched from its Go module, and waits (bounded) until each is
 * Established. Returns the CRDs' names.
 */
export async function installCrds(
  config: KubeConfig,
  file: string | URL | ModuleCrd,
): Promise<string[]> {
  const path = typeof file === "string" || file instanceof URL ? file : await ensureModuleCrd(file);
  const text = await Deno.readTextFile(path);
  const crds = parseAllDocuments(text)
    .map((document) => document.toJS() as KubernetesObject | null)
    .filter((crd): crd is KubernetesObject => crd?.kind === "CustomResourceDefinition");
  // The product's own applier: the library's typed models would drop fields such as `enum`.
  const objects = new ClusterObjects(config);
  for (const crd of crds) await objects.apply(crd);
  const names = crds.map((crd) => crd.metadata.name);
  await Promise.all(names.map((name) => waitEstablished(config, name)));
  return names;
}

async function waitEstablished(config: KubeConfig, name: string): Promise<void> {
  const api = config.makeApiClient(ApiextensionsV1Api);
  await waitFor(`CRD ${name} Established`, async () => {
    const crd = await api.readCustomResourceDefinition({ name });
    return crd.status?.conditions?.some((c) => c.type === "Established" && c.status === "True") ??
      false;
  });
}

/** Polls `check` every 100 ms until it returns true; throws after `timeoutMs` (default 30 s). */
export async function waitFor(
  what: string,
  check: () => Promise<boolean> | boolean,
  timeoutMs = 30_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      if (await check()) return;
      lastError = undefined;
    } catch (error) {
      lastError = error;
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(
    `Timed out after ${timeoutMs} ms waiting for ${what}` +
      (lastError ? `: ${lastError}` : ""),
  );
}

/** The CRDs the product works with: DHCPTemplate, DHCPNode and Cilium's LB IP pool. */
export const PRODUCT_CRDS: readonly (URL | ModuleCrd)[] = [
  new URL("../../charts/dhcp-template/crds/dhcptemplates.yaml", import.meta.url),
  new URL("../../charts/dhcp-template/crds/dhcpnodes.yaml", import.meta.url),
  CILIUM_LB_IP_POOL_CRD,
];

/** Installs {@link PRODUCT_CRDS} and waits until they are served. */
export async function installProductCrds(config: KubeConfig): Promise<void> {
  for (const crd of PRODUCT_CRDS) await installCrds(config, crd);
}
