/**
 * The agent's pusher against the real agent server, with an in-memory store and a recording
 * authenticator (no cluster needed): token files that appear late and rotate, heartbeats that
 * follow the operator's interval, resends on request.
 */
import assert from "node:assert/strict";
import { startPusher } from "../src/agent/push.ts";
import type { Authenticator } from "../src/operator/grpc/token_review.ts";
import { type ReportSink, startAgentServer } from "../src/operator/grpc/server.ts";
import type { Interface } from "../src/shared/model.ts";
import { reportDigest } from "../src/shared/wire/codec.ts";
import { waitFor } from "./support/cluster.ts";
import { eth0WithPrefixes, prefixValidFor } from "./support/leases.ts";

/** Remembers each node's last report digest, and can be told to forget. */
class MemoryStore implements ReportSink {
  readonly digests = new Map<string, string>();
  readonly reports: Interface[][] = [];

  accept(nodeName: string, interfaces: Interface[]): Promise<boolean> {
    this.reports.push(interfaces);
    this.digests.set(nodeName, reportDigest({ name: nodeName, interfaces }));
    return Promise.resolve(true);
  }

  holds(nodeName: string, digest: string): boolean {
    return this.digests.get(nodeName) === digest;
  }
}

/** Accepts every token for node-a and records them. */
function recordingAuthenticator(tokens: (string | undefined)[]): Authenticator {
  return {
    authenticate(token) {
      tokens.push(token);
      return Promise.resolve({
        ok: true,
        identity: { serviceAccount: "test:agent", nodeName: "node-a" },
      });
    },
  };
}

Deno.test("the pusher waits for its token file, re-reads it when it rotates, and resends on request", async () => {
  const dir = await Deno.makeTempDir({ prefix: "dhcpt-push-" });
  const tokenFile = `${dir}/token`;
  const tokens: (string | undefined)[] = [];
  const store = new MemoryStore();
  const server = await startAgentServer({
    listen: "127.0.0.1:0",
    authenticator: recordingAuthenticator(tokens),
    store,
    heartbeatSeconds: 1,
  });
  const pusher = await startPusher({
    target: `127.0.0.1:${server.port}`,
    tls: "plaintext",
    tokenFile,
    nodeName: "node-a",
    backoff: { initialMs: 20, maxMs: 100 },
  });
  try {
    const interfaces = [eth0WithPrefixes([prefixValidFor("2001:db8:3000::", 3600)])];
    pusher.update(interfaces);
    await waitFor("a failure without a token file", () => pusher.counts.failures >= 1);
    assert.equal(server.counters.reports, 0);

    await Deno.writeTextFile(tokenFile, "first-token\n");
    await waitFor("the report", () => store.reports.length === 1);
    assert.deepEqual(store.reports[0], interfaces);
    await waitFor("a heartbeat at the operator's interval", () => pusher.counts.heartbeats >= 1);

    // Rotation as the kubelet does it: a new file renamed over the old one.
    await Deno.writeTextFile(`${tokenFile}.new`, "second-token");
    await Deno.rename(`${tokenFile}.new`, tokenFile);
    await waitFor("a call with the new token", () => tokens.includes("second-token"), 5000);

    // The operator lost the state: the next heartbeat is answered "resend".
    store.digests.clear();
    await waitFor("the resent report", () => store.reports.length === 2, 5000);
    assert.deepEqual(store.reports[1], interfaces);
    assert.ok(server.counters.resends >= 1);
    assert.deepEqual([...new Set(tokens)], ["first-token", "second-token"]);
  } finally {
    await pusher.stop();
    await server.stop();
    await Deno.remove(dir, { recursive: true });
  }
});
