/**
 * The Helm chart: lint, template, and a real `helm install` into the test control plane (helm is
 * built from its Go module by `tools/helm.ts`).
 */
import assert from "node:assert/strict";
import { AppsV1Api, CoreV1Api, RbacAuthorizationV1Api } from "@kubernetes/client-node";
import { parseAllDocuments } from "yaml";
import { ensureHelmBinary } from "../tools/helm.ts";
import type { KubernetesObject } from "../src/shared/kube_object.ts";
import { testKubeConfig, testKubeconfigPath, uniqueName } from "./support/cluster.ts";

const CHART = new URL("../charts/dhcp-template", import.meta.url).pathname;

async function helm(...args: string[]): Promise<string> {
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

type Container = {
  securityContext?: Record<string, unknown>;
  args?: string[];
  volumeMounts?: { name: string; readOnly?: boolean; mountPath: string }[];
};
type PodSpec = {
  containers: Container[];
  volumes?: { name: string; hostPath?: { path: string }; projected?: unknown }[];
};

function byKind(objects: KubernetesObject[], kind: string): KubernetesObject[] {
  return objects.filter((object) => object.kind === kind);
}

Deno.test("helm lint --strict passes", async () => {
  const output = await helm("lint", "--strict", CHART);
  assert.match(output, /1 chart\(s\) linted, 0 chart\(s\) failed/);
});

Deno.test("helm template renders a hardened operator and agent", async () => {
  const output = await helm("template", "demo", CHART, "--namespace", "dhcpt");
  const objects = parseAllDocuments(output).map((doc) => doc.toJS() as KubernetesObject)
    .filter(Boolean);
  const [deployment] = byKind(objects, "Deployment");
  const [daemonSet] = byKind(objects, "DaemonSet");
  assert.equal((deployment.spec as { replicas: number }).replicas, 2);
  for (const workload of [deployment, daemonSet]) {
    const pod = (workload.spec as { template: { spec: PodSpec } }).template.spec;
    const security = pod.containers[0].securityContext!;
    assert.equal(security.readOnlyRootFilesystem, true);
    assert.equal(security.allowPrivilegeEscalation, false);
    assert.deepEqual(security.capabilities, { drop: ["ALL"] });
    assert.equal(security.runAsNonRoot, true);
  }
  const agent = (daemonSet.spec as { template: { spec: PodSpec } }).template.spec;
  const leases = agent.volumes!.find((volume) => volume.name === "leases")!;
  assert.equal(leases.hostPath?.path, "/var/lib/dhcpcd");
  assert.equal(agent.containers[0].volumeMounts!.find((m) => m.name === "leases")?.readOnly, true);
  const token = agent.volumes!.find((volume) => volume.name === "token")!;
  assert.match(JSON.stringify(token.projected), /"audience":"dhcp-template"/);

  const [role] = byKind(objects, "ClusterRole");
  const rules = role.rules as { apiGroups: string[]; resources: string[]; verbs: string[] }[];
  assert.ok(rules.some((rule) => rule.resources.includes("ciliumloadbalancerippools")));
  assert.ok(rules.some((rule) => rule.resources.includes("tokenreviews")));
  assert.ok(
    !rules.some((rule) => rule.resources.includes("*") || rule.verbs.includes("*")),
    "no wildcard permissions",
  );
});

Deno.test("helm install into the real control plane creates every object", async () => {
  const namespace = uniqueName("helm");
  const release = uniqueName("rel");
  const config = testKubeConfig();
  const core = config.makeApiClient(CoreV1Api);
  await core.createNamespace({ body: { metadata: { name: namespace } } });
  try {
    await helm("install", release, CHART, "--namespace", namespace, "--timeout", "60s");
    const apps = config.makeApiClient(AppsV1Api);
    const fullname = `${release}-dhcp-template`;
    const deployment = await apps.readNamespacedDeployment({
      namespace,
      name: `${fullname}-operator`,
    });
    assert.equal(deployment.spec?.replicas, 2);
    const daemonSet = await apps.readNamespacedDaemonSet({ namespace, name: `${fullname}-agent` });
    assert.equal(daemonSet.spec?.template.spec?.serviceAccountName, `${fullname}-agent`);
    const service = await core.readNamespacedService({ namespace, name: `${fullname}-operator` });
    assert.equal(service.spec?.ports?.[0].port, 9443);
    const secret = await core.readNamespacedSecret({ namespace, name: `${fullname}-tls` });
    assert.deepEqual(Object.keys(secret.data ?? {}).sort(), ["ca.crt", "tls.crt", "tls.key"]);
    const rbac = config.makeApiClient(RbacAuthorizationV1Api);
    const binding = await rbac.readClusterRoleBinding({ name: `${fullname}-operator` });
    assert.equal(binding.subjects?.[0].name, `${fullname}-operator`);

    // An upgrade keeps the generated certificate: running agents keep trusting the operator.
    await helm("upgrade", release, CHART, "--namespace", namespace, "--timeout", "60s");
    const after = await core.readNamespacedSecret({ namespace, name: `${fullname}-tls` });
    assert.equal(after.data?.["ca.crt"], secret.data?.["ca.crt"]);
  } finally {
    await helm("uninstall", release, "--namespace", namespace).catch(() => "");
    await core.deleteNamespace({ name: namespace });
  }
});
