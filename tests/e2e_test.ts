/**
 * End to end, with real parts only: kea and dhcpcd in network namespaces, the agent and
 * operator executables as host processes with real node-bound tokens, the real control plane and
 * the real Cilium CRD. The product example's pools follow the delegated prefixes; the operator
 * and the agents survive being killed; the leader hands over; nothing is deleted and recreated.
 */
import assert from "node:assert/strict";
import { parse } from "yaml";
import type { KubernetesObject } from "../src/shared/kube_object.ts";
import {
  startApiserver,
  stopApiserver,
  testKubeconfigPath,
  uniqueName,
  waitFor,
} from "./support/cluster.ts";
import { Pipeline } from "./support/pipeline.ts";

const EXAMPLE = new URL("../examples/cilium-pool-template.yaml", import.meta.url);
const DRAINING_EXAMPLE = new URL("../examples/cilium-pool-draining.yaml", import.meta.url);

Deno.test("end to end: DHCP leases become Cilium pools and stay correct through faults", async (t) => {
  const prefix = uniqueName("e2e");
  const nodes = [`${prefix}-a`, `${prefix}-b`];
  const [a, b] = nodes;
  const resolvConf = await Deno.readFile("/etc/resolv.conf");
  const pipeline = await Pipeline.start({
    kubeconfigPath: testKubeconfigPath(),
    nodes,
    namespace: prefix,
    operators: 2,
  });
  const step = (name: string, run: () => Promise<void>) =>
    t.step(name, async () => {
      try {
        await run();
      } catch (error) {
        throw new Error(`${error}\n${pipeline.recentOutput()}`);
      }
    });
  const uidOf = async (node: string) => (await pipeline.pool(node))?.metadata.uid;
  try {
    const template = parse(await Deno.readTextFile(EXAMPLE)) as KubernetesObject;
    template.metadata.name = `${prefix}-pools`;
    await pipeline.objects.apply(template);

    await step("every node's delegated prefix becomes its pool", async () => {
      for (const node of nodes) {
        const delegated = await pipeline.testbed.delegatedPrefixes(node);
        await pipeline.waitForPool(
          node,
          `to carry ${delegated}`,
          (cidrs) => JSON.stringify(cidrs) === JSON.stringify(delegated),
        );
      }
    });

    await step("a prefix change on the DHCP server reaches the pool", async () => {
      const [old] = await pipeline.testbed.delegatedPrefixes(b);
      const next = "2001:db8:1f00::/56";
      await pipeline.testbed.setDelegatedPrefix(b, next);
      // The product example renders `prefix6`: the current lease's prefix, not the withdrawn one
      // (still valid, it is in `prefix6_draining`).
      await pipeline.waitForPool(
        b,
        `to carry only ${next}, not ${old}`,
        (cidrs) => JSON.stringify(cidrs) === JSON.stringify([next]),
      );
    });

    await step("an agent killed and restarted leaves the pools untouched", async () => {
      const before = await pipeline.pool(a);
      await pipeline.agents.get(a)!.kill();
      await pipeline.startAgent(a);
      const after = await pipeline.pool(a);
      assert.equal(after?.metadata.uid, before?.metadata.uid);
      assert.equal(after?.metadata.resourceVersion, before?.metadata.resourceVersion);
    });

    await step(
      "the apiserver down for 30 s: operator and agents recover by themselves",
      async () => {
        const next = "2001:db8:1d00::/56";
        await stopApiserver();
        try {
          // The lease changes while the apiserver is away: the agent keeps retrying.
          await pipeline.testbed.setDelegatedPrefix(a, next);
          await new Promise((resolve) => setTimeout(resolve, 30_000));
        } finally {
          await startApiserver();
        }
        // Failed watches are restarted with a delay doubling up to 30 s (src/operator/kube/informer.ts).
        await pipeline.waitForPool(
          a,
          `to carry ${next}`,
          (cidrs) => cidrs?.includes(next) ?? false,
          150_000,
        );
        await waitFor("a leader again", async () => (await leader(pipeline)) >= 0, 30_000);
        // Known: Deno 2.9.6 sometimes dies with SIGSEGV when the apiserver drops its connections;
        // the replica is restarted (as the Deployment's kubelet would) and nothing is lost.
        console.log(
          `operator replicas that crashed during the outage: ${pipeline.crashes.length}` +
            pipeline.crashes.map((crash) => ` (${crash.name}: ${crash.status.signal})`).join(""),
        );
      },
    );

    await step("the leader killed: the other replica takes over", async () => {
      const leaderIndex = await leader(pipeline);
      const uids = await Promise.all(nodes.map(uidOf));
      await pipeline.killOperator(leaderIndex);
      const next = "2001:db8:1e00::/56";
      await pipeline.testbed.setDelegatedPrefix(a, next);
      await pipeline.waitForPool(a, `to carry ${next}`, (cidrs) => cidrs?.includes(next) ?? false);
      assert.deepEqual(await Promise.all(nodes.map(uidOf)), uids);
    });

    await step("an operator restarted after SIGKILL deletes and recreates nothing", async () => {
      const uids = await Promise.all(nodes.map(uidOf));
      const versions = await Promise.all(
        nodes.map(async (node) => (await pipeline.pool(node))?.metadata.resourceVersion),
      );
      const index = pipeline.operators.findIndex((operator) => operator !== undefined);
      await pipeline.killOperator(index);
      await pipeline.startOperator(index);
      await waitFor("a leader", async () => (await leader(pipeline)) >= 0, 30_000);
      assert.deepEqual(await Promise.all(nodes.map(uidOf)), uids);
      assert.deepEqual(
        await Promise.all(
          nodes.map(async (node) => (await pipeline.pool(node))?.metadata.resourceVersion),
        ),
        versions,
      );
    });
  } finally {
    await pipeline.deleteTemplate(`${prefix}-pools`);
    await pipeline.stop();
  }
  assert.deepEqual(await Deno.readFile("/etc/resolv.conf"), resolvConf);
});

/** The index of the replica that leads (reports `dhcp_template_operator_leader 1`), or -1. */
async function leader(pipeline: Pipeline): Promise<number> {
  for (const [index, operator] of pipeline.operators.entries()) {
    if (!operator) continue;
    const metrics = await operator.metrics().catch(() => "");
    if (/^dhcp_template_operator_leader 1$/m.test(metrics)) return index;
  }
  return -1;
}

Deno.test("end to end: a released prefix leaves the active pool and drains in the disabled one until its valid lifetime ends", async () => {
  const node = uniqueName("drain");
  const pipeline = await Pipeline.start({
    kubeconfigPath: testKubeconfigPath(),
    nodes: [node],
    namespace: node,
    lifetimes: { preferred: 6, valid: 12 },
  });
  try {
    const template = parse(await Deno.readTextFile(DRAINING_EXAMPLE)) as KubernetesObject;
    template.metadata.name = `${node}-pools`;
    await pipeline.objects.apply(template);
    const [prefix] = await pipeline.testbed.delegatedPrefixes(node);
    // The draining example's disabled pool is named `dhcp-pool-<node>-draining`.
    const draining = `${node}-draining`;
    await pipeline.waitForPool(node, `to carry ${prefix}`, (cidrs) => cidrs?.[0] === prefix);
    const leaseFile = `${pipeline.testbed.leaseDir(node)}/eth0.lease6`;
    // The operator knows the last report: at most one renewal (T1 = 3 s) older than the file.
    const validUntil = (await Deno.stat(leaseFile)).mtime!.getTime() + 12_000 - 3_000;

    await pipeline.testbed.release(node);
    // dhcpcd removed its lease files: the current lease carries no prefix, so the active pool
    // goes; the prefix's valid lifetime has not ended, so it drains in the disabled pool.
    await pipeline.waitForPool(draining, `to carry ${prefix}`, (cidrs) => cidrs?.[0] === prefix);
    assert.equal(await pipeline.pool(node), undefined);
    await pipeline.waitForPool(draining, "to be deleted", (cidrs) => cidrs === undefined, 30_000);
    // Not before the lifetime ended (the lease file's time has whole-second precision).
    assert.ok(Date.now() >= validUntil - 1000, `deleted ${validUntil - Date.now()} ms early`);
  } finally {
    await pipeline.deleteTemplate(`${node}-pools`);
    await pipeline.stop();
  }
});
