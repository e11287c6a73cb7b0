/**
 * The operator executable killed with SIGKILL in the middle of a reconcile that applies 300
 * objects, then started again: no object is lost, duplicated, or deleted and recreated.
 */
import assert from "node:assert/strict";
import { CoreV1Api } from "@kubernetes/client-node";
import { ClusterObjects } from "../src/operator/kube/objects.ts";
import type { Node } from "../src/shared/model.ts";
import { createAgentIdentities } from "./support/agent_identities.ts";
import { RawAgentClient } from "./support/channel.ts";
import {
  installProductCrds,
  testKubeConfig,
  testKubeconfigPath,
  uniqueName,
  waitFor,
} from "./support/cluster.ts";
import { eth0WithPrefixes, prefixValidFor } from "./support/leases.ts";
import { ExitWatch } from "./support/exits.ts";
import { type OperatorProcess, startOperatorProcess } from "./support/processes.ts";

const OBJECTS = 300;

Deno.test("an operator killed mid-reconcile loses, duplicates and recreates nothing", async () => {
  const config = testKubeConfig();
  await installProductCrds(config);
  const core = config.makeApiClient(CoreV1Api);
  const objects = new ClusterObjects(config);
  const namespace = uniqueName("crash");
  const node = `${namespace}-n`;
  const identities = await createAgentIdentities(config, {
    namespace,
    serviceAccount: "agent",
    nodes: [node],
    audience: "dhcp-template",
  });
  const template = {
    apiVersion: "k8s.lukasdietrich.com/v1alpha1",
    kind: "DHCPTemplate",
    metadata: { name: `${namespace}-many` },
    spec: {
      template: `{%- for node in nodes if node.name == "${node}" %}
{%- for i in range(${OBJECTS}) %}
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: {{ node.name }}-{{ i }}
  namespace: ${namespace}
data:
  prefix: {{ node.interfaces[0].lease6.prefix6[0].ip | tojson }}
{%- endfor %}
{%- endfor %}`,
    },
  };
  const exits = new ExitWatch();
  const start = () => {
    const started = startOperatorProcess({
      kubeconfig: testKubeconfigPath(),
      identity: `${namespace}-operator`,
      agentServiceAccount: `${namespace}:agent`,
      namespace,
      args: ["--leader-election=false"],
    });
    exits.watch(started);
    return started;
  };
  /** Waits, failing at once if the operator exits unexpectedly. */
  const waitUntil = (what: string, check: () => Promise<boolean>, timeoutMs: number) =>
    exits.guard(waitFor(what, check, timeoutMs));
  const report = (prefix: string): Node => ({
    name: node,
    interfaces: [eth0WithPrefixes([prefixValidFor(prefix, 3600)])],
  });
  const configMaps = async () =>
    (await core.listNamespacedConfigMap({ namespace })).items
      .filter((item) => item.metadata?.name?.startsWith(`${node}-`));
  let operator: OperatorProcess = start();
  let client: RawAgentClient | undefined;
  try {
    await exits.guard(operator.ready());
    await objects.apply(template);
    client = new RawAgentClient(operator.grpcAddress);
    await client.report(report("2001:db8:4100::"), identities.token(node));
    await waitUntil(
      `${OBJECTS} ConfigMaps`,
      async () =>
        (await configMaps()).filter((item) => item.data?.prefix === "2001:db8:4100::").length ===
          OBJECTS,
      120_000,
    );
    const uids = new Map(
      (await configMaps()).map((item) => [item.metadata!.name!, item.metadata!.uid!]),
    );

    // A new prefix: the operator starts re-applying all 300; kill it as soon as some are done.
    await client.report(report("2001:db8:4200::"), identities.token(node));
    await waitUntil(
      "the reconcile to be under way",
      async () => (await configMaps()).some((item) => item.data?.prefix === "2001:db8:4200::"),
      60_000,
    );
    await operator.kill();
    const updatedWhenKilled = (await configMaps())
      .filter((item) => item.data?.prefix === "2001:db8:4200::").length;
    assert.ok(
      updatedWhenKilled > 0 && updatedWhenKilled < OBJECTS,
      `the kill must land mid-apply, but ${updatedWhenKilled} of ${OBJECTS} objects were updated`,
    );
    client.close();

    operator = start();
    await exits.guard(operator.ready());
    await waitUntil(
      "every ConfigMap to carry the new prefix",
      async () => (await configMaps()).every((item) => item.data?.prefix === "2001:db8:4200::"),
      120_000,
    );
    const after = await configMaps();
    assert.equal(after.length, OBJECTS, "nothing lost, nothing duplicated");
    for (const item of after) {
      assert.equal(
        item.metadata!.uid,
        uids.get(item.metadata!.name!),
        `${item.metadata!.name} was recreated`,
      );
    }
    console.log(
      `killed with ${updatedWhenKilled} of ${OBJECTS} objects updated; the restarted operator finished the rest`,
    );
  } finally {
    client?.close();
    const applied = await objects.get({ ...template, name: template.metadata.name }).catch(() =>
      undefined
    );
    if (applied) {
      await objects.delete({ ...template, name: template.metadata.name }, applied.metadata.uid!)
        .catch(() => {});
    }
    await operator.stop();
    await identities.remove();
    await core.deleteNode({ name: node }).catch(() => {});
    await core.deleteNamespace({ name: namespace }).catch(() => {});
    exits.check();
  }
});
