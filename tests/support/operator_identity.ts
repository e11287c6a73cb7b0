/**
 * The operator's real, restricted identity in the test control plane: a ServiceAccount bound to a
 * ClusterRole with the rules of the chart's operator ClusterRole
 * (charts/dhcp-template/templates/rbac.yaml) plus the kinds of `managedResources` and
 * `patchedResources`, and a
 * kubeconfig that authenticates with that service account's token. Requests outside those rules
 * get the apiserver's 403, as in a real installation.
 *
 * @module
 */
import {
  CoreV1Api,
  KubeConfig,
  RbacAuthorizationV1Api,
  type V1PolicyRule,
} from "@kubernetes/client-node";
import { useHttp1 } from "../../src/operator/kube/http1.ts";

/** One entry of the chart's `operator.managedResources`. */
export interface ManagedResource {
  /** API groups of the kinds. */
  apiGroups: string[];
  /** Resources (plural names). */
  resources: string[];
}

/** The chart's default `operator.managedResources`: Cilium LB IP pools. */
export const DEFAULT_MANAGED_RESOURCES: ManagedResource[] = [
  { apiGroups: ["cilium.io"], resources: ["ciliumloadbalancerippools"] },
];

/** The rules of the chart's operator ClusterRole for these managed and patched resources. */
export function operatorRules(
  managed: ManagedResource[],
  patched: ManagedResource[] = [],
): V1PolicyRule[] {
  const all = ["get", "list", "watch", "create", "patch", "update", "delete"];
  const read = ["get", "list", "watch"];
  return [
    {
      apiGroups: ["k8s.lukasdietrich.com"],
      resources: ["dhcptemplates"],
      verbs: patched.length ? [...read, "patch"] : read,
    },
    {
      apiGroups: ["k8s.lukasdietrich.com"],
      resources: ["dhcptemplates/status"],
      verbs: ["get", "patch", "update"],
    },
    { apiGroups: ["k8s.lukasdietrich.com"], resources: ["dhcpnodes"], verbs: all },
    { apiGroups: ["authentication.k8s.io"], resources: ["tokenreviews"], verbs: ["create"] },
    { apiGroups: [""], resources: ["nodes"], verbs: ["get", "list", "watch"] },
    { apiGroups: ["", "events.k8s.io"], resources: ["events"], verbs: ["create", "patch"] },
    ...managed.map((resource) => ({ ...resource, verbs: all })),
    ...patched.map((resource) => ({ ...resource, verbs: [...read, "patch"] })),
  ];
}

/** A created operator identity. */
export interface OperatorIdentity {
  /** A kubeconfig (HTTP/1.1) that authenticates as the operator's service account. */
  kubeConfig: KubeConfig;
  /** Deletes the ClusterRole, its binding and the service account. */
  remove(): Promise<void>;
}

/** Creates the service account, its ClusterRole and binding, and a token for it. */
export async function createOperatorIdentity(
  admin: KubeConfig,
  name: string,
  managed: ManagedResource[] = DEFAULT_MANAGED_RESOURCES,
  patched: ManagedResource[] = [],
): Promise<OperatorIdentity> {
  const core = admin.makeApiClient(CoreV1Api);
  const rbac = admin.makeApiClient(RbacAuthorizationV1Api);
  const namespace = "default";
  await core.createNamespacedServiceAccount({ namespace, body: { metadata: { name } } });
  await rbac.createClusterRole({
    body: { metadata: { name }, rules: operatorRules(managed, patched) },
  });
  await rbac.createClusterRoleBinding({
    body: {
      metadata: { name },
      roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name },
      subjects: [{ kind: "ServiceAccount", name, namespace }],
    },
  });
  const request = await core.createNamespacedServiceAccountToken({
    namespace,
    name,
    body: { spec: { expirationSeconds: 3600 } },
  });
  const cluster = admin.getCurrentCluster()!;
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromOptions({
    clusters: [{ ...cluster, name: "test" }],
    users: [{ name, token: request.status!.token! }],
    contexts: [{ name: "operator", cluster: "test", user: name }],
    currentContext: "operator",
  });
  return {
    kubeConfig: useHttp1(kubeConfig),
    async remove() {
      await rbac.deleteClusterRoleBinding({ name }).catch(() => {});
      await rbac.deleteClusterRole({ name }).catch(() => {});
      await core.deleteNamespacedServiceAccount({ namespace, name }).catch(() => {});
    },
  };
}
