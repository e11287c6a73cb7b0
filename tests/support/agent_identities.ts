/**
 * Real agent identities without a kubelet: for each simulated node a Node object, a Pod of the
 * agent's service account bound to that node, and a projected-style token from the TokenRequest
 * API bound to the pod — so the apiserver puts the node's name into the token, exactly as for a
 * DaemonSet pod. Tokens are written to files, as the kubelet would project them.
 *
 * @module
 */
import { ApiException, CoreV1Api, type KubeConfig } from "@kubernetes/client-node";

/** What to create. */
export interface AgentIdentityOptions {
  /** Namespace of the service account and the pods (created when missing). */
  namespace: string;
  /** The agents' service account (created when missing). */
  serviceAccount: string;
  /** Names of the nodes (Node objects are created when missing). */
  nodes: string[];
  /** Audience of the tokens. */
  audience: string;
  /** Token lifetime, seconds (default 3600; the apiserver's minimum is 600). */
  expirationSeconds?: number;
}

/** The created identities. */
export interface AgentIdentities {
  /** The token of `node`'s agent. */
  token(node: string): string;
  /** The file holding the token of `node`'s agent. */
  tokenFile(node: string): string;
  /** Requests a fresh token for `node` and rewrites its file (token rotation). */
  reissue(node: string): Promise<string>;
  /** Deletes the pods and the token files (Nodes and the namespace stay for other users). */
  remove(): Promise<void>;
}

/** Creates a node-bound identity for each node's agent. */
export async function createAgentIdentities(
  config: KubeConfig,
  options: AgentIdentityOptions,
): Promise<AgentIdentities> {
  const core = config.makeApiClient(CoreV1Api);
  const { namespace, serviceAccount } = options;
  await ignoreConflict(core.createNamespace({ body: { metadata: { name: namespace } } }));
  await ignoreConflict(core.createNamespacedServiceAccount({
    namespace,
    body: { metadata: { name: serviceAccount } },
  }));
  const dir = await Deno.makeTempDir({ prefix: "dhcpt-tokens-" });
  const tokens = new Map<string, string>();
  const podUids = new Map<string, string>();
  const podName = (node: string) => `${serviceAccount}-${node}`.slice(0, 63);
  const tokenFile = (node: string) => `${dir}/${node}.token`;

  const reissue = async (node: string) => {
    const request = await core.createNamespacedServiceAccountToken({
      namespace,
      name: serviceAccount,
      body: {
        spec: {
          audiences: [options.audience],
          expirationSeconds: options.expirationSeconds ?? 3600,
          boundObjectRef: {
            apiVersion: "v1",
            kind: "Pod",
            name: podName(node),
            uid: podUids.get(node),
          },
        },
      },
    });
    const token = request.status!.token!;
    tokens.set(node, token);
    await Deno.writeTextFile(`${tokenFile(node)}.new`, token, { mode: 0o600 });
    await Deno.rename(`${tokenFile(node)}.new`, tokenFile(node));
    return token;
  };

  for (const node of options.nodes) {
    await ignoreConflict(core.createNode({ body: { metadata: { name: node } } }));
    await core.deleteNamespacedPod({ namespace, name: podName(node), gracePeriodSeconds: 0 })
      .catch(() => {});
    const pod = await core.createNamespacedPod({
      namespace,
      body: {
        metadata: {
          name: podName(node),
          labels: { "app.kubernetes.io/name": "dhcp-template-agent" },
        },
        spec: {
          nodeName: node,
          serviceAccountName: serviceAccount,
          containers: [{ name: "agent", image: "example.invalid/dhcp-template-agent:demo" }],
        },
      },
    });
    podUids.set(node, pod.metadata!.uid!);
    await reissue(node);
  }

  return {
    token: (node) => tokens.get(node)!,
    tokenFile,
    reissue,
    async remove() {
      await Promise.all(
        options.nodes.map((node) =>
          core.deleteNamespacedPod({ namespace, name: podName(node), gracePeriodSeconds: 0 })
            .catch(() => {})
        ),
      );
      await Deno.remove(dir, { recursive: true });
    },
  };
}

async function ignoreConflict(request: Promise<unknown>): Promise<void> {
  try {
    await request;
  } catch (error) {
    if (!(error instanceof ApiException && error.code === 409)) throw error;
  }
}
