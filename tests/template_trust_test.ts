/**
 * What a template author can make the operator do, against the real control plane, with the
 * operator running under its own narrow RBAC (as the chart grants it): a template naming a
 * service account (`spec.serviceAccount`) writes only what that account may; a template cannot
 * name owners of its own objects.
 */
import assert from "node:assert/strict";
import {
  CoreV1Api,
  CustomObjectsApi,
  KubeConfig,
  RbacAuthorizationV1Api,
} from "@kubernetes/client-node";
import { TestNodes } from "./support/nodes.ts";
import { useHttp1 } from "../src/operator/kube/http1.ts";
import { ClusterObjects } from "../src/operator/kube/objects.ts";
import { OWN_OWNERS_REFUSED } from "../src/operator/plan/plan.ts";
import { SandboxedRenderer } from "../src/operator/render/sandbox.ts";
import { TemplateReconciler } from "../src/operator/template_reconciler.ts";
import type { KubernetesObject } from "../src/shared/kube_object.ts";
import { installProductCrds, testKubeConfig, uniqueName, waitFor } from "./support/cluster.ts";
import { isTransient } from "../src/operator/kube/transient.ts";

const GROUP = { group: "k8s.lukasdietrich.com", version: "v1alpha1", plural: "dhcptemplates" };
const POOLS = { apiGroups: ["cilium.io"], resources: ["ciliumloadbalancerippools"] };
const WRITE = ["get", "list", "watch", "create", "patch", "update", "delete"];

type Template = KubernetesObject & {
  spec: { template: string; serviceAccount?: { namespace: string; name: string } };
  status?: {
    conditions?: { type: string; status: string; reason: string; message: string }[];
    conflicts?: { name: string; reason: string }[];
  };
};

/** A template rendering one Cilium pool named `pool`, with `metadata` lines added. */
function poolTemplate(pool: string, extraMetadata = ""): string {
  return [
    "apiVersion: cilium.io/v2",
    "kind: CiliumLoadBalancerIPPool",
    "metadata:",
    `  name: ${pool}`,
    extraMetadata,
    "spec:",
    "  blocks:",
    "    - cidr: 2001:db8:7700::/64",
  ].filter(Boolean).join("\n");
}

/**
 * A namespace with the operator's service account, bound to the operator's ClusterRole rules of
 * the chart (templates, their status, events, pools), allowed to impersonate only `writer`; a
 * kubeconfig with the operator's token.
 */
async function setUp(admin: KubeConfig) {
  const namespace = uniqueName("trust");
  const core = admin.makeApiClient(CoreV1Api);
  const rbac = admin.makeApiClient(RbacAuthorizationV1Api);
  await core.createNamespace({ body: { metadata: { name: namespace } } });
  for (const name of ["operator", "writer", "stranger"]) {
    await core.createNamespacedServiceAccount({ namespace, body: { metadata: { name } } });
  }
  const operatorRole = `${namespace}-operator`;
  await rbac.createClusterRole({
    body: {
      metadata: { name: operatorRole },
      rules: [
        { apiGroups: [GROUP.group], resources: ["dhcptemplates"], verbs: ["get", "list", "watch"] },
        {
          apiGroups: [GROUP.group],
          resources: ["dhcptemplates/status"],
          verbs: ["get", "patch", "update"],
        },
        { apiGroups: ["", "events.k8s.io"], resources: ["events"], verbs: ["create", "patch"] },
        { ...POOLS, verbs: WRITE },
      ],
    },
  });
  const operator = { kind: "ServiceAccount", name: "operator", namespace };
  await rbac.createClusterRoleBinding({
    body: {
      metadata: { name: operatorRole },
      roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: operatorRole },
      subjects: [operator],
    },
  });
  // What the chart's operator.templateServiceAccounts grants: impersonate on one account only.
  await rbac.createNamespacedRole({
    namespace,
    body: {
      metadata: { name: "impersonate-writer" },
      rules: [{
        apiGroups: [""],
        resources: ["serviceaccounts"],
        resourceNames: ["writer"],
        verbs: ["impersonate"],
      }],
    },
  });
  await rbac.createNamespacedRoleBinding({
    namespace,
    body: {
      metadata: { name: "impersonate-writer" },
      roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: "impersonate-writer" },
      subjects: [operator],
    },
  });
  const token = await core.createNamespacedServiceAccountToken({
    namespace,
    name: "operator",
    body: { spec: { audiences: [], expirationSeconds: 3600 } },
  });
  const cluster = admin.getCurrentCluster()!;
  const operatorConfig = new KubeConfig();
  operatorConfig.loadFromOptions({
    clusters: [cluster],
    users: [{ name: "operator", token: token.status!.token! }],
    contexts: [{ name: "operator", cluster: cluster.name, user: "operator" }],
    currentContext: "operator",
  });
  useHttp1(operatorConfig);
  const cleanUp = async () => {
    await rbac.deleteClusterRoleBinding({ name: operatorRole }).catch(() => {});
    await rbac.deleteClusterRole({ name: operatorRole }).catch(() => {});
    await rbac.deleteClusterRoleBinding({ name: `${namespace}-writer` }).catch(() => {});
    await core.deleteNamespace({ name: namespace }).catch(() => {});
  };
  return { namespace, rbac, operatorConfig, cleanUp };
}

Deno.test("templates write as their service account; they cannot name owners", async (t) => {
  const admin = testKubeConfig();
  await installProductCrds(admin);
  const { namespace, rbac, operatorConfig, cleanUp } = await setUp(admin);
  const custom = admin.makeApiClient(CustomObjectsApi);
  const objects = new ClusterObjects(admin);
  const renderer = new SandboxedRenderer();
  const errors: string[] = [];
  const reconciler = await TemplateReconciler.start({
    kubeConfig: operatorConfig,
    nodes: new TestNodes(),
    renderer,
    retryMs: 200,
    // Transient apiserver answers (a CRD's storage initialising) are retried, as the operator does.
    onError: (context, error) => {
      if (!isTransient(error)) errors.push(`${context}: ${error}`);
    },
  });
  reconciler.setLeading(true);
  const created: string[] = [];
  const createTemplate = async (name: string, spec: Template["spec"]) => {
    created.push(name);
    return await custom.createClusterCustomObject({
      ...GROUP,
      body: {
        apiVersion: "k8s.lukasdietrich.com/v1alpha1",
        kind: "DHCPTemplate",
        metadata: { name },
        spec,
      },
    }) as Template;
  };
  const readTemplate = async (name: string) =>
    await objects.get({
      apiVersion: "k8s.lukasdietrich.com/v1alpha1",
      kind: "DHCPTemplate",
      name,
    }) as Template;
  const ready = async (name: string) =>
    (await readTemplate(name))?.status?.conditions?.find((c) => c.type === "Ready");
  const pool = (name: string) =>
    objects.get({ apiVersion: "cilium.io/v2", kind: "CiliumLoadBalancerIPPool", name });

  try {
    await t.step("an account without RBAC for pools: forbidden, nothing created", async () => {
      const name = `${namespace}-as-writer`;
      await createTemplate(name, {
        template: poolTemplate(`${name}-pool`),
        serviceAccount: { namespace, name: "writer" },
      });
      await waitFor("ApplyFailed", async () => (await ready(name))?.reason === "ApplyFailed");
      const condition = await ready(name);
      assert.equal(condition?.status, "False");
      assert.match(condition!.message, /forbidden/);
      assert.match(condition!.message, new RegExp(`system:serviceaccount:${namespace}:writer`));
      assert.equal(await pool(`${name}-pool`), undefined, "nothing was created");

      // Bound to a role that may write pools, the same account's template is applied.
      await rbac.createClusterRoleBinding({
        body: {
          metadata: { name: `${namespace}-writer` },
          roleRef: {
            apiGroup: "rbac.authorization.k8s.io",
            kind: "ClusterRole",
            name: `${namespace}-operator`,
          },
          subjects: [{ kind: "ServiceAccount", name: "writer", namespace }],
        },
      });
      await waitFor("the template Ready", async () => {
        reconciler.nodesChanged();
        return (await ready(name))?.status === "True";
      });
      assert.ok(await pool(`${name}-pool`), "the pool exists");

      // Pruning is done as the account too: without its binding, the object stays.
      await rbac.deleteClusterRoleBinding({ name: `${namespace}-writer` });
      await custom.patchClusterCustomObject({
        ...GROUP,
        name,
        body: [{ op: "replace", path: "/spec/template", value: "# nothing" }],
      });
      await waitFor(
        "the prune refused",
        async () => {
          const after = await ready(name);
          return after?.reason === "ApplyFailed" && /delete|forbidden/.test(after.message);
        },
      );
      assert.ok(await pool(`${name}-pool`), "the pool was not deleted as the operator");
    });

    await t.step("an account the operator may not impersonate: forbidden", async () => {
      const name = `${namespace}-as-stranger`;
      await createTemplate(name, {
        template: poolTemplate(`${name}-pool`),
        serviceAccount: { namespace, name: "stranger" },
      });
      await waitFor("ApplyFailed", async () => (await ready(name))?.reason === "ApplyFailed");
      assert.match((await ready(name))!.message, /impersonate/);
      assert.equal(await pool(`${name}-pool`), undefined);
    });

    await t.step("without a service account, the operator's own account applies", async () => {
      const name = `${namespace}-as-operator`;
      await createTemplate(name, { template: poolTemplate(`${name}-pool`) });
      await waitFor("the template Ready", async () => (await ready(name))?.status === "True");
      assert.ok(await pool(`${name}-pool`));
    });

    await t.step("a template naming owners of its objects is refused", async () => {
      const victim = await readTemplate(`${namespace}-as-operator`);
      const name = `${namespace}-claims`;
      const owners = [
        "  ownerReferences:",
        "    - apiVersion: k8s.lukasdietrich.com/v1alpha1",
        "      kind: DHCPTemplate",
        `      name: ${victim.metadata.name}`,
        `      uid: ${victim.metadata.uid}`,
      ].join("\n");
      const setTemplate = (documents: string[]) =>
        custom.patchClusterCustomObject({
          ...GROUP,
          name,
          body: [{ op: "replace", path: "/spec/template", value: documents.join("\n---\n") }],
        });
      await createTemplate(name, {
        template: [poolTemplate(`${name}-kept`), poolTemplate(`${name}-fine`)].join("\n---\n"),
      });
      await waitFor("the template Ready", async () => (await ready(name))?.status === "True");
      const uid = (await readTemplate(name)).metadata.uid;

      // The same objects, one new and one existing now naming the other template as owner.
      await setTemplate([
        poolTemplate(`${name}-kept`, owners),
        poolTemplate(`${name}-fine`),
        poolTemplate(`${name}-new`, owners),
      ]);
      await waitFor("the conflict", async () => (await ready(name))?.reason === "Conflict");
      const status = (await readTemplate(name)).status!;
      assert.deepEqual(status.conflicts?.map((c) => [c.name, c.reason]), [
        [`${name}-kept`, `CiliumLoadBalancerIPPool ${name}-kept ${OWN_OWNERS_REFUSED}`],
        [`${name}-new`, `CiliumLoadBalancerIPPool ${name}-new ${OWN_OWNERS_REFUSED}`],
      ]);
      assert.equal(await pool(`${name}-new`), undefined, "the claiming object was not applied");
      for (const kept of [`${name}-kept`, `${name}-fine`]) {
        const owned = await pool(kept);
        assert.deepEqual(owned?.metadata.ownerReferences?.map((o) => o.uid), [uid], kept);
      }

      // The refused object stayed in the inventory: no longer rendered, it is pruned.
      await setTemplate([poolTemplate(`${name}-fine`)]);
      await waitFor("the template Ready", async () => (await ready(name))?.status === "True");
      assert.equal(await pool(`${name}-kept`), undefined, "pruned");
      assert.ok(await pool(`${name}-fine`));
    });
    // Events are fire and forget (a fresh apiserver may answer 429 while its storage starts).
    assert.deepEqual(errors.filter((error) => !error.startsWith("event:")), []);
  } finally {
    await reconciler.stop();
    await renderer.close();
    for (const name of created) {
      await custom.deleteClusterCustomObject({ ...GROUP, name }).catch(() => {});
    }
    await cleanUp();
  }
});
