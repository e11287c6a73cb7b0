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
        pipeline.exits.check();
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
      const leading = pipeline.operators[await leader(pipeline)]!;
      const latency = async () => ({
        count: await leading.metric("dhcp_template_operator_lease_change_applied_seconds_count"),
        sum: await leading.metric("dhcp_template_operator_lease_change_applied_seconds_sum"),
      });
      const before = await latency();
      const started = Date.now();
      await pipeline.testbed.setDelegatedPrefix(b, next);
      // The product example renders `prefix6`: the current lease's prefix, not the withdrawn one
      // (still valid, it is in `prefix6_draining`).
      await pipeline.waitForPool(
        b,
        `to carry only ${next}, not ${old}`,
        (cidrs) => JSON.stringify(cidrs) === JSON.stringify([next]),
      );
      // The leader timed the change from when the agent saw it: within what the test saw (a
      // start time left over from an earlier change would exceed it).
      await pipeline.waitFor(
        "the change to be timed",
        async () => (await latency()).count > before.count,
      );
      const after = await latency();
      const elapsed = (Date.now() - started) / 1000;
      const timed = after.count - before.count;
      assert.ok(
        after.sum > before.sum && after.sum - before.sum <= timed * elapsed,
        `${timed} changes timed at ${after.sum - before.sum} s in all; the test saw ${elapsed} s`,
      );
    });

    await step("an agent killed and restarted leaves the pools untouched", async () => {
      const before = await pipeline.pool(a);
      const nodeData = await pipeline.dhcpNode(a);
      await pipeline.agents.get(a)!.kill();
      const agent = await pipeline.startAgent(a);
      // The restarted agent's first report has been accepted; it changed no node data, so it
      // started no reconcile that could still be under way when the pool is compared.
      await pipeline.waitFor(
        "the restarted agent's first accepted report",
        async () => await agent.metric("dhcp_template_agent_pushes_total", 'result="ok"') >= 1,
      );
      assert.equal(
        (await pipeline.dhcpNode(a))?.metadata.resourceVersion,
        nodeData?.metadata.resourceVersion,
      );
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
        await pipeline.waitFor("a leader again", async () => (await leader(pipeline)) >= 0, 30_000);
        // No process was restarted: every one of them lived through the outage (the step fails
        // on any unexpected exit).
      },
    );

    await step("the leader killed: the other replica takes over", async () => {
      const leaderIndex = await leader(pipeline);
      assert.ok(leaderIndex >= 0, "no replica reports that it leads");
      const other = 1 - leaderIndex;
      const uids = await Promise.all(nodes.map(uidOf));
      await pipeline.killOperator(leaderIndex);
      await pipeline.waitFor(
        `replica ${other} to lead`,
        async () => (await leader(pipeline)) === other,
        30_000,
      );
      const next = "2001:db8:1e00::/56";
      await pipeline.testbed.setDelegatedPrefix(a, next);
      // Only the new leader reconciles: the pool following the prefix is its work.
      await pipeline.waitForPool(a, `to carry ${next}`, (cidrs) => cidrs?.includes(next) ?? false);
      assert.ok(
        await pipeline.operators[other]!.metric("dhcp_template_operator_applies_total") >= 1,
        "the new leader applied the change",
      );
      assert.deepEqual(await Promise.all(nodes.map(uidOf)), uids);
    });

    await step("an operator restarted after SIGKILL deletes and recreates nothing", async () => {
      const uids = await Promise.all(nodes.map(uidOf));
      const versions = await Promise.all(
        nodes.map(async (node) => (await pipeline.pool(node))?.metadata.resourceVersion),
      );
      const index = pipeline.operators.findIndex((operator) => operator !== undefined);
      await pipeline.killOperator(index);
      const restarted = await pipeline.startOperator(index);
      // Its first reconcile of the template has finished (as a leader it reconciles everything).
      await pipeline.waitFor(
        "the restarted replica's first reconcile",
        async () =>
          await restarted.metric(
            "dhcp_template_operator_reconciles_total",
            `template="${prefix}-pools"`,
          ) >= 1,
        60_000,
      );
      assert.deepEqual(await Promise.all(nodes.map(uidOf)), uids);
      assert.deepEqual(
        await Promise.all(
          nodes.map(async (node) => (await pipeline.pool(node))?.metadata.resourceVersion),
        ),
        versions,
      );
      assert.equal(
        await restarted.metric("dhcp_template_operator_applies_total"),
        0,
        "the restarted replica applied nothing",
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
