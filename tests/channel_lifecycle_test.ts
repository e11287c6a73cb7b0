/**
 * The agent channel over time against the real control plane: Node deletion, prefixes that
 * drain and expire, TLS, an operator that goes away and comes back, token rotation.
 */
import assert from "node:assert/strict";
import { CoreV1Api } from "@kubernetes/client-node";
import { PusherConfigError, startPusher } from "../src/agent/push.ts";
import { ClusterObjects } from "../src/operator/kube/objects.ts";
import { createAgentIdentities } from "./support/agent_identities.ts";
import { DHCP_NODE_CRD, makeServingCertificate, startOperatorSide } from "./support/channel.ts";
import { installCrds, testKubeConfig, uniqueName, waitFor } from "./support/cluster.ts";
import { eth0WithPrefixes, prefixValidFor } from "./support/leases.ts";

const AUDIENCE = "dhcp-template-test";

async function setUp(nodeCount = 1) {
  const config = testKubeConfig();
  await installCrds(config, DHCP_NODE_CRD);
  const namespace = uniqueName("lifecycle");
  const nodes = Array.from({ length: nodeCount }, (_, i) => `${namespace}-${i}`);
  const identities = await createAgentIdentities(config, {
    namespace,
    serviceAccount: "agent",
    nodes,
    audience: AUDIENCE,
  });
  const cleanUp = async () => {
    await identities.remove();
    const core = config.makeApiClient(CoreV1Api);
    for (const node of nodes) await core.deleteNode({ name: node }).catch(() => {});
    await core.deleteNamespace({ name: namespace }).catch(() => {});
  };
  return { config, nodes, identities, serviceAccounts: [`${namespace}:agent`], cleanUp };
}

const dhcpNodeRef = (name: string) => ({
  apiVersion: "k8s.lukasdietrich.com/v1alpha1",
  kind: "DHCPNode",
  name,
});

Deno.test("deleting a Node removes its DHCPNode and its data", async () => {
  const { config, nodes: [node], identities, serviceAccounts, cleanUp } = await setUp();
  const side = await startOperatorSide(config, { audience: AUDIENCE, serviceAccounts });
  const pusher = await startPusher({
    target: side.target,
    tls: "plaintext",
    tokenFile: identities.tokenFile(node),
    nodeName: node,
  });
  const objects = new ClusterObjects(config);
  try {
    pusher.update([eth0WithPrefixes([prefixValidFor("2001:db8:1600::", 3600)])]);
    await waitFor("the DHCPNode", async () => (await objects.get(dhcpNodeRef(node))) !== undefined);
    await pusher.stop(); // the node's agent goes away with it
    await config.makeApiClient(CoreV1Api).deleteNode({ name: node });
    await waitFor(
      "garbage collection of the DHCPNode",
      async () => (await objects.get(dhcpNodeRef(node))) === undefined,
      60_000,
    );
    await waitFor("the store to drop the node", () => side.store.state(node) === undefined);
    assert.ok(side.store.snapshot(new Date()).every((entry) => entry.name !== node));
  } finally {
    await pusher.stop();
    await side.stop();
    await cleanUp();
  }
});

Deno.test("a prefix the new lease lacks drains apart from prefix6, and leaves the data when its lifetime ends", async () => {
  const { config, nodes: [node], identities, serviceAccounts, cleanUp } = await setUp();
  const side = await startOperatorSide(config, { audience: AUDIENCE, serviceAccounts });
  const pusher = await startPusher({
    target: side.target,
    tls: "plaintext",
    tokenFile: identities.tokenFile(node),
    nodeName: node,
  });
  try {
    const old = prefixValidFor("2001:db8:1700::", 3);
    pusher.update([eth0WithPrefixes([old])]);
    await waitFor("the first report", () => side.store.state(node) !== undefined);
    pusher.update([eth0WithPrefixes([prefixValidFor("2001:db8:1800::", 3600)])]);
    await waitFor(
      "the second report",
      () => side.store.state(node)?.interfaces[0].lease6?.prefix6_draining?.length === 1,
    );
    const prefixes = () =>
      side.store.snapshot(new Date()).filter((n) => n.name === node).flatMap((n) =>
        n.interfaces.flatMap((i) =>
          [...i.lease6?.prefix6 ?? [], ...i.lease6?.prefix6_draining ?? []]
            .map((p) => `${p.ip} ${p.state}`)
        )
      );
    assert.deepEqual(prefixes(), ["2001:db8:1800:: active", "2001:db8:1700:: draining"]);
    // `prefix6` is the current lease only (what the product example renders).
    const current = () =>
      side.store.snapshot(new Date()).find((n) => n.name === node)?.interfaces[0].lease6?.prefix6
        .map((p) => p.ip);
    assert.deepEqual(current(), ["2001:db8:1800::"]);
    // The stored DHCPNode keeps the draining prefix too (a restart would not lose it).
    const object = await new ClusterObjects(config).get(dhcpNodeRef(node));
    const stored = (object?.spec as { summary: { prefixes: number } }).summary;
    assert.equal(stored.prefixes, 2);

    const expiry = side.store.nextExpiry(new Date());
    assert.equal(expiry?.toISOString(), new Date(old.valid_until).toISOString());
    const beforeExpiry = new Date(expiry!.getTime() - 1);
    const own = (at: Date) => side.store.snapshot(at).find((entry) => entry.name === node);
    assert.equal(own(beforeExpiry)?.interfaces[0].lease6?.prefix6_draining?.length, 1);
    assert.deepEqual(own(expiry!)?.interfaces[0].lease6?.prefix6_draining, []);
    assert.deepEqual(
      own(expiry!)?.interfaces[0].lease6?.prefix6.map((p) => p.ip),
      ["2001:db8:1800::"],
    );
    // And in real time: once the lifetime has run out, the prefix is gone.
    await waitFor(
      "the drained prefix to leave the data",
      () => JSON.stringify(prefixes()) === JSON.stringify(["2001:db8:1800:: active"]),
      expiry!.getTime() - Date.now() + 30_000,
    );
    assert.ok(Date.now() >= expiry!.getTime(), "the prefix left before its lifetime ended");
  } finally {
    await pusher.stop();
    await side.stop();
    await cleanUp();
  }
});

Deno.test("over TLS the agent verifies the operator with its CA; a wrong CA never connects", async () => {
  const { config, nodes: [node], identities, serviceAccounts, cleanUp } = await setUp();
  const certificate = await makeServingCertificate();
  const otherCa = await makeServingCertificate();
  const side = await startOperatorSide(config, {
    audience: AUDIENCE,
    serviceAccounts,
    tls: { certFile: certificate.certFile, keyFile: certificate.keyFile },
  });
  const target = `localhost:${side.server.port}`;
  const interfaces = [eth0WithPrefixes([prefixValidFor("2001:db8:1900::", 3600)])];
  const untrusting = await startPusher({
    target,
    tls: { caFile: otherCa.caFile },
    tokenFile: identities.tokenFile(node),
    nodeName: node,
    backoff: { initialMs: 50, maxMs: 200 },
  });
  const pusher = await startPusher({
    target,
    tls: { caFile: certificate.caFile },
    tokenFile: identities.tokenFile(node),
    nodeName: node,
  });
  try {
    await assert.rejects(
      () =>
        startPusher({
          target: `127.0.0.1:${side.server.port}`,
          tls: { caFile: certificate.caFile },
          tokenFile: identities.tokenFile(node),
          nodeName: node,
        }),
      PusherConfigError,
    );
    untrusting.update(interfaces);
    pusher.update(interfaces);
    await waitFor("the report over TLS", () => side.store.state(node) !== undefined);
    assert.ok(pusher.connected);
    await waitFor("the untrusting agent to fail twice", () => untrusting.counts.failures >= 2);
    assert.equal(untrusting.connected, false);
    assert.equal(untrusting.counts.reports, 0);
    assert.equal(side.server.counters.reports, 1);
  } finally {
    await untrusting.stop();
    await pusher.stop();
    await side.stop();
    await certificate.remove();
    await otherCa.remove();
    await cleanUp();
  }
});

Deno.test("the agent survives an operator outage and sends its latest state once back", async () => {
  const { config, nodes: [node], identities, serviceAccounts, cleanUp } = await setUp();
  let side = await startOperatorSide(config, {
    audience: AUDIENCE,
    serviceAccounts,
    heartbeatSeconds: 1,
  });
  const port = side.server.port;
  const pusher = await startPusher({
    target: side.target,
    tls: "plaintext",
    tokenFile: identities.tokenFile(node),
    nodeName: node,
    backoff: { initialMs: 50, maxMs: 400 },
  });
  try {
    pusher.update([eth0WithPrefixes([prefixValidFor("2001:db8:2000::", 3600)])]);
    await waitFor("the first report", () => side.store.state(node) !== undefined);
    await waitFor("a heartbeat", () => side.server.counters.heartbeats >= 1);
    await side.stop();

    // The lease changes while the operator is away; the agent keeps retrying.
    const changedAt = Date.now();
    pusher.update([eth0WithPrefixes([prefixValidFor("2001:db8:2100::", 3600)])]);
    await waitFor("failed pushes", () => pusher.counts.failures >= 2);
    assert.equal(pusher.connected, false);
    // The token rotates meanwhile: the agent must use the new one.
    const rotated = await identities.reissue(node);

    side = await startOperatorSide(config, {
      audience: AUDIENCE,
      serviceAccounts,
      heartbeatSeconds: 1,
      listen: `127.0.0.1:${port}`,
    });
    await waitFor(
      "the latest state after reconnecting",
      () => side.store.state(node)?.interfaces[0].lease6?.prefix6[0].ip === "2001:db8:2100::",
      15_000,
    );
    assert.ok(pusher.connected);
    assert.deepEqual([...side.tokensSeen], [rotated], "the agent re-read the rotated token");
    // The stored data says when the agent saw the change, not when the operator got it.
    const stored = side.store.state(node)!;
    const seenAt = Date.parse(stored.changeSeenAt ?? "");
    assert.ok(
      seenAt >= changedAt && seenAt < Date.parse(stored.reportedAt),
      `seen at ${stored.changeSeenAt}, changed at ${new Date(changedAt).toISOString()}, ` +
        `reported at ${stored.reportedAt}`,
    );
  } finally {
    await pusher.stop();
    await side.stop();
    await cleanUp();
  }
});

Deno.test("an operator that lost a node's state asks for it on the next heartbeat", async () => {
  const { config, nodes: [node], identities, serviceAccounts, cleanUp } = await setUp();
  const side = await startOperatorSide(config, {
    audience: AUDIENCE,
    serviceAccounts,
    heartbeatSeconds: 1,
  });
  const pusher = await startPusher({
    target: side.target,
    tls: "plaintext",
    tokenFile: identities.tokenFile(node),
    nodeName: node,
  });
  const objects = new ClusterObjects(config);
  try {
    pusher.update([eth0WithPrefixes([prefixValidFor("2001:db8:2200::", 3600)])]);
    await waitFor("the DHCPNode", async () => (await objects.get(dhcpNodeRef(node))) !== undefined);
    const first = await objects.get(dhcpNodeRef(node));
    await objects.delete(dhcpNodeRef(node), first!.metadata.uid!);
    await waitFor(
      "the DHCPNode to be written again",
      async () => {
        const again = await objects.get(dhcpNodeRef(node));
        return again !== undefined && again.metadata.uid !== first!.metadata.uid;
      },
    );
    assert.equal(side.server.counters.resends, 1);
    await waitFor("the agent to count its second report", () => pusher.counts.reports === 2);
    assert.equal(
      side.store.state(node)?.interfaces[0].lease6?.prefix6[0].ip,
      "2001:db8:2200::",
    );
  } finally {
    await pusher.stop();
    await side.stop();
    await cleanUp();
  }
});
