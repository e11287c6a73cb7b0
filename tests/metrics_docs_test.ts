/** The README's metrics table lists exactly the metrics the operator and the agent register. */
import assert from "node:assert/strict";
import { agentMetrics, operatorMetrics, Registry } from "../src/shared/metrics.ts";

Deno.test("README documents every metric, with its type and labels", async () => {
  const readme = await Deno.readTextFile(new URL("../README.md", import.meta.url));
  const documented = [...readme.matchAll(/^\| `(dhcp_template_\w+)` +\| (\w+) +\| ([^|]*)\|/gm)]
    .map(([, name, type, labels]) => ({
      name,
      type,
      labels: labels.replaceAll("`", "").split(",").map((label) => label.trim()).filter(Boolean),
    }));
  const registry = new Registry();
  operatorMetrics(registry);
  agentMetrics(registry);
  const registered = (await registry.getMetricsAsJSON()).map((metric) => ({
    name: metric.name,
    type: String(metric.type),
  }));
  assert.deepEqual(documented.map(({ name, type }) => ({ name, type })), registered);
  for (const { name, labels } of documented) {
    const metric = registry.getSingleMetric(name) as unknown as { labelNames: string[] };
    assert.deepEqual(labels, metric.labelNames, name);
  }
});
