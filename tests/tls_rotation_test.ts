/**
 * Certificate and token rotation without restarts, against the real control plane (TokenReview)
 * with volumes laid out as the kubelet mounts them (`..data` swapped atomically):
 * - a renewed TLS Secret (a new CA and serving certificate, as a regenerated chart Secret) is
 *   served to new connections by the running operator, and the running agent trusts the new CA
 *   when it reconnects;
 * - a rotated projected token is sent by the connected agent and accepted;
 * - a revoked token (its pod deleted) is refused once the review cache's TTL has passed.
 */
import assert from "node:assert/strict";
import { AuthenticationV1Api, CoreV1Api } from "@kubernetes/client-node";
import { startPusher } from "../src/agent/push.ts";
import { createAgentIdentities } from "./support/agent_identities.ts";
import { DHCP_NODE_CRD, makeServingCertificate, startOperatorSide } from "./support/channel.ts";
import { installCrds, testKubeConfig, uniqueName, waitFor } from "./support/cluster.ts";
import { eth0WithPrefixes, prefixValidFor } from "./support/leases.ts";
import { createMountedSecret } from "./support/mounted_secret.ts";
import { startTcpProxy } from "./support/tcp_proxy.ts";

const AUDIENCE = "dhcp-template-test";
const REFRESH_MS = 200;

/** A TLS Secret's files (`ca.crt`, `tls.crt`, `tls.key`) from a new CA and certificate. */
async function tlsSecretFiles(): Promise<Record<string, string>> {
  const certificate = await makeServingCertificate();
  try {
    return {
      "ca.crt": await Deno.readTextFile(certificate.caFile),
      "tls.crt": await Deno.readTextFile(certificate.certFile),
      "tls.key": await Deno.readTextFile(certificate.keyFile),
    };
  } finally {
    await certificate.remove();
  }
}

async function setUp() {
  const config = testKubeConfig();
  await installCrds(config, DHCP_NODE_CRD);
  const namespace = uniqueName("rotation");
  const node = `${namespace}-0`;
  const identities = await createAgentIdentities(config, {
    namespace,
    serviceAccount: "agent",
    nodes: [node],
    audience: AUDIENCE,
  });
  const cleanUp = async () => {
    await identities.remove();
    const core = config.makeApiClient(CoreV1Api);
    await core.deleteNode({ name: node }).catch(() => {});
    await core.deleteNamespace({ name: namespace }).catch(() => {});
  };
  return { config, namespace, node, identities, serviceAccounts: [`${namespace}:agent`], cleanUp };
}

Deno.test("a renewed TLS Secret is served and trusted without a restart; agents keep reporting", async () => {
  const { config, node, identities, serviceAccounts, cleanUp } = await setUp();
  const secret = await createMountedSecret(await tlsSecretFiles());
  const renewed = await tlsSecretFiles();
  const side = await startOperatorSide(config, {
    audience: AUDIENCE,
    serviceAccounts,
    tls: {
      certFile: secret.path("tls.crt"),
      keyFile: secret.path("tls.key"),
      refreshMs: REFRESH_MS,
    },
  });
  // Agents reach the operator through a Service; the proxy lets the test drop their connections.
  const proxy = startTcpProxy([`127.0.0.1:${side.server.port}`]);
  const agent = (caFile: string) =>
    startPusher({
      target: proxy.address,
      tls: { caFile, refreshMs: REFRESH_MS },
      tokenFile: identities.tokenFile(node),
      nodeName: node,
      backoff: { initialMs: 50, maxMs: 200 },
    });
  const pusher = await agent(secret.path("ca.crt"));
  const newCaDir = await Deno.makeTempDir({ prefix: "dhcpt-newca-" });
  await Deno.writeTextFile(`${newCaDir}/ca.crt`, renewed["ca.crt"]);
  let newCaOnly: Awaited<ReturnType<typeof agent>> | undefined;
  const prefixes = (cidr: string) => [eth0WithPrefixes([prefixValidFor(cidr, 3600)])];
  const storedPrefix = () => side.store.state(node)?.interfaces[0]?.lease6?.prefix6[0]?.ip;
  try {
    pusher.update(prefixes("2001:db8:7100::"));
    await waitFor("the first report", () => storedPrefix() === "2001:db8:7100::");

    await secret.update(renewed);
    // A new agent that trusts only the new CA connects: the operator serves the new certificate.
    newCaOnly = await agent(`${newCaDir}/ca.crt`);
    newCaOnly.update(prefixes("2001:db8:7200::"));
    await waitFor(
      "a report from an agent trusting only the new CA",
      () => newCaOnly!.connected,
      10_000,
    );
    assert.equal(storedPrefix(), "2001:db8:7200::");
    await newCaOnly.stop();
    newCaOnly = undefined;

    // The running agent's connection ends; it reconnects trusting the new CA from its file.
    const failures = pusher.counts.failures;
    proxy.dropConnections();
    pusher.update(prefixes("2001:db8:7300::"));
    await waitFor(
      "the running agent's report after reconnecting",
      () => storedPrefix() === "2001:db8:7300::",
      10_000,
    );
    assert.ok(pusher.connected);
    assert.ok(pusher.counts.failures - failures <= 1, "at most the dropped call failed");
  } finally {
    await newCaOnly?.stop();
    await pusher.stop();
    await proxy.stop();
    await side.stop();
    await secret.remove();
    await Deno.remove(newCaDir, { recursive: true });
    await cleanUp();
  }
});

Deno.test("a rotated token is used while connected; a revoked token is refused within the cache TTL", async () => {
  const { config, namespace, node, identities, serviceAccounts, cleanUp } = await setUp();
  const cacheSeconds = 2;
  const side = await startOperatorSide(config, {
    audience: AUDIENCE,
    serviceAccounts,
    heartbeatSeconds: 1,
    cacheSeconds,
  });
  // The projected token volume, as the kubelet mounts and rotates it.
  const volume = await createMountedSecret({ token: identities.token(node) });
  const pusher = await startPusher({
    target: `localhost:${side.server.port}`,
    tls: "plaintext",
    tokenFile: volume.path("token"),
    nodeName: node,
    backoff: { initialMs: 50, maxMs: 200 },
  });
  try {
    pusher.update([eth0WithPrefixes([prefixValidFor("2001:db8:7400::", 3600)])]);
    await waitFor("the first report", () => side.store.state(node) !== undefined);

    const rotated = await identities.reissue(node);
    await volume.update({ token: rotated });
    const heartbeats = side.server.counters.heartbeats;
    await waitFor("a call with the rotated token", () => side.tokensSeen.has(rotated), 10_000);
    await waitFor(
      "heartbeats accepted with it",
      () => side.server.counters.heartbeats > heartbeats + 1,
      10_000,
    );
    assert.ok(pusher.connected);

    // Revoked: the pod the token is bound to is deleted. The apiserver itself caches a token's
    // successful authentication (10 s); once it refuses the token, ours must within its TTL.
    const core = config.makeApiClient(CoreV1Api);
    await core.deleteNamespacedPod({
      namespace,
      name: `agent-${node}`.slice(0, 63),
      gracePeriodSeconds: 0,
    });
    const authentication = config.makeApiClient(AuthenticationV1Api);
    await waitFor("the apiserver to refuse the revoked token", async () => {
      const review = await authentication.createTokenReview({
        body: { spec: { token: rotated, audiences: [AUDIENCE] } },
      });
      return review.status?.authenticated !== true;
    }, 60_000);
    const refusedBefore = side.server.counters.rejected.unauthenticated;
    // Bound: the cache TTL, one heartbeat interval, and slack for a loaded machine.
    await waitFor(
      "the operator to refuse the revoked token",
      () => side.server.counters.rejected.unauthenticated > refusedBefore,
      (cacheSeconds + 1) * 1000 + 10_000,
    );
    await waitFor("the agent to see the refusal", () => !pusher.connected, 10_000);
  } finally {
    await pusher.stop();
    await side.stop();
    await volume.remove();
    await cleanUp();
  }
});
