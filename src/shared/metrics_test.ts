import assert from "node:assert/strict";
import { agentMetrics, operatorMetrics, Registry } from "./metrics.ts";

/** The sample lines of an exposition (no comments, no blank lines). */
function samples(text: string): string[] {
  return text.split("\n").filter((line) => line !== "" && !line.startsWith("#"));
}

Deno.test("operator metrics: exposition text of counters, gauges and histograms", async () => {
  const registry = new Registry();
  const metrics = operatorMetrics(registry);
  metrics.agentReports.inc({ result: "accepted" });
  metrics.agentReports.inc({ result: "accepted" });
  metrics.authenticationFailures.inc({ reason: "wrong_node" });
  metrics.renders.inc({ template: "pools", result: "ok" });
  metrics.applies.inc({ template: "pools" }, 3);
  metrics.deletions.inc({ template: "pools" });
  metrics.patches.inc({ template: "web", action: "patched" }, 2);
  metrics.nodesKnown.set(2);
  metrics.leader.set(1);
  metrics.leaseChangeLatency.observe(0.3);

  const text = await registry.metrics();
  assert.match(
    text,
    /# HELP dhcp_template_operator_agent_reports_total Node data pushes received from agents, by result\.\n# TYPE dhcp_template_operator_agent_reports_total counter\n/,
  );
  const lines = samples(text);
  for (
    const expected of [
      'dhcp_template_operator_agent_reports_total{result="accepted"} 2',
      'dhcp_template_operator_authentication_failures_total{reason="wrong_node"} 1',
      'dhcp_template_operator_renders_total{template="pools",result="ok"} 1',
      'dhcp_template_operator_applies_total{template="pools"} 3',
      'dhcp_template_operator_deletions_total{template="pools"} 1',
      'dhcp_template_operator_patches_total{template="web",action="patched"} 2',
      "dhcp_template_operator_nodes 2",
      "dhcp_template_operator_leader 1",
      "dhcp_template_operator_agent_heartbeats_total 0",
    ]
  ) {
    assert.ok(lines.includes(expected), `missing ${expected}`);
  }
  assert.deepEqual(
    lines.filter((line) => line.startsWith("dhcp_template_operator_lease_change_applied_seconds")),
    [
      'dhcp_template_operator_lease_change_applied_seconds_bucket{le="0.05"} 0',
      'dhcp_template_operator_lease_change_applied_seconds_bucket{le="0.1"} 0',
      'dhcp_template_operator_lease_change_applied_seconds_bucket{le="0.25"} 0',
      'dhcp_template_operator_lease_change_applied_seconds_bucket{le="0.5"} 1',
      'dhcp_template_operator_lease_change_applied_seconds_bucket{le="1"} 1',
      'dhcp_template_operator_lease_change_applied_seconds_bucket{le="2.5"} 1',
      'dhcp_template_operator_lease_change_applied_seconds_bucket{le="5"} 1',
      'dhcp_template_operator_lease_change_applied_seconds_bucket{le="10"} 1',
      'dhcp_template_operator_lease_change_applied_seconds_bucket{le="+Inf"} 1',
      "dhcp_template_operator_lease_change_applied_seconds_sum 0.3",
      "dhcp_template_operator_lease_change_applied_seconds_count 1",
    ],
  );
});

Deno.test("operator metrics: render duration histogram by template", async () => {
  const registry = new Registry();
  const metrics = operatorMetrics(registry);
  metrics.renderDuration.observe({ template: "pools" }, 0.02);
  const lines = samples(await registry.metrics());
  assert.ok(
    lines.includes(
      'dhcp_template_operator_render_duration_seconds_bucket{le="0.025",template="pools"} 1',
    ),
  );
  assert.ok(
    lines.includes(
      'dhcp_template_operator_render_duration_seconds_bucket{le="0.01",template="pools"} 0',
    ),
  );
  assert.ok(
    lines.includes('dhcp_template_operator_render_duration_seconds_count{template="pools"} 1'),
  );
});

Deno.test("agent metrics: exposition text", async () => {
  const registry = new Registry();
  const metrics = agentMetrics(registry);
  metrics.pushes.inc({ result: "ok" });
  metrics.pushes.inc({ result: "error" });
  metrics.heartbeats.inc(4);
  metrics.connected.set(1);
  metrics.leaseChanges.inc();
  metrics.leaseReadProblems.inc();
  assert.deepEqual(samples(await registry.metrics()), [
    'dhcp_template_agent_pushes_total{result="ok"} 1',
    'dhcp_template_agent_pushes_total{result="error"} 1',
    "dhcp_template_agent_heartbeats_total 4",
    "dhcp_template_agent_connected 1",
    "dhcp_template_agent_lease_changes_total 1",
    "dhcp_template_agent_lease_read_problems_total 1",
  ]);
  assert.equal(registry.contentType, "text/plain; version=0.0.4; charset=utf-8");
});

Deno.test("registering twice on one registry is refused", () => {
  const registry = new Registry();
  agentMetrics(registry);
  assert.throws(() => agentMetrics(registry), /already been registered/);
});
