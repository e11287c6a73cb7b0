/**
 * The agent channel against the real control plane: real node-bound service account tokens,
 * TokenReview, DHCPNode storage, restarts and the cost of heartbeats.
 */
import assert from "node:assert/strict";
import { status } from "@grpc/grpc-js";
import { CoreV1Api } from "@kubernetes/client-node";
import { startPusher } from "../src/agent/push.ts";
import { ClusterObjects } from "../src/operator/kube/objects.ts";
import type { NodeStore } from "../src/operator/nodes/store.ts";
import { reportDigest } from "../src/shared/wire/codec.ts";
import type { Node } from "../src/shared/model.ts";
import { createAgentIdentities } from "./support/agent_identities.ts";
import {
  apiserverRequestCount,
  DHCP_NODE_CRD,
  RawAgentClient,
  serverTable,
  startOperatorSide,
} from "./support/channel.ts";
import { installCrds, testKubeConfig, uniqueName, waitFor } from "./support/cluster.ts";
import { eth0WithPrefixes, prefixValidFor } from "./support/leases.ts";

const AUDIENCE = "dhcp-template-test";
const WRITE_VERBS = ["CREATE", "UPDATE", "PATCH", "APPLY"];

async function setUp() {
  const config = testKubeConfig();
  await installCrds(config, DHCP_NODE_CRD);
  const namespace = uniqueName("channel");
  const nodeA = `${namespace}-a`;
  const nodeB = `${namespace}-b`;
  const identities = await createAgentIdentities(config, {
    namespace,
    serviceAccount: "agent",
    nodes: [nodeA, nodeB],
    audience: AUDIENCE,
  });
  const serviceAccounts = [`${namespace}:agent`];
  const cleanUp = async () => {
    await identities.remove();
    const core = config.makeApiClient(CoreV1Api);
    for (const node of [nodeA, nodeB]) await core.deleteNode({ name: node }).catch(() => {});
    await core.deleteNamespace({ name: namespace }).catch(() => {});
  };
  return { config, namespace, nodeA, nodeB, identities, serviceAccounts, cleanUp };
}

/** Resolves (with the time) when the store next reports a change of `node`. */
function nextChange(store: NodeStore, node: string): Promise<number> {
  return new Promise((resolve) => {
    const unsubscribe = store.onChange((name) => {
      if (name !== node) return;
      unsubscribe();
      resolve(performance.now());
    });
  });
}

/** The gRPC status a call ends with (OK when it succeeds). */
async function statusOf(call: Promise<unknown>): Promise<status> {
  try {
    await call;
    return status.OK;
  } catch (error) {
    return (error as { code: status }).code;
  }
}

function dhcpNodeRef(name: string) {
  return { apiVersion: "k8s.lukasdietrich.com/v1alpha1", kind: "DHCPNode", name };
}

Deno.test("an authenticated push is stored as the node's DHCPNode, owned by its Node", async () => {
  const { config, namespace, nodeA, identities, serviceAccounts, cleanUp } = await setUp();
  const side = await startOperatorSide(config, { audience: AUDIENCE, serviceAccounts });
  const pusher = await startPusher({
    target: side.target,
    tls: "plaintext",
    tokenFile: identities.tokenFile(nodeA),
    nodeName: nodeA,
  });
  try {
    const interfaces = [eth0WithPrefixes([prefixValidFor("2001:db8:1200::", 3600)])];
    const stored = nextChange(side.store, nodeA);
    const pushedAt = performance.now();
    pusher.update(interfaces);
    const latencyMs = (await stored) - pushedAt;
    console.log(
      `push → stored (DHCPNode applied, first push incl. TokenReview): ${latencyMs.toFixed(1)} ms`,
    );

    const object = await new ClusterObjects(config).get(dhcpNodeRef(nodeA));
    assert.ok(object, "the DHCPNode exists");
    const node = await config.makeApiClient(CoreV1Api).readNode({ name: nodeA });
    assert.deepEqual(object.metadata.ownerReferences?.map((ref) => [ref.kind, ref.uid]), [
      ["Node", node.metadata?.uid],
    ]);
    const spec = object.spec as { interfaces: Node["interfaces"]; summary: unknown };
    assert.equal(spec.interfaces[0].lease6?.prefix6[0].ip, "2001:db8:1200::");
    assert.equal(spec.interfaces[0].lease6?.prefix6[0].state, "active");
    assert.deepEqual(spec.summary, { interfaces: 1, addresses: 0, prefixes: 1 });
    assert.deepEqual(
      side.store.snapshot(new Date()).map((n) => n.name).filter((n) => n.startsWith(namespace)),
      [nodeA],
    );
    await waitFor("the report counted", () => side.server.counters.reports === 1);
    assert.ok(pusher.connected);

    // Changed leases are pushed again: the latency with a cached token review.
    const latencies: number[] = [];
    for (let i = 0; i < 20; i++) {
      const stored = nextChange(side.store, nodeA);
      const at = performance.now();
      pusher.update([eth0WithPrefixes([prefixValidFor(`2001:db8:14${10 + i}::`, 3600)])]);
      latencies.push((await stored) - at);
    }
    latencies.sort((a, b) => a - b);
    console.log(
      `push → stored, 20 changed leases: median ${latencies[10].toFixed(1)} ms, ` +
        `max ${latencies[19].toFixed(1)} ms`,
    );
    // The store reports the change before the server counts the report: wait for the count.
    await waitFor("21 reports counted", () => side.server.counters.reports === 21);

    // kubectl get dhcpnodes: the older prefixes are still valid, so they count as draining.
    const table = await serverTable(
      config,
      `/apis/k8s.lukasdietrich.com/v1alpha1/dhcpnodes/${nodeA}`,
    );
    assert.deepEqual(table.columns, [
      "Name",
      "Interfaces",
      "Addresses",
      "Prefixes",
      "Last Report",
      "Age",
    ]);
    assert.deepEqual(table.rows[0].slice(0, 4), [nodeA, 1, 0, 21]);
    assert.equal(side.authenticator.reviews, 1, "the token review is cached");
  } finally {
    await pusher.stop();
    await side.stop();
    await cleanUp();
  }
});

Deno.test("calls without a valid token, or for another node, are refused and counted", async () => {
  const { config, nodeA, nodeB, identities, serviceAccounts, cleanUp } = await setUp();
  const side = await startOperatorSide(config, { audience: AUDIENCE, serviceAccounts });
  const client = new RawAgentClient(side.target);
  const report = (name: string): Node => ({
    name,
    interfaces: [eth0WithPrefixes([prefixValidFor("2001:db8:1400::", 3600)])],
  });
  try {
    const tokenA = identities.token(nodeA);
    assert.equal(await statusOf(client.report(report(nodeB), tokenA)), status.PERMISSION_DENIED);
    assert.equal(
      await statusOf(client.heartbeat({ node_name: nodeB, digest: "x" }, tokenA)),
      status.PERMISSION_DENIED,
    );
    assert.equal(await statusOf(client.report(report(nodeA))), status.UNAUTHENTICATED);
    assert.equal(
      await statusOf(client.report(report(nodeA), "not-a-token")),
      status.UNAUTHENTICATED,
    );
    // An agent pushing for another node keeps retrying and says why, once, as an error.
    const records: { level: string; message: string }[] = [];
    const record = (level: string) => (message: string) => records.push({ level, message });
    const impostor = await startPusher({
      target: side.target,
      tls: "plaintext",
      tokenFile: identities.tokenFile(nodeA),
      nodeName: nodeB,
      backoff: { initialMs: 20, maxMs: 50 },
      log: {
        debug: record("debug"),
        info: record("info"),
        warn: record("warn"),
        error: record("error"),
      },
    });
    impostor.update(report(nodeB).interfaces);
    await waitFor("three refused pushes", () => impostor.counts.failures >= 3);
    await impostor.stop();
    assert.equal(impostor.connected, false);
    assert.deepEqual(records.filter((r) => r.level !== "debug"), [
      { level: "error", message: "The operator refused this agent's push; retrying" },
    ]);
    // (The server may have refused one more call than the agent counted before it stopped.)
    const impostorRefusals = side.server.counters.rejected.permission_denied - 2;
    assert.ok(impostorRefusals >= impostor.counts.failures);

    // A token of the right node but for another service account.
    const otherSide = await startOperatorSide(config, {
      audience: AUDIENCE,
      serviceAccounts: ["elsewhere:agent"],
    });
    const other = new RawAgentClient(otherSide.target);
    try {
      assert.equal(await statusOf(other.report(report(nodeA), tokenA)), status.PERMISSION_DENIED);
      assert.equal(otherSide.server.counters.rejected.permission_denied, 1);
    } finally {
      other.close();
      await otherSide.stop();
    }
    assert.deepEqual(side.server.counters.rejected, {
      unauthenticated: 2,
      permission_denied: 2 + impostorRefusals,
      throttled: 0,
      invalid_argument: 0,
    });
    assert.equal(side.server.counters.reports, 0);
    const objects = new ClusterObjects(config);
    assert.equal(await objects.get(dhcpNodeRef(nodeB)), undefined, "nothing stored for node B");
    assert.equal(await objects.get(dhcpNodeRef(nodeA)), undefined);

    // A report over the size limit is refused before it is looked at.
    const huge = report(nodeA);
    huge.interfaces[0].lease6!.search = ["x".repeat(1000)].concat(
      Array.from({ length: 1100 }, (_, i) => `${i}.${"y".repeat(1000)}`),
    );
    assert.equal(await statusOf(client.report(huge, tokenA)), status.RESOURCE_EXHAUSTED);

    // A malformed report from the right agent is refused too.
    const malformed = report(nodeA);
    malformed.interfaces[0].lease6!.prefix6[0].ip = "not-an-address";
    assert.equal(await statusOf(client.report(malformed, tokenA)), status.INVALID_ARGUMENT);
    assert.equal(side.server.counters.rejected.invalid_argument, 1);

    // The right token for the right node is accepted on the same channel.
    assert.equal(await statusOf(client.report(report(nodeA), tokenA)), status.OK);
    assert.ok(await objects.get(dhcpNodeRef(nodeA)));
  } finally {
    client.close();
    await side.stop();
    await cleanUp();
  }
});

Deno.test("refused callers learn only the status code, never the reason", async () => {
  const { config, nodeA, nodeB, identities, serviceAccounts, cleanUp } = await setUp();
  const side = await startOperatorSide(config, { audience: AUDIENCE, serviceAccounts });
  const client = new RawAgentClient(side.target);
  const refusal = async (call: Promise<unknown>) => {
    try {
      await call;
      return "accepted";
    } catch (error) {
      const { code, details } = error as { code: status; details: string };
      return `${status[code]}: ${details}`;
    }
  };
  try {
    const tokenA = identities.token(nodeA);
    const malformed: Node = {
      name: nodeA,
      interfaces: [eth0WithPrefixes([prefixValidFor("2001:db8:1600::", 3600)])],
    };
    malformed.interfaces[0].lease6!.prefix6[0].ip = "not-an-address";
    assert.deepEqual([
      await refusal(client.heartbeat({ node_name: nodeB, digest: "x" }, tokenA)),
      await refusal(client.heartbeat({ node_name: nodeA, digest: "x" }, "not-a-token")),
      await refusal(client.heartbeat({ node_name: nodeA, digest: "x" })),
      await refusal(client.report(malformed, tokenA)),
    ], [
      "PERMISSION_DENIED: permission denied",
      "UNAUTHENTICATED: unauthenticated",
      "UNAUTHENTICATED: unauthenticated",
      "INVALID_ARGUMENT: invalid argument (the operator's log has the reason)",
    ]);
  } finally {
    client.close();
    await side.stop();
    await cleanUp();
  }
});

Deno.test("a flood of made-up tokens makes bounded TokenReviews and evicts no agent", async () => {
  const { config, nodeA, identities, serviceAccounts, cleanUp } = await setUp();
  const limits = { perSecond: 1, burst: 20, concurrent: 50 };
  const side = await startOperatorSide(config, {
    audience: AUDIENCE,
    serviceAccounts,
    reviewLimits: limits,
    cacheEntries: 5,
  });
  const client = new RawAgentClient(side.target);
  const node: Node = {
    name: nodeA,
    interfaces: [eth0WithPrefixes([prefixValidFor("2001:db8:1700::", 3600)])],
  };
  try {
    const tokenA = identities.token(nodeA);
    assert.equal(await statusOf(client.report(node, tokenA)), status.OK);
    assert.equal(side.authenticator.reviews, 1);

    // One made-up token, asked 20 times: reviewed once, then refused from the cache.
    for (let i = 0; i < 20; i++) {
      assert.equal(
        await statusOf(client.heartbeat({ node_name: nodeA, digest: "x" }, "made-up")),
        status.UNAUTHENTICATED,
      );
    }
    assert.equal(side.authenticator.reviews, 2, "a refused token is not reviewed again");

    // 300 different made-up tokens at once: at most the burst is reviewed, the rest refused.
    const flood = await Promise.all(
      Array.from(
        { length: 300 },
        (_, i) => statusOf(client.heartbeat({ node_name: nodeA, digest: "x" }, `flood-${i}`)),
      ),
    );
    const counts = Object.groupBy(flood, (code) => status[code]);
    console.log(
      `300 made-up tokens: ${side.authenticator.reviews - 2} TokenReviews, ` +
        `${counts.UNAUTHENTICATED?.length ?? 0} UNAUTHENTICATED, ` +
        `${counts.UNAVAILABLE?.length ?? 0} UNAVAILABLE (throttled)`,
    );
    assert.deepEqual(Object.keys(counts).sort(), ["UNAUTHENTICATED", "UNAVAILABLE"]);
    // The burst, plus what the rate refilled while the flood lasted.
    assert.ok(side.authenticator.reviews - 2 <= limits.burst + 5, `${side.authenticator.reviews}`);
    assert.equal(side.server.counters.rejected.throttled, counts.UNAVAILABLE!.length);

    // The agent's cached entry survived the flood (more refused tokens than cache entries).
    assert.ok(counts.UNAUTHENTICATED!.length > 5, "the refused tokens overflowed their cache");
    const reply = await client.heartbeat({ node_name: nodeA, digest: reportDigest(node) }, tokenA);
    assert.equal(reply.resend, false);
    assert.equal(side.authenticator.reviews - 2, counts.UNAUTHENTICATED!.length, "no review");
  } finally {
    client.close();
    await side.stop();
    await cleanUp();
  }
});

Deno.test("an operator restart reloads every node; 100 heartbeats make no writes", async () => {
  const { config, nodeA, identities, serviceAccounts, cleanUp } = await setUp();
  let side = await startOperatorSide(config, { audience: AUDIENCE, serviceAccounts });
  const node: Node = {
    name: nodeA,
    interfaces: [eth0WithPrefixes([prefixValidFor("2001:db8:1500::", 3600)])],
  };
  const tokenA = identities.token(nodeA);
  let client = new RawAgentClient(side.target);
  try {
    await client.report(node, tokenA);
    const own = (nodes: Node[]) => nodes.filter((entry) => entry.name === nodeA);
    const before = own(side.store.snapshot(new Date()));
    client.close();
    await side.stop();

    side = await startOperatorSide(config, { audience: AUDIENCE, serviceAccounts });
    assert.ok(side.store.loaded);
    assert.deepEqual(
      own(side.store.snapshot(new Date())),
      before,
      "the state is reloaded unchanged",
    );
    client = new RawAgentClient(side.target);

    const digest = reportDigest(node);
    const writesBefore = await apiserverRequestCount(config, "dhcpnodes", WRITE_VERBS);
    assert.ok(writesBefore > 0, "the apiserver counted the first report's write");
    const startedAt = performance.now();
    for (let i = 0; i < 100; i++) {
      const reply = await client.heartbeat({ node_name: nodeA, digest }, tokenA);
      assert.deepEqual(reply, { resend: false, heartbeat_seconds: 30 });
    }
    const elapsedMs = performance.now() - startedAt;
    const writesAfter = await apiserverRequestCount(config, "dhcpnodes", WRITE_VERBS);
    console.log(
      `100 heartbeats: ${writesAfter - writesBefore} DHCPNode writes, ` +
        `${side.authenticator.reviews} TokenReview(s), ${elapsedMs.toFixed(0)} ms in all`,
    );
    assert.equal(writesAfter - writesBefore, 0);
    assert.equal(side.store.counts.writes, 0);
    assert.equal(side.authenticator.reviews, 1);
    assert.equal(side.server.counters.heartbeats, 100);

    // The same report again (an agent restart) is not written either; another digest asks to resend.
    await client.report(node, tokenA);
    assert.equal(side.store.counts.writes, 0);
    assert.equal(await apiserverRequestCount(config, "dhcpnodes", WRITE_VERBS), writesAfter);
    const stale = await client.heartbeat({ node_name: nodeA, digest: "0".repeat(64) }, tokenA);
    assert.equal(stale.resend, true);
  } finally {
    client.close();
    await side.stop();
    await cleanUp();
  }
});

Deno.test("another replica sees what one stored, and answers the agent's heartbeats", async () => {
  const { config, nodeA, identities, serviceAccounts, cleanUp } = await setUp();
  const first = await startOperatorSide(config, { audience: AUDIENCE, serviceAccounts });
  const second = await startOperatorSide(config, { audience: AUDIENCE, serviceAccounts });
  const toFirst = new RawAgentClient(first.target);
  const toSecond = new RawAgentClient(second.target);
  const tokenA = identities.token(nodeA);
  try {
    const node: Node = {
      name: nodeA,
      interfaces: [eth0WithPrefixes([prefixValidFor("2001:db8:2300::", 3600)])],
    };
    const seen = nextChange(second.store, nodeA);
    await toFirst.report(node, tokenA);
    await seen;
    const now = new Date();
    const ofNodeA = (nodes: Node[]) => nodes.filter((n) => n.name === nodeA);
    assert.deepEqual(ofNodeA(second.store.snapshot(now)), ofNodeA(first.store.snapshot(now)));
    assert.equal(ofNodeA(second.store.snapshot(now)).length, 1);
    assert.equal(second.store.count(now), second.store.snapshot(now).length);
    const reply = await toSecond.heartbeat(
      { node_name: nodeA, digest: reportDigest(node) },
      tokenA,
    );
    assert.equal(reply.resend, false);
    assert.equal(second.store.counts.writes, 0);
  } finally {
    toFirst.close();
    toSecond.close();
    await first.stop();
    await second.stop();
    await cleanUp();
  }
});
