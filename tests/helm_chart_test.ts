/**
 * The Helm chart: lint, template, and a real `helm install` into the test control plane (helm is
 * built from its Go module by `tools/helm.ts`).
 */
import assert from "node:assert/strict";
import { AppsV1Api, CoreV1Api, PolicyV1Api, RbacAuthorizationV1Api } from "@kubernetes/client-node";
import { parse } from "yaml";
import { parseAgentArgs } from "../src/agent/config.ts";
import { parseOperatorArgs } from "../src/operator/config.ts";
import type { KubernetesObject } from "../src/shared/kube_object.ts";
import { testKubeConfig, uniqueName } from "./support/cluster.ts";
import { CHART, helm, renderChart, TEST_VALUES } from "./support/helm.ts";

type Probe = { httpGet: { path: string; port: string } };
type Container = {
  image?: string;
  securityContext?: Record<string, unknown>;
  args?: string[];
  env?: { name: string }[];
  ports?: { name: string; containerPort: number }[];
  livenessProbe?: Probe;
  readinessProbe?: Probe;
  volumeMounts?: { name: string; readOnly?: boolean; mountPath: string }[];
};
type PodSpec = {
  containers: Container[];
  securityContext?: Record<string, unknown>;
  nodeSelector?: Record<string, string>;
  tolerations?: unknown[];
  volumes?: { name: string; hostPath?: { path: string }; projected?: unknown }[];
};
type PodTemplate = { metadata: { annotations?: Record<string, string> }; spec: PodSpec };

function byKind(objects: KubernetesObject[], kind: string): KubernetesObject[] {
  return objects.filter((object) => object.kind === kind);
}

function renderDemo(...args: string[]): Promise<KubernetesObject[]> {
  return renderChart("demo", "dhcpt", ...args);
}

function podTemplate(workload: KubernetesObject): PodTemplate {
  return (workload.spec as { template: PodTemplate }).template;
}

Deno.test("helm lint --strict passes", async () => {
  const output = await helm("lint", "--strict", CHART, "--values", TEST_VALUES);
  assert.match(output, /1 chart\(s\) linted, 0 chart\(s\) failed/);
});

Deno.test("helm template renders a hardened operator and agent", async () => {
  const objects = await renderDemo();
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

Deno.test("helm template: patched kinds get only get, list, watch and patch", async () => {
  const rulesFor = async (...args: string[]) => {
    const [role] = byKind(await renderDemo(...args), "ClusterRole");
    return role.rules as { apiGroups: string[]; resources: string[]; verbs: string[] }[];
  };
  const templateVerbs = (rules: { resources: string[]; verbs: string[] }[]) =>
    rules.find((rule) => rule.resources.includes("dhcptemplates"))?.verbs;
  const without = await rulesFor();
  assert.ok(!without.some((rule) => rule.resources.includes("services")));
  assert.deepEqual(templateVerbs(without), ["get", "list", "watch"]);
  const rules = await rulesFor(
    "--set-json",
    'operator.patchedResources=[{"apiGroups":[""],"resources":["services"]}]',
  );
  assert.deepEqual(rules.filter((rule) => rule.resources.includes("services")), [
    { apiGroups: [""], resources: ["services"], verbs: ["get", "list", "watch", "patch"] },
  ]);
  assert.deepEqual(templateVerbs(rules), ["get", "list", "watch", "patch"]);
});

Deno.test("helm template names only this project's images, and none without image.repository", async () => {
  const objects = await renderDemo("--set", "image.tag=1.2.3");
  const images = [...byKind(objects, "Deployment"), ...byKind(objects, "DaemonSet")]
    .map((workload) => podTemplate(workload).spec.containers[0].image);
  assert.deepEqual(images, [
    "registry.example.com/test/dhcp-template-operator:1.2.3",
    "registry.example.com/test/dhcp-template-agent:1.2.3",
  ]);
  const refused = await helm("template", "demo", CHART).then(() => "", (error) => String(error));
  assert.match(refused, /image\.repository is not set/);
  assert.match(refused, /Containerfile .*Building the images/);
});

Deno.test("helm template: probes, metrics ports, JSON logs and scheduling by default", async () => {
  const objects = await renderDemo();
  const [deployment] = byKind(objects, "Deployment");
  const [daemonSet] = byKind(objects, "DaemonSet");
  for (const [workload, port] of [[deployment, 8080], [daemonSet, 8081]] as const) {
    const pod = podTemplate(workload);
    const [container] = pod.spec.containers;
    assert.deepEqual(container.livenessProbe?.httpGet, { path: "/healthz", port: "metrics" });
    assert.deepEqual(container.readinessProbe?.httpGet, { path: "/readyz", port: "metrics" });
    assert.equal(container.ports?.find((p) => p.name === "metrics")?.containerPort, port);
    assert.ok(container.args?.includes("--log-format=json"), workload.kind);
    assert.ok(container.args?.includes(`--metrics-listen=[::]:${port}`), workload.kind);
    assert.deepEqual(container.securityContext?.seccompProfile, { type: "RuntimeDefault" });
    assert.deepEqual(pod.spec.securityContext?.seccompProfile, { type: "RuntimeDefault" });
    assert.equal(pod.metadata.annotations?.["prometheus.io/port"], String(port));
  }
  const operator = podTemplate(deployment).spec.containers[0];
  assert.ok(operator.args?.includes("--leader-election=true"));
  assert.ok(operator.args?.includes("--leader-election-lease-seconds=15"));
  assert.deepEqual(operator.env?.map((variable) => variable.name), ["POD_NAME", "POD_NAMESPACE"]);
  const agent = podTemplate(daemonSet).spec;
  assert.deepEqual(agent.nodeSelector, { "kubernetes.io/os": "linux" });
  assert.deepEqual(agent.tolerations, [{ operator: "Exists" }]);
  assert.equal(agent.securityContext?.seLinuxOptions, undefined);
  const [budget] = byKind(objects, "PodDisruptionBudget");
  assert.equal((budget.spec as { minAvailable: number }).minAvailable, 1);
  assert.deepEqual(byKind(objects, "PodMonitor"), []);
});

Deno.test("helm template: SELinux type, text logs, one replica, PodMonitor", async () => {
  const objects = await renderDemo(
    "--set",
    "agent.seLinuxType=spc_t",
    "--set",
    "operator.logFormat=text",
    "--set",
    "agent.logFormat=text",
    "--set",
    "operator.replicas=1",
    "--set",
    "metrics.podMonitor.enabled=true",
    "--set",
    "agent.wirelessInterfaces={wlan0}",
  );
  const [deployment] = byKind(objects, "Deployment");
  const [daemonSet] = byKind(objects, "DaemonSet");
  assert.ok(podTemplate(deployment).spec.containers[0].args?.includes("--log-format=text"));
  const agent = podTemplate(daemonSet).spec;
  assert.ok(agent.containers[0].args?.includes("--log-format=text"));
  assert.ok(agent.containers[0].args?.includes("--wireless=wlan0"));
  assert.deepEqual(agent.securityContext?.seLinuxOptions, { type: "spc_t" });
  assert.deepEqual(byKind(objects, "PodDisruptionBudget"), [], "no PDB for a single replica");
  const [monitor] = byKind(objects, "PodMonitor");
  assert.deepEqual((monitor.spec as { podMetricsEndpoints: unknown[] }).podMetricsEndpoints, [
    { port: "metrics", path: "/metrics", interval: "30s" },
  ]);
});

Deno.test("helm template: impersonation only of the listed template service accounts", async () => {
  type Rule = {
    apiGroups: string[];
    resources: string[];
    verbs: string[];
    resourceNames?: string[];
  };
  const rulesOf = (objects: KubernetesObject[]) =>
    [...byKind(objects, "ClusterRole"), ...byKind(objects, "Role")].flatMap((role) =>
      (role.rules as Rule[]).map((rule) => ({ role: role.metadata, rule }))
    );
  const impersonating = (objects: KubernetesObject[]) =>
    rulesOf(objects).filter(({ rule }) => rule.verbs.includes("impersonate"));
  assert.deepEqual(impersonating(await renderDemo()), [], "none by default");

  const objects = await renderDemo(
    "--set",
    "operator.templateServiceAccounts[0].namespace=team-a",
    "--set",
    "operator.templateServiceAccounts[0].name=pool-writer",
  );
  assert.deepEqual(impersonating(objects).map(({ role, rule }) => [role.namespace, rule]), [
    ["team-a", {
      apiGroups: [""],
      resources: ["serviceaccounts"],
      resourceNames: ["pool-writer"],
      verbs: ["impersonate"],
    }],
  ]);
  assert.ok(
    !rulesOf(objects).some(({ rule }) =>
      rule.resources.includes("users") || rule.resources.includes("groups")
    ),
    "no impersonation of users or groups",
  );
  const binding = byKind(objects, "RoleBinding").find((b) => b.metadata.namespace === "team-a")!;
  assert.deepEqual(binding.subjects, [
    { kind: "ServiceAccount", name: "demo-dhcp-template-operator", namespace: "dhcpt" },
  ]);
});

Deno.test("the executables accept the arguments the chart gives them", async () => {
  for (const values of [[], ["--set", "tls.enabled=false", "--set", "operator.logFormat=text"]]) {
    const objects = await renderDemo(...values);
    const operatorArgs = podTemplate(byKind(objects, "Deployment")[0]).spec.containers[0].args!;
    const operator = parseOperatorArgs(operatorArgs, {
      POD_NAME: "demo-operator-0",
      POD_NAMESPACE: "dhcpt",
    });
    assert.equal(operator.metricsListen.port, 8080);
    assert.equal(operator.leaderElectionName, "demo-dhcp-template-operator");
    assert.deepEqual(operator.agentServiceAccounts, ["dhcpt:demo-dhcp-template-agent"]);
    assert.equal(operator.tls === "plaintext", values.length > 0);
    const agentArgs = podTemplate(byKind(objects, "DaemonSet")[0]).spec.containers[0].args!;
    const agent = parseAgentArgs(agentArgs, { NODE_NAME: "node-a" });
    assert.equal(agent.metricsListen.port, 8081);
    assert.equal(agent.logFormat, "json");
  }
});

Deno.test("every value in values.yaml is documented", async () => {
  const text = await Deno.readTextFile(`${CHART}/values.yaml`);
  const { walked, undocumented } = documentation(text);
  assert.deepEqual(undocumented, []);
  // The check saw every value: each leaf of the parsed file lies under a key it walked.
  for (const leaf of leafKeys(parse(text) as Record<string, unknown>)) {
    assert.ok(walked.some((key) => leaf === key || leaf.startsWith(`${key}.`)), leaf);
  }
});

/**
 * The keys of values.yaml (dotted paths) and those that neither carry a `# --` comment nor sit
 * inside a documented section (`resources:` documents `requests` and `limits`).
 */
function documentation(text: string): { walked: string[]; undocumented: string[] } {
  const walked: string[] = [];
  const undocumented: string[] = [];
  const sections: { indent: number; documented: boolean; key: string }[] = [];
  let comment = false;
  for (const line of text.split("\n")) {
    if (/^\s*# --/.test(line)) comment = true;
    const key = /^(\s*)([\w./-]+):/.exec(line);
    if (!key) {
      if (line.trim() === "") comment = false;
      continue;
    }
    const indent = key[1].length;
    while (sections.length > 0 && sections.at(-1)!.indent >= indent) sections.pop();
    const documented = comment || sections.some((section) => section.documented);
    const path = [...sections.map((section) => section.key), key[2]].join(".");
    walked.push(path);
    if (!documented && !line.trim().endsWith(":")) undocumented.push(path);
    sections.push({ indent, documented, key: key[2] });
    comment = false;
  }
  return { walked, undocumented };
}

function leafKeys(values: Record<string, unknown>, prefix = ""): string[] {
  return Object.entries(values).flatMap(([key, value]) =>
    value && typeof value === "object" && !Array.isArray(value) && Object.keys(value).length > 0
      ? leafKeys(value as Record<string, unknown>, `${prefix}${key}.`)
      : [`${prefix}${key}`]
  );
}

Deno.test("helm install into the real control plane creates every object", async () => {
  const namespace = uniqueName("helm");
  const release = uniqueName("rel");
  const config = testKubeConfig();
  const core = config.makeApiClient(CoreV1Api);
  await core.createNamespace({ body: { metadata: { name: namespace } } });
  try {
    await helm(
      "install",
      release,
      CHART,
      "--namespace",
      namespace,
      "--values",
      TEST_VALUES,
      "--timeout",
      "60s",
    );
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
    assert.deepEqual(
      daemonSet.spec?.template.spec?.containers[0].readinessProbe?.httpGet?.path,
      "/readyz",
    );
    const budget = await config.makeApiClient(PolicyV1Api).readNamespacedPodDisruptionBudget({
      namespace,
      name: `${fullname}-operator`,
    });
    assert.equal(budget.spec?.minAvailable, 1);
    const rbac = config.makeApiClient(RbacAuthorizationV1Api);
    const binding = await rbac.readClusterRoleBinding({ name: `${fullname}-operator` });
    assert.equal(binding.subjects?.[0].name, `${fullname}-operator`);

    // An upgrade keeps the generated certificate: running agents keep trusting the operator.
    await helm(
      "upgrade",
      release,
      CHART,
      "--namespace",
      namespace,
      "--values",
      TEST_VALUES,
      "--timeout",
      "60s",
    );
    const after = await core.readNamespacedSecret({ namespace, name: `${fullname}-tls` });
    assert.equal(after.data?.["ca.crt"], secret.data?.["ca.crt"]);
  } finally {
    await helm("uninstall", release, "--namespace", namespace).catch(() => "");
    await core.deleteNamespace({ name: namespace });
  }
});
