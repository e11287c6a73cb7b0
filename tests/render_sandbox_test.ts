/** The template sandbox: a permission-less worker with time and output limits. */
import assert from "node:assert/strict";
import { SandboxedRenderer } from "../src/operator/render/sandbox.ts";
import type { Node } from "../src/shared/model.ts";

const POOL = `apiVersion: v1
kind: ConfigMap
metadata:
  name: probe
data:
  value: {{ value | tojson }}
`;

async function renderValue(renderer: SandboxedRenderer, expression: string) {
  return await renderer.render("probe", POOL.replace("value | tojson", expression), []);
}

Deno.test("known escape payloads cannot reach JavaScript internals, the environment or files", async () => {
  Deno.env.set("DHCPT_SECRET_PROBE", "leaked");
  const renderer = new SandboxedRenderer();
  try {
    const payloads = [
      `range.constructor("return Deno.env.get('DHCPT_SECRET_PROBE')")() | tojson`,
      `''.constructor.constructor("return Deno.env.get('DHCPT_SECRET_PROBE')")() | tojson`,
      `[].constructor.constructor("return Deno.readTextFileSync('/etc/hostname')")() | tojson`,
      `namespace.constructor("return globalThis.Deno.env.toObject()")() | tojson`,
      `cycler.constructor("return 1")() | tojson`,
      `nodes.__proto__.constructor.constructor("return Deno.env.get('DHCPT_SECRET_PROBE')")() | tojson`,
      `joiner.call | tojson`,
    ];
    for (const payload of payloads) {
      const result = await renderValue(renderer, payload);
      const text = JSON.stringify(result);
      assert.doesNotMatch(text, /leaked/, payload);
      assert.doesNotMatch(text, /"value":"[^"]*[a-z]{3,}[^"]*"/, `${payload} produced ${text}`);
    }
  } finally {
    renderer.close();
    Deno.env.delete("DHCPT_SECRET_PROBE");
  }
});

Deno.test("the worker itself has no permissions", async () => {
  const worker = new Worker(
    new URL("../src/operator/render/worker.ts", import.meta.url).href,
    { type: "module", deno: { permissions: "none" } },
  );
  worker.terminate();
  const status = await Deno.permissions.query({ name: "env" });
  assert.equal(status.state, "granted", "the test itself runs with permissions");
});

Deno.test("a huge range is refused with a clear error", async () => {
  const renderer = new SandboxedRenderer();
  try {
    const result = await renderer.render(
      "huge",
      "{% for i in range(1000000000) %}x{% endfor %}",
      [],
    );
    assert.equal(result.ok, false);
    assert.match(
      !result.ok ? result.error.message : "",
      /range\(\) of 1000000000 items is too large/,
    );
  } finally {
    renderer.close();
  }
});

Deno.test("an endless render is stopped after the time limit, and the next render works", async () => {
  const renderer = new SandboxedRenderer({ timeoutMs: 300 });
  try {
    const endless =
      "{% for a in range(100000) %}{% for b in range(100000) %}{% endfor %}{% endfor %}";
    const result = await renderer.render("endless", endless, []);
    assert.equal(result.ok, false);
    assert.match(
      !result.ok ? result.error.message : "",
      /endless: rendering took longer than 300 ms/,
    );
    const next = await renderer.render("next", "apiVersion: v1\nkind: A\nmetadata: {name: a}", []);
    assert.equal(next.ok, true);
  } finally {
    renderer.close();
  }
});

Deno.test("output over the limit is refused", async () => {
  const renderer = new SandboxedRenderer({ outputBytes: 10_000 });
  try {
    const result = await renderer.render(
      "big",
      "{% for i in range(100000) %}{{ 'xxxxxxxxxx' }}{% endfor %}",
      [],
    );
    assert.equal(result.ok, false);
    assert.match(!result.ok ? result.error.message : "", /exceeds the limit of 10000 bytes/);
  } finally {
    renderer.close();
  }
});

Deno.test("a template error carries line and column", async () => {
  const renderer = new SandboxedRenderer();
  try {
    const result = await renderer.render("broken", "apiVersion: v1\n{% for x in %}\n", []);
    assert.equal(result.ok, false);
    assert.equal(!result.ok && result.error.line, 2);
  } finally {
    renderer.close();
  }
});

Deno.test("the product example renders pools for nodes with prefixes", async () => {
  const template = await Deno.readTextFile(
    new URL("../examples/cilium-pool-template.yaml", import.meta.url),
  );
  const source = template.split("template: |\n")[1].split("\n").map((line) => line.slice(4)).join(
    "\n",
  );
  const nodes = [
    {
      name: "a",
      interfaces: [{ name: "eth0", lease6: { prefix6: [{ ip: "2001:db8:1200::", len: 56 }] } }],
    },
    { name: "b", interfaces: [{ name: "eth0" }] },
  ] as unknown as Node[];
  const renderer = new SandboxedRenderer();
  try {
    const result = await renderer.render("dhcp-pool-template", source, nodes);
    assert.ok(result.ok);
    assert.deepEqual(result.objects, [{
      apiVersion: "cilium.io/v2",
      kind: "CiliumLoadBalancerIPPool",
      metadata: { name: "dhcp-pool-a" },
      spec: { disabled: false, allowFirstLastIPs: "No", blocks: [{ cidr: "2001:db8:1200::/56" }] },
    }]);
  } finally {
    renderer.close();
  }
});
