/** The template sandbox: a permission-less render process and worker, time and output limits. */
import assert from "node:assert/strict";
import type { HostReady } from "../src/operator/render/host.ts";
import { renderHostCommand } from "../src/operator/render/host_command.ts";
import { PERMISSION_NAMES } from "../src/operator/render/permissions.ts";
import { RenderProcess } from "../src/operator/render/render_process.ts";
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

Deno.test("known escape payloads fail as undefined members; a normal render beside them works", async () => {
  Deno.env.set("DHCPT_SECRET_PROBE", "leaked");
  const renderer = new SandboxedRenderer();
  const plain = async () => {
    const result = await renderValue(renderer, `"plain" | tojson`);
    assert.ok(result.ok, JSON.stringify(result));
    assert.deepEqual(result.objects[0].data, { value: "plain" });
  };
  try {
    await plain();
    // Each reaches for a JavaScript internal; in a template that member is undefined, so the
    // call (or the printing) fails there — not for some other reason, and never with a value.
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
      assert.equal(result.ok, false, `${payload} rendered: ${JSON.stringify(result)}`);
      assert.match(result.error.message, /^probe \(line 6, column \d+\): /, payload);
      assert.match(result.error.message, /undefined|has no attribute/i, payload);
      assert.doesNotMatch(result.error.message, /leaked|Requires|NotCapable|PermissionDenied/);
    }
    await plain();
  } finally {
    await renderer.close();
    Deno.env.delete("DHCPT_SECRET_PROBE");
  }
});

/** Starts a render process with `command` and returns what its ready frame says. */
async function readyFrame(command = renderHostCommand(256)): Promise<HostReady> {
  const ready = Promise.withResolvers<HostReady>();
  const exited = Promise.withResolvers<void>();
  const process = new RenderProcess(command, {
    onReady: (frame) => ready.resolve(frame),
    onResponse: () => {},
    onExit: (status, stderr) => {
      ready.reject(new Error(`the render process exited (${status.code}): ${stderr}`));
      exited.resolve();
    },
  });
  try {
    return await ready.promise;
  } finally {
    await process.kill();
    await exited.promise;
  }
}

Deno.test("the render process and its worker have no permission at all", async () => {
  const { permissions } = await readyFrame();
  for (const name of PERMISSION_NAMES) {
    assert.notEqual(permissions.host[name], "granted", `render process: ${name}`);
    assert.notEqual(permissions.worker[name], "granted", `render worker: ${name}`);
  }
});

Deno.test("as in the compiled operator (all permissions), the render process gives them up", async () => {
  // `deno compile --allow-all` runs executable.ts with every permission; so does this command.
  const executable = new URL("../src/operator/executable.ts", import.meta.url).pathname;
  const { permissions } = await readyFrame({
    path: Deno.execPath(),
    args: ["run", "--allow-all", executable, "__render-host"],
  });
  for (const name of PERMISSION_NAMES) {
    assert.notEqual(permissions.host[name], "granted", `render process: ${name}`);
    assert.notEqual(permissions.worker[name], "granted", `render worker: ${name}`);
  }
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
    await renderer.close();
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
      /^endless: rendering was stopped at the CPU limit of 300 ms$/,
    );
    const next = await renderer.render("next", "apiVersion: v1\nkind: A\nmetadata: {name: a}", []);
    assert.equal(next.ok, true);
  } finally {
    await renderer.close();
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
    await renderer.close();
  }
});

Deno.test("a template error carries line and column", async () => {
  const renderer = new SandboxedRenderer();
  try {
    const result = await renderer.render("broken", "apiVersion: v1\n{% for x in %}\n", []);
    assert.equal(result.ok, false);
    assert.equal(!result.ok && result.error.line, 2);
  } finally {
    await renderer.close();
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
    await renderer.close();
  }
});
